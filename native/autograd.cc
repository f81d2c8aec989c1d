// Autograd: backward, grad, grad-mode guards.
#include "common.h"

namespace tts {

// backward(id, gradId|-1, retainGraph, createGraph)
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  at::Tensor g;
  if (info[1].IsNumber() && info[1].As<Napi::Number>().Int32Value() >= 0) g = TensorArg(info, 1, "gradient");
  bool create = BoolArg(info, 3, "createGraph");
  c10::optional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  t.backward(g, retain, create);
  return info.Env().Undefined();
}

// grad(outputs[], inputs[], gradOutputs[]|null, retainGraph|undefined, createGraph, allowUnused) -> ids (-1 for None)
static Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  auto outs = TensorListArg(info, 0, "outputs");
  auto ins = TensorListArg(info, 1, "inputs");
  std::vector<at::Tensor> gouts;
  if (info[2].IsArray()) gouts = TensorListArg(info, 2, "gradOutputs");
  c10::optional<bool> retain;
  if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
  bool create = BoolArg(info, 4, "createGraph");
  bool allowUnused = BoolArg(info, 5, "allowUnused");
  auto res = torch::autograd::grad(outs, ins, gouts, retain, create, allowUnused);
  Napi::Array a = Napi::Array::New(info.Env(), res.size());
  for (size_t i = 0; i < res.size(); i++)
    a.Set(static_cast<uint32_t>(i), res[i].defined() ? Wrap(info.Env(), res[i]) : info.Env().Null());
  return a;
}

static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(BoolArg(info, 0, "enabled"));
  return Napi::Boolean::New(info.Env(), prev);
}
static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

// Inference mode is an RAII guard; JS enters and exits it in try/finally, so a stack suffices.
static std::vector<std::unique_ptr<c10::InferenceMode>> gInference;
static Napi::Value EnterInferenceMode(const Napi::CallbackInfo& info) {
  gInference.push_back(std::make_unique<c10::InferenceMode>(BoolArg(info, 0, "enabled")));
  return info.Env().Undefined();
}
static Napi::Value ExitInferenceMode(const Napi::CallbackInfo& info) {
  if (!gInference.empty()) gInference.pop_back();
  return info.Env().Undefined();
}
static Napi::Value IsInferenceModeEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}
static Napi::Value GradFn(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  auto fn = t.grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}
static Napi::Value RetainGrad(const Napi::CallbackInfo& info) {
  TensorArg(info, 0, "tensor").retain_grad();
  return info.Env().Undefined();
}

TTS_AREA(autograd) {
  TTS_EXPORT(Backward);
  TTS_EXPORT(AutogradGrad);
  TTS_EXPORT(SetGradEnabled);
  TTS_EXPORT(IsGradEnabled);
  TTS_EXPORT(EnterInferenceMode);
  TTS_EXPORT(ExitInferenceMode);
  TTS_EXPORT(IsInferenceModeEnabled);
  TTS_EXPORT(GradFn);
  TTS_EXPORT(RetainGrad);
}

}  // namespace tts
