// torch.distributed: the default process group (gloo on CPU and CUDA tensors, nccl on CUDA builds that have it)
// and its collectives, on libtorch's c10d. One process per rank, as in PyTorch:
//   distributed.initProcessGroup({ backend: "gloo", initMethod: "env://" });   // MASTER_ADDR/PORT, RANK, WORLD_SIZE
//   distributed.allReduce(t);   // in place, SUM
import { native } from "../native";
import { uint8, int64 } from "../dtype";
import { tidy } from "../memory";
import { callOp } from "../ops";
import { Tensor, tensor as makeTensor, zeros } from "../tensor";

/** Reduction for allReduce and reduce (torch.distributed.ReduceOp). AVG is nccl-only, as in PyTorch. */
export const ReduceOp = {
  SUM: "sum", PRODUCT: "product", MIN: "min", MAX: "max", BAND: "band", BOR: "bor", BXOR: "bxor", AVG: "avg",
} as const;
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];

/** A pending collective (asyncOp: true): wait() blocks until it is done and rethrows its error. */
export class Work {
  constructor(private readonly handle: any) {}
  wait(): boolean { native.WorkWait(this.handle); return true; }
  isCompleted(): boolean { return native.WorkIsCompleted(this.handle); }
}

export interface InitOptions {
  /** "gloo" (CPU, and CUDA tensors) or "nccl" (CUDA). Default: "nccl" when CUDA and nccl are there, else "gloo". */
  backend?: string;
  /** "env://" (default: MASTER_ADDR, MASTER_PORT, and RANK, WORLD_SIZE unless given), "tcp://host:port", "file:///path". */
  initMethod?: string;
  rank?: number;
  worldSize?: number;
  /** Milliseconds for the store and the collectives (default 30 minutes, as PyTorch's). */
  timeout?: number;
}

/** Whether this build has any backend (torch.distributed.is_available). */
export function isAvailable(): boolean { const b = native.DistBackends(); return b.gloo || b.nccl; }
export function isGlooAvailable(): boolean { return native.DistBackends().gloo; }
export function isNcclAvailable(): boolean { return native.DistBackends().nccl; }
export function isInitialized(): boolean { return native.DistState() !== null; }

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`environment variable ${name} must be an integer, got '${v}'`);
  return n;
}

/** Joins the default process group (torch.distributed.init_process_group); blocks until every rank has joined. */
export function initProcessGroup(opts: InitOptions = {}): void {
  let init = opts.initMethod ?? "env://";
  const rank = opts.rank ?? envInt("RANK");
  const worldSize = opts.worldSize ?? envInt("WORLD_SIZE");
  if (init === "env://") {
    const addr = process.env.MASTER_ADDR, port = envInt("MASTER_PORT");
    if (!addr) throw new Error("initProcessGroup: environment variable MASTER_ADDR expected, but not set (env:// init method)");
    if (port === undefined) throw new Error("initProcessGroup: environment variable MASTER_PORT expected, but not set (env:// init method)");
    init = `tcp://${addr}:${port}`;
  }
  if (rank === undefined) throw new Error("initProcessGroup: rank expected (option rank or environment variable RANK)");
  if (worldSize === undefined) throw new Error("initProcessGroup: worldSize expected (option worldSize or environment variable WORLD_SIZE)");
  const backends = native.DistBackends();
  const backend = (opts.backend ?? (backends.nccl && require("../cuda").isAvailable() ? "nccl" : "gloo")).toLowerCase();
  native.DistInit(backend, init, rank, worldSize, opts.timeout ?? 30 * 60 * 1000);
}

/** Leaves the default process group (destroy_process_group). */
export function destroyProcessGroup(): void { native.DistDestroy(); }

function state(): { rank: number; worldSize: number; backend: string } {
  const s = native.DistState();
  if (!s) throw new Error("Default process group has not been initialized, please make sure to call distributed.initProcessGroup()");
  return s;
}
export function getRank(): number { return state().rank; }
export function getWorldSize(): number { return state().worldSize; }
export function getBackend(): string { return state().backend; }

function result(h: any): Work | undefined { return h === undefined ? undefined : new Work(h); }
function tensorArg(t: unknown, fn: string, what = "tensor"): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor`);
  return t;
}
function listArg(ts: unknown, fn: string, what: string): Tensor[] {
  if (!Array.isArray(ts) || ts.some((t) => !(t instanceof Tensor))) throw new TypeError(`${fn}: ${what} must be an array of Tensors`);
  return ts;
}

// Checked before the call, so that the group is left as it was (gloo would fail inside the collective).
function checkOp(op: ReduceOp | undefined): void {
  if (op === "avg" && getBackend() === "gloo") throw new Error("Cannot use ReduceOp.AVG with Gloo");
}

export interface CollectiveOptions { asyncOp?: boolean; }

/** Reduces tensor across all ranks, in place; every rank gets the result. */
export function allReduce(tensor: Tensor, opts: CollectiveOptions & { op?: ReduceOp } = {}): Work | undefined {
  tensorArg(tensor, "allReduce");
  checkOp(opts.op);
  return result(native.DistAllReduce([tensor], opts.op ?? "sum", !!opts.asyncOp));
}
/** Copies src's tensor into tensor on every other rank. */
export function broadcast(tensor: Tensor, src: number, opts: CollectiveOptions = {}): Work | undefined {
  tensorArg(tensor, "broadcast");
  return result(native.DistBroadcast([tensor], src, !!opts.asyncOp));
}
/** Reduces tensor across all ranks into dst's tensor. */
export function reduce(tensor: Tensor, dst: number, opts: CollectiveOptions & { op?: ReduceOp } = {}): Work | undefined {
  tensorArg(tensor, "reduce");
  checkOp(opts.op);
  return result(native.DistReduce([tensor], dst, opts.op ?? "sum", !!opts.asyncOp));
}
/** Fills tensorList (one tensor per rank, shaped like tensor) with every rank's tensor. */
export function allGather(tensorList: Tensor[], tensor: Tensor, opts: CollectiveOptions = {}): Work | undefined {
  listArg(tensorList, "allGather", "tensorList"); tensorArg(tensor, "allGather");
  return result(native.DistAllGather(tensorList, tensor, !!opts.asyncOp));
}
/** Gathers every rank's tensor into gatherList on dst (other ranks pass null). */
export function gather(tensor: Tensor, gatherList: Tensor[] | null, dst = 0, opts: CollectiveOptions = {}): Work | undefined {
  tensorArg(tensor, "gather");
  if (getRank() === dst) listArg(gatherList, "gather", "gatherList on the destination rank");
  return result(native.DistGather(tensor, gatherList ?? [], dst, !!opts.asyncOp));
}
/** Scatters scatterList (on src) so that rank i receives scatterList[i] into tensor. */
export function scatter(tensor: Tensor, scatterList: Tensor[] | null, src = 0, opts: CollectiveOptions = {}): Work | undefined {
  tensorArg(tensor, "scatter");
  if (getRank() === src) listArg(scatterList, "scatter", "scatterList on the source rank");
  return result(native.DistScatter(tensor, scatterList ?? [], src, !!opts.asyncOp));
}
/** Point to point: send blocks until dst has received (isend: the asyncOp form). */
export function send(tensor: Tensor, dst: number, opts: { tag?: number } = {}): void { native.DistSend(tensorArg(tensor, "send"), dst, opts.tag ?? 0, false); }
export function recv(tensor: Tensor, src: number, opts: { tag?: number } = {}): void { native.DistRecv(tensorArg(tensor, "recv"), src, opts.tag ?? 0, false); }
export function isend(tensor: Tensor, dst: number, opts: { tag?: number } = {}): Work { return new Work(native.DistSend(tensorArg(tensor, "isend"), dst, opts.tag ?? 0, true)); }
export function irecv(tensor: Tensor, src: number, opts: { tag?: number } = {}): Work { return new Work(native.DistRecv(tensorArg(tensor, "irecv"), src, opts.tag ?? 0, true)); }
// torchrun: one process per rank (also `npx torchts run`).
export { run } from "./run";
export type { RunOptions } from "./run";

/** Blocks until every rank has reached it. */
export function barrier(opts: CollectiveOptions = {}): Work | undefined { return result(native.DistBarrier(!!opts.asyncOp)); }

/** Broadcasts several tensors from src in a few flat buckets (module states). */
export function _broadcastCoalesced(tensors: Tensor[], src = 0): void { if (tensors.length) native.DistBroadcastCoalesced(tensors, src); }

// ---- objects: JSON through uint8 tensors (PyTorch pickles; JSON is the JS equivalent) ----
function encode(obj: unknown, device: string): Tensor {
  const bytes = Buffer.from(JSON.stringify(obj) ?? "null", "utf8");
  return makeTensor(Array.from(bytes), { dtype: uint8, device });
}
function decode(t: Tensor, n: number): unknown {
  const bytes = Buffer.from(Array.from(t.narrow(0, 0, n).cpu().dataNumbers() as ArrayLike<number>));
  return JSON.parse(bytes.toString("utf8"));
}
function objDevice(): string { return getBackend() === "nccl" ? `cuda:${require("../cuda").currentDevice()}` : "cpu"; }

/** Every rank's JSON-serialisable obj, in rank order (all_gather_object). */
export function allGatherObject(obj: unknown): unknown[] {
  return tidy(() => {
    const dev = objDevice(), world = getWorldSize();
    const payload = encode(obj, dev);
    const len = makeTensor([payload.shape[0]], { dtype: int64, device: dev });
    const lens = Array.from({ length: world }, () => zeros([1], { dtype: int64, device: dev }));
    allGather(lens, len);
    const sizes = lens.map((l) => Number(l.item()));
    const max = Math.max(...sizes, 1);
    const padded = callOp("aten::constant_pad_nd", payload, [0, max - payload.shape[0]]) as Tensor;
    const outs = Array.from({ length: world }, () => zeros([max], { dtype: uint8, device: dev }));
    allGather(outs, padded);
    return outs.map((o, i) => decode(o, sizes[i]));
  });
}
/** Replaces objects[i] on every rank with src's (broadcast_object_list). */
export function broadcastObjectList(objects: unknown[], src = 0): void {
  const got = tidy(() => {
    const dev = objDevice();
    const mine = getRank() === src ? encode(objects, dev) : null;
    const len = makeTensor([mine ? mine.shape[0] : 0], { dtype: int64, device: dev });
    broadcast(len, src);
    const n = Number(len.item());
    const buf = mine ?? zeros([n], { dtype: uint8, device: dev });
    broadcast(buf, src);
    return decode(buf, n) as unknown[];
  });
  for (let i = 0; i < objects.length; i++) objects[i] = got[i];
}

