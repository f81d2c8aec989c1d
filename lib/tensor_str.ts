// Prints tensors the way PyTorch's torch/_tensor_str.py does (precision 4, threshold 1000, edgeitems 3, linewidth 80).
import type { Tensor } from "./tensor";
import { getDefaultDtype } from "./tensor";
import * as dt from "./dtype";

export const printOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null as boolean | null };
const profiles = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};
/** torch.set_printoptions: a profile ("default" | "short" | "full") first, then the options given. */
export function setPrintOptions(o: Partial<typeof printOptions> & { profile?: keyof typeof profiles }): void {
  const { profile, ...rest } = o;
  if (profile) {
    if (!(profile in profiles)) throw new TypeError(`setPrintOptions(): unknown profile '${profile}' (default, short or full)`);
    Object.assign(printOptions, profiles[profile]);
  }
  Object.assign(printOptions, rest);
}

type Fmt = (x: number) => string;

/** JS 1.2346e+5 -> Python 1.2346e+05 */
function pyExp(s: string): string { return s.replace(/e([+-])(\d)$/, "e$10$2"); }

// Python formats with round-half-to-even on the exact binary value; JS toFixed/toExponential round ties
// up. A tie is an exact expansion that ends in 5 right after the kept digits: then keep an even digit.
function fixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s = ax.toFixed(p);
  if (ax < 1e21) {
    const exact = ax.toFixed(Math.min(100, p + 60));
    const dot = exact.indexOf(".");
    const cut = p === 0 ? dot : dot + 1 + p;
    const kept = exact.slice(0, cut);
    if (/^50*$/.test(exact.slice(cut).replace(".", "")) && Number(kept[kept.length - 1]) % 2 === 0) s = kept;
  }
  return (neg ? "-" : "") + s;
}
function sciFmt(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s = ax.toExponential(p);
  const exact = ax.toExponential(100);
  const e = exact.indexOf("e");
  const digits = exact.slice(0, e).replace(".", "");
  if (/^50*$/.test(digits.slice(p + 1)) && Number(digits[p]) % 2 === 0)
    s = digits[0] + (p > 0 ? "." + digits.slice(1, p + 1) : "") + exact.slice(e);
  return pyExp((neg ? "-" : "") + s);
}

/** Python's _Formatter: widths come from the nonzero finite values only. */
function makeFormatter(vals: number[], kind: "float" | "int" | "bool"): { fmt: Fmt; width: number } {
  const p = printOptions.precision;
  const pad = (w: number, f: Fmt): Fmt => (x) => { const r = f(x); return r.length < w ? " ".repeat(w - r.length) + r : r; };
  if (kind !== "float") {
    const f = kind === "bool" ? (x: number) => (x ? "True" : "False") : (x: number) => String(x);
    const width = Math.max(1, ...vals.map((v) => f(v).length));
    return { fmt: pad(width, f), width };
  }
  const nz = vals.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true, sci = false, width = 1;
  if (nz.length) {
    const abs = nz.map(Math.abs);
    const mx = Math.max(...abs), mn = Math.min(...abs);
    intMode = nz.every((v) => Math.ceil(v) === v);
    if (intMode) {
      if (mx / mn > 1000 || mx > 1e8) { sci = true; for (const v of nz) width = Math.max(width, sciFmt(v, p).length); }
      else for (const v of nz) width = Math.max(width, fixed(v, 0).length + 1);
    } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
      sci = true; for (const v of nz) width = Math.max(width, sciFmt(v, p).length);
    } else for (const v of nz) width = Math.max(width, fixed(v, p).length);
  }
  if (printOptions.sciMode !== null) sci = printOptions.sciMode;
  let f: Fmt;
  if (sci) f = (x) => sciFmt(x, p);
  else if (intMode) f = (x) => fixed(x, 0) + (Number.isFinite(x) ? "." : "");
  else f = (x) => fixed(x, p);
  return { fmt: pad(width, f), width };
}

export function formatTensor(t: Tensor): string {
  if ((t as any)._id < 0) return "Tensor(disposed)";
  const dtype = t.dtype;
  const shape = t.shape;
  const numel = shape.reduce((a, b) => a * b, 1);
  const kind = dtype === dt.bool ? "bool" : dtype.isFloatingPoint ? "float" : "int";
  const summarize = numel > printOptions.threshold;
  // int64 prints from its exact values (BigInt): past 2^53 a JS number would round
  const flat: any[] = dtype === dt.int64 ? Array.from(t.data() as BigInt64Array) : Array.from(t.dataNumbers() as ArrayLike<number>, Number);
  const suffix: string[] = [];
  const dev = t.device;
  if (dev !== "cpu") suffix.push(`device='${dev}'`);
  let body: string;
  const indent = "tensor(".length;
  if (numel === 0) {
    body = "[]";
    if (shape.length !== 1 || shape[0] !== 0) suffix.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
  } else {
    // which values take part in width computation (summarised view)
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const e = printOptions.edgeitems;
    const shown: number[] = [];
    const collect = (d: number, off: number) => {
      if (d === shape.length) { shown.push(flat[off]); return; }
      const n = shape[d];
      const idx = summarize && n > 2 * e ? [...Array(e).keys(), ...Array.from({ length: e }, (_, k) => n - e + k)] : [...Array(n).keys()];
      for (const i of idx) collect(d + 1, off + i * strides[d]);
    };
    collect(0, 0);
    const { fmt, width } = makeFormatter(shown, kind);
    const el = fmt;
    const render = (d: number, off: number, ind: number): string => {
      if (d === shape.length) return el(flat[off]);
      const n = shape[d];
      const useSum = summarize && n > 2 * e;
      const idx = useSum ? [...Array(e).keys(), -1, ...Array.from({ length: e }, (_, k) => n - e + k)] : [...Array(n).keys()];
      if (d === shape.length - 1) {
        const items = idx.map((i) => (i < 0 ? " ..." : el(flat[off + i * strides[d]])));
        const perLine = Math.max(1, Math.floor((printOptions.linewidth - ind) / (width + 2)));
        const lines: string[] = [];
        for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(", "));
        return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
      }
      const sep = "," + "\n".repeat(shape.length - d - 1) + " ".repeat(ind + 1);
      const parts = idx.map((i) => (i < 0 ? "..." : render(d + 1, off + i * strides[d], ind + 1)));
      return "[" + parts.join(sep) + "]";
    };
    body = shape.length === 0 ? fmt(flat[0]) : render(0, 0, indent);
  }
  // Python leaves out the default dtype (torch.get_default_dtype()), int64 and bool; an empty tensor shows all but the default
  const dflt = getDefaultDtype();
  if (numel === 0 ? dtype !== dflt : dtype !== dflt && dtype !== dt.int64 && dtype !== dt.bool) suffix.push(`dtype=torch.${dtype.name}`);
  const gf = t.gradFn;
  if (gf) suffix.push(`grad_fn=<${gf.replace(/^torch::autograd::/, "")}>`);
  else if (t.requiresGrad) suffix.push("requires_grad=True");
  // Python's _add_suffixes: a suffix that would pass the line width goes on a new line
  let out = "tensor(" + body;
  let lastLen = out.length - out.lastIndexOf("\n") + 1;
  for (const sfx of suffix) {
    if (lastLen + sfx.length + 2 > printOptions.linewidth) { out += ",\n" + " ".repeat(indent) + sfx; lastLen = indent + sfx.length; }
    else { out += ", " + sfx; lastLen += sfx.length + 2; }
  }
  return out + ")";
}
