// torch.cuda: devices, synchronisation, memory statistics, seeding, streams, events and CUDA graphs.
// On a CPU-only build every call that needs a device throws a TorchError saying so; the memory figures
// read 0 and seeding is a no-op, as in PyTorch.
import { native, buildInfo } from "./native";
import { OutOfMemoryError } from "./errors";

export { OutOfMemoryError };

/** True when torchts was built against a CUDA libtorch and a CUDA device is visible. */
export function isAvailable(): boolean { return native.CudaIsAvailable(); }
export function deviceCount(): number { return native.CudaDeviceCount(); }
export function currentDevice(): number { return native.CudaCurrentDevice(); }
export function setDevice(d: number): void { native.CudaSetDevice(d); }
export function getDeviceName(d = -1): string { return native.CudaGetDeviceName(d); }
export function getDeviceProperties(d = -1): { name: string; totalMemory: number; major: number; minor: number; multiProcessorCount: number } {
  return native.CudaGetDeviceProperties(d);
}
export function synchronize(): void { native.CudaSynchronize(); }
export function memoryAllocated(d = -1): number { return native.CudaMemoryAllocated(d); }
export function maxMemoryAllocated(d = -1): number { return native.CudaMaxMemoryAllocated(d); }
export function memoryReserved(d = -1): number { return native.CudaMemoryReserved(d); }
export function resetPeakMemoryStats(d = -1): void { native.CudaResetPeakMemoryStats(d); }
export function emptyCache(): void { native.CudaEmptyCache(); }
/** [free, total] bytes on the device, as the driver reports them (torch.cuda.mem_get_info). */
export function memGetInfo(d = -1): [number, number] { return native.CudaMemGetInfo(d); }
export function manualSeed(seed: number): void { native.CudaManualSeed(seed); }
export function manualSeedAll(seed: number): void { native.CudaManualSeedAll(seed); }
/** Runtime, driver and cuDNN versions (empty on a CPU build). */
export function versions(): { runtime?: number; driver?: number; cudnn?: number } { return native.CudaVersions(); }
/** Whether this build of torchts has its CUDA parts compiled in. */
export const isBuiltWithCuda: boolean = buildInfo.cudaBuild;
/** Whether the device computes in bfloat16 natively (compute capability 8.0 or newer). */
export function isBf16Supported(): boolean {
  return isAvailable() && getDeviceProperties().major >= 8;
}

function deviceIndex(d: number | string | undefined): number {
  if (d === undefined || d === null) return -1;
  if (typeof d === "number") return d;
  const m = /^cuda(?::(\d+))?$/.exec(d);
  if (!m) throw new TypeError(`argument 'device' must be a CUDA device such as "cuda" or "cuda:0" (got "${d}")`);
  return m[1] === undefined ? -1 : Number(m[1]);
}

// ---- Streams and events ----

/** A CUDA stream from libtorch's pool (torch.cuda.Stream). Work is queued on the current stream. */
export class Stream {
  /** Handle in the native stream table. */
  readonly _h: number;
  /** new cuda.Stream({ device, priority }): priority < 0 picks a high-priority stream. */
  constructor(opts?: { device?: number | string; priority?: number }, _handle?: number) {
    this._h = _handle ?? native.CudaStreamNew(deviceIndex(opts?.device), (opts?.priority ?? 0) < 0);
  }
  private get info(): { device: number; id: number; priority: number } { return native.CudaStreamInfo(this._h); }
  get device(): string { return `cuda:${this.info.device}`; }
  get priority(): number { return this.info.priority; }
  /** libtorch's stream id (0 for the default stream). */
  get streamId(): number { return this.info.id; }
  /** Waits on the host until all work queued on this stream is done. */
  synchronize(): void { native.CudaStreamSynchronize(this._h); }
  /** True when all work queued on this stream is done. */
  query(): boolean { return native.CudaStreamQuery(this._h); }
  /** Work queued later on this stream waits for the event. */
  waitEvent(e: Event): void { e.wait(this); }
  /** Work queued later on this stream waits for what is queued on `other` now. */
  waitStream(other: Stream): void { native.CudaStreamWaitStream(this._h, other._h); }
  /** Records an event on this stream (a new one unless given). */
  recordEvent(e?: Event): Event { const ev = e ?? new Event(); ev.record(this); return ev; }
  equals(other: Stream): boolean { return other instanceof Stream && other._h === this._h; }
  toString(): string { return `<torch.cuda.Stream device=${this.device} id=${this.streamId}>`; }
}

/** The stream work is queued on now (for the current device, or the one given). */
export function currentStream(device?: number | string): Stream { return new Stream(undefined, native.CudaCurrentStream(deviceIndex(device))); }
/** The device's default (legacy) stream. */
export function defaultStream(device?: number | string): Stream { return new Stream(undefined, native.CudaDefaultStream(deviceIndex(device))); }
/** Makes `s` the current stream of its device. Prefer cuda.stream(s, fn). */
export function setStream(s: Stream): void { native.CudaSetStream(s._h); }

function notAsync(r: any, what: string): void {
  if (r && typeof r.then === "function")
    throw new Error(`${what} runs a synchronous function; its state would not follow an async function across awaits`);
}

/** Runs fn with `s` as the current stream of its device, then restores the previous one (torch.cuda.stream). */
export function stream<T>(s: Stream | null, fn: () => T): T {
  if (s === null || s === undefined) return fn();
  const prev: number = native.CudaSetStream(s._h);
  try {
    const r = fn();
    notAsync(r, "cuda.stream()");
    return r;
  } finally {
    native.CudaSetStream(prev);
  }
}

/** A CUDA event (torch.cuda.Event): marks a point in a stream, to wait for or to time. */
export class Event {
  /** Native handle (freed with the object). */
  readonly _e: any;
  constructor(opts?: { enableTiming?: boolean; blocking?: boolean; interprocess?: boolean }) {
    this._e = native.CudaEventNew(!!opts?.enableTiming, !!opts?.blocking, !!opts?.interprocess);
  }
  /** Records the event on the stream (default: the current stream). */
  record(s?: Stream): void { native.CudaEventRecord(this._e, s ? s._h : -1); }
  /** Work queued later on the stream (default: current) waits for this event. */
  wait(s?: Stream): void { native.CudaEventWait(this._e, s ? s._h : -1); }
  /** True when the work recorded before the event is done. */
  query(): boolean { return native.CudaEventQuery(this._e); }
  /** Waits on the host for the event. */
  synchronize(): void { native.CudaEventSynchronize(this._e); }
  /** Milliseconds from this event to `end` (both recorded with enableTiming and completed). */
  elapsedTime(end: Event): number { return native.CudaEventElapsedTime(this._e, end._e); }
}

/** True while the current stream is being captured into a CUDA graph. */
export function isCurrentStreamCapturing(): boolean { return native.CudaIsCurrentStreamCapturing(); }

// ---- CUDA graphs ----

/** A memory pool id shared by graphs captured with it (torch.cuda.graph_pool_handle()). */
export type PoolHandle = readonly [number, number];
export type CaptureErrorMode = "global" | "thread_local" | "relaxed";

/** Returns an id for a memory pool that several graph captures may share. */
export function graphPoolHandle(): PoolHandle { return native.CudaGraphPoolHandle(); }

/**
 * A CUDA graph (torch.cuda.CUDAGraph): work captured once on a side stream, replayed with one launch.
 * Capture with cuda.graph(g, fn); tensors made during capture live in the graph's memory pool and are
 * rewritten by every replay(), so feed inputs by copying into the tensors used at capture.
 */
export class CUDAGraph {
  readonly _g: any;
  constructor() { this._g = native.CudaGraphNew(); }
  /** Starts capturing the current stream (which must not be the default stream). */
  captureBegin(opts?: { pool?: PoolHandle; captureErrorMode?: CaptureErrorMode }): void {
    const p = opts?.pool ?? [0, 0];
    native.CudaGraphCaptureBegin(this._g, p[0], p[1], opts?.captureErrorMode ?? "global");
  }
  captureEnd(): void { native.CudaGraphCaptureEnd(this._g); }
  /** Launches the captured work on the current stream. */
  replay(): void { native.CudaGraphReplay(this._g); }
  /** Frees the graph and its memory pool (if no other graph shares it); it may then be captured again. */
  reset(): void { native.CudaGraphReset(this._g); }
  /** The id of this graph's memory pool, to share it with a later capture. */
  pool(): PoolHandle { return native.CudaGraphPool(this._g); }
}

let captureStream: Stream | null = null;

/**
 * Captures the CUDA work of fn into g (torch.cuda.graph): synchronizes, empties the cache, switches to a
 * side stream, captureBegin, fn, captureEnd. fn runs once, but its kernels are only recorded: nothing is
 * computed until g.replay(). Returns what fn returns (the static outputs).
 */
export function graph<T>(g: CUDAGraph, fn: () => T, opts?: { pool?: PoolHandle; stream?: Stream; captureErrorMode?: CaptureErrorMode }): T {
  if (!(g instanceof CUDAGraph)) throw new TypeError("argument 'g' must be a cuda.CUDAGraph");
  synchronize();
  emptyCache();
  const s = opts?.stream ?? (captureStream ??= new Stream());
  return stream(s, () => {
    g.captureBegin({ pool: opts?.pool, captureErrorMode: opts?.captureErrorMode });
    let r: T;
    try {
      r = fn();
      notAsync(r, "cuda.graph()");
    } catch (e) {
      try { g.captureEnd(); } catch { /* the capture was invalidated: report fn's error */ }
      throw e;
    }
    g.captureEnd();
    return r;
  });
}

export { makeGraphedTrainStep } from "./cuda_graphs";
export type { GraphedTrainStep, GraphedTrainStepOptions, StepMetrics } from "./cuda_graphs";
