// CUDA devices and memory. Every CUDA call compiles out on a CPU libtorch (TORCHTS_CUDA unset).
#include "common.h"
#ifdef TORCHTS_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <cuda_runtime_api.h>
#endif

namespace tts {

#ifdef TORCHTS_CUDA
static int DeviceIndex(const Napi::CallbackInfo& info, size_t i) {
  int d = info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1;
  return d < 0 ? static_cast<int>(c10::cuda::current_device()) : d;
}
#endif

static Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}
static Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}
[[noreturn]] static void NoCuda(Napi::Env env) {
  throw TorchError(env, "CUDA is not available: torchts was built against a CPU-only libtorch "
                        "(see README: \"Using a CUDA libtorch\")");
}
static Napi::Value CudaVersions(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TORCHTS_CUDA
  int rt = 0, drv = 0;
  cudaRuntimeGetVersion(&rt);
  cudaDriverGetVersion(&drv);
  o.Set("runtime", rt);
  o.Set("driver", drv);
  o.Set("cudnn", torch::cuda::cudnn_is_available() ? static_cast<double>(at::detail::getCUDAHooks().versionCuDNN()) : 0.0);
#endif
  return o;
}
static Napi::Value CudaGetDeviceName(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto* p = at::cuda::getDeviceProperties(DeviceIndex(info, 0));
  return Napi::String::New(info.Env(), p->name);
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGetDeviceProperties(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto* p = at::cuda::getDeviceProperties(DeviceIndex(info, 0));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("name", p->name);
  o.Set("totalMemory", static_cast<double>(p->totalGlobalMem));
  o.Set("major", p->major);
  o.Set("minor", p->minor);
  o.Set("multiProcessorCount", p->multiProcessorCount);
  return o;
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaCurrentDevice(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::Number::New(info.Env(), c10::cuda::current_device());
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaSetDevice(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(IntArg(info, 0, "device")));
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  c10::cuda::device_synchronize();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}

#ifdef TORCHTS_CUDA
static c10::cuda::CUDACachingAllocator::DeviceStats Stats(const Napi::CallbackInfo& info) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(DeviceIndex(info, 0));
}
#endif
static Napi::Value CudaMemoryAllocated(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.allocated_bytes[0].current));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaMaxMemoryAllocated(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.allocated_bytes[0].peak));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaMemoryReserved(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.reserved_bytes[0].current));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaResetPeakMemoryStats(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(DeviceIndex(info, 0));
#endif
  return info.Env().Undefined();
}
static Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}
static Napi::Value CudaManualSeedAll(const Napi::CallbackInfo& info) {
  // torch::manual_seed already seeds every CUDA generator when CUDA is present.
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(static_cast<uint64_t>(IntArg(info, 0, "seed")));
  return info.Env().Undefined();
}
static Napi::Value CudaManualSeed(const Napi::CallbackInfo& info) {
  if (torch::cuda::is_available()) torch::cuda::manual_seed(static_cast<uint64_t>(IntArg(info, 0, "seed")));
  return info.Env().Undefined();
}

TTS_AREA(cuda) {
  TTS_EXPORT(CudaIsAvailable);
  TTS_EXPORT(CudaDeviceCount);
  TTS_EXPORT(CudaVersions);
  TTS_EXPORT(CudaGetDeviceName);
  TTS_EXPORT(CudaGetDeviceProperties);
  TTS_EXPORT(CudaCurrentDevice);
  TTS_EXPORT(CudaSetDevice);
  TTS_EXPORT(CudaSynchronize);
  TTS_EXPORT(CudaMemoryAllocated);
  TTS_EXPORT(CudaMaxMemoryAllocated);
  TTS_EXPORT(CudaMemoryReserved);
  TTS_EXPORT(CudaResetPeakMemoryStats);
  TTS_EXPORT(CudaEmptyCache);
  TTS_EXPORT(CudaManualSeedAll);
  TTS_EXPORT(CudaManualSeed);
}

}  // namespace tts
