// Automatic mixed precision: the autocast state (thread-local in libtorch, as in PyTorch) and the two
// GradScaler kernels. libtorch 1.13 has those kernels for CUDA only; where the device has none, the same
// arithmetic runs here with tensor ops (CPU), so GradScaler behaves alike on every device.
#include "common.h"
#include <ATen/autocast_mode.h>

// libtorch 2.4 made the autocast state per device type (the older per-backend functions were deprecated).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define TTS_AUTOCAST_BY_DEVICE 1
#endif

namespace tts {

static c10::DeviceType AutocastDevice(const Napi::CallbackInfo& info, size_t i) {
  std::string d = StrArg(info, i, "deviceType");
  if (d == "cpu") return c10::DeviceType::CPU;
  if (d == "cuda") return c10::DeviceType::CUDA;
  ThrowType(info.Env(), "argument 'deviceType' must be \"cpu\" or \"cuda\" (got \"" + d + "\")");
}

static bool AutocastEnabled(c10::DeviceType d) {
#ifdef TTS_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}
static void SetAutocastEnabled(c10::DeviceType d, bool on) {
#ifdef TTS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(d, on);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
#endif
}
static c10::ScalarType AutocastDtype(c10::DeviceType d) {
#ifdef TTS_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}
static void SetAutocastDtype(c10::DeviceType d, c10::ScalarType t) {
#ifdef TTS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(d, t);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
#endif
}

// autocastState(deviceType) -> { enabled, dtype (ScalarType code), cacheEnabled }
static Napi::Value AmpAutocastState(const Napi::CallbackInfo& info) {
  auto d = AutocastDevice(info, 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("enabled", AutocastEnabled(d));
  o.Set("dtype", static_cast<int>(AutocastDtype(d)));
  o.Set("cacheEnabled", at::autocast::is_autocast_cache_enabled());
  return o;
}
// setAutocast(deviceType, enabled, dtype, cacheEnabled)
static Napi::Value AmpSetAutocast(const Napi::CallbackInfo& info) {
  auto d = AutocastDevice(info, 0);
  bool on = BoolArg(info, 1, "enabled");
  auto dt = DtypeOf(info[2], "dtype");
  bool cache = BoolArg(info, 3, "cacheEnabled");
  SetAutocastEnabled(d, on);
  SetAutocastDtype(d, dt);
  at::autocast::set_autocast_cache_enabled(cache);
  return info.Env().Undefined();
}
static Napi::Value AmpIncrementNesting(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::autocast::increment_nesting());
}
static Napi::Value AmpDecrementNesting(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::autocast::decrement_nesting());
}
static Napi::Value AmpClearCache(const Napi::CallbackInfo& info) {
  at::autocast::clear_cache();
  return info.Env().Undefined();
}

// Whether the operator has its own kernel for the tensor's device (CUDA always; CPU from libtorch 2.x).
static bool HasKernel(const char* name, const at::Tensor& t) {
  auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
  auto key = t.is_cuda() ? c10::DispatchKey::CUDA : t.is_cpu() ? c10::DispatchKey::CPU : c10::DispatchKey::Undefined;
  return key != c10::DispatchKey::Undefined && op.hasKernelForDispatchKey(key);
}

// unscale(grads[], foundInf, invScale): torch._amp_foreach_non_finite_check_and_unscale_. Every grad is
// multiplied by invScale; foundInf (float [1]) becomes 1 when any grad holds an inf or a NaN. All grads
// share foundInf's device.
static Napi::Value AmpUnscale(const Napi::CallbackInfo& info) {
  auto grads = TensorListArg(info, 0, "grads");
  at::Tensor& foundInf = TensorArg(info, 1, "foundInf");
  at::Tensor& invScale = TensorArg(info, 2, "invScale");
  if (grads.empty()) return info.Env().Undefined();
  for (auto& g : grads)
    TORCH_CHECK(g.device() == foundInf.device(), "unscale: grads must be on foundInf's device (", foundInf.device(), ")");
  at::NoGradGuard ng;
  if (HasKernel("aten::_amp_foreach_non_finite_check_and_unscale_", foundInf)) {
    at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, invScale);
    return info.Env().Undefined();
  }
  TORCH_CHECK(foundInf.scalar_type() == at::kFloat && foundInf.numel() == 1, "unscale: foundInf must be a float32 tensor of one element");
  TORCH_CHECK(invScale.scalar_type() == at::kFloat && invScale.numel() == 1, "unscale: invScale must be a float32 tensor of one element");
  at::Tensor inv = invScale.reshape({});
  for (auto& g : grads) {
    foundInf.masked_fill_(at::isfinite(g).all().logical_not(), 1.0);
    if (g.scalar_type() == at::kFloat || g.scalar_type() == at::kDouble) g.mul_(inv);
    else g.copy_(g.to(at::kFloat).mul_(inv));  // reduced-precision grads: multiply in float, as the kernels do
  }
  return info.Env().Undefined();
}

// updateScale(scale, growthTracker, foundInf, growthFactor, backoffFactor, growthInterval): torch._amp_update_scale_.
// foundInf > 0: scale *= backoff, tracker = 0. Else tracker += 1, and when it reaches growthInterval the
// scale grows (if the result is finite) and the tracker restarts at 0.
static Napi::Value AmpUpdateScale(const Napi::CallbackInfo& info) {
  at::Tensor& scale = TensorArg(info, 0, "scale");
  at::Tensor& tracker = TensorArg(info, 1, "growthTracker");
  at::Tensor& foundInf = TensorArg(info, 2, "foundInf");
  double growth = NumArg(info, 3, "growthFactor"), backoff = NumArg(info, 4, "backoffFactor");
  int64_t interval = IntArg(info, 5, "growthInterval");
  at::NoGradGuard ng;
  if (HasKernel("aten::_amp_update_scale_", scale)) {
    at::_amp_update_scale_(scale, tracker, foundInf, growth, backoff, interval);
    return info.Env().Undefined();
  }
  TORCH_CHECK(scale.is_cpu() && tracker.is_cpu() && foundInf.is_cpu(), "updateScale: no kernel for device ", scale.device());
  TORCH_CHECK(scale.scalar_type() == at::kFloat && scale.numel() == 1, "updateScale: scale must be a float32 tensor of one element");
  TORCH_CHECK(tracker.scalar_type() == at::kInt && tracker.numel() == 1, "updateScale: growthTracker must be an int32 tensor of one element");
  TORCH_CHECK(foundInf.scalar_type() == at::kFloat && foundInf.numel() == 1, "updateScale: foundInf must be a float32 tensor of one element");
  float* s = scale.data_ptr<float>();
  int32_t* t = tracker.data_ptr<int32_t>();
  if (*foundInf.data_ptr<float>() != 0.f) {
    *s = static_cast<float>(*s * backoff);
    *t = 0;
  } else {
    int32_t successful = *t + 1;
    if (successful == interval) {
      float grown = static_cast<float>(*s * growth);
      if (std::isfinite(grown)) *s = grown;
      *t = 0;
    } else {
      *t = successful;
    }
  }
  return info.Env().Undefined();
}

TTS_AREA(amp) {
  TTS_EXPORT(AmpAutocastState);
  TTS_EXPORT(AmpSetAutocast);
  TTS_EXPORT(AmpIncrementNesting);
  TTS_EXPORT(AmpDecrementNesting);
  TTS_EXPORT(AmpClearCache);
  TTS_EXPORT(AmpUnscale);
  TTS_EXPORT(AmpUpdateScale);
}

}  // namespace tts
