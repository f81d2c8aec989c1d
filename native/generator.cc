// torch.Generator: a seeded random-number generator object (at::Generator), usable wherever an
// operator takes `Generator? generator` (randperm, randint, rand, multinomial, ...).
#include "common.h"
#include <ATen/CPUGeneratorImpl.h>
#include <random>
#ifdef TORCHTS_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

namespace tts {

struct GenBox { at::Generator gen; };
// Externals are tagged so that no other native handle is ever taken for a generator.
static const napi_type_tag kGenTag = {0x7f1c2a3b4d5e6f70ULL, 0x0123456789abcdefULL};

static Napi::Value NewGen(Napi::Env env, at::Generator g) {
  auto ext = Napi::External<GenBox>::New(env, new GenBox{std::move(g)}, [](Napi::Env, GenBox* b) { delete b; });
  napi_type_tag_object(env, ext, &kGenTag);
  return ext;
}

at::Generator* GeneratorOf(const Napi::Value& v) {
  Napi::Value x = v;
  if (x.IsObject() && !x.IsExternal()) x = x.As<Napi::Object>().Get("_gen");
  if (!x.IsExternal()) return nullptr;
  bool ok = false;
  if (napi_check_object_type_tag(x.Env(), x, &kGenTag, &ok) != napi_ok || !ok) return nullptr;
  return &x.As<Napi::External<GenBox>>().Data()->gen;
}
static at::Generator& GenArg(const Napi::CallbackInfo& info, size_t i) {
  at::Generator* g = GeneratorOf(info[i]);
  if (!g) ThrowType(info.Env(), "argument 'generator' must be a torch.Generator");
  return *g;
}
// A seed from a JS number or BigInt (negative values wrap to uint64, as Python's manual_seed does).
uint64_t SeedOf(const Napi::Value& v, const char* name) {
  if (v.IsBigInt()) {
    int sign = 0;
    size_t words = 1;
    uint64_t w = 0;
    v.As<Napi::BigInt>().ToWords(&sign, &words, &w);
    return sign ? static_cast<uint64_t>(-static_cast<int64_t>(w)) : w;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d)) ThrowType(v.Env(), std::string("argument '") + name + "' must be an integer");
    return d < 0 ? static_cast<uint64_t>(static_cast<int64_t>(d)) : static_cast<uint64_t>(d);
  }
  ThrowType(v.Env(), std::string("argument '") + name + "' must be an integer or BigInt");
}

// GeneratorNew(device?) -> External
static Napi::Value GeneratorNew(const Napi::CallbackInfo& info) {
  std::string dev = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "cpu";
  c10::Device d(dev);
  if (d.is_cpu()) return NewGen(info.Env(), at::make_generator<at::CPUGeneratorImpl>());
#ifdef TORCHTS_CUDA
  if (d.is_cuda()) return NewGen(info.Env(), at::make_generator<at::CUDAGeneratorImpl>(d.has_index() ? d.index() : 0));
#endif
  throw TorchError(info.Env(), "torch.Generator: unsupported device '" + dev + "'");
}
// The process-wide default CPU generator (torch.default_generator).
static Napi::Value GeneratorDefault(const Napi::CallbackInfo& info) {
  return NewGen(info.Env(), at::detail::getDefaultCPUGenerator());
}
static Napi::Value GeneratorManualSeed(const Napi::CallbackInfo& info) {
  auto& g = GenArg(info, 0);
  uint64_t s = SeedOf(info[1], "seed");
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(s);
  return info.Env().Undefined();
}
static Napi::Value GeneratorInitialSeed(const Napi::CallbackInfo& info) {
  auto& g = GenArg(info, 0);
  return Napi::BigInt::New(info.Env(), g.current_seed());
}
// seed(): a non-deterministic seed, set and returned (torch.Generator.seed()).
static Napi::Value GeneratorSeed(const Napi::CallbackInfo& info) {
  auto& g = GenArg(info, 0);
  std::random_device rd;
  uint64_t s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(s);
  return Napi::BigInt::New(info.Env(), s);
}
static Napi::Value GeneratorGetState(const Napi::CallbackInfo& info) {
  auto& g = GenArg(info, 0);
  std::lock_guard<std::mutex> lock(g.mutex());
  return Napi::Number::New(info.Env(), Put(g.get_state()));
}
static Napi::Value GeneratorSetState(const Napi::CallbackInfo& info) {
  auto& g = GenArg(info, 0);
  auto& st = TensorArg(info, 1, "state");
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(st);
  return info.Env().Undefined();
}
static Napi::Value GeneratorDevice(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), GenArg(info, 0).device().str());
}

TTS_AREA(generator) {
  TTS_EXPORT(GeneratorNew);
  TTS_EXPORT(GeneratorDefault);
  TTS_EXPORT(GeneratorManualSeed);
  TTS_EXPORT(GeneratorInitialSeed);
  TTS_EXPORT(GeneratorSeed);
  TTS_EXPORT(GeneratorGetState);
  TTS_EXPORT(GeneratorSetState);
  TTS_EXPORT(GeneratorDevice);
}

}  // namespace tts
