// torchvision.transforms: image transforms with torchvision's names, arguments and (tensor-path) results.
//
// Images are tensors: [C, H, W] (or [H, W]); a 4-D tensor [B, C, H, W] is a batch, transformed in one call with
// random parameters drawn per sample. An HWCImage is a uint8 [H, W, C] (or [H, W]) tensor, what a PIL image is
// to torchvision: datasets return them, geometric transforms keep them HWC, ToTensor turns them into [C, H, W]
// floats in [0, 1]. A 4-D HWCImage [B, H, W, C] is a batch of them.
// Random parameters come from the generator in effect (torch.Generator set by the DataLoader per batch, else the
// global one) and are drawn in torchvision's order, so after torch.manualSeed(s) a single-image transform gives
// torchvision's result for torch.manual_seed(s).
import { native } from "../native";
import { Tensor, tensor, fromTypedArray, zeros, ones, arange, linspace, empty, full, slice, getDefaultDtype } from "../tensor";
import { callOp, bound } from "../ops";
import { tidy, keep } from "../memory";
import { stack, cat } from "../functions";
import { currentGenerator } from "../generator";
import * as dt from "../dtype";

// ---------------- images ----------------
/** A uint8 image in height-width-channel layout ([H, W, C] or [H, W]; [B, H, W, C] for a batch): torchvision's PIL image. */
export class HWCImage extends Tensor {
  get height(): number { return this.dim() === 4 ? this.shape[1] : this.shape[0]; }
  get width(): number { return this.dim() === 4 ? this.shape[2] : this.shape[1]; }
  get channels(): number { const s = this.shape; return s.length === 2 ? 1 : s[s.length - 1]; }
}
/** An HWCImage sharing t's storage (t is left as is). */
export function asHWCImage(t: Tensor): HWCImage { return new HWCImage(native.Share(t._id)); }

export const InterpolationMode = { NEAREST: "nearest", BILINEAR: "bilinear", BICUBIC: "bicubic" } as const;
export type Interpolation = "nearest" | "bilinear" | "bicubic";
export type TransformLike = ((x: any) => any) | { forward(x: any): any };

/** Applies a transform object or function. */
export function applyTransform(t: TransformLike | null | undefined, x: any): any {
  if (!t) return x;
  if (typeof t === "function") return t(x);
  if (typeof (t as any).forward === "function") return (t as any).forward(x);
  throw new TypeError("a transform must be a function or have a forward(x) method");
}

interface View { t: Tensor; batch: boolean; back(o: Tensor): Tensor; }
/** x as a channels-first [C, H, W] or [B, C, H, W] tensor, and how to turn a result back into x's kind. */
function chw(x: any, who: string): View {
  if (!(x instanceof Tensor)) throw new TypeError(`${who}: expected an image Tensor or HWCImage, got ${x === null ? "null" : typeof x}`);
  const nd = x.dim();
  if (x instanceof HWCImage) {
    if (nd === 2) return { t: x.unsqueeze(0), batch: false, back: (o) => asHWCImage(o.shape[0] === 1 ? o.squeeze(0) : o.permute(1, 2, 0)) };
    if (nd === 3) return { t: x.permute(2, 0, 1), batch: false, back: (o) => asHWCImage(o.permute(1, 2, 0)) };
    if (nd === 4) return { t: x.permute(0, 3, 1, 2), batch: true, back: (o) => asHWCImage(o.permute(0, 2, 3, 1)) };
    throw new TypeError(`${who}: an HWCImage must have 2, 3 or 4 dimensions, got ${nd}`);
  }
  if (nd < 2) throw new TypeError(`${who}: Tensor is not a torch image (needs at least 2 dimensions, got ${nd})`);
  if (nd === 2) return { t: x.unsqueeze(0), batch: false, back: (o) => (o.shape[0] === 1 ? o.squeeze(0) : o) };
  if (nd === 3) return { t: x, batch: false, back: (o) => o };
  if (nd === 4) return { t: x, batch: true, back: (o) => o };
  const lead = x.shape.slice(0, nd - 3);
  return { t: x.reshape([-1, ...x.shape.slice(nd - 3)]), batch: true, back: (o) => o.reshape([...lead, ...o.shape.slice(1)]) };
}
/** Runs op on x's channels-first view inside a tidy scope; returns x's kind. */
function onImage(x: any, who: string, op: (t: Tensor, batch: boolean) => Tensor): any {
  return tidy(() => {
    const v = chw(x, who);
    const o = op(v.t, v.batch);
    if (o === v.t && v.t === x) return x;
    return v.back(o);
  });
}
function dims(t: Tensor): [number, number, number] {
  const s = t.shape;
  return [s.length >= 3 ? s[s.length - 3] : 1, s[s.length - 2], s[s.length - 1]];
}

// Elementwise ops not (yet) on Tensor as methods.
const round = (t: Tensor): Tensor => callOp("aten::round", t);
const floor = (t: Tensor): Tensor => callOp("aten::floor", t);
const exp = (t: Tensor): Tensor => callOp("aten::exp", t);
const sqrt = (t: Tensor): Tensor => callOp("aten::sqrt", t);

// ---------------- random numbers (torchvision's draws) ----------------
const gen = () => currentGenerator();
const opRand = bound("aten::rand", "generator"), opRandint = bound("aten::randint", "low_generator"), opUniform = bound("aten::uniform_", "");
function rand1(): number { const t: Tensor = opRand({ generator: gen() }, [1]); const v = t.item(); t.dispose(); return v; }
function randint1(low: number, high: number): number {
  const t: Tensor = opRandint({ generator: gen() }, low, high, [1]);
  const v = t.item(); t.dispose(); return v;
}
/** float(torch.empty(1).uniform_(a, b)) */
function uniform1(a: number, b: number): number {
  const t = empty([1], { dtype: dt.float32, device: "cpu" });
  opUniform({ generator: gen() }, t, a, b).dispose();
  const v = t.item(); t.dispose(); return v;
}
function randperm(n: number): number[] {
  const t: Tensor = callOp("aten::randperm", n, { generator: gen(), dtype: dt.int64 });
  const v = Array.from(t.data() as BigInt64Array, Number); t.dispose(); return v;
}
/** Where a batch's per-sample draws are made: on the batch's device unless the generator in effect lives elsewhere
 *  (a DataLoader's CPU generator: drawn there and copied, so the numbers do not depend on the device). */
function drawDevice(device: string): string {
  const g = gen();
  if (device === "cpu" || (g && g.device.split(":")[0] !== device.split(":")[0])) return "cpu";
  return device;
}
function toDev(t: Tensor, device: string): Tensor {
  if (t.device === device) return t;
  const d = t.to(device); t.dispose(); return d;
}
/** Per-sample draws for a batch: uniform [B] on device. */
function uniformB(B: number, a: number, b: number, device: string): Tensor {
  const t = empty([B], { dtype: dt.float32, device: drawDevice(device) });
  callOp("aten::uniform_", t, a, b, { generator: gen() }).dispose();
  return toDev(t, device);
}
function randB(B: number, device: string): Tensor { return uniformB(B, 0, 1, device); }
/** Python's round(): half to even. */
export function pyRound(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
/** exp/log in float32, as torch computes them on 1-element tensors. */
function f32(fn: string, xs: number[]): number[] {
  const t = tensor(xs, { dtype: dt.float32, device: "cpu" });
  const r: Tensor = callOp(`aten::${fn}`, t);
  const out = Array.from(r.data() as Float32Array);
  t.dispose(); r.dispose();
  return out;
}

// ---------------- functional ----------------
function setupSize(size: number | number[], what = "size"): [number, number] {
  if (typeof size === "number") return [size, size];
  if (Array.isArray(size) && size.length === 1) return [size[0], size[0]];
  if (Array.isArray(size) && size.length === 2) return [size[0], size[1]];
  throw new TypeError(`Please provide only two dimensions (h, w) for ${what}.`);
}
/** [left, right, top, bottom] from torchvision's int | [all] | [lr, tb] | [l, t, r, b]. */
function parsePadding(padding: number | number[]): [number, number, number, number] {
  if (typeof padding === "number") return [padding, padding, padding, padding];
  if (padding.length === 1) return [padding[0], padding[0], padding[0], padding[0]];
  if (padding.length === 2) return [padding[0], padding[0], padding[1], padding[1]];
  if (padding.length === 4) return [padding[0], padding[2], padding[1], padding[3]];
  throw new RangeError(`Padding must be an int or a 1, 2, or 4 element tuple, not a ${padding.length} element tuple`);
}

function hflipT(t: Tensor): Tensor { return t.flip(-1); }
function vflipT(t: Tensor): Tensor { return t.flip(-2); }

function padSymmetric(img: Tensor, p: [number, number, number, number]): Tensor {
  let x = img;
  if (p.some((v) => v < 0)) {
    const [cl, cr, ct, cb] = p.map((v) => -Math.min(v, 0));
    const h = x.shape[x.dim() - 2], w = x.shape[x.dim() - 1];
    x = x.narrow(-2, ct, h - ct - cb).narrow(-1, cl, w - cl - cr);
    p = p.map((v) => Math.max(v, 0)) as any;
  }
  const h = x.shape[x.dim() - 2], w = x.shape[x.dim() - 1];
  const xs: number[] = [];
  for (let i = p[0] - 1; i >= 0; i--) xs.push(i);
  for (let i = 0; i < w; i++) xs.push(i);
  for (let i = 0; i < p[1]; i++) xs.push(w - 1 - i);
  const ys: number[] = [];
  for (let i = p[2] - 1; i >= 0; i--) ys.push(i);
  for (let i = 0; i < h; i++) ys.push(i);
  for (let i = 0; i < p[3]; i++) ys.push(h - 1 - i);
  for (const i of xs) if (i < 0 || i >= w) throw new RangeError(`symmetric padding ${p} is larger than the image width ${w}`);
  for (const i of ys) if (i < 0 || i >= h) throw new RangeError(`symmetric padding ${p} is larger than the image height ${h}`);
  const xi = tensor(xs, { dtype: dt.int64, device: x.device }), yi = tensor(ys, { dtype: dt.int64, device: x.device });
  return x.indexSelect(-2, yi).indexSelect(-1, xi);
}

/** torchvision F.pad on [..., H, W] tensors: padding as int | [lr, tb] | [l, t, r, b]; modes constant, edge, reflect, symmetric. */
function padT(img: Tensor, padding: number | number[], fill: number | number[] = 0, mode: string = "constant"): Tensor {
  if (!["constant", "edge", "reflect", "symmetric"].includes(mode)) throw new RangeError("Padding mode should be either constant, edge, reflect or symmetric");
  const p = parsePadding(padding);
  if (Array.isArray(fill)) {
    if (fill.length === 1 || mode !== "constant") fill = fill[0];
    else {
      // per-channel fill (as PIL does for RGB): pad with 0, then paint the border
      const C = dims(img)[0];
      if (fill.length !== C) throw new RangeError(`fill has ${fill.length} values but the image has ${C} channels`);
      const out = padT(img, padding, 0, "constant");
      const inner = padT(ones(img.shape.slice(-2), { dtype: dt.bool, device: img.device }), padding, 0, "constant");
      const f = tensor(fill, { dtype: img.dtype, device: img.device }).view([C, 1, 1]);
      return out.where(inner, f);
    }
  }
  if (mode === "symmetric") return padSymmetric(img, p);
  const squeeze = img.dim() < 4;
  let x = squeeze ? img.unsqueeze(0) : img;
  const outDtype = x.dtype;
  const cast = mode !== "constant" && outDtype !== dt.float32 && outDtype !== dt.float64;
  if (cast) x = x.to(dt.float32);
  if (mode === "reflect") x = callOp("aten::reflection_pad2d", x, p);
  else if (mode === "edge") x = callOp("aten::replication_pad2d", x, p);
  else x = callOp("aten::constant_pad_nd", x, p, fill ?? 0);
  if (squeeze) x = x.squeeze(0);
  if (cast) x = x.to(outDtype);
  return x;
}

/** torchvision F.crop on tensors: out-of-image parts are zero. */
function cropT(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [, h, w] = dims(img);
  const right = left + width, bottom = top + height;
  if (left < 0 || top < 0 || right > w || bottom > h) {
    const pad = [Math.max(-left + Math.min(0, right), 0), Math.max(-top + Math.min(0, bottom), 0),
      Math.max(right - Math.max(w, left), 0), Math.max(bottom - Math.max(h, top), 0)];
    const t0 = Math.max(top, 0), l0 = Math.max(left, 0);
    const inner = img.narrow(-2, t0, Math.max(0, Math.min(bottom, h) - t0)).narrow(-1, l0, Math.max(0, Math.min(right, w) - l0));
    return padT(inner, pad, 0);
  }
  return img.narrow(-2, top, height).narrow(-1, left, width);
}

function centerCropT(img: Tensor, size: number | number[]): Tensor {
  const [ch, cw] = setupSize(size);
  let [, h, w] = dims(img);
  let x = img;
  if (cw > w || ch > h) {
    const pad = [cw > w ? Math.floor((cw - w) / 2) : 0, ch > h ? Math.floor((ch - h) / 2) : 0,
      cw > w ? Math.floor((cw - w + 1) / 2) : 0, ch > h ? Math.floor((ch - h + 1) / 2) : 0];
    x = padT(x, pad, 0);
    [, h, w] = dims(x);
    if (cw === w && ch === h) return x;
  }
  return cropT(x, pyRound((h - ch) / 2), pyRound((w - cw) / 2), ch, cw);
}

function resizedOutputSize(h: number, w: number, size: number | number[], maxSize?: number | null): [number, number] {
  if (typeof size === "number" || size.length === 1) {
    const req = typeof size === "number" ? size : size[0];
    const [short, long] = w <= h ? [w, h] : [h, w];
    let ns = req, nl = Math.trunc((req * long) / short);
    if (maxSize != null) {
      if (maxSize <= req) throw new RangeError(`max_size = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${req}`);
      if (nl > maxSize) { ns = Math.trunc((maxSize * ns) / nl); nl = maxSize; }
    }
    return w <= h ? [nl, ns] : [ns, nl];
  }
  if (maxSize != null) throw new RangeError("max_size should only be passed if size specifies the length of the smaller edge");
  return [size[0], size[1]];
}

function interpolate(x: Tensor, size: [number, number], mode: Interpolation, antialias: boolean): Tensor {
  if (antialias && mode === "nearest") throw new RangeError("Antialias option is supported for bilinear and bicubic interpolation modes only");
  if (mode === "nearest") return callOp("aten::upsample_nearest2d", x, size, null);
  if (mode === "bilinear") return callOp(antialias ? "aten::_upsample_bilinear2d_aa" : "aten::upsample_bilinear2d", x, size, false, null);
  if (mode === "bicubic") return callOp(antialias ? "aten::_upsample_bicubic2d_aa" : "aten::upsample_bicubic2d", x, size, false, null);
  throw new RangeError(`interpolation must be nearest, bilinear or bicubic, got ${mode}`);
}
/** torchvision F_t.resize on [.., C, H, W]: computes in float, rounds back for integer images. */
/** The default antialias: PIL's (HWCImages) filters when it interpolates (bilinear, bicubic), never for nearest. */
function pilAntialias(img: any, mode: Interpolation): boolean { return img instanceof HWCImage && mode !== "nearest"; }
function resizeT(img: Tensor, size: number | number[], interpolation: Interpolation = "bilinear", maxSize?: number | null, antialias = false): Tensor {
  const [, h, w] = dims(img);
  const [oh, ow] = resizedOutputSize(h, w, size, maxSize);
  if (oh === h && ow === w) return img;
  const squeeze = img.dim() < 4;
  let x = squeeze ? img.unsqueeze(0) : img;
  const outDtype = x.dtype;
  const cast = outDtype !== dt.float32 && outDtype !== dt.float64;
  if (cast) x = x.to(dt.float32);
  x = interpolate(x, [oh, ow], interpolation, antialias);
  if (interpolation === "bicubic" && outDtype === dt.uint8) x = x.clamp(0, 255);
  if (squeeze) x = x.squeeze(0);
  if (cast) { if (!outDtype.isFloatingPoint) x = round(x); x = x.to(outDtype); }
  return x;
}

/** torchvision's _get_inverse_affine_matrix. */
export function inverseAffineMatrix(center: [number, number], angle: number, translate: [number, number], scale: number, shear: [number, number]): number[] {
  const rot = (angle * Math.PI) / 180, sx = (shear[0] * Math.PI) / 180, sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center, [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

function affineOutputSize(m: number[], w: number, h: number): [number, number] {
  const pts = [[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]];
  const f = Math.fround;
  const mm = m.map(f);
  const xs = pts.map(([x, y]) => f(f(f(x * mm[0]) + f(y * mm[1])) + mm[2]));
  const ys = pts.map(([x, y]) => f(f(f(x * mm[3]) + f(y * mm[4])) + mm[5]));
  const tol = 1e-4;
  const lim = (v: number[], add: number) => [Math.min(...v) + add, Math.max(...v) + add].map(f);
  const [minx, maxx] = lim(xs, w * 0.5), [miny, maxy] = lim(ys, h * 0.5);
  const cmax = (v: number) => Math.ceil(f(Math.trunc(f(v / tol)) * tol));
  const cmin = (v: number) => Math.floor(f(Math.trunc(f(v / tol)) * tol));
  return [cmax(maxx) - cmin(minx), cmax(maxy) - cmin(miny)];
}

/** Sampling grids for affine maps (torchvision's _gen_affine_grid), one per row of theta [B, 2, 3]. */
function affineGrid(theta: Tensor, w: number, h: number, ow: number, oh: number): Tensor {
  const dev = theta.device, dtype = theta.dtype;
  const base = empty([1, oh, ow, 3], { dtype, device: dev });
  const xg = linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow, { device: dev, dtype });
  const yg = linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh, { device: dev, dtype }).unsqueeze(-1);
  base.select(3, 0).copy_(xg);
  base.select(3, 1).copy_(yg);
  base.select(3, 2).fill_(1);
  const scale = tensor([0.5 * w, 0.5 * h], { dtype, device: dev });
  const rescaled = theta.transpose(1, 2).div(scale);
  const B = theta.shape[0];
  const g = base.view([1, oh * ow, 3]).expand([B, oh * ow, 3]).bmm(rescaled);
  return g.view([B, oh, ow, 2]);
}

/** torchvision's _apply_grid_transform on [B, C, H, W] with per-channel fill. */
function gridTransform(img: Tensor, grid: Tensor, mode: "nearest" | "bilinear", fill: number[] | null): Tensor {
  const outDtype = img.dtype;
  let x = img.dtype === grid.dtype ? img : img.to(grid.dtype);
  const [B, , H, W] = x.shape;
  if (x.shape[0] > 1 && grid.shape[0] === 1) grid = grid.expand([x.shape[0], grid.shape[1], grid.shape[2], grid.shape[3]]);
  if (fill !== null) x = cat([x, ones([B, 1, H, W], { dtype: x.dtype, device: x.device })], 1);
  x = callOp("aten::grid_sampler", x, grid, mode === "nearest" ? 1 : 0, 0, false);
  if (fill !== null) {
    const C = x.shape[1] - 1;
    let mask = x.narrow(1, C, 1);
    x = x.narrow(1, 0, C);
    mask = mask.expandAs(x);
    const fillImg = tensor(fill, { dtype: x.dtype, device: x.device }).view([1, fill.length, 1, 1]).expandAs(x);
    if (mode === "nearest") x = x.where(mask.ge(0.5), fillImg);
    else x = x.mul(mask).add(mask.mul(-1).add(1).mul(fillImg));
  }
  if (!outDtype.isFloatingPoint && outDtype !== x.dtype) x = round(x).to(outDtype);
  else if (outDtype !== x.dtype) x = x.to(outDtype);
  return x;
}
function fillList(fill: number | number[] | null | undefined, C: number): number[] | null {
  if (fill === null || fill === undefined) return null;
  const f = typeof fill === "number" ? Array(C).fill(fill) : fill.slice();
  if (f.length > 1 && f.length !== C) throw new RangeError(`The number of elements in 'fill' cannot broadcast to match the number of channels of the image (${f.length} != ${C})`);
  return f.length === 1 && C > 1 ? Array(C).fill(f[0]) : f;
}

/** Affine maps on a [B, C, H, W] batch, one inverse matrix (6 numbers) per sample. */
function affineBatch(x: Tensor, mats: number[][], mode: "nearest" | "bilinear", fill: number | number[] | null, ow?: number, oh?: number): Tensor {
  const [, C, H, W] = x.shape;
  const dtype = x.isFloatingPoint() ? x.dtype : dt.float32;
  const theta = tensor(mats, { dtype, device: x.device }).view([mats.length, 2, 3]);
  const grid = affineGrid(theta, W, H, ow ?? W, oh ?? H);
  return gridTransform(x, grid, mode, fillList(fill, C));
}

/** torchvision's _get_perspective_coeffs: (a, b, c, d, e, f, g, h) by least squares (gels) in float32. */
function perspectiveCoeffs(startpoints: number[][], endpoints: number[][]): number[] {
  if (startpoints.length !== 4 || endpoints.length !== 4) throw new RangeError("perspective: startpoints and endpoints need 4 points each");
  return tidy(() => {
    const rows: number[][] = [];
    endpoints.forEach((p1, i) => {
      const p2 = startpoints[i];
      rows.push([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]);
      rows.push([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]);
    });
    const a = tensor(rows, { dtype: dt.float32 }), b = tensor(startpoints.flat(), { dtype: dt.float32 });
    const res: Tensor[] = callOp("aten::linalg_lstsq", a, b, null, { driver: "gels" });
    return Array.from(res[0].data() as Float32Array);
  });
}
/** torchvision's _perspective_grid: output pixel centres mapped through the homography, in grid_sample's [-1, 1]. */
function perspectiveGrid(c: number[], ow: number, oh: number, dtype: dt.DType, device: string): Tensor {
  const theta1 = tensor([[[c[0], c[1], c[2]], [c[3], c[4], c[5]]]], { dtype, device });
  const theta2 = tensor([[[c[6], c[7], 1], [c[6], c[7], 1]]], { dtype, device });
  const base = empty([1, oh, ow, 3], { dtype, device });
  base.select(3, 0).copy_(linspace(0.5, ow + 0.5 - 1, ow, { dtype: dt.float32, device }));
  base.select(3, 1).copy_(linspace(0.5, oh + 0.5 - 1, oh, { dtype: dt.float32, device }).unsqueeze(-1));
  base.select(3, 2).fill_(1);
  const flat = base.view([1, oh * ow, 3]);
  const g1 = flat.bmm(theta1.transpose(1, 2).div(tensor([0.5 * ow, 0.5 * oh], { dtype, device })));
  const g2 = flat.bmm(theta2.transpose(1, 2));
  return g1.div(g2).sub(1).view([1, oh, ow, 2]);
}
function perspectiveT(img: Tensor, startpoints: number[][], endpoints: number[][], interpolation: Interpolation = "bilinear", fill: number | number[] | null = null): Tensor {
  checkInterp(interpolation, ["nearest", "bilinear"], "perspective");
  const coeffs = perspectiveCoeffs(startpoints, endpoints);
  const [C, oh, ow] = dims(img);
  const grid = perspectiveGrid(coeffs, ow, oh, img.isFloatingPoint() ? img.dtype : dt.float32, img.device);
  const squeeze = img.dim() < 4;
  const out = gridTransform(squeeze ? img.unsqueeze(0) : img, grid, interpolation as any, fillList(fill, C));
  return squeeze ? out.squeeze(0) : out;
}

function checkInterp(mode: string, allowed: string[], who: string): void {
  if (!allowed.includes(mode)) throw new RangeError(`${who}: Interpolation mode '${mode}' is unsupported with Tensor input`);
}

function rotateT(img: Tensor, angle: number, interpolation: Interpolation = "nearest", expand = false, center: number[] | null = null, fill: number | number[] | null = null): Tensor {
  checkInterp(interpolation, ["nearest", "bilinear"], "rotate");
  const [, h, w] = dims(img);
  let cf: [number, number] = [0, 0];
  if (center) cf = [center[0] - w * 0.5, center[1] - h * 0.5];
  const m = inverseAffineMatrix(cf, -angle, [0, 0], 1, [0, 0]);
  const [ow, oh] = expand ? affineOutputSize(m, w, h) : [w, h];
  const squeeze = img.dim() < 4;
  const x = squeeze ? img.unsqueeze(0) : img;
  const out = affineBatch(x, Array(x.shape[0]).fill(m), interpolation as any, fill, ow, oh);
  return squeeze ? out.squeeze(0) : out;
}

function affineT(img: Tensor, angle: number, translate: [number, number], scale: number, shear: number | number[],
                 interpolation: Interpolation = "nearest", fill: number | number[] | null = null, center: number[] | null = null): Tensor {
  checkInterp(interpolation, ["nearest", "bilinear"], "affine");
  if (scale <= 0) throw new RangeError("Argument scale should be positive");
  const sh: [number, number] = typeof shear === "number" ? [shear, 0] : shear.length === 1 ? [shear[0], shear[0]] : [shear[0], shear[1]];
  const [, h, w] = dims(img);
  let cf: [number, number] = [0, 0];
  if (center) cf = [center[0] - w * 0.5, center[1] - h * 0.5];
  const m = inverseAffineMatrix(cf, angle, [translate[0], translate[1]], scale, sh);
  const squeeze = img.dim() < 4;
  const x = squeeze ? img.unsqueeze(0) : img;
  const out = affineBatch(x, Array(x.shape[0]).fill(m), interpolation as any, fill);
  return squeeze ? out.squeeze(0) : out;
}

// ---- color ----
function checkChannels(img: Tensor, allowed: number[], who: string): number {
  const c = dims(img)[0];
  if (!allowed.includes(c)) throw new TypeError(`${who}: Input image tensor permitted channel values are [${allowed}], but found ${c}`);
  return c;
}
function floatOf(t: Tensor): Tensor { return t.isFloatingPoint() ? t : t.to(dt.float32); }
/** _blend: ratio * img1 + (1 - ratio) * img2, clamped to the image range, in img1's dtype. ratio: number or [B,1,1,1] tensor. */
function blend(img1: Tensor, img2: Tensor, ratio: number | Tensor): Tensor {
  const bound = img1.isFloatingPoint() ? 1 : 255;
  const a = floatOf(img1), b = floatOf(img2);
  const mixed = typeof ratio === "number" ? a.mul(ratio).add(b.mul(1 - ratio)) : a.mul(ratio).add(b.mul(ratio.mul(-1).add(1)));
  return mixed.clamp(0, bound).to(img1.dtype);
}
function rgbToGrayscaleT(img: Tensor, numOutputChannels = 1): Tensor {
  if (img.dim() < 3) throw new TypeError(`Input image tensor should have at least 3 dimensions, but found ${img.dim()}`);
  checkChannels(img, [1, 3], "rgb_to_grayscale");
  let l: Tensor;
  if (dims(img)[0] === 3) {
    const [r, g, b] = img.unbind(-3).map(floatOf);
    l = r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)).to(img.dtype).unsqueeze(-3);
  } else l = img.clone();
  return numOutputChannels === 3 ? l.expand(img.shape) : l;
}
function adjustBrightnessT(img: Tensor, f: number | Tensor): Tensor {
  if (typeof f === "number" && f < 0) throw new RangeError(`brightness_factor (${f}) is not non-negative.`);
  checkChannels(img, [1, 3], "adjust_brightness");
  return blend(img, zeros(img.shape, { dtype: img.dtype, device: img.device }), f);
}
function adjustContrastT(img: Tensor, f: number | Tensor): Tensor {
  if (typeof f === "number" && f < 0) throw new RangeError(`contrast_factor (${f}) is not non-negative.`);
  const c = checkChannels(img, [1, 3], "adjust_contrast");
  const dtype = img.isFloatingPoint() ? img.dtype : dt.float32;
  const base = c === 3 ? rgbToGrayscaleT(img).to(dtype) : img.to(dtype);
  return blend(img, base.mean({ dim: [-3, -2, -1], keepdim: true }), f);
}
function adjustSaturationT(img: Tensor, f: number | Tensor): Tensor {
  if (typeof f === "number" && f < 0) throw new RangeError(`saturation_factor (${f}) is not non-negative.`);
  if (checkChannels(img, [1, 3], "adjust_saturation") === 1) return img;
  return blend(img, rgbToGrayscaleT(img), f);
}
function rgb2hsv(img: Tensor): Tensor {
  const [r, g, b] = img.unbind(-3);
  const maxc = (img.max({ dim: -3 }) as any)[0] as Tensor;
  const minc = (img.min({ dim: -3 }) as any)[0] as Tensor;
  const eqc = maxc.eq(minc);
  const cr = maxc.sub(minc);
  const onesT = callOp("aten::ones_like", maxc);
  const s = cr.div(onesT.where(eqc, maxc));
  const crd = onesT.where(eqc, cr);
  const rc = maxc.sub(r).div(crd), gc = maxc.sub(g).div(crd), bc = maxc.sub(b).div(crd);
  const hr = maxc.eq(r).mul(bc.sub(gc));
  const hg = maxc.eq(g).logicalAnd(maxc.ne(r)).mul(rc.sub(bc).add(2.0));
  const hb = maxc.ne(g).logicalAnd(maxc.ne(r)).mul(gc.sub(rc).add(4.0));
  let h = hr.add(hg).add(hb);
  h = callOp("aten::fmod", h.div(6.0).add(1.0), 1.0);
  return stack([h, s, maxc], -3);
}
function hsv2rgb(img: Tensor): Tensor {
  const [h, s, v] = img.unbind(-3);
  const h6 = h.mul(6.0);
  const i0 = floor(h6);
  const f = h6.sub(i0);
  let i = i0.to(dt.int32);
  const p = v.mul(s.mul(-1).add(1.0)).clamp(0.0, 1.0);
  const q = v.mul(s.mul(f).mul(-1).add(1.0)).clamp(0.0, 1.0);
  const t = v.mul(s.mul(f.mul(-1).add(1.0)).mul(-1).add(1.0)).clamp(0.0, 1.0);
  i = i.remainder(6);
  const mask = i.unsqueeze(-3).eq(arange(6, { device: i.device }).view([-1, 1, 1]));
  const a1 = stack([v, q, p, p, t, v], -3);
  const a2 = stack([t, v, v, q, p, p], -3);
  const a3 = stack([p, p, t, v, v, q], -3);
  const a4 = stack([a1, a2, a3], -4);
  return callOp("aten::einsum", "...ijk, ...xijk -> ...xjk", [mask.to(img.dtype), a4]);
}
/** hue_factor: number in [-0.5, 0.5] or a [B,1,1] tensor. */
function adjustHueT(img: Tensor, f: number | Tensor): Tensor {
  if (typeof f === "number" && !(f >= -0.5 && f <= 0.5)) throw new RangeError(`hue_factor (${f}) is not in [-0.5, 0.5].`);
  if (checkChannels(img, [1, 3], "adjust_hue") === 1) return img;
  const orig = img.dtype;
  let x = img;
  if (orig === dt.uint8) x = x.to(dt.float32).div(255.0);
  const hsv = rgb2hsv(x);
  const [h, s, v] = hsv.unbind(-3);
  const h2 = callOp("aten::remainder", h.add(f as any), 1.0);
  let out = hsv2rgb(stack([h2, s, v], -3));
  if (orig === dt.uint8) out = out.mul(255.0).to(orig);
  return out;
}

/** Normalised 1-D Gaussian kernels [B, k] in float32 for sigmas [B] (torchvision _get_gaussian_kernel1d, per sample). */
function gaussianKernel1d(k: number, sigma: Tensor): Tensor {
  const half = (k - 1) * 0.5;
  const x = linspace(-half, half, k, { dtype: dt.float32, device: sigma.device });
  const pdf = exp(x.div(sigma.view([-1, 1])).pow(2).mul(-0.5));
  return pdf.div(pdf.sum({ dim: 1, keepdim: true }));
}
/** Depthwise 2-D convolution of [B, C, H, W] (or [C, H, W]) with per-sample kernels [B, kh, kw], in float; integer images are rounded back. */
function perSampleConv(img: Tensor, kernels: Tensor, pad: [number, number, number, number] | null): Tensor {
  const batch = img.dim() === 4;
  const x4 = batch ? img : img.unsqueeze(0);
  const [B, C, H, W] = x4.shape;
  const work = img.isFloatingPoint() ? img.dtype : dt.float32;
  let x = x4.to(work).reshape([1, B * C, H, W]);
  if (pad) x = callOp("aten::reflection_pad2d", x, pad);
  const [kh, kw] = kernels.shape.slice(1);
  const w = kernels.to(work).unsqueeze(1).expand([B, C, kh, kw]).reshape([B * C, 1, kh, kw]);
  let y: Tensor = callOp("aten::conv2d", x, w, null, [1, 1], [0, 0], [1, 1], B * C);
  y = y.reshape([B, C, y.shape[2], y.shape[3]]);
  if (!img.isFloatingPoint()) y = round(y);
  y = y.to(img.dtype);
  return batch ? y : y.squeeze(0);
}
function checkKernelSize(kernelSize: number | number[]): [number, number] {
  const ks = typeof kernelSize === "number" ? [kernelSize, kernelSize] : Array.from(kernelSize);
  if (ks.length === 1) ks.push(ks[0]);
  if (ks.length !== 2) throw new RangeError(`If kernel_size is a sequence its length should be 2. Got ${ks.length}`);
  for (const k of ks) if (!Number.isInteger(k) || k % 2 === 0 || k < 0) throw new RangeError(`kernel_size should have odd and positive integers. Got [${ks}]`);
  return [ks[0], ks[1]];
}
/** torchvision F.gaussian_blur; kernelSize and sigma are [x, y]; sigmas may be [B] tensors (one per sample). */
function gaussianBlurT(img: Tensor, kernelSize: [number, number], sigma: [number | Tensor, number | Tensor]): Tensor {
  const [kx, ky] = kernelSize;
  const sig = (v: number | Tensor) => (v instanceof Tensor ? v.to(dt.float32) : tensor([v], { dtype: dt.float32, device: img.device }));
  const gx = gaussianKernel1d(kx, sig(sigma[0])), gy = gaussianKernel1d(ky, sig(sigma[1]));
  const work = img.isFloatingPoint() ? img.dtype : dt.float32;
  const k2 = gy.to(work).unsqueeze(2).mul(gx.to(work).unsqueeze(1));  // [B, ky, kx], kernel1d_y[:, None] @ kernel1d_x[None, :]
  return perSampleConv(img, k2, [Math.floor(kx / 2), Math.floor(kx / 2), Math.floor(ky / 2), Math.floor(ky / 2)]);
}
function invertT(img: Tensor): Tensor {
  if (img.dim() < 3) throw new TypeError(`Input image tensor should have at least 3 dimensions, but found ${img.dim()}`);
  checkChannels(img, [1, 3], "invert");
  return full([], img.isFloatingPoint() ? 1 : 255, { dtype: img.dtype, device: img.device }).sub(img);
}
function posterizeT(img: Tensor, bits: number): Tensor {
  if (img.dim() < 3) throw new TypeError(`Input image tensor should have at least 3 dimensions, but found ${img.dim()}`);
  if (img.dtype !== dt.uint8) throw new TypeError(`Only torch.uint8 image tensors are supported, but found ${img.dtype.name}`);
  checkChannels(img, [1, 3], "posterize");
  return callOp("aten::bitwise_and", img, -Math.trunc(2 ** (8 - bits)));
}
function solarizeT(img: Tensor, threshold: number): Tensor {
  if (img.dim() < 3) throw new TypeError(`Input image tensor should have at least 3 dimensions, but found ${img.dim()}`);
  checkChannels(img, [1, 3], "solarize");
  if (threshold > maxValue(img.dtype)) throw new TypeError("Threshold should be less than bound of img.");
  return invertT(img).where(img.ge(threshold), img);
}
function autocontrastT(img: Tensor): Tensor {
  if (img.dim() < 3) throw new TypeError(`Input image tensor should have at least 3 dimensions, but found ${img.dim()}`);
  checkChannels(img, [1, 3], "autocontrast");
  const bound = img.isFloatingPoint() ? 1 : 255;
  const work = img.isFloatingPoint() ? img.dtype : dt.float32;
  let minimum = (callOp("aten::amin", img, [-2, -1], true) as Tensor).to(work);
  const maximum = (callOp("aten::amax", img, [-2, -1], true) as Tensor).to(work);
  let scale = callOp("aten::reciprocal", maximum.sub(minimum)).mul(bound);  // Python's bound / t is t.reciprocal() * bound
  const eq = callOp("aten::isfinite", scale).logicalNot();
  minimum = minimum.maskedFill(eq, 0);
  scale = scale.maskedFill(eq, 1);
  return img.sub(minimum).mul(scale).clamp(0, bound).to(img.dtype);
}
/** torchvision's equalize: per channel, a LUT from the cumulative histogram (uint8 images [C, H, W] or [B, C, H, W]). */
function equalizeT(img: Tensor): Tensor {
  if (img.dim() < 3 || img.dim() > 4) throw new TypeError(`Input image tensor should have 3 or 4 dimensions, but found ${img.dim()}`);
  if (img.dtype !== dt.uint8) throw new TypeError(`Only torch.uint8 image tensors are supported, but found ${img.dtype.name}`);
  checkChannels(img, [1, 3], "equalize");
  const channel = (c: Tensor): Tensor => {
    const hist: Tensor = callOp("aten::bincount", c.reshape([-1]).to(dt.int64), null, 256);
    const counts = Array.from(hist.data() as BigInt64Array, Number);
    const nonzero = counts.filter((v) => v !== 0);
    const step = Math.floor(nonzero.slice(0, -1).reduce((a, b) => a + b, 0) / 255);
    if (step === 0) return c;
    const lut = new Uint8Array(256);
    let cum = 0;
    for (let v = 1; v < 256; v++) { cum += counts[v - 1]; lut[v] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step)); }
    return fromTypedArray(lut).to(c.device).index([c.to(dt.int64)]);
  };
  const one = (x: Tensor): Tensor => stack(x.unbind(0).map(channel), 0);
  return img.dim() === 3 ? one(img) : stack(img.unbind(0).map(one), 0);
}
function adjustSharpnessT(img: Tensor, f: number | Tensor): Tensor {
  if (typeof f === "number" && f < 0) throw new RangeError(`sharpness_factor (${f}) is not non-negative.`);
  checkChannels(img, [1, 3], "adjust_sharpness");
  const [, H, W] = dims(img);
  if (W <= 2 || H <= 2) return img;
  const B = img.dim() === 4 ? img.shape[0] : 1;
  const kernel = ones([3, 3], { dtype: img.isFloatingPoint() ? img.dtype : dt.float32, device: img.device });
  kernel.index([1, 1]).fill_(5);
  const k = kernel.div(kernel.sum()).unsqueeze(0).expand([B, 3, 3]);
  const inner = perSampleConv(img, k, null);
  const degenerate = img.clone();
  degenerate.narrow(-2, 1, H - 2).narrow(-1, 1, W - 2).copy_(inner);
  return blend(img, degenerate, f);
}

function normalizeT(t: Tensor, mean: number[], std: number[], inplace = false): Tensor {
  if (!t.isFloatingPoint()) throw new TypeError(`Input tensor should be a float tensor. Got ${t.dtype}.`);
  if (t.dim() < 3) throw new RangeError(`Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = [${t.shape}]`);
  const x = inplace ? t : t.clone();
  const r32 = t.dtype === dt.float32 ? Math.fround : (v: number) => v;
  if (std.some((v) => r32(v) === 0)) throw new RangeError(`std evaluated to zero after conversion to ${t.dtype}, leading to division by zero.`);
  const dtype = t.dtype, device = t.device;
  const mk = (v: number[]) => (dtype === dt.float32 && device === "cpu"
    ? fromTypedArray(Float32Array.from(v), [v.length, 1, 1]) : tensor(v, { dtype, device }).view([-1, 1, 1]));
  x.sub_(mk(mean)).div_(mk(std));
  return x;
}

function maxValue(d: dt.DType): number {
  switch (d) {
    case dt.uint8: return 255;
    case dt.int8: return 127;
    case dt.int16: return 32767;
    case dt.int32: return 2147483647;
    case dt.int64: return 9223372036854775807;
    default: return 1;
  }
}
/** torchvision F.convert_image_dtype. */
function convertImageDtypeT(image: Tensor, dtype: dt.DType = dt.float32): Tensor {
  if (image.dtype === dtype) return image;
  if (image.isFloatingPoint()) {
    if (dtype.isFloatingPoint) return image.to(dtype);
    if ((image.dtype === dt.float32 && (dtype === dt.int32 || dtype === dt.int64)) || (image.dtype === dt.float64 && dtype === dt.int64))
      throw new Error(`The cast from ${image.dtype} to ${dtype} cannot be performed safely.`);
    return image.mul(maxValue(dtype) + 1.0 - 1e-3).to(dtype);
  }
  const inMax = maxValue(image.dtype);
  if (dtype.isFloatingPoint) return image.to(dtype).div(inMax);
  const outMax = maxValue(dtype);
  if (inMax > outMax) return image.div(Math.floor((inMax + 1) / (outMax + 1)), { roundingMode: "floor" }).to(dtype);
  return image.to(dtype).mul(Math.floor((outMax + 1) / (inMax + 1)));
}

/** HWC (numpy-like) -> CHW, uint8 scaled to [0, 1] float. */
function toTensorT(x: Tensor): Tensor {
  const nd = x.dim();
  if (nd < 2 || nd > 4) throw new RangeError(`pic should be 2/3 dimensional. Got ${nd} dimensions.`);
  const t = nd === 2 ? x.unsqueeze(-1).permute(2, 0, 1) : nd === 3 ? x.permute(2, 0, 1) : x.permute(0, 3, 1, 2);
  const c = t.contiguous();
  if (x.dtype === dt.uint8) return c.to(getDefaultDtype()).div(255);
  return c;
}

function eraseT(img: Tensor, i: number, j: number, h: number, w: number, v: Tensor, inplace = false): Tensor {
  const x = inplace ? img : img.clone();
  const region = x.narrow(-2, i, h).narrow(-1, j, w);
  region.copy_(v.expandAs(region));
  return x;
}

/** torchvision.transforms.functional (tensor path); every function also takes an HWCImage. */
export const functional = {
  hflip: (img: any) => onImage(img, "hflip", hflipT),
  vflip: (img: any) => onImage(img, "vflip", vflipT),
  pad: (img: any, padding: number | number[], fill = 0, paddingMode = "constant") => onImage(img, "pad", (t) => padT(t, padding, fill, paddingMode)),
  crop: (img: any, top: number, left: number, height: number, width: number) => onImage(img, "crop", (t) => cropT(t, top, left, height, width)),
  centerCrop: (img: any, size: number | number[]) => onImage(img, "center_crop", (t) => centerCropT(t, size)),
  resize: (img: any, size: number | number[], opts: { interpolation?: Interpolation; maxSize?: number; antialias?: boolean } = {}) =>
    onImage(img, "resize", (t) => resizeT(t, size, opts.interpolation ?? "bilinear", opts.maxSize, opts.antialias ?? pilAntialias(img, opts.interpolation ?? "bilinear"))),
  resizedCrop: (img: any, top: number, left: number, height: number, width: number, size: number | number[], opts: { interpolation?: Interpolation; antialias?: boolean } = {}) =>
    onImage(img, "resized_crop", (t) => resizeT(cropT(t, top, left, height, width), size, opts.interpolation ?? "bilinear", null, opts.antialias ?? pilAntialias(img, opts.interpolation ?? "bilinear"))),
  rotate: (img: any, angle: number, opts: { interpolation?: Interpolation; expand?: boolean; center?: number[]; fill?: number | number[] } = {}) =>
    onImage(img, "rotate", (t) => rotateT(t, angle, opts.interpolation ?? "nearest", !!opts.expand, opts.center ?? null, opts.fill ?? null)),
  affine: (img: any, angle: number, translate: [number, number], scale: number, shear: number | number[],
           opts: { interpolation?: Interpolation; fill?: number | number[]; center?: number[] } = {}) =>
    onImage(img, "affine", (t) => affineT(t, angle, translate, scale, shear, opts.interpolation ?? "nearest", opts.fill ?? null, opts.center ?? null)),
  adjustBrightness: (img: any, f: number) => onImage(img, "adjust_brightness", (t) => adjustBrightnessT(t, f)),
  adjustContrast: (img: any, f: number) => onImage(img, "adjust_contrast", (t) => adjustContrastT(t, f)),
  adjustSaturation: (img: any, f: number) => onImage(img, "adjust_saturation", (t) => adjustSaturationT(t, f)),
  adjustHue: (img: any, f: number) => onImage(img, "adjust_hue", (t) => adjustHueT(t, f)),
  adjustSharpness: (img: any, f: number) => onImage(img, "adjust_sharpness", (t) => adjustSharpnessT(t, f)),
  /** kernelSize and sigma are [x, y] (or one number); sigma defaults to k * 0.15 + 0.35 per direction, as torchvision's. */
  gaussianBlur: (img: any, kernelSize: number | number[], sigma?: number | number[] | null) => onImage(img, "gaussian_blur", (t) => {
    const ks = checkKernelSize(kernelSize);
    const sg = sigma === undefined || sigma === null ? ks.map((k) => k * 0.15 + 0.35) : typeof sigma === "number" ? [sigma, sigma] : sigma.length === 1 ? [sigma[0], sigma[0]] : Array.from(sigma);
    if (sg.length !== 2) throw new RangeError(`If sigma is a sequence, its length should be 2. Got ${sg.length}`);
    for (const v of sg) if (!(v > 0)) throw new RangeError(`sigma should have positive values. Got [${sg}]`);
    return gaussianBlurT(t, ks, [sg[0], sg[1]]);
  }),
  invert: (img: any) => onImage(img, "invert", invertT),
  posterize: (img: any, bits: number) => onImage(img, "posterize", (t) => posterizeT(t, bits)),
  solarize: (img: any, threshold: number) => onImage(img, "solarize", (t) => solarizeT(t, threshold)),
  autocontrast: (img: any) => onImage(img, "autocontrast", autocontrastT),
  equalize: (img: any) => onImage(img, "equalize", equalizeT),
  /** startpoints/endpoints: [top-left, top-right, bottom-right, bottom-left] as [x, y]. */
  perspective: (img: any, startpoints: number[][], endpoints: number[][], opts: { interpolation?: Interpolation; fill?: number | number[] | null } = {}) =>
    onImage(img, "perspective", (t) => perspectiveT(t, startpoints, endpoints, opts.interpolation ?? "bilinear", opts.fill ?? null)),
  fiveCrop: (img: any, size: number | number[]): any[] => fiveCrop(img, size),
  tenCrop: (img: any, size: number | number[], verticalFlip = false): any[] => tenCrop(img, size, verticalFlip),
  rgbToGrayscale: (img: any, numOutputChannels = 1) => onImage(img, "rgb_to_grayscale", (t) => rgbToGrayscaleT(t, numOutputChannels)),
  normalize: (t: Tensor, mean: number[], std: number[], inplace = false) => tidy(() => normalizeT(t, mean, std, inplace)),
  erase: (img: Tensor, i: number, j: number, h: number, w: number, v: Tensor | number, inplace = false) =>
    tidy(() => eraseT(img, i, j, h, w, v instanceof Tensor ? v : full([1], v, { dtype: img.dtype, device: img.device }), inplace)),
  toTensor: (pic: Tensor) => tidy(() => toTensorT(pic)),
  pilToTensor: (pic: Tensor) => tidy(() => toImageT(pic)),
  toPILImage: (t: Tensor) => tidy(() => toPILT(t)),
  convertImageDtype: (img: Tensor, dtype: dt.DType = dt.float32) => tidy(() => convertImageDtypeT(img, dtype)),
  getDimensions: (img: any): [number, number, number] => (img instanceof HWCImage
    ? [img.channels, img.height, img.width] : dims(img)),
};

function toImageT(x: Tensor): Tensor {
  if (!(x instanceof HWCImage)) return x;
  const nd = x.dim();
  const t = nd === 2 ? x.unsqueeze(0) : nd === 3 ? x.permute(2, 0, 1) : x.permute(0, 3, 1, 2);
  return new Tensor(native.Share(t.contiguous()._id));
}
function toPILT(t: Tensor): HWCImage {
  if (t instanceof HWCImage) return t;
  let x = t;
  if (x.isFloatingPoint()) x = x.mul(255).to(dt.uint8);
  const nd = x.dim();
  const p = nd === 2 ? x : nd === 3 ? x.permute(1, 2, 0) : x.permute(0, 2, 3, 1);
  return asHWCImage(p.contiguous());
}

// ---------------- transform classes ----------------
/** A class that can also be called without `new`, as in Python: T.Compose([...]) or new T.Compose([...]). */
function callable<C extends new (...args: any[]) => any>(cls: C): C & ((...args: ConstructorParameters<C>) => InstanceType<C>) {
  return new Proxy(cls, { apply: (target, _self, args) => Reflect.construct(target, args) }) as any;
}

/** Base class: forward(img) transforms one image or a batch. */
export abstract class Transform {
  abstract forward(x: any): any;
  /** A step for the native batch pipeline (built-in datasets), or null when this transform has none. */
  _nativeStep(_channels: number): any | null { return null; }
  /** True for per-pixel, per-channel deterministic maps (ToTensor, Normalize, ...), which the native pipeline tabulates. */
  get _pixelOp(): boolean { return false; }
  extraRepr(): string { return ""; }
  toString(): string { return `${this.constructor.name}(${this.extraRepr()})`; }
}

export const Compose = callable(class Compose extends Transform {
  constructor(readonly transforms: TransformLike[]) { super(); }
  forward(x: any): any {
    let cur = x;
    for (const t of this.transforms) {
      const next = applyTransform(t, cur);
      if (next !== cur && cur !== x && cur instanceof Tensor && !(cur as any)._kept) cur.dispose();
      cur = next;
    }
    return cur;
  }
  toString(): string { return `Compose(\n${this.transforms.map((t) => `    ${String(t)}`).join("\n")}\n)`; }
});
export type Compose = InstanceType<typeof Compose>;

export const Lambda = callable(class Lambda extends Transform {
  constructor(readonly lambd: (x: any) => any) {
    super();
    if (typeof lambd !== "function") throw new TypeError(`Argument lambd should be callable, got ${typeof lambd}`);
  }
  forward(x: any): any { return this.lambd(x); }
});
export type Lambda = InstanceType<typeof Lambda>;

/** HWCImage (or a uint8 [H, W, C] tensor, like a numpy array) -> float [C, H, W] in [0, 1]; [B, H, W, C] -> [B, C, H, W]. */
export const ToTensor = callable(class ToTensor extends Transform {
  forward(pic: any): Tensor {
    if (!(pic instanceof Tensor)) throw new TypeError(`pic should be an HWCImage or an HWC tensor. Got ${typeof pic}`);
    return tidy(() => toTensorT(pic));
  }
  get _pixelOp(): boolean { return true; }
});
export type ToTensor = InstanceType<typeof ToTensor>;
/** HWCImage -> uint8 [C, H, W] tensor, values unchanged (torchvision PILToTensor / v2 ToImage); tensors pass through. */
export const ToImage = callable(class ToImage extends Transform {
  forward(pic: any): Tensor { return tidy(() => toImageT(pic)); }
  get _pixelOp(): boolean { return true; }
});
export type ToImage = InstanceType<typeof ToImage>;
export const PILToTensor = callable(class PILToTensor extends ToImage {});
export type PILToTensor = InstanceType<typeof PILToTensor>;
/** Tensor [C, H, W] -> HWCImage (floats are scaled by 255). */
export const ToPILImage = callable(class ToPILImage extends Transform {
  forward(t: any): HWCImage { return tidy(() => toPILT(t)); }
});
export type ToPILImage = InstanceType<typeof ToPILImage>;
/** Converts the dtype; with scale, values are rescaled between integer and float ranges (torchvision v2 ToDtype). */
export const ToDtype = callable(class ToDtype extends Transform {
  readonly scale: boolean;
  constructor(readonly dtype: dt.DType, opts: { scale?: boolean } | boolean = {}) {
    super();
    this.scale = typeof opts === "boolean" ? opts : !!opts.scale;
  }
  forward(x: any): Tensor {
    return tidy(() => {
      const t = x instanceof HWCImage ? toImageT(x) : x;
      if (this.scale) return convertImageDtypeT(t, this.dtype);
      return t.dtype === this.dtype ? t : t.to(this.dtype);
    });
  }
  get _pixelOp(): boolean { return true; }
  extraRepr(): string { return `dtype=${this.dtype}, scale=${this.scale}`; }
});
export type ToDtype = InstanceType<typeof ToDtype>;
/** torchvision ConvertImageDtype: ToDtype with scaling. */
export const ConvertImageDtype = callable(class ConvertImageDtype extends ToDtype {
  constructor(dtype: dt.DType = dt.float32) { super(dtype, { scale: true }); }
});
export type ConvertImageDtype = InstanceType<typeof ConvertImageDtype>;

/** (x - mean) / std per channel, for float tensors [..., C, H, W]. */
export const Normalize = callable(class Normalize extends Transform {
  readonly inplace: boolean;
  constructor(readonly mean: number[], readonly std: number[], opts: { inplace?: boolean } | boolean = {}) {
    super();
    this.inplace = typeof opts === "boolean" ? opts : !!opts.inplace;
  }
  forward(t: any): Tensor {
    if (t instanceof HWCImage) throw new TypeError("Normalize: expected a float tensor [C, H, W]; apply ToTensor first");
    return tidy(() => normalizeT(t, this.mean, this.std, this.inplace));
  }
  get _pixelOp(): boolean { return true; }
  extraRepr(): string { return `mean=[${this.mean}], std=[${this.std}]`; }
});
export type Normalize = InstanceType<typeof Normalize>;

function randomMask(B: number, p: number, device: string): Tensor {
  const r = randB(B, device);
  return r.lt(p).view([B, 1, 1, 1]);
}

export const RandomHorizontalFlip = callable(class RandomHorizontalFlip extends Transform {
  constructor(readonly p = 0.5) { super(); }
  forward(img: any): any {
    if (img instanceof Tensor && (img.dim() === 4 || (img.dim() > 4 && !(img instanceof HWCImage))))
      return onImage(img, "RandomHorizontalFlip", (t) => t.where(randomMask(t.shape[0], this.p, t.device).logicalNot(), t.flip(-1)));
    if (rand1() < this.p) return onImage(img, "RandomHorizontalFlip", hflipT);
    return img;
  }
  _nativeStep(): any { return { op: "hflip", p: this.p }; }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomHorizontalFlip = InstanceType<typeof RandomHorizontalFlip>;
export const RandomVerticalFlip = callable(class RandomVerticalFlip extends Transform {
  constructor(readonly p = 0.5) { super(); }
  forward(img: any): any {
    if (img instanceof Tensor && img.dim() === 4)
      return onImage(img, "RandomVerticalFlip", (t) => t.where(randomMask(t.shape[0], this.p, t.device).logicalNot(), t.flip(-2)));
    if (rand1() < this.p) return onImage(img, "RandomVerticalFlip", vflipT);
    return img;
  }
  _nativeStep(): any { return { op: "vflip", p: this.p }; }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomVerticalFlip = InstanceType<typeof RandomVerticalFlip>;

function nativeFill(fill: number | number[], C: number): number[] | null {
  const f = typeof fill === "number" ? [fill] : fill;
  if (!f.every((v) => Number.isFinite(v) && v >= 0 && v <= 255)) return null;
  if (f.length !== 1 && f.length !== C) return null;
  return f;
}
function padFill(fill: number | number[]): number | number[] { return fill; }

/** Pads all sides: padding int | [lr, tb] | [l, t, r, b]. */
export const Pad = callable(class Pad extends Transform {
  readonly fill: number | number[];
  readonly paddingMode: string;
  constructor(readonly padding: number | number[], opts: { fill?: number | number[]; paddingMode?: string } = {}) {
    super();
    parsePadding(padding);
    this.fill = opts.fill ?? 0;
    this.paddingMode = opts.paddingMode ?? "constant";
  }
  forward(img: any): any { return onImage(img, "Pad", (t) => padT(t, this.padding, padFill(this.fill), this.paddingMode)); }
  _nativeStep(C: number): any {
    const [l, r, t, b] = parsePadding(this.padding);
    const fill = nativeFill(this.fill, C);
    if (!fill || [l, r, t, b].some((v) => v < 0)) return null;
    return { op: "pad", padLeft: l, padTop: t, padRight: r, padBottom: b, fill, mode: this.paddingMode };
  }
  extraRepr(): string { return `padding=${JSON.stringify(this.padding)}, fill=${JSON.stringify(this.fill)}, padding_mode=${this.paddingMode}`; }
});
export type Pad = InstanceType<typeof Pad>;

/** Crops a random size-[h, w] window, after optional padding (torchvision RandomCrop). */
export const RandomCrop = callable(class RandomCrop extends Transform {
  readonly size: [number, number];
  readonly padding: number | number[] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | number[];
  readonly paddingMode: string;
  constructor(size: number | number[], opts: { padding?: number | number[] | null; padIfNeeded?: boolean; fill?: number | number[]; paddingMode?: string } = {}) {
    super();
    this.size = setupSize(size);
    this.padding = opts.padding ?? null;
    if (this.padding !== null) parsePadding(this.padding);
    this.padIfNeeded = !!opts.padIfNeeded;
    this.fill = opts.fill ?? 0;
    this.paddingMode = opts.paddingMode ?? "constant";
  }
  /** i, j, th, tw for a crop of an image of height h and width w (torchvision get_params). */
  static getParams(h: number, w: number, size: [number, number]): [number, number, number, number] {
    const [th, tw] = size;
    if (h < th || w < tw) throw new RangeError(`Required crop size (${th}, ${tw}) is larger than input image size (${h}, ${w})`);
    if (w === tw && h === th) return [0, 0, h, w];
    const i = randint1(0, h - th + 1);
    const j = randint1(0, w - tw + 1);
    return [i, j, th, tw];
  }
  _prepare(t: Tensor): Tensor {
    let x = t;
    const fill = padFill(this.fill);
    if (this.padding !== null) x = padT(x, this.padding, fill, this.paddingMode);
    const [, h, w] = dims(x);
    if (this.padIfNeeded && w < this.size[1]) x = padT(x, [this.size[1] - w, 0], fill, this.paddingMode);
    const [, h2] = dims(x);
    if (this.padIfNeeded && h2 < this.size[0]) x = padT(x, [0, this.size[0] - h2], fill, this.paddingMode);
    void h;
    return x;
  }
  forward(img: any): any {
    return onImage(img, "RandomCrop", (t, batch) => {
      const x = this._prepare(t);
      const [, h, w] = dims(x);
      const [th, tw] = this.size;
      if (!batch) {
        const [i, j] = RandomCrop.getParams(h, w, this.size);
        return cropT(x, i, j, th, tw);
      }
      if (h < th || w < tw) throw new RangeError(`Required crop size (${th}, ${tw}) is larger than input image size (${h}, ${w})`);
      if (h === th && w === tw) return x;
      const B = x.shape[0], dev = x.device;
      const i = randintB(B, h - th + 1, dev), j = randintB(B, w - tw + 1, dev);
      return gatherWindows(x, i, j, th, tw);
    });
  }
  _nativeStep(C: number): any {
    const fill = nativeFill(this.fill, C);
    if (!fill) return null;
    const [l, r, t, b] = this.padding === null ? [0, 0, 0, 0] : parsePadding(this.padding);
    if ([l, r, t, b].some((v) => v < 0)) return null;
    return { op: "randomCrop", h: this.size[0], w: this.size[1], padLeft: l, padTop: t, padRight: r, padBottom: b,
      padIfNeeded: this.padIfNeeded, fill, mode: this.paddingMode };
  }
  extraRepr(): string { return `size=(${this.size}), padding=${JSON.stringify(this.padding)}`; }
});
export type RandomCrop = InstanceType<typeof RandomCrop>;
function randintB(B: number, high: number, device: string): Tensor {
  return toDev(callOp("aten::randint", high, [B], { generator: gen(), dtype: dt.int64, device: drawDevice(device) }), device);
}
/** Per-sample windows: out[b] = x[b, :, i[b]:i[b]+th, j[b]:j[b]+tw] (two gathers). */
function gatherWindows(x: Tensor, i: Tensor, j: Tensor, th: number, tw: number): Tensor {
  const [B, C, , W] = x.shape, dev = x.device;
  const rows = i.view([B, 1, 1, 1]).add(arange(th, { device: dev }).view([1, 1, th, 1])).expand([B, C, th, W]);
  const cols = j.view([B, 1, 1, 1]).add(arange(tw, { device: dev }).view([1, 1, 1, tw])).expand([B, C, th, tw]);
  return x.gather(2, rows).gather(3, cols);
}

export const CenterCrop = callable(class CenterCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | number[]) { super(); this.size = setupSize(size); }
  forward(img: any): any { return onImage(img, "CenterCrop", (t) => centerCropT(t, this.size)); }
  _nativeStep(): any { return { op: "centerCrop", h: this.size[0], w: this.size[1] }; }
  extraRepr(): string { return `size=(${this.size})`; }
});
export type CenterCrop = InstanceType<typeof CenterCrop>;

/** A random perspective distortion with probability p (torchvision RandomPerspective); a batch draws per sample. */
export const RandomPerspective = callable(class RandomPerspective extends Transform {
  readonly distortionScale: number;
  readonly p: number;
  readonly interpolation: Interpolation;
  readonly fill: number | number[];
  constructor(opts: { distortionScale?: number; p?: number; interpolation?: Interpolation; fill?: number | number[] | null } = {}) {
    super();
    this.distortionScale = opts.distortionScale ?? 0.5;
    this.p = opts.p ?? 0.5;
    this.interpolation = opts.interpolation ?? "bilinear";
    this.fill = opts.fill ?? 0;
  }
  /** [startpoints, endpoints]: the image's corners and where they go (torchvision's draws, in its order). */
  static getParams(width: number, height: number, distortionScale: number): [number[][], number[][]] {
    const hh = Math.floor(height / 2), hw = Math.floor(width / 2);
    const dw = Math.trunc(distortionScale * hw), dh = Math.trunc(distortionScale * hh);
    const topleft = [randint1(0, dw + 1), randint1(0, dh + 1)];
    const topright = [randint1(width - dw - 1, width), randint1(0, dh + 1)];
    const botright = [randint1(width - dw - 1, width), randint1(height - dh - 1, height)];
    const botleft = [randint1(0, dw + 1), randint1(height - dh - 1, height)];
    return [[[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], [topleft, topright, botright, botleft]];
  }
  forward(img: any): any {
    const one = (t: Tensor): Tensor => {
      if (!(rand1() < this.p)) return t;
      const [, h, w] = dims(t);
      const [start, end] = RandomPerspective.getParams(w, h, this.distortionScale);
      return perspectiveT(t, start, end, this.interpolation, this.fill);
    };
    return onImage(img, "RandomPerspective", (t, batch) => (batch ? stack(t.unbind(0).map(one), 0) : one(t)));
  }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomPerspective = InstanceType<typeof RandomPerspective>;

/** The four corners and the centre, as torchvision's five_crop: [top-left, top-right, bottom-left, bottom-right, centre]. */
function fiveCrop(img: any, size: number | number[]): any[] {
  const [ch, cw] = setupSize(size, "Please provide only two dimensions (h, w) for size.");
  const [, h, w] = img instanceof HWCImage ? [img.channels, img.height, img.width] : dims(img);
  if (ch > h || cw > w) throw new RangeError(`Requested crop size (${ch}, ${cw}) is bigger than input size (${h}, ${w})`);
  const at = (top: number, left: number) => onImage(img, "five_crop", (t) => cropT(t, top, left, ch, cw));
  return [at(0, 0), at(0, w - cw), at(h - ch, 0), at(h - ch, w - cw), onImage(img, "five_crop", (t) => centerCropT(t, [ch, cw]))];
}
/** five_crop of the image and of its flip (horizontal, or vertical with verticalFlip), as torchvision's ten_crop. */
function tenCrop(img: any, size: number | number[], verticalFlip = false): any[] {
  const flipped = onImage(img, "ten_crop", verticalFlip ? vflipT : hflipT);
  try { return [...fiveCrop(img, size), ...fiveCrop(flipped, size)]; } finally { flipped.dispose(); }  // the crops keep its storage
}

/** The four corners and the centre crop of an image: an array of 5 images (torchvision FiveCrop). */
export const FiveCrop = callable(class FiveCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | number[]) { super(); this.size = setupSize(size, "Please provide only two dimensions (h, w) for size."); }
  forward(img: any): any[] { return fiveCrop(img, this.size); }
  extraRepr(): string { return `size=(${this.size})`; }
});
export type FiveCrop = InstanceType<typeof FiveCrop>;
/** FiveCrop of the image and of its flipped version: an array of 10 images (torchvision TenCrop). */
export const TenCrop = callable(class TenCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | number[], readonly verticalFlip = false) { super(); this.size = setupSize(size, "Please provide only two dimensions (h, w) for size."); }
  forward(img: any): any[] { return tenCrop(img, this.size, this.verticalFlip); }
  extraRepr(): string { return `size=(${this.size}), vertical_flip=${this.verticalFlip}`; }
});
export type TenCrop = InstanceType<typeof TenCrop>;

/**
 * Resizes to size ([h, w], or the smaller edge when a number). antialias defaults as torchvision 0.14's: false for
 * tensors, true for HWCImages (PIL always antialiases).
 */
export const Resize = callable(class Resize extends Transform {
  readonly interpolation: Interpolation;
  readonly maxSize: number | null;
  readonly antialias: boolean | null;
  constructor(readonly size: number | number[], opts: { interpolation?: Interpolation; maxSize?: number | null; antialias?: boolean | null } = {}) {
    super();
    if (Array.isArray(size) && (size.length < 1 || size.length > 2)) throw new RangeError("If size is a sequence, it should have 1 or 2 values");
    this.interpolation = opts.interpolation ?? "bilinear";
    this.maxSize = opts.maxSize ?? null;
    this.antialias = opts.antialias ?? null;
  }
  forward(img: any): any {
    const aa = this.antialias ?? pilAntialias(img, this.interpolation);
    return onImage(img, "Resize", (t) => resizeT(t, this.size, this.interpolation, this.maxSize, aa));
  }
  extraRepr(): string { return `size=${JSON.stringify(this.size)}, interpolation=${this.interpolation}, max_size=${this.maxSize}, antialias=${this.antialias}`; }
});
export type Resize = InstanceType<typeof Resize>;

/** A random crop (area fraction `scale`, aspect `ratio`) resized to size (torchvision RandomResizedCrop). */
export const RandomResizedCrop = callable(class RandomResizedCrop extends Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: Interpolation;
  readonly antialias: boolean | null;
  constructor(size: number | number[], opts: { scale?: [number, number]; ratio?: [number, number]; interpolation?: Interpolation; antialias?: boolean | null } = {}) {
    super();
    this.size = setupSize(size);
    this.scale = opts.scale ?? [0.08, 1.0];
    this.ratio = opts.ratio ?? [3.0 / 4.0, 4.0 / 3.0];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) process.emitWarning("Scale and ratio should be of kind (min, max)");
    this.interpolation = opts.interpolation ?? "bilinear";
    this.antialias = opts.antialias ?? null;
  }
  static getParams(height: number, width: number, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
    const area = height * width;
    const logRatio = f32("log", ratio);
    for (let k = 0; k < 10; k++) {
      const targetArea = area * uniform1(scale[0], scale[1]);
      const aspect = f32("exp", [uniform1(logRatio[0], logRatio[1])])[0];
      const w = pyRound(Math.sqrt(targetArea * aspect));
      const h = pyRound(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const i = randint1(0, height - h + 1);
        const j = randint1(0, width - w + 1);
        return [i, j, h, w];
      }
    }
    const inRatio = width / height;
    let w: number, h: number;
    if (inRatio < Math.min(...ratio)) { w = width; h = pyRound(w / Math.min(...ratio)); }
    else if (inRatio > Math.max(...ratio)) { h = height; w = pyRound(h * Math.max(...ratio)); }
    else { w = width; h = height; }
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }
  forward(img: any): any {
    const aa = this.antialias ?? pilAntialias(img, this.interpolation);
    return onImage(img, "RandomResizedCrop", (t, batch) => {
      const [, H, W] = dims(t);
      if (!batch) {
        const [i, j, h, w] = RandomResizedCrop.getParams(H, W, this.scale, this.ratio);
        return resizeT(cropT(t, i, j, h, w), this.size, this.interpolation, null, aa);
      }
      return this._batched(t, H, W);
    });
  }
  /** Per-sample boxes (vectorised rejection sampling), then crop-and-resize as one grid_sample (bilinear, no antialiasing). */
  _batched(t: Tensor, H: number, W: number): Tensor {
    const B = t.shape[0], dev = t.device;
    const area = H * W, tries = 10;
    const lr = f32("log", this.ratio);
    const s = empty([B, tries], { dtype: dt.float32 }); callOp("aten::uniform_", s, this.scale[0], this.scale[1], { generator: gen() }).dispose();
    const lg = empty([B, tries], { dtype: dt.float32 }); callOp("aten::uniform_", lg, lr[0], lr[1], { generator: gen() }).dispose();
    const ar = exp(lg);
    const ta = s.mul(area);
    const w = round(sqrt(ta.mul(ar))), h = round(sqrt(ta.div(ar)));
    const ok = w.gt(0).logicalAnd(w.le(W)).logicalAnd(h.gt(0)).logicalAnd(h.le(H));
    const first = ok.to(dt.int32).argmax({ dim: 1, keepdim: true });
    const any = ok.any({ dim: 1 });
    // fallback: central crop as in get_params
    const inRatio = W / H, rmin = Math.min(...this.ratio), rmax = Math.max(...this.ratio);
    let fw = W, fh = H;
    if (inRatio < rmin) fh = pyRound(W / rmin); else if (inRatio > rmax) fw = pyRound(H * rmax);
    const wSel = w.gather(1, first).squeeze(1).where(any, full([B], fw, { dtype: dt.float32 }));
    const hSel = h.gather(1, first).squeeze(1).where(any, full([B], fh, { dtype: dt.float32 }));
    const ri = randB(B, "cpu"), rj = randB(B, "cpu");
    const i = floor(ri.mul(hSel.mul(-1).add(H + 1))).where(any, full([B], Math.floor((H - fh) / 2), { dtype: dt.float32 }));
    const j = floor(rj.mul(wSel.mul(-1).add(W + 1))).where(any, full([B], Math.floor((W - fw) / 2), { dtype: dt.float32 }));
    const [oh, ow] = this.size;
    const dtype = t.isFloatingPoint() ? t.dtype : dt.float32;
    const u = arange(ow, { dtype: dt.float32 }).mul(2).add(1).view([1, ow]);  // 2u + 1
    const v = arange(oh, { dtype: dt.float32 }).mul(2).add(1).view([1, oh]);
    const gx = j.mul(2).view([B, 1]).add(u.mul(wSel.div(ow).view([B, 1]))).div(W).sub(1);  // [B, ow]
    const gy = i.mul(2).view([B, 1]).add(v.mul(hSel.div(oh).view([B, 1]))).div(H).sub(1);  // [B, oh]
    const grid = stack([gx.view([B, 1, ow]).expand([B, oh, ow]), gy.view([B, oh, 1]).expand([B, oh, ow])], 3).to({ dtype, device: dev });
    const x = t.dtype === dtype ? t : t.to(dtype);
    let out: Tensor = callOp("aten::grid_sampler", x, grid, this.interpolation === "nearest" ? 1 : 0, 1, false);
    if (!t.isFloatingPoint()) out = round(out).to(t.dtype);
    return out;
  }
  extraRepr(): string { return `size=(${this.size}), scale=(${this.scale}), ratio=(${this.ratio}), interpolation=${this.interpolation}`; }
});
export type RandomResizedCrop = InstanceType<typeof RandomResizedCrop>;

function setupAngle(x: number | number[], name: string, sizes: number[]): number[] {
  if (typeof x === "number") {
    if (x < 0) throw new RangeError(`If ${name} is a single number, it must be positive.`);
    return [-x, x];
  }
  if (!sizes.includes(x.length)) throw new RangeError(`${name} should be a sequence of length ${sizes.join(" or ")}.`);
  return x.slice();
}

/** Rotation by an angle drawn from [-degrees, degrees] (Keras' RandomRotation(0.1) is RandomRotation(36)). */
export const RandomRotation = callable(class RandomRotation extends Transform {
  readonly degrees: number[];
  readonly interpolation: Interpolation;
  readonly expand: boolean;
  readonly center: number[] | null;
  readonly fill: number | number[];
  constructor(degrees: number | number[], opts: { interpolation?: Interpolation; expand?: boolean; center?: number[] | null; fill?: number | number[] } = {}) {
    super();
    this.degrees = setupAngle(degrees, "degrees", [2]);
    this.interpolation = opts.interpolation ?? "nearest";
    this.expand = !!opts.expand;
    this.center = opts.center ?? null;
    this.fill = opts.fill ?? 0;
  }
  static getParams(degrees: number[]): number { return uniform1(degrees[0], degrees[1]); }
  forward(img: any): any {
    return onImage(img, "RandomRotation", (t, batch) => {
      const C = dims(t)[0];
      const fill = fillList(this.fill, C);
      if (!batch) return rotateT(t, RandomRotation.getParams(this.degrees), this.interpolation, this.expand, this.center, fill);
      if (this.expand) throw new Error("RandomRotation: expand=true gives each sample its own size and cannot be applied to a batch");
      checkInterp(this.interpolation, ["nearest", "bilinear"], "RandomRotation");
      const [, h, w] = dims(t);
      const cf: [number, number] = this.center ? [this.center[0] - w * 0.5, this.center[1] - h * 0.5] : [0, 0];
      const angles = uniformB(t.shape[0], this.degrees[0], this.degrees[1], "cpu").dataNumbers() as Float32Array;
      const mats = Array.from(angles, (a) => inverseAffineMatrix(cf, -a, [0, 0], 1, [0, 0]));
      return affineBatch(t, mats, this.interpolation as any, fill);
    });
  }
  extraRepr(): string { return `degrees=[${this.degrees}], interpolation=${this.interpolation}, expand=${this.expand}, fill=${JSON.stringify(this.fill)}`; }
});
export type RandomRotation = InstanceType<typeof RandomRotation>;

/** Random rotation, translation (fractions of width/height), scale and shear (Keras' RandomTranslation and RandomZoom). */
export const RandomAffine = callable(class RandomAffine extends Transform {
  readonly degrees: number[];
  readonly translate: [number, number] | null;
  readonly scale: [number, number] | null;
  readonly shear: number[] | null;
  readonly interpolation: Interpolation;
  readonly fill: number | number[];
  readonly center: number[] | null;
  constructor(degrees: number | number[], opts: { translate?: [number, number] | null; scale?: [number, number] | null; shear?: number | number[] | null;
                                                   interpolation?: Interpolation; fill?: number | number[]; center?: number[] | null } = {}) {
    super();
    this.degrees = setupAngle(degrees, "degrees", [2]);
    this.translate = opts.translate ?? null;
    if (this.translate) for (const t of this.translate) if (!(t >= 0 && t <= 1)) throw new RangeError("translation values should be between 0 and 1");
    this.scale = opts.scale ?? null;
    if (this.scale) for (const s of this.scale) if (s <= 0) throw new RangeError("scale values should be positive");
    this.shear = opts.shear === null || opts.shear === undefined ? null : setupAngle(opts.shear, "shear", [2, 4]);
    this.interpolation = opts.interpolation ?? "nearest";
    this.fill = opts.fill ?? 0;
    this.center = opts.center ?? null;
  }
  /** angle, [tx, ty], scale, [shearX, shearY] as torchvision draws them; imgSize is [width, height]. */
  static getParams(degrees: number[], translate: [number, number] | null, scaleRanges: [number, number] | null, shears: number[] | null,
                   imgSize: [number, number]): [number, [number, number], number, [number, number]] {
    const angle = uniform1(degrees[0], degrees[1]);
    let tr: [number, number] = [0, 0];
    if (translate) {
      const maxDx = translate[0] * imgSize[0], maxDy = translate[1] * imgSize[1];
      tr = [pyRound(uniform1(-maxDx, maxDx)), pyRound(uniform1(-maxDy, maxDy))];
    }
    const scale = scaleRanges ? uniform1(scaleRanges[0], scaleRanges[1]) : 1.0;
    let sx = 0, sy = 0;
    if (shears) {
      sx = uniform1(shears[0], shears[1]);
      if (shears.length === 4) sy = uniform1(shears[2], shears[3]);
    }
    return [angle, tr, scale, [sx, sy]];
  }
  forward(img: any): any {
    return onImage(img, "RandomAffine", (t, batch) => {
      const [C, h, w] = dims(t);
      const fill = fillList(this.fill, C);
      checkInterp(this.interpolation, ["nearest", "bilinear"], "RandomAffine");
      const cf: [number, number] = this.center ? [this.center[0] - w * 0.5, this.center[1] - h * 0.5] : [0, 0];
      const n = batch ? t.shape[0] : 1;
      const mats: number[][] = [];
      for (let k = 0; k < n; k++) {
        const [angle, tr, scale, shear] = RandomAffine.getParams(this.degrees, this.translate, this.scale, this.shear, [w, h]);
        mats.push(inverseAffineMatrix(cf, angle, tr, scale, shear));
      }
      if (!batch) return affineBatch(t.unsqueeze(0), mats, this.interpolation as any, fill).squeeze(0);
      return affineBatch(t, mats, this.interpolation as any, fill);
    });
  }
  extraRepr(): string { return `degrees=[${this.degrees}], translate=${JSON.stringify(this.translate)}, scale=${JSON.stringify(this.scale)}, shear=${JSON.stringify(this.shear)}`; }
});
export type RandomAffine = InstanceType<typeof RandomAffine>;

function checkJitter(value: number | [number, number], name: string, center = 1, bound: [number, number] = [0, Infinity], clipFirstOnZero = true): [number, number] | null {
  let v: [number, number];
  if (typeof value === "number") {
    if (value < 0) throw new RangeError(`If ${name} is a single number, it must be non negative.`);
    v = [center - value, center + value];
    if (clipFirstOnZero) v[0] = Math.max(v[0], 0);
  } else if (Array.isArray(value) && value.length === 2) {
    if (!(bound[0] <= value[0] && value[0] <= value[1] && value[1] <= bound[1])) throw new RangeError(`${name} values should be between [${bound}]`);
    v = [value[0], value[1]];
  } else throw new TypeError(`${name} should be a single number or a list/tuple with length 2.`);
  return v[0] === v[1] && v[1] === center ? null : v;
}

/** Random brightness, contrast, saturation and hue, applied in a random order. */
export const ColorJitter = callable(class ColorJitter extends Transform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  constructor(opts: { brightness?: number | [number, number]; contrast?: number | [number, number]; saturation?: number | [number, number]; hue?: number | [number, number] } | number = {},
              contrast?: number | [number, number], saturation?: number | [number, number], hue?: number | [number, number]) {
    super();
    const o = typeof opts === "number" ? { brightness: opts, contrast, saturation, hue } : opts;
    this.brightness = checkJitter(o.brightness ?? 0, "brightness");
    this.contrast = checkJitter(o.contrast ?? 0, "contrast");
    this.saturation = checkJitter(o.saturation ?? 0, "saturation");
    this.hue = checkJitter(o.hue ?? 0, "hue", 0, [-0.5, 0.5], false);
  }
  static getParams(b: [number, number] | null, c: [number, number] | null, s: [number, number] | null, h: [number, number] | null):
    [number[], number | null, number | null, number | null, number | null] {
    const order = randperm(4);
    const bf = b ? uniform1(b[0], b[1]) : null;
    const cf = c ? uniform1(c[0], c[1]) : null;
    const sf = s ? uniform1(s[0], s[1]) : null;
    const hf = h ? uniform1(h[0], h[1]) : null;
    return [order, bf, cf, sf, hf];
  }
  forward(img: any): any {
    return onImage(img, "ColorJitter", (t, batch) => {
      if (batch) return this._batched(t);
      const [order, b, c, s, h] = ColorJitter.getParams(this.brightness, this.contrast, this.saturation, this.hue);
      let x = t;
      for (const k of order) {
        if (k === 0 && b !== null) x = adjustBrightnessT(x, b);
        else if (k === 1 && c !== null) x = adjustContrastT(x, c);
        else if (k === 2 && s !== null) x = adjustSaturationT(x, s);
        else if (k === 3 && h !== null) x = adjustHueT(x, h);
      }
      return x;
    });
  }
  /** Per-sample factors and per-sample order: round r applies each sample's r-th operation to the samples that have it. */
  _batched(t: Tensor): Tensor {
    const B = t.shape[0], dev = t.device;
    const order: Tensor = randB(B * 4, "cpu").view([B, 4]).argsort(1);
    const f = (r: [number, number] | null) => (r ? uniformB(B, r[0], r[1], dev) : null);
    const factors = [f(this.brightness), f(this.contrast), f(this.saturation), f(this.hue)];
    const ord = Array.from(order.data() as BigInt64Array, Number);
    let x = t;
    for (let r = 0; r < 4; r++) {
      for (let k = 0; k < 4; k++) {
        const fk = factors[k];
        if (!fk) continue;
        const sel: number[] = [];
        for (let bi = 0; bi < B; bi++) if (ord[bi * 4 + r] === k) sel.push(bi);
        if (!sel.length) continue;
        const idx = tensor(sel, { dtype: dt.int64, device: dev });
        const sub = x.indexSelect(0, idx);
        const fs = fk.indexSelect(0, idx);
        const out = k === 0 ? adjustBrightnessT(sub, fs.view([-1, 1, 1, 1])) : k === 1 ? adjustContrastT(sub, fs.view([-1, 1, 1, 1]))
          : k === 2 ? adjustSaturationT(sub, fs.view([-1, 1, 1, 1])) : adjustHueT(sub, fs.view([-1, 1, 1]));
        x = callOp("aten::index_copy", x, 0, idx, out);
      }
    }
    return x;
  }
  extraRepr(): string { return `brightness=${JSON.stringify(this.brightness)}, contrast=${JSON.stringify(this.contrast)}, saturation=${JSON.stringify(this.saturation)}, hue=${JSON.stringify(this.hue)}`; }
});
export type ColorJitter = InstanceType<typeof ColorJitter>;

/** Erases a random rectangle (torchvision RandomErasing); value: number, per-channel list, or "random". */
export const RandomErasing = callable(class RandomErasing extends Transform {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | number[] | "random";
  readonly inplace: boolean;
  constructor(opts: { p?: number; scale?: [number, number]; ratio?: [number, number]; value?: number | number[] | "random"; inplace?: boolean } = {}) {
    super();
    this.p = opts.p ?? 0.5;
    this.scale = opts.scale ?? [0.02, 0.33];
    this.ratio = opts.ratio ?? [0.3, 3.3];
    this.value = opts.value ?? 0;
    this.inplace = !!opts.inplace;
    if (typeof this.value === "string" && this.value !== "random") throw new RangeError("If value is str, it should be 'random'");
    if (this.scale[0] < 0 || this.scale[1] > 1) throw new RangeError("Scale should be between 0 and 1");
    if (this.p < 0 || this.p > 1) throw new RangeError("Random erasing probability should be between 0 and 1");
  }
  static getParams(img: Tensor, scale: [number, number], ratio: [number, number], value: number[] | null): [number, number, number, number, Tensor | null] {
    const [c, H, W] = dims(img);
    const area = H * W;
    const lr = f32("log", ratio);
    for (let k = 0; k < 10; k++) {
      const eraseArea = area * uniform1(scale[0], scale[1]);
      const aspect = f32("exp", [uniform1(lr[0], lr[1])])[0];
      const h = pyRound(Math.sqrt(eraseArea * aspect));
      const w = pyRound(Math.sqrt(eraseArea / aspect));
      if (!(h < H && w < W)) continue;
      let v: Tensor;
      if (value === null) { v = empty([c, h, w], { dtype: dt.float32 }); callOp("aten::normal_", v, 0, 1, { generator: gen() }).dispose(); }
      else v = tensor(value, { dtype: value.every(Number.isInteger) ? dt.int64 : dt.float32 }).view([-1, 1, 1]);
      const i = randint1(0, H - h + 1);
      const j = randint1(0, W - w + 1);
      return [i, j, h, w, v];
    }
    return [0, 0, H, W, null];
  }
  _values(C: number): number[] | null {
    const v = this.value;
    const list = typeof v === "number" ? [v] : v === "random" ? null : v.slice();
    if (list && !(list.length === 1 || list.length === C))
      throw new RangeError(`If value is a sequence, it should have either a single value or ${C} (number of input channels)`);
    return list;
  }
  forward(img: any): any {
    if (img instanceof Tensor && img.dim() === 4) return onImage(img, "RandomErasing", (t) => this._batched(t));
    if (rand1() >= this.p) return img;
    return onImage(img, "RandomErasing", (t) => {
      const [i, j, h, w, v] = RandomErasing.getParams(t, this.scale, this.ratio, this._values(dims(t)[0]));
      if (v === null) return t;
      return eraseT(t, i, j, h, w, v.device === t.device ? v : v.to(t.device), this.inplace);
    });
  }
  _batched(t: Tensor): Tensor {
    const [B, C, H, W] = t.shape, dev = t.device, area = H * W, tries = 10;
    const apply = randB(B, "cpu").lt(this.p);
    const lr = f32("log", this.ratio);
    const s = empty([B, tries], { dtype: dt.float32 }); callOp("aten::uniform_", s, this.scale[0], this.scale[1], { generator: gen() }).dispose();
    const lg = empty([B, tries], { dtype: dt.float32 }); callOp("aten::uniform_", lg, lr[0], lr[1], { generator: gen() }).dispose();
    const ar = exp(lg), ea = s.mul(area);
    const h = round(sqrt(ea.mul(ar))), w = round(sqrt(ea.div(ar)));
    const ok = h.lt(H).logicalAnd(w.lt(W));
    const first = ok.to(dt.int32).argmax({ dim: 1, keepdim: true });
    const use = ok.any({ dim: 1 }).logicalAnd(apply);
    const hs = h.gather(1, first).squeeze(1), ws = w.gather(1, first).squeeze(1);
    const i = floor(randB(B, "cpu").mul(hs.mul(-1).add(H + 1))), j = floor(randB(B, "cpu").mul(ws.mul(-1).add(W + 1)));
    const ys = arange(H, { dtype: dt.float32 }).view([1, H]), xs = arange(W, { dtype: dt.float32 }).view([1, W]);
    const inY = ys.ge(i.view([B, 1])).logicalAnd(ys.lt(i.add(hs).view([B, 1])));
    const inX = xs.ge(j.view([B, 1])).logicalAnd(xs.lt(j.add(ws).view([B, 1])));
    const mask = inY.view([B, 1, H, 1]).logicalAnd(inX.view([B, 1, 1, W])).logicalAnd(use.view([B, 1, 1, 1])).to(dev);
    const vals = this._values(C);
    let v: Tensor;
    if (vals === null) { v = empty([B, C, H, W], { dtype: dt.float32 }); callOp("aten::normal_", v, 0, 1, { generator: gen() }).dispose(); v = v.to({ dtype: t.dtype, device: dev }); }
    else v = tensor(vals, { dtype: t.dtype, device: dev }).view([1, -1, 1, 1]);
    const out = t.where(mask.logicalNot(), v);
    if (this.inplace) { t.copy_(out); return t; }
    return out;
  }
  extraRepr(): string { return `p=${this.p}, scale=(${this.scale}), ratio=(${this.ratio}), value=${JSON.stringify(this.value)}, inplace=${this.inplace}`; }
});
export type RandomErasing = InstanceType<typeof RandomErasing>;

export const Grayscale = callable(class Grayscale extends Transform {
  constructor(readonly numOutputChannels = 1) { super(); }
  forward(img: any): any { return onImage(img, "Grayscale", (t) => rgbToGrayscaleT(t, this.numOutputChannels)); }
  extraRepr(): string { return `num_output_channels=${this.numOutputChannels}`; }
});
export type Grayscale = InstanceType<typeof Grayscale>;
export const RandomGrayscale = callable(class RandomGrayscale extends Transform {
  constructor(readonly p = 0.1) { super(); }
  forward(img: any): any {
    if (img instanceof Tensor && img.dim() === 4)
      return onImage(img, "RandomGrayscale", (t) => rgbToGrayscaleT(t, dims(t)[0]).where(randomMask(t.shape[0], this.p, t.device), t));
    if (rand1() < this.p) return onImage(img, "RandomGrayscale", (t) => rgbToGrayscaleT(t, dims(t)[0]));
    return img;
  }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomGrayscale = InstanceType<typeof RandomGrayscale>;

/** Blurs with a Gaussian kernel whose sigma is drawn uniformly from [sigma[0], sigma[1]] (per sample for batches). */
export const GaussianBlur = callable(class GaussianBlur extends Transform {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  constructor(kernelSize: number | number[], sigma: number | [number, number] = [0.1, 2.0]) {
    super();
    this.kernelSize = setupSize(kernelSize, "Kernel size should be a tuple/list of two integers");
    for (const k of this.kernelSize) if (!Number.isInteger(k) || k <= 0 || k % 2 === 0) throw new RangeError("Kernel size value should be an odd and positive number.");
    if (typeof sigma === "number") {
      if (sigma <= 0) throw new RangeError("If sigma is a single number, it must be positive.");
      this.sigma = [sigma, sigma];
    } else if (Array.isArray(sigma) && sigma.length === 2) {
      if (!(0 < sigma[0] && sigma[0] <= sigma[1])) throw new RangeError("sigma values should be positive and of the form (min, max).");
      this.sigma = [sigma[0], sigma[1]];
    } else throw new RangeError("sigma should be a single number or a list/tuple with length 2.");
  }
  static getParams(sigmaMin: number, sigmaMax: number): number { return uniform1(sigmaMin, sigmaMax); }
  forward(img: any): any {
    return onImage(img, "GaussianBlur", (t, batch) => {
      const s = batch ? uniformB(t.shape[0], this.sigma[0], this.sigma[1], "cpu") : GaussianBlur.getParams(this.sigma[0], this.sigma[1]);
      return gaussianBlurT(t, this.kernelSize, [s, s]);
    });
  }
  extraRepr(): string { return `kernel_size=${JSON.stringify(this.kernelSize)}, sigma=${JSON.stringify(this.sigma)}`; }
});
export type GaussianBlur = InstanceType<typeof GaussianBlur>;

/** A transform applied with probability p (per sample for batches), as torchvision's RandomInvert & co. */
function randomly(img: any, p: number, who: string, op: (t: Tensor) => Tensor): any {
  if (img instanceof Tensor && img.dim() === 4)
    return onImage(img, who, (t) => op(t).where(randomMask(t.shape[0], p, t.device), t));
  if (rand1() < p) return onImage(img, who, op);
  return img;
}
export const RandomInvert = callable(class RandomInvert extends Transform {
  constructor(readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomInvert", invertT); }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomInvert = InstanceType<typeof RandomInvert>;
export const RandomPosterize = callable(class RandomPosterize extends Transform {
  constructor(readonly bits: number, readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomPosterize", (t) => posterizeT(t, this.bits)); }
  extraRepr(): string { return `bits=${this.bits},p=${this.p}`; }
});
export type RandomPosterize = InstanceType<typeof RandomPosterize>;
export const RandomSolarize = callable(class RandomSolarize extends Transform {
  constructor(readonly threshold: number, readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomSolarize", (t) => solarizeT(t, this.threshold)); }
  extraRepr(): string { return `threshold=${this.threshold},p=${this.p}`; }
});
export type RandomSolarize = InstanceType<typeof RandomSolarize>;
export const RandomAdjustSharpness = callable(class RandomAdjustSharpness extends Transform {
  constructor(readonly sharpnessFactor: number, readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomAdjustSharpness", (t) => adjustSharpnessT(t, this.sharpnessFactor)); }
  extraRepr(): string { return `sharpness_factor=${this.sharpnessFactor},p=${this.p}`; }
});
export type RandomAdjustSharpness = InstanceType<typeof RandomAdjustSharpness>;
export const RandomAutocontrast = callable(class RandomAutocontrast extends Transform {
  constructor(readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomAutocontrast", autocontrastT); }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomAutocontrast = InstanceType<typeof RandomAutocontrast>;
export const RandomEqualize = callable(class RandomEqualize extends Transform {
  constructor(readonly p = 0.5) { super(); }
  forward(img: any): any { return randomly(img, this.p, "RandomEqualize", equalizeT); }
  extraRepr(): string { return `p=${this.p}`; }
});
export type RandomEqualize = InstanceType<typeof RandomEqualize>;

// ---- automatic augmentation (torchvision.transforms.autoaugment) ----
export const AutoAugmentPolicy = { IMAGENET: "imagenet", CIFAR10: "cifar10", SVHN: "svhn" } as const;
export type AutoAugmentPolicy = "imagenet" | "cifar10" | "svhn";
interface AugmentOptions { interpolation?: Interpolation; fill?: number | number[] | null; }

/** torchvision's _apply_op on a [C, H, W] tensor. */
function applyOp(img: Tensor, op: string, magnitude: number, interpolation: Interpolation, fill: number[] | null): Tensor {
  const deg = (m: number) => (Math.atan(m) * 180) / Math.PI;
  switch (op) {
    case "ShearX": return affineT(img, 0, [0, 0], 1, [deg(magnitude), 0], interpolation, fill, [0, 0]);
    case "ShearY": return affineT(img, 0, [0, 0], 1, [0, deg(magnitude)], interpolation, fill, [0, 0]);
    case "TranslateX": return affineT(img, 0, [Math.trunc(magnitude), 0], 1, [0, 0], interpolation, fill);
    case "TranslateY": return affineT(img, 0, [0, Math.trunc(magnitude)], 1, [0, 0], interpolation, fill);
    case "Rotate": return rotateT(img, magnitude, interpolation, false, null, fill);
    case "Brightness": return adjustBrightnessT(img, 1 + magnitude);
    case "Color": return adjustSaturationT(img, 1 + magnitude);
    case "Contrast": return adjustContrastT(img, 1 + magnitude);
    case "Sharpness": return adjustSharpnessT(img, 1 + magnitude);
    case "Posterize": return posterizeT(img, Math.trunc(magnitude));
    case "Solarize": return solarizeT(img, magnitude);
    case "AutoContrast": return autocontrastT(img);
    case "Equalize": return equalizeT(img);
    case "Invert": return invertT(img);
    case "Identity": return img;
  }
  throw new RangeError(`The provided operator ${op} is not recognized.`);
}
/** An op's magnitudes (float32 values, as torchvision's tensors) and whether it takes a random sign. */
type OpSpace = Record<string, [number[] | null, boolean]>;
function linspaceF(a: number, b: number, n: number): number[] {
  const t = linspace(a, b, n, { dtype: dt.float32 });
  const v = Array.from(t.data() as Float32Array); t.dispose(); return v;
}
/** 8 - round(arange(n) / ((n - 1) / d)) */
function posterizeBits(n: number, d: number): number[] {
  return tidy(() => Array.from(round(arange(n).div((n - 1) / d)).data() as Float32Array, (v) => 8 - v));
}
function augmentSpace(n: number, h: number, w: number, identity: boolean): OpSpace {
  const sp: OpSpace = {};
  if (identity) sp.Identity = [null, false];
  Object.assign(sp, {
    ShearX: [linspaceF(0, 0.3, n), true], ShearY: [linspaceF(0, 0.3, n), true],
    TranslateX: [linspaceF(0, (150 / 331) * w, n), true], TranslateY: [linspaceF(0, (150 / 331) * h, n), true],
    Rotate: [linspaceF(0, 30, n), true], Brightness: [linspaceF(0, 0.9, n), true], Color: [linspaceF(0, 0.9, n), true],
    Contrast: [linspaceF(0, 0.9, n), true], Sharpness: [linspaceF(0, 0.9, n), true], Posterize: [posterizeBits(n, 4), false],
    Solarize: [linspaceF(255, 0, n), false], AutoContrast: [null, false], Equalize: [null, false],
  });
  return sp;
}
function fillFor(fill: number | number[] | null | undefined, C: number): number[] | null {
  if (fill === null || fill === undefined) return null;
  return typeof fill === "number" ? Array(C).fill(fill) : fill.map(Number);
}
/** Runs op on each [C, H, W] image of x (a batch gets independent draws per sample). */
function eachImage(img: any, who: string, op: (t: Tensor) => Tensor): any {
  return onImage(img, who, (t, batch) => (batch ? stack(t.unbind(0).map(op), 0) : op(t)));
}
const AUTO_POLICIES: Record<AutoAugmentPolicy, [string, number, number | null][][]> = {
  imagenet: [
    [["Posterize", 0.4, 8], ["Rotate", 0.6, 9]], [["Solarize", 0.6, 5], ["AutoContrast", 0.6, null]], [["Equalize", 0.8, null], ["Equalize", 0.6, null]],
    [["Posterize", 0.6, 7], ["Posterize", 0.6, 6]], [["Equalize", 0.4, null], ["Solarize", 0.2, 4]], [["Equalize", 0.4, null], ["Rotate", 0.8, 8]],
    [["Solarize", 0.6, 3], ["Equalize", 0.6, null]], [["Posterize", 0.8, 5], ["Equalize", 1.0, null]], [["Rotate", 0.2, 3], ["Solarize", 0.6, 8]],
    [["Equalize", 0.6, null], ["Posterize", 0.4, 6]], [["Rotate", 0.8, 8], ["Color", 0.4, 0]], [["Rotate", 0.4, 9], ["Equalize", 0.6, null]],
    [["Equalize", 0.0, null], ["Equalize", 0.8, null]], [["Invert", 0.6, null], ["Equalize", 1.0, null]], [["Color", 0.6, 4], ["Contrast", 1.0, 8]],
    [["Rotate", 0.8, 8], ["Color", 1.0, 2]], [["Color", 0.8, 8], ["Solarize", 0.8, 7]], [["Sharpness", 0.4, 7], ["Invert", 0.6, null]],
    [["ShearX", 0.6, 5], ["Equalize", 1.0, null]], [["Color", 0.4, 0], ["Equalize", 0.6, null]], [["Equalize", 0.4, null], ["Solarize", 0.2, 4]],
    [["Solarize", 0.6, 5], ["AutoContrast", 0.6, null]], [["Invert", 0.6, null], ["Equalize", 1.0, null]], [["Color", 0.6, 4], ["Contrast", 1.0, 8]],
    [["Equalize", 0.8, null], ["Equalize", 0.6, null]],
  ],
  cifar10: [
    [["Invert", 0.1, null], ["Contrast", 0.2, 6]], [["Rotate", 0.7, 2], ["TranslateX", 0.3, 9]], [["Sharpness", 0.8, 1], ["Sharpness", 0.9, 3]],
    [["ShearY", 0.5, 8], ["TranslateY", 0.7, 9]], [["AutoContrast", 0.5, null], ["Equalize", 0.9, null]], [["ShearY", 0.2, 7], ["Posterize", 0.3, 7]],
    [["Color", 0.4, 3], ["Brightness", 0.6, 7]], [["Sharpness", 0.3, 9], ["Brightness", 0.7, 9]], [["Equalize", 0.6, null], ["Equalize", 0.5, null]],
    [["Contrast", 0.6, 7], ["Sharpness", 0.6, 5]], [["Color", 0.7, 7], ["TranslateX", 0.5, 8]], [["Equalize", 0.3, null], ["AutoContrast", 0.4, null]],
    [["TranslateY", 0.4, 3], ["Sharpness", 0.2, 6]], [["Brightness", 0.9, 6], ["Color", 0.2, 8]], [["Solarize", 0.5, 2], ["Invert", 0.0, null]],
    [["Equalize", 0.2, null], ["AutoContrast", 0.6, null]], [["Equalize", 0.2, null], ["Equalize", 0.6, null]], [["Color", 0.9, 9], ["Equalize", 0.6, null]],
    [["AutoContrast", 0.8, null], ["Solarize", 0.2, 8]], [["Brightness", 0.1, 3], ["Color", 0.7, 0]], [["Solarize", 0.4, 5], ["AutoContrast", 0.9, null]],
    [["TranslateY", 0.9, 9], ["TranslateY", 0.7, 9]], [["AutoContrast", 0.9, null], ["Solarize", 0.8, 3]], [["Equalize", 0.8, null], ["Invert", 0.1, null]],
    [["TranslateY", 0.7, 9], ["AutoContrast", 0.9, null]],
  ],
  svhn: [
    [["ShearX", 0.9, 4], ["Invert", 0.2, null]], [["ShearY", 0.9, 8], ["Invert", 0.7, null]], [["Equalize", 0.6, null], ["Solarize", 0.6, 6]],
    [["Invert", 0.9, null], ["Equalize", 0.6, null]], [["Equalize", 0.6, null], ["Rotate", 0.9, 3]], [["ShearX", 0.9, 4], ["AutoContrast", 0.8, null]],
    [["ShearY", 0.9, 8], ["Invert", 0.4, null]], [["ShearY", 0.9, 5], ["Solarize", 0.2, 6]], [["Invert", 0.9, null], ["AutoContrast", 0.8, null]],
    [["Equalize", 0.6, null], ["Rotate", 0.9, 3]], [["ShearX", 0.9, 4], ["Solarize", 0.3, 3]], [["ShearY", 0.8, 8], ["Invert", 0.7, null]],
    [["Equalize", 0.9, null], ["TranslateY", 0.6, 6]], [["Invert", 0.9, null], ["Equalize", 0.6, null]], [["Contrast", 0.3, 3], ["Rotate", 0.8, 4]],
    [["Invert", 0.8, null], ["TranslateY", 0.0, 2]], [["ShearY", 0.7, 6], ["Solarize", 0.4, 8]], [["Invert", 0.6, null], ["Rotate", 0.8, 4]],
    [["ShearY", 0.3, 7], ["TranslateX", 0.9, 3]], [["ShearX", 0.1, 6], ["Invert", 0.6, null]], [["Solarize", 0.7, 2], ["TranslateY", 0.6, 7]],
    [["ShearY", 0.8, 4], ["Invert", 0.8, null]], [["ShearX", 0.7, 9], ["TranslateY", 0.8, 3]], [["ShearY", 0.8, 5], ["AutoContrast", 0.7, null]],
    [["ShearX", 0.7, 2], ["Invert", 0.1, null]],
  ],
};
function drawInts(high: number, n: number): number[] {
  const t: Tensor = opRandint({ generator: gen() }, 0, high, [n]);
  const v = Array.from(t.data() as BigInt64Array, Number); t.dispose(); return v;
}
function drawFloats(n: number): number[] { const t: Tensor = opRand({ generator: gen() }, [n]); const v = Array.from(t.data() as Float32Array); t.dispose(); return v; }

/** AutoAugment with a learned policy ("imagenet", "cifar10", "svhn"); uint8 images. */
export const AutoAugment = callable(class AutoAugment extends Transform {
  readonly interpolation: Interpolation;
  readonly fill: number | number[] | null;
  constructor(readonly policy: AutoAugmentPolicy = "imagenet", opts: AugmentOptions = {}) {
    super();
    if (!AUTO_POLICIES[policy]) throw new RangeError(`The provided policy ${policy} is not recognized.`);
    this.interpolation = opts.interpolation ?? "nearest";
    this.fill = opts.fill ?? null;
  }
  forward(img: any): any {
    return eachImage(img, "AutoAugment", (t) => {
      const [C, H, W] = dims(t);
      const policies = AUTO_POLICIES[this.policy];
      const [id] = drawInts(policies.length, 1);
      const probs = drawFloats(2), signs = drawInts(2, 2);
      const space = augmentSpace(10, H, W, false);
      space.Invert = [null, false];
      let x = t;
      policies[id].forEach(([op, p, mag], i) => {
        if (!(probs[i] <= p)) return;
        const [mags, signed] = space[op];
        let m = mags && mag !== null ? mags[mag] : 0;
        if (signed && signs[i] === 0) m = -m;
        x = applyOp(x, op, m, this.interpolation, fillFor(this.fill, C));
      });
      return x;
    });
  }
  extraRepr(): string { return `policy=${this.policy}, fill=${JSON.stringify(this.fill)}`; }
});
export type AutoAugment = InstanceType<typeof AutoAugment>;

/** RandAugment: numOps ops drawn uniformly, each at the given magnitude (of numMagnitudeBins); uint8 images. */
export const RandAugment = callable(class RandAugment extends Transform {
  readonly numOps: number;
  readonly magnitude: number;
  readonly numMagnitudeBins: number;
  readonly interpolation: Interpolation;
  readonly fill: number | number[] | null;
  constructor(opts: AugmentOptions & { numOps?: number; magnitude?: number; numMagnitudeBins?: number } = {}) {
    super();
    this.numOps = opts.numOps ?? 2;
    this.magnitude = opts.magnitude ?? 9;
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    this.interpolation = opts.interpolation ?? "nearest";
    this.fill = opts.fill ?? null;
  }
  forward(img: any): any {
    return eachImage(img, "RandAugment", (t) => {
      const [C, H, W] = dims(t);
      const space = augmentSpace(this.numMagnitudeBins, H, W, true);
      const names = Object.keys(space);
      let x = t;
      for (let k = 0; k < this.numOps; k++) {
        const op = names[randint1(0, names.length)];
        const [mags, signed] = space[op];
        let m = mags ? mags[this.magnitude] : 0;
        if (m === undefined) throw new RangeError(`magnitude ${this.magnitude} is out of range for ${this.numMagnitudeBins} bins`);
        if (signed && randint1(0, 2)) m = -m;
        x = applyOp(x, op, m, this.interpolation, fillFor(this.fill, C));
      }
      return x;
    });
  }
  extraRepr(): string { return `num_ops=${this.numOps}, magnitude=${this.magnitude}, num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${JSON.stringify(this.fill)}`; }
});
export type RandAugment = InstanceType<typeof RandAugment>;

/** TrivialAugmentWide: one op, with a magnitude drawn from numMagnitudeBins; uint8 images. */
export const TrivialAugmentWide = callable(class TrivialAugmentWide extends Transform {
  readonly numMagnitudeBins: number;
  readonly interpolation: Interpolation;
  readonly fill: number | number[] | null;
  constructor(opts: AugmentOptions & { numMagnitudeBins?: number } = {}) {
    super();
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    this.interpolation = opts.interpolation ?? "nearest";
    this.fill = opts.fill ?? null;
  }
  forward(img: any): any {
    return eachImage(img, "TrivialAugmentWide", (t) => {
      const [C] = dims(t);
      const n = this.numMagnitudeBins;
      const space: OpSpace = {
        Identity: [null, false], ShearX: [linspaceF(0, 0.99, n), true], ShearY: [linspaceF(0, 0.99, n), true],
        TranslateX: [linspaceF(0, 32, n), true], TranslateY: [linspaceF(0, 32, n), true], Rotate: [linspaceF(0, 135, n), true],
        Brightness: [linspaceF(0, 0.99, n), true], Color: [linspaceF(0, 0.99, n), true], Contrast: [linspaceF(0, 0.99, n), true],
        Sharpness: [linspaceF(0, 0.99, n), true], Posterize: [posterizeBits(n, 6), false], Solarize: [linspaceF(255, 0, n), false],
        AutoContrast: [null, false], Equalize: [null, false],
      };
      const names = Object.keys(space);
      const op = names[randint1(0, names.length)];
      const [mags, signed] = space[op];
      let m = mags ? mags[randint1(0, mags.length)] : 0;
      if (signed && randint1(0, 2)) m = -m;
      return applyOp(t, op, m, this.interpolation, fillFor(this.fill, C));
    });
  }
  extraRepr(): string { return `num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${JSON.stringify(this.fill)}`; }
});
export type TrivialAugmentWide = InstanceType<typeof TrivialAugmentWide>;

/** Applies the transforms with probability p (per sample for batches). */
export const RandomApply = callable(class RandomApply extends Transform {
  constructor(readonly transforms: TransformLike[], readonly p = 0.5) { super(); }
  forward(img: any): any {
    if (img instanceof Tensor && img.dim() === 4) {
      return tidy(() => {
        const mask = randomMask(img.shape[0], this.p, img.device);
        const y = new Compose(this.transforms).forward(img);
        if (!(y instanceof Tensor) || y.shape.join() !== img.shape.join()) throw new Error("RandomApply on a batch needs transforms that keep the shape");
        const out = y.where(img instanceof HWCImage ? mask.view([-1, 1, 1, 1]) : mask, img);
        return img instanceof HWCImage ? asHWCImage(out) : out;
      });
    }
    if (this.p < rand1()) return img;
    return new Compose(this.transforms).forward(img);
  }
});
export type RandomApply = InstanceType<typeof RandomApply>;
/** One of the transforms, picked at random (one pick per call). */
export const RandomChoice = callable(class RandomChoice extends Transform {
  constructor(readonly transforms: TransformLike[], readonly p: number[] | null = null) { super(); }
  forward(img: any): any {
    let k: number;
    if (this.p) {
      const w = tensor(this.p, { dtype: dt.float64 });
      const t: Tensor = callOp("aten::multinomial", w, 1, false, { generator: gen() });
      k = t.item(); t.dispose(); w.dispose();
    } else k = randint1(0, this.transforms.length);
    return applyTransform(this.transforms[k], img);
  }
});
export type RandomChoice = InstanceType<typeof RandomChoice>;
/** The transforms in a random order (one order per call). */
export const RandomOrder = callable(class RandomOrder extends Transform {
  constructor(readonly transforms: TransformLike[]) { super(); }
  forward(img: any): any { return new Compose(randperm(this.transforms.length).map((i) => this.transforms[i])).forward(img); }
});
export type RandomOrder = InstanceType<typeof RandomOrder>;

// ---------------- native batch pipeline ----------------
function flatten(t: any, out: any[]): boolean {
  if (!t) return true;
  if (t instanceof Compose) { for (const x of t.transforms) if (!flatten(x, out)) return false; return true; }
  if (t instanceof Transform) { out.push(t); return true; }
  return false;  // a plain function: not native
}

/**
 * The native pipeline for `transform` on uint8 images of the given layout and channel count, or null when some
 * part of it has no native form. Geometric steps (flip, pad, crop) come first; the per-pixel tail (ToTensor,
 * ToDtype, Normalize, ...) is tabulated by running it on all 256 values of every channel.
 */
export function _compileNative(transform: any, layout: "HWC" | "HW" | "CHW", C: number): { layout: string; steps: any[]; lut: Tensor | null; chw: boolean } | null {
  const list: Transform[] = [];
  if (!flatten(transform, list)) return null;
  const steps: any[] = [];
  let k = 0;
  for (; k < list.length && !list[k]._pixelOp; k++) {
    const st = list[k]._nativeStep(C);
    if (!st) return null;
    steps.push(st);
  }
  const pixel = list.slice(k);
  if (pixel.some((t) => !t._pixelOp)) return null;
  if (!pixel.length) return { layout, steps, lut: null, chw: false };
  return tidy(() => {
    const ramp = arange(256, { dtype: dt.uint8 });
    let probe: Tensor;
    if (layout === "HWC") probe = asHWCImage(ramp.view([1, 256, 1]).expand([1, 256, C]).contiguous());
    else if (layout === "HW") probe = asHWCImage(ramp.view([1, 256]));
    else probe = ramp.view([1, 1, 256]).expand([C, 1, 256]).contiguous();
    let out: any = probe;
    try {
      for (const t of pixel) out = t.forward(out);
    } catch {
      return null;
    }
    if (!(out instanceof Tensor)) return null;
    const isHWC = out instanceof HWCImage;
    const want = isHWC ? (layout === "HW" ? [1, 256] : [1, 256, C]) : [C, 1, 256];
    if (out.shape.join() !== want.join()) return null;
    const chwOut = !isHWC && layout !== "CHW";
    if (out.dtype === dt.uint8) {
      const v = isHWC ? out : out.view([C, 256]);
      const ref = isHWC ? probe : ramp.view([1, 256]).expand([C, 256]);
      if (!v.equal(ref)) return null;
      return { layout, steps, lut: null, chw: chwOut };
    }
    if (out.dtype !== dt.float32) return null;
    const lut = keep(out.reshape([C, 256]).contiguous());
    return { layout, steps, lut, chw: chwOut };
  });
}
