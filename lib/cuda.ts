// torch.cuda: devices, synchronisation, memory statistics, seeding.
import { native, buildInfo } from "./native";

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
export function manualSeed(seed: number): void { native.CudaManualSeed(seed); }
export function manualSeedAll(seed: number): void { native.CudaManualSeedAll(seed); }
/** Runtime, driver and cuDNN versions (empty on a CPU build). */
export function versions(): { runtime?: number; driver?: number; cudnn?: number } { return native.CudaVersions(); }
/** Whether this build of torchts has its CUDA parts compiled in. */
export const isBuiltWithCuda: boolean = buildInfo.cudaBuild;
