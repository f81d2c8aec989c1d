// Build facts for `torchts doctor` and the load-time version check.
#include "common.h"
#include <ATen/Version.h>
#include <ATen/Parallel.h>
#ifdef TORCHTS_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace tts {

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("libtorchVersion", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                               std::to_string(TORCH_VERSION_PATCH));
  o.Set("libtorchDir", TORCHTS_LIBTORCH_LIBDIR);
#ifdef TORCHTS_CUDA
  o.Set("cudaBuild", true);
#else
  o.Set("cudaBuild", false);
#endif
  o.Set("hasCuda", torch::cuda::is_available());
  o.Set("cudaDeviceCount", static_cast<double>(torch::cuda::device_count()));
  o.Set("hasCudnn", torch::cuda::cudnn_is_available());
  o.Set("threads", at::get_num_threads());
  o.Set("interopThreads", at::get_num_interop_threads());
  o.Set("parallelInfo", at::get_parallel_info());
  o.Set("config", at::show_config());
  return o;
}

TTS_AREA(info) { TTS_EXPORT(BuildInfo); }

}  // namespace tts
