// Autograd: backward, grad, grad-mode guards.
#include "common.h"
#include <thread>
#include <unordered_map>
#include <mutex>
#include <memory>

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

// Tensor hooks (Tensor.register_hook): a JS function called with the gradient while backward runs. The functions
// live in a per-thread table that is never destroyed (no N-API call after the env is gone). A hook's lambda owns a
// HookKey; when libtorch drops the hook (its tensor or node freed) the key is queued as dead, and the next
// registerHook/removeHook on the JS thread frees the function. libtorch runs CPU backward on the calling thread,
// where JS can be called; a hook reached from another thread (a CUDA device thread) throws instead.
struct HookTable {
  std::unordered_map<int64_t, Napi::FunctionReference> fns;
  std::mutex m;
  std::vector<int64_t> dead;   // keys whose hooks libtorch has dropped (pushed from any thread)
  int64_t next = 0;
  c10::optional<at::Tensor> result;   // what the running hook returned (HookResult), taken when it ends
  void Sweep() {
    std::vector<int64_t> d;
    { std::lock_guard<std::mutex> g(m); d.swap(dead); }
    for (int64_t k : d) fns.erase(k);
  }
};
struct HookKey {
  HookTable* table;
  int64_t key;
  ~HookKey() { std::lock_guard<std::mutex> g(table->m); table->dead.push_back(key); }
};
static thread_local HookTable* tHooks = nullptr;

// registerHook(id, fn) -> key
static Napi::Value RegisterHook(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  if (!info[1].IsFunction()) ThrowType(info.Env(), "register_hook(): argument 'hook' must be a function");
  TORCH_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  if (!tHooks) tHooks = new HookTable();
  HookTable* table = tHooks;
  table->Sweep();
  std::shared_ptr<HookKey> k(new HookKey{table, table->next++});   // built in place: a temporary's destructor would queue it
  table->fns.emplace(k->key, Napi::Persistent(info[1].As<Napi::Function>()));
  const auto owner = std::this_thread::get_id();
  t.register_hook([k, owner](const at::Tensor& grad) -> at::Tensor {
    TORCH_CHECK(std::this_thread::get_id() == owner,
                "a tensor hook (register_hook) was reached on a thread that cannot call JavaScript (backward on a GPU); hooks run on CPU tensors");
    auto it = k->table->fns.find(k->key);
    if (it == k->table->fns.end()) return at::Tensor();
    Napi::Env env = it->second.Env();
    Napi::HandleScope scope(env);
    // lib/tensor.ts runs the hook, hands its result over with HookResult and frees the tensors of the call
    auto& slot = k->table->result;
    slot.reset();
    it->second.Call({Wrap(env, grad)});   // a JS throw comes out as Napi::Error and ends backward
    at::Tensor r = slot ? std::move(*slot) : at::Tensor();
    slot.reset();
    return r;
  });
  return Napi::Number::New(info.Env(), static_cast<double>(k->key));
}
// HookResult(value): what the running hook returned (a Tensor, or undefined/null for none).
static Napi::Value HookResult(const Napi::CallbackInfo& info) {
  if (info[0].IsUndefined() || info[0].IsNull()) return info.Env().Undefined();
  int32_t id;
  TORCH_CHECK(TensorIdOf(info[0], &id), "a tensor hook must return a Tensor or nothing");
  TORCH_CHECK(tHooks, "HookResult outside a tensor hook");
  tHooks->result = Get(id);
  return info.Env().Undefined();
}
static Napi::Value RemoveHook(const Napi::CallbackInfo& info) {
  if (tHooks) { tHooks->fns.erase(IntArg(info, 0, "key")); tHooks->Sweep(); }
  return info.Env().Undefined();
}
// The number of hook functions held (for tests: dropped hooks are freed).
static Napi::Value LiveHooks(const Napi::CallbackInfo& info) {
  if (tHooks) tHooks->Sweep();
  return Napi::Number::New(info.Env(), tHooks ? static_cast<double>(tHooks->fns.size()) : 0);
}

TTS_AREA(autograd) {
  TTS_EXPORT(RegisterHook);
  TTS_EXPORT(RemoveHook);
  TTS_EXPORT(HookResult);
  TTS_EXPORT(LiveHooks);
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
