// nn.DataParallel: one process, several devices. Each forward splits the batch across deviceIds, runs a replica
// per device (parameters copied with autograd, so gradients flow back to the module's own parameters), and
// gathers the outputs on outputDevice. Kernels are queued on every GPU before any result is needed, so the
// devices run concurrently. With fewer than two devices it calls the module directly, as PyTorch does.
import { Module } from "../module";
import { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { callOp } from "../../ops";
import * as cuda from "../../cuda";
import { tensorsIn } from "../../data/collate";

export interface DataParallelOptions {
  /** Devices to split over (numbers are CUDA indices). Default: every visible GPU. */
  deviceIds?: (number | string)[];
  /** Where outputs are gathered. Default deviceIds[0]. */
  outputDevice?: number | string;
  /** Dimension along which inputs are split and outputs joined. Default 0. */
  dim?: number;
}

const devName = (d: number | string) => (typeof d === "number" ? `cuda:${d}` : d === "cuda" ? `cuda:${cuda.currentDevice()}` : d);

export class DataParallel<M extends Module = Module> extends Module {
  declare module: M;
  readonly deviceIds: string[];
  readonly outputDevice: string;
  readonly dim: number;

  constructor(module: M, opts: DataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError("DataParallel: module must be an nn.Module");
    this.registerModule("module", module);
    const ids = opts.deviceIds ?? (cuda.isAvailable() ? Array.from({ length: cuda.deviceCount() }, (_, i) => i) : []);
    this.deviceIds = ids.map(devName);
    this.outputDevice = opts.outputDevice !== undefined ? devName(opts.outputDevice) : this.deviceIds[0] ?? "cpu";
    this.dim = opts.dim ?? 0;
    const src = this.deviceIds[0];
    if (src) for (const t of [...module.parameters(), ...module.buffers()])
      if (t.device !== src)
        throw new Error(`DataParallel: module must have its parameters and buffers on device ${src} (deviceIds[0]) but found one of them on device: ${t.device}`);
  }

  forward(...inputs: any[]): any {
    if (this.deviceIds.length <= 1) return this.module.forward(...inputs.map((x) => toDevice(x, this.deviceIds[0])));
    const chunks = scatter(inputs, this.deviceIds, this.dim);
    const outs: any[] = [];
    const mods = this.module.modules();
    for (let r = 0; r < chunks.length; r++) {
      const dev = this.deviceIds[r];
      if (r === 0) { outs.push(this.module.forward(...chunks[r])); continue; }
      // Replica r: the parameters through a differentiable copy, the buffers as plain copies (their updates are
      // lost, as in PyTorch: only deviceIds[0]'s replica updates the module's own buffers).
      const saved: [Map<string, any>, string, any][] = [];
      const made: Tensor[] = [];
      try {
        for (const m of mods) {
          for (const [k, p] of m._parameters) if (p) { const c = p.to(dev); saved.push([m._parameters, k, p]); m._parameters.set(k, c as any); if (c !== p) made.push(c); }
          for (const [k, b] of m._buffers) if (b) { const c = noGrad(() => callOp("aten::_to_copy", b, { device: dev }) as Tensor); saved.push([m._buffers, k, b]); m._buffers.set(k, c); made.push(c); }
        }
        outs.push(this.module.forward(...chunks[r]));
      } finally {
        for (const [map, k, v] of saved) map.set(k, v);
        const keepOut = tensorsIn(outs[r]);
        for (const t of made) if (!keepOut.has(t)) t.dispose();
      }
    }
    const res = gather(outs, this.outputDevice, this.dim);
    const given = tensorsIn(inputs);
    for (const t of tensorsIn(chunks)) if (!given.has(t)) t.dispose();
    return res;
  }
}

/** Tensors (also inside arrays) moved to dev; the same tensor where it is there already. Shared with DDP. */
export function toDevice(x: any, dev: string | undefined | null): any {
  if (!dev) return x;
  if (x instanceof Tensor) return x.device === dev ? x : x.to(dev);
  if (Array.isArray(x)) return x.map((v) => toDevice(v, dev));
  return x;
}

/** Splits every tensor input into equal chunks along dim (one per device, fewer for a small batch); non-tensors are shared. */
function scatter(inputs: any[], devices: string[], dim: number): any[][] {
  const [first] = tensorsIn(inputs);
  if (!first) return [inputs];
  const n = Math.min(devices.length, first.shape[dim]);
  const split = (x: any): any[] => {
    if (x instanceof Tensor) return (x.chunk(n, dim) as Tensor[]).map((c, i) => {
      const m = c.to(devices[i]);
      if (m !== c) c.dispose();
      return m;
    });
    if (Array.isArray(x)) { const parts = x.map(split); return Array.from({ length: n }, (_, i) => parts.map((p) => p[i])); }
    return Array.from({ length: n }, () => x);
  };
  const per = inputs.map(split);
  return Array.from({ length: per[0]?.length ?? n }, (_, i) => per.map((p) => p[i]));
}

/** Joins replica outputs on one device (differentiably): tensors are concatenated along dim, arrays element-wise. */
function gather(outs: any[], device: string, dim: number): any {
  const o0 = outs[0];
  if (o0 instanceof Tensor) {
    const moved = outs.map((o: Tensor) => o.to(device));
    const r = callOp("aten::cat", moved, dim) as Tensor;
    moved.forEach((m, i) => { if (m !== outs[i]) m.dispose(); });
    outs.forEach((o: Tensor) => o.dispose());
    return r;
  }
  if (Array.isArray(o0)) return o0.map((_, k) => gather(outs.map((o) => o[k]), device, dim));
  if (o0 === null || o0 === undefined) return o0;
  throw new TypeError("DataParallel: forward must return Tensors or arrays of Tensors");
}
