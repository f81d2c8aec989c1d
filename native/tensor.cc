// The Tensor object: creation from JS memory, metadata, reading back, conversion.
#include "common.h"
#include <mutex>

namespace tts {

// Shared ArrayBuffers stay alive through a reference; libtorch may drop the storage on any
// thread, so the release is queued and done on the JS thread.
static std::mutex gRefMutex;
static std::vector<napi_ref> gDeadRefs;
static void DrainRefs(napi_env env) {
  std::vector<napi_ref> dead;
  { std::lock_guard<std::mutex> lk(gRefMutex); dead.swap(gDeadRefs); }
  for (auto r : dead) napi_delete_reference(env, r);
}

// fromBuffer(typedArray, shape, dtype, share) -> id
static Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrainRefs(env);
  if (!info[0].IsTypedArray() && !info[0].IsArrayBuffer() && !info[0].IsBuffer())
    ThrowType(env, "argument 'data' must be a TypedArray, Buffer or ArrayBuffer");
  void* ptr;
  size_t bytes;
  Napi::Object holder;
  if (info[0].IsArrayBuffer()) {
    auto ab = info[0].As<Napi::ArrayBuffer>();
    ptr = ab.Data(); bytes = ab.ByteLength(); holder = ab;
  } else {
    auto ta = info[0].As<Napi::TypedArray>();
    ptr = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    bytes = ta.ByteLength(); holder = ta.ArrayBuffer();
  }
  auto shape = IntListArg(info, 1, "shape");
  auto dtype = DtypeOf(info[2], "dtype");
  bool share = BoolArg(info, 3, "share");
  int64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) ThrowType(env, "argument 'shape': entries must be non-negative");
    if (__builtin_mul_overflow(numel, d, &numel)) throw TorchError(env, "shape is too large");
  }
  int64_t needBytes;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(c10::elementSize(dtype)), &needBytes))
    throw TorchError(env, "shape is too large");
  size_t need = static_cast<size_t>(needBytes);
  if (need != bytes)
    throw TorchError(env, "buffer holds " + std::to_string(bytes) + " bytes but shape and dtype need " +
                              std::to_string(need));
  auto opts = at::TensorOptions().dtype(dtype);
  at::Tensor t;
  if (share) {
    napi_ref ref;
    napi_create_reference(env, holder, 1, &ref);
    t = at::from_blob(ptr, shape, [ref](void*) {
      std::lock_guard<std::mutex> lk(gRefMutex);
      gDeadRefs.push_back(ref);
    }, opts);
  } else {
    t = at::empty(shape, opts);
    if (bytes) std::memcpy(t.data_ptr(), ptr, bytes);
  }
  return Napi::Number::New(env, Put(std::move(t)));
}

// toBuffer(id) -> ArrayBuffer with the contiguous CPU bytes
static Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  at::Tensor t = TensorArg(info, 0, "tensor").detach().to(at::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto ab = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes) std::memcpy(ab.Data(), t.data_ptr(), bytes);
  return ab;
}

static Napi::Value Shape(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  auto sizes = t.sizes();
  Napi::Array a = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), sizes[i]));
  return a;
}
static Napi::Value Strides(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  auto s = t.strides();
  Napi::Array a = Napi::Array::New(info.Env(), s.size());
  for (size_t i = 0; i < s.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), s[i]));
  return a;
}
static Napi::Value Dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), TensorArg(info, 0, "tensor").dim());
}
static Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TensorArg(info, 0, "tensor").numel()));
}
static Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(TensorArg(info, 0, "tensor").scalar_type()));
}
static Napi::Value DeviceStr(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TensorArg(info, 0, "tensor").device().str());
}
static Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  bool cl = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  return Napi::Boolean::New(info.Env(), t.is_contiguous(cl ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
}
static Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Scalar s = TensorArg(info, 0, "tensor").item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}
// to(id, device|null, dtype|null, nonBlocking, copy, memoryFormat|-1) -> id
static Napi::Value To(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  c10::optional<c10::Device> dev;
  if (info[1].IsString()) dev = DeviceOf(info[1]);
  c10::ScalarType dt = t.scalar_type();
  if (!info[2].IsNull() && !info[2].IsUndefined()) dt = DtypeOf(info[2], "dtype");
  bool nb = BoolArg(info, 3, "nonBlocking"), copy = BoolArg(info, 4, "copy");
  c10::optional<c10::MemoryFormat> mf;
  if (info.Length() > 5 && info[5].IsNumber() && info[5].As<Napi::Number>().Int32Value() >= 0)
    mf = static_cast<c10::MemoryFormat>(info[5].As<Napi::Number>().Int32Value());
  at::Tensor r = dev ? t.to(*dev, dt, nb, copy, mf) : t.to(dt, nb, copy, mf);
  return Napi::Number::New(info.Env(), Put(std::move(r)));
}
static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorArg(info, 0, "tensor").requires_grad());
}
static Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  TensorArg(info, 0, "tensor").requires_grad_(BoolArg(info, 1, "requiresGrad"));
  return info.Env().Undefined();
}
static Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorArg(info, 0, "tensor").is_leaf());
}
// grad(id) -> id or -1 (a new handle on the same grad tensor)
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& g = TensorArg(info, 0, "tensor").grad();
  return Napi::Number::New(info.Env(), g.defined() ? Put(g) : -1);
}
static Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  if (info[1].IsNull() || info[1].IsUndefined()) t.mutable_grad() = at::Tensor();
  else t.mutable_grad() = TensorArg(info, 1, "grad");
  return info.Env().Undefined();
}
// share(id) -> a new handle on the same tensor (for parameters kept outside a tidy scope)
static Napi::Value Share(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Put(TensorArg(info, 0, "tensor")));
}
// set(dst, src): make dst's handle point at src's tensor (Parameter replacement)
static Napi::Value SetData(const Napi::CallbackInfo& info) {
  auto& dst = TensorArg(info, 0, "dst");
  auto& src = TensorArg(info, 1, "src");
  dst.set_data(src);
  return info.Env().Undefined();
}
static Napi::Value Same(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorArg(info, 0, "a").is_same(TensorArg(info, 1, "b")));
}
static Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TensorArg(info, 0, "tensor")._version()));
}
static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  torch::manual_seed(static_cast<uint64_t>(IntArg(info, 0, "seed")));
  return info.Env().Undefined();
}
static Napi::Value InitialSeed(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(at::detail::getDefaultCPUGenerator().current_seed()));
}
static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  at::set_num_threads(static_cast<int>(IntArg(info, 0, "n")));
  return info.Env().Undefined();
}
static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}
static Napi::Value StorageBytes(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  return Napi::Number::New(info.Env(), t.has_storage() ? static_cast<double>(t.storage().nbytes()) : 0.0);
}

TTS_AREA(tensor) {
  TTS_EXPORT(FromBuffer);
  TTS_EXPORT(ToBuffer);
  TTS_EXPORT(Shape);
  TTS_EXPORT(Strides);
  TTS_EXPORT(Dim);
  TTS_EXPORT(Numel);
  TTS_EXPORT(Dtype);
  TTS_EXPORT(DeviceStr);
  TTS_EXPORT(IsContiguous);
  TTS_EXPORT(Item);
  TTS_EXPORT(To);
  TTS_EXPORT(RequiresGrad);
  TTS_EXPORT(SetRequiresGrad);
  TTS_EXPORT(IsLeaf);
  TTS_EXPORT(Grad);
  TTS_EXPORT(SetGrad);
  TTS_EXPORT(Share);
  TTS_EXPORT(SetData);
  TTS_EXPORT(Same);
  TTS_EXPORT(Version);
  TTS_EXPORT(ManualSeed);
  TTS_EXPORT(InitialSeed);
  TTS_EXPORT(SetNumThreads);
  TTS_EXPORT(GetNumThreads);
  TTS_EXPORT(StorageBytes);
}

}  // namespace tts
