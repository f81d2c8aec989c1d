// nn.init: in-place initialisers, with the same arithmetic and the same random calls as torch.nn.init,
// so that the same seed gives the same values as PyTorch.
import { Tensor, scalarTensor, emptyLike } from "../tensor";
import { float64 } from "../dtype";
import { callOp } from "../ops";
import { noGrad } from "../autograd";
import { tidy } from "../memory";
import { buildInfo } from "../native";
import { rngKw } from "../_rng";
import type { Generator } from "../generator";

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" |
  "conv_transpose3d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
export type FanMode = "fan_in" | "fan_out" | "fanIn" | "fanOut";

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  const linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"];
  if (linear.includes(nonlinearity) || nonlinearity === "sigmoid") return 1;
  if (nonlinearity === "tanh") return 5.0 / 3;
  if (nonlinearity === "relu") return Math.sqrt(2.0);
  if (nonlinearity === "leaky_relu") {
    let slope: number;
    if (param === undefined || param === null) slope = 0.01;
    else if (typeof param === "number") slope = param;
    else throw new Error(`negative_slope ${param} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity === "selu") return 3.0 / 4;
  throw new Error(`Unsupported nonlinearity ${nonlinearity}`);
}

/** [fanIn, fanOut] of a weight: dims 1 and 0 times the receptive field. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  const s = t.shape;
  if (s.length < 2) throw new Error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  let rf = 1;
  for (let i = 2; i < s.length; i++) rf *= s[i];
  return [s[1] * rf, s[0] * rf];
}

function correctFan(t: Tensor, mode: FanMode): number {
  const m = mode === "fanIn" ? "fan_in" : mode === "fanOut" ? "fan_out" : mode;
  if (m !== "fan_in" && m !== "fan_out") throw new Error(`Mode ${mode} not supported, please use one of fan_in, fan_out`);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return m === "fan_in" ? fi : fo;
}

function ab(a: number | { a?: number; b?: number } | undefined, b: number | undefined, da: number, db: number): [number, number] {
  if (a !== undefined && typeof a === "object") return [a.a ?? da, a.b ?? db];
  return [a ?? da, b ?? db];
}

/** Fills t with U(a, b): uniform_(t, a, b) or uniform_(t, { a, b }). */
export function uniform_(t: Tensor, a?: number | { a?: number; b?: number }, b?: number): Tensor {
  const [lo, hi] = ab(a, b, 0, 1);
  noGrad(() => t.uniform_(lo, hi));
  return t;
}
/** Fills t with N(mean, std²). */
export function normal_(t: Tensor, mean?: number | { mean?: number; std?: number }, std?: number): Tensor {
  const [m, s] = typeof mean === "object" ? [mean.mean ?? 0, mean.std ?? 1] : [mean ?? 0, std ?? 1];
  noGrad(() => t.normal_(m, s));
  return t;
}
export function constant_(t: Tensor, val: number): Tensor { noGrad(() => t.fill_(val)); return t; }
export function zeros_(t: Tensor): Tensor { noGrad(() => t.zero_()); return t; }
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }
/** The identity matrix for a 2-D tensor. */
export function eye_(t: Tensor): Tensor {
  if (t.dim() !== 2) throw new Error("Only tensors with 2 dimensions are supported");
  noGrad(() => { const e = callOp("aten::eye", t.shape[0], t.shape[1], { dtype: t.dtype, device: t.device }); t.copy_(e); e.dispose(); });
  return t;
}

function gainOf(g: number | { gain?: number } | undefined): number { return typeof g === "object" ? g.gain ?? 1 : g ?? 1; }

/** Glorot uniform: U(-a, a), a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain?: number | { gain?: number }): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const std = gainOf(gain) * Math.sqrt(2.0 / (fi + fo));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a);
}
/** Glorot normal: N(0, std²), std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain?: number | { gain?: number }): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const std = gainOf(gain) * Math.sqrt(2.0 / (fi + fo));
  return normal_(t, 0, std);
}

export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity; }
function kaimingStd(t: Tensor, o?: number | KaimingOptions, mode?: FanMode, nonlinearity?: Nonlinearity): number | null {
  const opts: KaimingOptions = typeof o === "object" && o !== null ? o : { a: o ?? undefined, mode, nonlinearity };
  if (t.shape.includes(0)) return null;  // zero-element tensor: no-op, as in PyTorch
  const fan = correctFan(t, opts.mode ?? "fan_in");
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  return gain / Math.sqrt(fan);
}
/** He uniform: U(-bound, bound), bound = gain·√(3 / fan). kaimingUniform_(w, { a: Math.sqrt(5) }) is PyTorch's layer default. */
export function kaimingUniform_(t: Tensor, opts?: number | KaimingOptions, mode?: FanMode, nonlinearity?: Nonlinearity): Tensor {
  const std = kaimingStd(t, opts, mode, nonlinearity);
  if (std === null) return t;
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound);
}
/** He normal: N(0, std²), std = gain / √fan. Options as an object, or PyTorch's positional (a, mode, nonlinearity). */
export function kaimingNormal_(t: Tensor, opts?: number | KaimingOptions, mode?: FanMode, nonlinearity?: Nonlinearity): Tensor {
  const std = kaimingStd(t, opts, mode, nonlinearity);
  if (std === null) return t;
  return normal_(t, 0, std);
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal matrix, times gain. */
export function orthogonal_(t: Tensor, gain?: number | { gain?: number }): Tensor {
  if (t.dim() < 2) throw new Error("Only tensors with 2 or more dimensions are supported");
  if (t.numel() === 0) return t;
  const g = gainOf(gain);
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  noGrad(() => {
    let flat: Tensor = callOp("aten::empty", [rows, cols], { dtype: t.dtype, device: t.device });
    flat.normal_(0, 1);
    if (rows < cols) flat.inplace("aten::t_");
    const [q, r] = callOp("aten::linalg_qr", flat, "reduced") as Tensor[];
    const d = callOp("aten::diag", r, 0) as Tensor;
    const ph: Tensor = callOp("aten::sign", d);
    q.mul_(ph);
    if (rows < cols) q.inplace("aten::t_");
    const v = t.viewAs(q);
    v.copy_(q);
    t.mul_(g);
    for (const x of [flat, q, r, d, ph, v]) x.dispose();
  });
  return t;
}

function erf(x: number): number {
  const s = scalarTensor(x, { dtype: float64 });
  const e: Tensor = callOp("aten::erf", s);
  const v = e.item();
  s.dispose(); e.dispose();
  return v;
}

// PyTorch 2.12 replaced trunc_normal_'s inverse-CDF sampling (erfinv) with rejection sampling; follow the libtorch
// in use so that the same seed gives Python's weights.
const [ltMajor, ltMinor] = buildInfo.libtorchVersion.split(".").map(Number);
const REJECTION_TRUNC_NORMAL = ltMajor > 2 || (ltMajor === 2 && ltMinor >= 12);

/** Truncated normal: N(mean, std²) restricted to [a, b], sampled as the PyTorch of this libtorch does. */
export function truncNormal_(t: Tensor, mean?: number | { mean?: number; std?: number; a?: number; b?: number; generator?: Generator | null },
  std?: number, a?: number, b?: number, opts?: { generator?: Generator | null }): Tensor {
  const o = typeof mean === "object" ? mean : { mean, std, a, b, generator: opts?.generator };
  const m = o.mean ?? 0, s = o.std ?? 1, lo = o.a ?? -2, hi = o.b ?? 2;
  const g = rngKw(o.generator);
  const normCdf = (x: number) => (1 + erf(x / Math.sqrt(2))) / 2;
  if (!REJECTION_TRUNC_NORMAL) {
    const l = normCdf((lo - m) / s);
    const u = normCdf((hi - m) / s);
    noGrad(() => {
      t.uniform_(2 * l - 1, 2 * u - 1, g);
      t.inplace("aten::erfinv_");
      t.mul_(s * Math.sqrt(2));
      t.add_(m);
      t.clamp_(lo, hi);
    });
    return t;
  }
  noGrad(() => tidy(() => {
    if (normCdf((hi - m) / s) - normCdf((lo - m) / s) > 0.3) {
      // most draws land inside: redraw the ones outside from N(mean, std²) until none is left
      const loT = tidy(() => t.newTensor(lo, { device: "cpu" }).item()), hiT = tidy(() => t.newTensor(hi, { device: "cpu" }).item());
      t.normal_(m, s, g);
      let result: Tensor = t;
      for (;;) {
        const mask = result.lt(loT).logicalOr(result.gt(hiT));
        if (!mask.any().item()) break;
        result = callOp("aten::where", mask, emptyLike(result).normal_(m, s, g), result);
      }
      if (result !== t) t.copy_(result);
    } else {
      // a narrow window: uniform candidates in [a, b], accepted with probability pdf / peak
      const mode = Math.max(lo, Math.min(m, hi));
      const logPeak = -0.5 * ((mode - m) / s) ** 2;
      const cand: Tensor = emptyLike(t), acc: Tensor = emptyLike(t);
      const logPdf = () => cand.sub_(m).div_(s).pow_(2).mul_(-0.5).sub_(logPeak);
      t.uniform_(lo, hi, g);
      cand.copy_(t);
      logPdf();
      let pending: Tensor = acc.uniform_(0, 1, g).log_().gt(cand);
      if (pending.any().item()) {
        let result: Tensor = t;
        for (;;) {
          cand.uniform_(lo, hi, g);
          result = callOp("aten::where", pending, cand, result);
          logPdf();
          pending = callOp("aten::where", pending, acc.uniform_(0, 1, g).log_().gt(cand), pending);
          if (!pending.any().item()) break;
        }
        t.copy_(result);
      }
    }
  }));
  return t;
}
