// torch.backends: process-wide switches of libtorch's global context (cuDNN autotuning and determinism,
// TF32 on Ampere and newer GPUs) and torch.set_float32_matmul_precision. They can be set on any build;
// on a CPU-only one they only take effect where CPU kernels read them.
import { native } from "./native";

function get(name: string): any { return native.BackendsGet()[name]; }
function set(name: string, v: boolean): void {
  if (typeof v !== "boolean") throw new TypeError(`torch.backends: ${name} must be a boolean`);
  native.BackendsSet(name, v);
}

/** torch.backends.cudnn */
export const cudnn = {
  /** Whether cuDNN is usable (a CUDA build with cuDNN and a device). */
  isAvailable(): boolean { return native.BuildInfo().hasCudnn; },
  /** cuDNN's version number (e.g. 90100), or null without cuDNN. */
  version(): number | null { const v = native.CudaVersions().cudnn; return v ? v : null; },
  /** Use cuDNN where it applies (default true). */
  get enabled(): boolean { return get("cudnnEnabled"); },
  set enabled(v: boolean) { set("cudnnEnabled", v); },
  /** Time the convolution algorithms on first use of each shape and keep the fastest (default false). */
  get benchmark(): boolean { return get("cudnnBenchmark"); },
  set benchmark(v: boolean) { set("cudnnBenchmark", v); },
  /** Only deterministic convolution algorithms (default false). */
  get deterministic(): boolean { return get("cudnnDeterministic"); },
  set deterministic(v: boolean) { set("cudnnDeterministic", v); },
  /** Let cuDNN convolutions use TF32 tensor cores (default true). */
  get allowTf32(): boolean { return get("cudnnAllowTf32"); },
  set allowTf32(v: boolean) { set("cudnnAllowTf32", v); },
};

/** torch.backends.cuda */
export const cuda = {
  matmul: {
    /** Let float32 matmuls use TF32 tensor cores (default false; set by setFloat32MatmulPrecision too). */
    get allowTf32(): boolean { return get("matmulAllowTf32"); },
    set allowTf32(v: boolean) { set("matmulAllowTf32", v); },
  },
  /** Whether this build of torchts has its CUDA parts compiled in. */
  isBuilt(): boolean { return native.BuildInfo().cudaBuild; },
};

export type MatmulPrecision = "highest" | "high" | "medium";
/**
 * Internal precision of float32 matmuls (torch.set_float32_matmul_precision): "highest" (full float32),
 * "high" (TF32 or bfloat16x3 where available), "medium" (bfloat16 where available).
 */
export function setFloat32MatmulPrecision(p: MatmulPrecision): void {
  if (p !== "highest" && p !== "high" && p !== "medium")
    throw new TypeError(`setFloat32MatmulPrecision: precision must be "highest", "high" or "medium" (got ${JSON.stringify(p)})`);
  native.BackendsSet("float32MatmulPrecision", p);
}
export function getFloat32MatmulPrecision(): MatmulPrecision { return get("float32MatmulPrecision"); }
