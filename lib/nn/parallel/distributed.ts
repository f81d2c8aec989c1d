// nn.parallel.DistributedDataParallel: one process per rank (distributed.initProcessGroup first). Parameters and
// buffers start from rank 0's; backward averages gradients across ranks in buckets that are reduced while the
// rest of backward runs (native/distributed.cc, libtorch's c10d); buffers follow rank 0's before each forward.
import { native } from "../../native";
import { Module } from "../module";
import { toDevice } from "./data_parallel";
import { isGradEnabled } from "../../autograd";
import * as dist from "../../distributed";

export interface DistributedDataParallelOptions {
  /** The one device this rank's replica lives on (["cuda:1"] or [1]); inputs are moved there. Default: where the module is. */
  deviceIds?: (number | string)[] | null;
  /** Broadcast rank 0's buffers (BatchNorm's running statistics) before every forward. Default true. */
  broadcastBuffers?: boolean;
  /** Bucket size in MiB for the gradient all-reduce (the first bucket is 1 MiB, as in PyTorch). Default 25. */
  bucketCapMb?: number;
  /** Allow parameters that get no gradient in some backward passes. Default false. */
  findUnusedParameters?: boolean;
}

/** Data-parallel training over processes: wrap the model, train each rank on its shard (data.DistributedSampler). */
export class DistributedDataParallel<M extends Module = Module> extends Module {
  declare module: M;
  readonly device: string | null;
  readonly broadcastBuffers: boolean;
  readonly findUnusedParameters: boolean;
  private readonly reducer: any;
  private syncGrads = true;
  private requireForwardParamSync = true;

  constructor(module: M, opts: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError("DistributedDataParallel: module must be an nn.Module");
    if (!dist.isInitialized())
      throw new Error("DistributedDataParallel: the default process group has not been initialized (call distributed.initProcessGroup() first)");
    this.registerModule("module", module);
    const ids = opts.deviceIds ?? null;
    if (ids && ids.length > 1) throw new Error("DistributedDataParallel: deviceIds must hold one device per process (use one process per GPU)");
    this.device = ids && ids.length === 1 ? (typeof ids[0] === "number" ? `cuda:${ids[0]}` : String(ids[0])) : null;
    this.broadcastBuffers = opts.broadcastBuffers ?? true;
    this.findUnusedParameters = !!opts.findUnusedParameters;
    const named = module.namedParameters();
    const trainable = named.filter(([, p]) => p.requiresGrad);
    if (trainable.length === 0) throw new Error("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    // Every rank starts from rank 0's parameters and buffers.
    dist._broadcastCoalesced([...named.map(([, p]) => p), ...module.buffers()], 0);
    const mib = 1024 * 1024;
    this.reducer = native.DdpReducer(trainable.map(([, p]) => p), trainable.map(([n]) => n), mib, (opts.bucketCapMb ?? 25) * mib, this.findUnusedParameters);
  }

  forward(...args: any[]): any {
    // As PyTorch: buffers follow rank 0 unless the previous forward ran without grad sync (noSync, noGrad).
    if (this.broadcastBuffers && this.requireForwardParamSync) {
      const bufs = this.module.buffers();
      if (bufs.length) dist._broadcastCoalesced(bufs, 0);
    }
    const out = this.module.forward(...args.map((a) => toDevice(a, this.device)));
    this.requireForwardParamSync = isGradEnabled() && this.syncGrads;
    return out;
  }

  /** Runs fn (a forward and backward) without averaging gradients: they accumulate locally until the next synced backward. */
  noSync<T>(fn: () => T): T {
    const prev = this.syncGrads;
    this.syncGrads = false;
    native.DdpSetSync(this.reducer, false);
    try { return fn(); } finally { this.syncGrads = prev; native.DdpSetSync(this.reducer, prev); }
  }

  /** Parameter names per gradient bucket, in reduction order. */
  _bucketNames(): string[][] { return native.DdpBuckets(this.reducer); }
}
