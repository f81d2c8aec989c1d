// Shared by every area: the tensor table (ownership), argument conversion and the single error path.
#pragma once
#include "pch.h"
#include <functional>

namespace tts {

// ---- Tensor table: a JS Tensor holds an integer slot; dispose() frees it. ----
int32_t Put(at::Tensor t);                 // store, return the slot id
at::Tensor& Get(int32_t id);               // throws on a freed/invalid id
void Release(int32_t id);
size_t LiveTensors();

// ---- Errors: one path. libtorch errors become TorchError, JS misuse becomes TypeError. ----
Napi::Error TorchError(Napi::Env env, const std::string& msg);
Napi::Error OomError(Napi::Env env, const std::string& msg);  // torch.cuda.OutOfMemoryError (a TorchError)
std::string CleanMessage(const char* what);
[[noreturn]] void ThrowType(Napi::Env env, const std::string& msg);

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    throw OomError(info.Env(), CleanMessage(e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    // TORCHTS_BACKTRACE=1 keeps libtorch's C++ backtrace in the message
    throw TorchError(info.Env(), CleanMessage(getenv("TORCHTS_BACKTRACE") ? e.what() : e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw TorchError(info.Env(), CleanMessage(e.what()));
  }
}

// ---- Argument helpers ----
at::Tensor& TensorArg(const Napi::CallbackInfo& info, size_t i, const char* name);   // a slot id
bool TensorIdOf(const Napi::Value& v, int32_t* id);   // a JS Tensor object (its _id), without throwing
void SetReturnKind(int32_t kind);                      // see ops.ts: 1 = a tensor id, 2 = an array of ids
int64_t IntArg(const Napi::CallbackInfo& info, size_t i, const char* name);
double NumArg(const Napi::CallbackInfo& info, size_t i, const char* name);
bool BoolArg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string StrArg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::vector<int64_t> IntListArg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::vector<at::Tensor> TensorListArg(const Napi::CallbackInfo& info, size_t i, const char* name);
at::Scalar ScalarOf(const Napi::Value& v, const char* name);
c10::ScalarType DtypeOf(const Napi::Value& v, const char* name);
c10::Device DeviceOf(const Napi::Value& v);
Napi::Value Wrap(Napi::Env env, at::Tensor t);   // new JS Tensor for t (through the registered factory)
Napi::Value IdsOf(Napi::Env env, const std::vector<at::Tensor>& ts);  // JS array of new Tensors
at::Generator* GeneratorOf(const Napi::Value& v);  // a torch.Generator (or its _gen), else nullptr (generator.cc)
uint64_t SeedOf(const Napi::Value& v, const char* name);  // a seed from a number or BigInt (generator.cc)

// ---- Conversion between JS values and IValues (used by ops, jit, serialize) ----
c10::IValue ToIValueGuess(const Napi::Value& v);           // infer the type from the JS value
Napi::Value FromIValue(Napi::Env env, const c10::IValue& v);

// ---- Area registration: each native/<area>.cc registers its entries once. ----
using InitFn = void (*)(Napi::Env, Napi::Object);
struct Registrar { Registrar(const char* area, InitFn fn); };
std::vector<std::pair<const char*, InitFn>>& Areas();
#define TTS_AREA(name) \
  static void InitArea_##name(Napi::Env env, Napi::Object exports); \
  static ::tts::Registrar registrar_##name(#name, InitArea_##name); \
  static void InitArea_##name(Napi::Env env, Napi::Object exports)
#define TTS_EXPORT(fn) exports.Set(#fn, Napi::Function::New(env, ::tts::Guard<fn>, #fn))

}  // namespace tts
