// Prints tensors the way PyTorch's torch/_tensor_str.py does (precision 4, threshold 1000, edgeitems 3, linewidth 80).
import type { Tensor } from "./tensor";
import * as dt from "./dtype";

export const printOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null as boolean | null };
export function setPrintOptions(o: Partial<typeof printOptions>): void { Object.assign(printOptions, o); }

type Fmt = (x: number) => string;

function pyExp(s: string): string {
  // JS 1.2346e+5 -> Python 1.2346e+05
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function makeFormatter(vals: number[], kind: "float" | "int" | "bool"): { fmt: Fmt; width: number } {
  const p = printOptions.precision;
  if (kind === "bool") { const fmt = (x: number) => (x ? "True" : "False"); return { fmt, width: vals.some((v) => !v) ? 5 : 4 }; }
  if (kind === "int") {
    const fmt = (x: number) => String(x);
    return { fmt, width: Math.max(1, ...vals.map((v) => fmt(v).length)) };
  }
  const finite = vals.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  let fmt: Fmt;
  const intMode = vals.filter(Number.isFinite).every((v) => Math.ceil(v) === v);
  if (finite.length === 0) fmt = intMode ? (x) => fixed(x, 0) + (Number.isFinite(x) ? "." : "") : (x) => fixed(x, p);
  else {
    const mx = Math.max(...finite), mn = Math.min(...finite);
    let sci: boolean;
    if (intMode) {
      sci = printOptions.sciMode ?? mx > 1e8;
      fmt = sci ? (x) => sciFmt(x, p) : (x) => (Number.isFinite(x) ? fixed(x, 0) + "." : fixed(x, 0));
    } else {
      sci = printOptions.sciMode ?? (mx / mn > 1000 || mx > 1e8 || mn < 1e-4);
      fmt = sci ? (x) => sciFmt(x, p) : (x) => fixed(x, p);
    }
  }
  return { fmt, width: Math.max(1, ...vals.map((v) => fmt(v).length)) };
}
function fixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const s = x.toFixed(p);
  return Object.is(x, -0) || (x < 0 && Number(s) === 0) ? (s.startsWith("-") ? s : "-" + s) : s;
}
function sciFmt(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return pyExp(x.toExponential(p));
}

export function formatTensor(t: Tensor): string {
  if ((t as any)._id < 0) return "Tensor(disposed)";
  const dtype = t.dtype;
  const shape = t.shape;
  const numel = shape.reduce((a, b) => a * b, 1);
  const kind = dtype === dt.bool ? "bool" : dtype.isFloatingPoint ? "float" : "int";
  const summarize = numel > printOptions.threshold;
  const flat = Array.from(t.dataNumbers() as ArrayLike<number>, Number);
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
    const el = (x: number) => fmt(x).padStart(width);
    const render = (d: number, off: number, ind: number): string => {
      if (d === shape.length) return el(flat[off]);
      const n = shape[d];
      const useSum = summarize && n > 2 * e;
      const idx = useSum ? [...Array(e).keys(), -1, ...Array.from({ length: e }, (_, k) => n - e + k)] : [...Array(n).keys()];
      if (d === shape.length - 1) {
        const items = idx.map((i) => (i < 0 ? "..." : el(flat[off + i * strides[d]])));
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
  if (dtype !== dt.float32 && dtype !== dt.int64 && dtype !== dt.bool) suffix.push(`dtype=torch.${dtype.name}`);
  else if (numel === 0 && dtype !== dt.float32) suffix.push(`dtype=torch.${dtype.name}`);
  const gf = t.gradFn;
  if (gf) suffix.push(`grad_fn=<${gf.replace(/^torch::autograd::/, "")}>`);
  else if (t.requiresGrad) suffix.push("requires_grad=True");
  return "tensor(" + body + (suffix.length ? ", " + suffix.join(", ") : "") + ")";
}
