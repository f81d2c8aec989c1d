// torch.amp: autocast (run chosen ops in a lower precision) and GradScaler (loss scaling for float16).
import { native, buildInfo } from "./native";
import { Tensor } from "./tensor";
import { DType, bfloat16, float16, float32, float64, int32, dtypeFromCode } from "./dtype";
import { keep, tidy } from "./memory";
import { callOp } from "./ops";
import { noGrad } from "./autograd";
import * as cuda from "./cuda";

export type AutocastDevice = "cuda" | "cpu";
export interface AutocastOptions {
  /** The lower precision (default: the device's current autocast dtype: float16 on cuda, bfloat16 on cpu). */
  dtype?: DType;
  enabled?: boolean;
  /** Cache the casts of leaf tensors (weights) inside the region (default: the current setting, true). */
  cacheEnabled?: boolean;
}

function checkDevice(d: any): AutocastDevice {
  if (d !== "cuda" && d !== "cpu")
    throw new TypeError(`autocast: deviceType must be "cuda" or "cpu" (got ${JSON.stringify(d)})`);
  return d;
}

/** Whether autocast is on for the device type (torch.is_autocast_enabled(device_type)). */
export function isAutocastEnabled(deviceType: AutocastDevice = "cuda"): boolean { return native.AmpAutocastState(checkDevice(deviceType)).enabled; }
/** The dtype autocast uses on the device type (torch.get_autocast_dtype(device_type)). */
export function getAutocastDtype(deviceType: AutocastDevice = "cuda"): DType { return dtypeFromCode(native.AmpAutocastState(checkDevice(deviceType)).dtype); }

const major = Number(buildInfo.libtorchVersion.split(".")[0]);

/**
 * Runs fn with autocast on (torch.autocast): inside, ops that gain from it (matmul, linear, conv, ...)
 * run in `dtype`, precision-sensitive ones in float32, as PyTorch's autocast lists say. Nests like
 * PyTorch's context manager: the previous state comes back on exit, and the cast cache is cleared when
 * the outermost region exits. fn must be synchronous (the state is per thread, not per async task).
 *   torch.autocast("cuda", { dtype: torch.bfloat16 }, () => model.forward(x))
 */
export function autocast<T>(deviceType: AutocastDevice, fn: () => T): T;
export function autocast<T>(deviceType: AutocastDevice, opts: AutocastOptions | undefined, fn: () => T): T;
export function autocast<T>(deviceType: AutocastDevice, a: any, b?: any): T {
  const device = checkDevice(deviceType);
  const opts: AutocastOptions = typeof a === "function" ? {} : a ?? {};
  const fn: () => T = typeof a === "function" ? a : b;
  if (typeof fn !== "function") throw new TypeError("autocast: the last argument must be a function");
  const prev = native.AmpAutocastState(device);
  let enabled = opts.enabled ?? true;
  let dtype: DType = opts.dtype ?? dtypeFromCode(prev.dtype);
  const cacheEnabled = opts.cacheEnabled ?? prev.cacheEnabled;
  if (!(dtype instanceof DType)) throw new TypeError("autocast: dtype must be a torch dtype");
  if (device === "cuda" && enabled && !cuda.isAvailable()) {
    process.emitWarning("User provided device_type of 'cuda', but CUDA is not available. Disabling autocast");
    enabled = false;
  }
  if (device === "cpu" && enabled) {
    const ok = major >= 2 ? [bfloat16, float16] : [bfloat16];
    if (!ok.includes(dtype)) {
      process.emitWarning(`In CPU autocast, but the target dtype is not supported. Disabling autocast.\n` +
        `CPU Autocast only supports dtype of ${ok.join(", ")} currently.`);
      enabled = false;
    }
  }
  if (device === "cuda" && enabled) {
    if (dtype !== float16 && dtype !== bfloat16)
      throw new Error(`In CUDA autocast, dtype must be torch.float16 or torch.bfloat16 (got ${dtype})`);
    if (dtype === bfloat16 && !cuda.isBf16Supported())
      throw new Error("Current CUDA Device does not support bfloat16. Please switch dtype to float16.");
  }
  if (!enabled) dtype = dtypeFromCode(prev.dtype);
  native.AmpSetAutocast(device, enabled, dtype, cacheEnabled);
  native.AmpIncrementNesting();
  try {
    const r = fn();
    if (r && typeof (r as any).then === "function")
      throw new Error("torch.autocast() runs a synchronous function; autocast state is per thread and would leak across awaits");
    return r;
  } finally {
    if (native.AmpDecrementNesting() === 0) native.AmpClearCache();
    native.AmpSetAutocast(device, prev.enabled, prev.dtype, prev.cacheEnabled);
  }
}

// ---- GradScaler ----

enum Stage { READY, UNSCALED, STEPPED }
interface OptState { stage: Stage; foundInfPerDevice: Map<string, Tensor>; }
/** What GradScaler needs of an optimizer: step() and paramGroups (any optim.Optimizer has both). */
export interface ScalableOptimizer { step(...args: any[]): any; paramGroups: { params: Tensor[] }[]; }
export interface GradScalerOptions {
  initScale?: number; growthFactor?: number; backoffFactor?: number; growthInterval?: number; enabled?: boolean;
}
/** GradScaler.stateDict(): PyTorch's keys, so Python's GradScaler.load_state_dict reads it. */
export interface GradScalerStateDict {
  scale?: number; growth_factor?: number; backoff_factor?: number; growth_interval?: number; _growth_tracker?: number;
}

/**
 * Loss scaling for float16 training (torch.amp.GradScaler): scale(loss).backward() keeps small gradients
 * from flushing to zero; step(optimizer) unscales the gradients and skips the step when any is inf/NaN;
 * update() then halves the scale (backoffFactor), or grows it (growthFactor) after growthInterval clean
 * steps in a row. Built on ATen's _amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_.
 *   const scaler = new amp.GradScaler();            // device "cuda"; new amp.GradScaler("cpu") on CPU
 *   scaler.scale(loss).backward(); scaler.step(opt); scaler.update();
 */
export class GradScaler {
  readonly device: string;
  private _enabled: boolean;
  private _initScale: number;
  private _growthFactor: number;
  private _backoffFactor: number;
  private _growthInterval: number;
  private _initGrowthTracker = 0;
  private _scale: Tensor | null = null;
  private _growthTracker: Tensor | null = null;
  private states = new Map<object, OptState>();

  constructor(opts?: GradScalerOptions);
  constructor(device: string, opts?: GradScalerOptions);
  constructor(a?: string | GradScalerOptions, b?: GradScalerOptions) {
    const device = typeof a === "string" ? a : "cuda";
    const o: GradScalerOptions = (typeof a === "string" ? b : a) ?? {};
    this.device = device;
    this._initScale = o.initScale ?? 2 ** 16;
    this._growthFactor = o.growthFactor ?? 2.0;
    this._backoffFactor = o.backoffFactor ?? 0.5;
    this._growthInterval = o.growthInterval ?? 2000;
    this._enabled = o.enabled ?? true;
    if (this._enabled && device.startsWith("cuda") && !cuda.isAvailable()) {
      process.emitWarning("torch.amp.GradScaler is enabled, but CUDA is not available.  Disabling.");
      this._enabled = false;
    }
    if (this._enabled) {
      if (!(this._growthFactor > 1.0)) throw new Error("The growth factor must be > 1.0.");
      if (!(this._backoffFactor < 1.0)) throw new Error("The backoff factor must be < 1.0.");
    }
  }

  isEnabled(): boolean { return this._enabled; }

  private stateOf(opt: object): OptState {
    let s = this.states.get(opt);
    if (!s) { s = { stage: Stage.READY, foundInfPerDevice: new Map() }; this.states.set(opt, s); }
    return s;
  }
  private check(funcname: string): [Tensor, Tensor] {
    const fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.";
    if (!this._scale) throw new Error(`Attempted ${funcname} but _scale is None.  ${fix}`);
    return [this._scale, this._growthTracker!];
  }
  private lazyInit(device: string): void {
    this._scale = keep(callOp("aten::full", [1], this._initScale, { dtype: float32, device }));
    this._growthTracker = keep(callOp("aten::full", [1], this._initGrowthTracker, { dtype: int32, device }));
  }

  /** Multiplies a tensor (or the tensors of an array, nested) by the scale factor. */
  scale<T extends Tensor | Tensor[] | any[]>(outputs: T): T {
    if (!this._enabled) return outputs;
    const perDevice = new Map<string, Tensor>();
    const apply = (v: any): any => {
      if (v instanceof Tensor) {
        if (!this._scale) this.lazyInit(v.device);
        const dev = v.device;
        if (dev === this._scale!.device) return v.mul(this._scale!);
        let s = perDevice.get(dev);
        if (!s) { s = this._scale!.to(dev, { nonBlocking: true }); perDevice.set(dev, s); }
        return v.mul(s);
      }
      if (Array.isArray(v)) return v.map(apply);
      throw new TypeError("outputs must be a Tensor or an array of Tensors");
    };
    try { return apply(outputs); } finally { for (const s of perDevice.values()) s.dispose(); }
  }

  /**
   * Divides the optimizer's gradients by the scale factor (in place) and records whether any is inf/NaN.
   * Optional: call it before clipping gradients; step() calls it otherwise. No host sync.
   */
  unscale_(optimizer: ScalableOptimizer): void {
    if (!this._enabled) return;
    const [scale] = this.check("unscale_");
    const st = this.stateOf(optimizer);
    if (st.stage === Stage.UNSCALED) throw new Error("unscale_() has already been called on this optimizer since the last update().");
    if (st.stage === Stage.STEPPED) throw new Error("unscale_() is being called after step().");
    st.foundInfPerDevice = this.unscaleGrads(optimizer, (callOp("aten::reciprocal", scale.double()) as Tensor), false);
    st.stage = Stage.UNSCALED;
  }

  // Multiplies the grads by invScale (a float64 tensor, disposed here) per device and dtype; returns the
  // found-inf flags per device (owned by the scaler until update()).
  private unscaleGrads(optimizer: ScalableOptimizer, invScale64: Tensor, allowFp16: boolean): Map<string, Tensor> {
    return noGrad(() => tidy(() => {
      const invScale = invScale64.float();
      invScale64.dispose();
      const byDevice = new Map<string, Map<number, Tensor[]>>();
      for (const g of optimizer.paramGroups) {
        for (const p of g.params) {
          const grad = p.grad;
          if (!grad) continue;
          if (!allowFp16 && grad.dtype === float16) throw new Error("Attempting to unscale FP16 gradients.");
          const dev = grad.device;
          if (!byDevice.has(dev)) byDevice.set(dev, new Map());
          const m = byDevice.get(dev)!;
          const code = grad.dtype.code;
          if (!m.has(code)) m.set(code, []);
          m.get(code)!.push(grad);
        }
      }
      const found = new Map<string, Tensor>();
      for (const [dev, perDtype] of byDevice) {
        const fi = keep(callOp("aten::zeros", [1], { dtype: float32, device: dev }));
        found.set(dev, fi);
        const inv = dev === invScale.device ? invScale : invScale.to(dev, { nonBlocking: true });
        for (const gs of perDtype.values()) native.AmpUnscale(gs.map((t) => t._id), fi._id, inv._id);
      }
      return found;
    }));
  }

  /**
   * Unscales the gradients (unless unscale_ ran) and calls optimizer.step() unless a gradient holds an
   * inf/NaN. Returns what optimizer.step returns (undefined when skipped). Reads found-inf on the host.
   */
  step(optimizer: ScalableOptimizer, ...args: any[]): any {
    if (!this._enabled) return optimizer.step(...args);
    this.check("step");
    const st = this.stateOf(optimizer);
    if (st.stage === Stage.STEPPED) throw new Error("step() has already been called since the last update().");
    if ((optimizer as any)._stepSupportsAmpScaling) {
      // A fused optimizer (Adam/AdamW with fused: true) unscales inside its kernel and skips the update on the
      // device when foundInf is set: no host synchronisation (PyTorch's grad_scale/found_inf protocol).
      const [scale] = this.check("step");
      if (st.stage === Stage.READY)
        st.foundInfPerDevice = this.unscaleGrads(optimizer, callOp("aten::ones", [], { dtype: float64, device: scale.device }), true);
      const foundInf = tidy(() => {
        let sum: Tensor | null = null;
        for (const fi of st.foundInfPerDevice.values()) {
          const f = fi.to(scale.device, { nonBlocking: true });
          sum = sum ? sum.add(f) : f;
        }
        return sum!.reshape([]);
      });
      const o = optimizer as any;
      o.gradScale = st.stage === Stage.UNSCALED ? null : scale;
      o.foundInf = foundInf;
      try {
        const r = optimizer.step(...args);
        st.stage = Stage.STEPPED;
        return r;
      } finally {
        delete o.gradScale;
        delete o.foundInf;
        foundInf.dispose();
      }
    }
    if (st.stage === Stage.READY) this.unscale_(optimizer);
    if (st.foundInfPerDevice.size === 0) throw new Error("No inf checks were recorded for this optimizer.");
    let infs = 0;
    for (const v of st.foundInfPerDevice.values()) infs += v.item();
    const r = infs ? undefined : optimizer.step(...args);
    st.stage = Stage.STEPPED;
    return r;
  }

  /**
   * Updates the scale: backoff when any step since the last update saw inf/NaN, growth after growthInterval
   * clean steps. update(newScale) sets it instead (a number or a one-element float32 tensor).
   */
  update(newScale?: number | Tensor): void {
    if (!this._enabled) return;
    const [scale, tracker] = this.check("update");
    if (newScale !== undefined) {
      if (typeof newScale === "number") scale.fill_(newScale);
      else {
        const reason = "new_scale should be a float or a 1-element torch.cuda.FloatTensor with requires_grad=False.";
        if (!(newScale instanceof Tensor) || newScale.dtype !== float32 || newScale.numel() !== 1 || newScale.requiresGrad) throw new Error(reason);
        scale.copy_(newScale.reshape([1]));
      }
    } else {
      tidy(() => {
        const found: Tensor[] = [];
        for (const s of this.states.values())
          for (const fi of s.foundInfPerDevice.values()) found.push(fi.device === scale.device ? fi : fi.to(scale.device, { nonBlocking: true }));
        if (found.length === 0) throw new Error("No inf checks were recorded prior to update.");
        let combined = found[0];
        for (let i = 1; i < found.length; i++) combined = combined.add(found[i]);
        native.AmpUpdateScale(scale._id, tracker._id, combined._id, this._growthFactor, this._backoffFactor, this._growthInterval);
      });
    }
    for (const s of this.states.values()) for (const fi of s.foundInfPerDevice.values()) fi.dispose();
    this.states.clear();
  }

  /** The current scale (a host read), the initial one before the first scale() call, 1 when disabled. */
  getScale(): number {
    if (!this._enabled) return 1.0;
    return this._scale ? this._scale.item() : this._initScale;
  }
  getGrowthFactor(): number { return this._growthFactor; }
  setGrowthFactor(v: number): void { this._growthFactor = v; }
  getBackoffFactor(): number { return this._backoffFactor; }
  setBackoffFactor(v: number): void { this._backoffFactor = v; }
  getGrowthInterval(): number { return this._growthInterval; }
  setGrowthInterval(v: number): void { this._growthInterval = v; }
  private getGrowthTracker(): number { return this._growthTracker ? this._growthTracker.item() : this._initGrowthTracker; }

  stateDict(): GradScalerStateDict {
    if (!this._enabled) return {};
    return {
      scale: this.getScale(), growth_factor: this._growthFactor, backoff_factor: this._backoffFactor,
      growth_interval: this._growthInterval, _growth_tracker: this.getGrowthTracker(),
    };
  }
  loadStateDict(sd: GradScalerStateDict): void {
    if (!this._enabled) return;
    if (!sd || Object.keys(sd).length === 0)
      throw new Error("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.");
    this._initScale = Number(sd.scale);
    if (this._scale) this._scale.fill_(this._initScale);
    this._growthFactor = Number(sd.growth_factor);
    this._backoffFactor = Number(sd.backoff_factor);
    this._growthInterval = Number(sd.growth_interval);
    this._initGrowthTracker = Number(sd._growth_tracker);
    if (this._growthTracker) this._growthTracker.fill_(this._initGrowthTracker);
  }

  /** Frees the scale tensors (the scaler is unusable afterwards). */
  dispose(): void {
    for (const s of this.states.values()) for (const fi of s.foundInfPerDevice.values()) fi.dispose();
    this.states.clear();
    this._scale?.dispose();
    this._growthTracker?.dispose();
    this._scale = this._growthTracker = null;
  }
}
