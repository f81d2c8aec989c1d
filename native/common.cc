// The tensor table, the error path, argument conversion and IValue conversion.
#include "common.h"
#include <mutex>
#include <atomic>

namespace tts {

// Per-env state (main thread or a worker thread); every native entry runs on its env's thread.
struct State {
  std::vector<at::Tensor> slots;
  std::vector<int32_t> freeSlots;
  size_t live = 0;
  int64_t pendingExternal = 0;  // bytes not yet reported through napi_adjust_external_memory
  Napi::FunctionReference factory;
  Napi::FunctionReference errorCtor;
  Napi::FunctionReference oomCtor;  // OutOfMemoryError, set by setOutOfMemoryErrorClass
  Napi::Reference<Napi::Array> idKey;      // ["_id"]: the key made once (N-API 8 keeps no references to strings)
  Napi::Reference<Napi::Int32Array> kindRef;  // shared with ops.ts: what the last Call returned
  int32_t* kind = nullptr;
  napi_env env = nullptr;
};
static thread_local State* tls = nullptr;
// While a single env (the main thread) uses the addon, its state is read without a TLS lookup.
static State* gOnly = nullptr;
static std::atomic<int> gEnvs{0};
static State& S() {
  if (gEnvs.load(std::memory_order_relaxed) == 1) return *gOnly;
  if (!tls) throw std::runtime_error("torchts: native state not initialised on this thread");
  return *tls;
}

static int64_t OwnBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || t.device().type() != c10::kCPU) return 0;
  const auto& st = t.unsafeGetTensorImpl()->unsafe_storage();  // no refcount traffic
  return st.use_count() == 1 ? static_cast<int64_t>(st.nbytes()) : 0;
}
static void ReportExternal(State& s, int64_t delta) {
  s.pendingExternal += delta;
  if (s.pendingExternal > (4 << 20) || s.pendingExternal < -(4 << 20)) {
    int64_t out;
    napi_adjust_external_memory(s.env, s.pendingExternal, &out);
    s.pendingExternal = 0;
  }
}

int32_t Put(at::Tensor t) {
  State& s = S();
  ReportExternal(s, OwnBytes(t));
  s.live++;
  if (!s.freeSlots.empty()) {
    int32_t id = s.freeSlots.back();
    s.freeSlots.pop_back();
    s.slots[id] = std::move(t);
    return id;
  }
  s.slots.push_back(std::move(t));
  return static_cast<int32_t>(s.slots.size() - 1);
}

at::Tensor& Get(int32_t id) {
  State& s = S();
  if (id < 0 || static_cast<size_t>(id) >= s.slots.size() || !s.slots[id].defined()) {
    if (id == -1) throw Napi::Error::New(s.env, "Tensor has been disposed");
    if (id == -2)
      throw Napi::Error::New(s.env, "Tensor has been disposed: the DataLoader frees each batch when the next one is "
                                    "requested (pass keepBatches: true, or torch.keep() the tensors you hold on to)");
    throw Napi::Error::New(s.env, "invalid tensor handle " + std::to_string(id));
  }
  return s.slots[id];
}

void Release(int32_t id) {
  State& s = S();
  if (id < 0 || static_cast<size_t>(id) >= s.slots.size() || !s.slots[id].defined()) return;
  ReportExternal(s, -OwnBytes(s.slots[id]));
  s.slots[id] = at::Tensor();
  s.freeSlots.push_back(id);
  s.live--;
}

size_t LiveTensors() { return S().live; }

// ---- errors ----
std::string CleanMessage(const char* what) {
  std::string m(what ? what : "unknown error");
  // Drop C++ backtraces and "Exception raised from" lines unless TORCHTS_BACKTRACE is set.
  if (!getenv("TORCHTS_BACKTRACE")) {
    auto p = m.find("\nException raised from");
    if (p != std::string::npos) m.erase(p);
    p = m.find("Exception raised from");
    if (p == 0) m.erase(0);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

Napi::Error OomError(Napi::Env env, const std::string& msg) {
  if (tls && !tls->oomCtor.IsEmpty()) return Napi::Error(env, tls->oomCtor.New({Napi::String::New(env, msg)}));
  if (tls && !tls->errorCtor.IsEmpty()) return Napi::Error(env, tls->errorCtor.New({Napi::String::New(env, msg)}));
  return Napi::Error::New(env, msg);
}

Napi::Error TorchError(Napi::Env env, const std::string& msg) {
  // A CUDA allocation failure that reached us as a plain error (e.g. rethrown by a kernel wrapper).
  if (msg.find("CUDA out of memory") != std::string::npos) return OomError(env, msg);
  if (tls && !tls->errorCtor.IsEmpty()) {
    Napi::Object e = tls->errorCtor.New({Napi::String::New(env, msg)});
    return Napi::Error(env, e);
  }
  return Napi::Error::New(env, msg);
}

void ThrowType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

// ---- arguments ----
bool TensorIdOf(const Napi::Value& v, int32_t* id) {
  napi_env env = v.Env();
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object) return false;
  State& s = S();
  napi_value key, x;
  if (s.idKey.IsEmpty() || napi_get_element(env, s.idKey.Value(), 0, &key) != napi_ok) key = Napi::String::New(env, "_id");
  if (napi_get_property(env, v, key, &x) != napi_ok) return false;
  return napi_get_value_int32(env, x, id) == napi_ok;
}
void SetReturnKind(int32_t kind) {
  State& s = S();
  if (s.kind) *s.kind = kind;
}

static int32_t IdOf(Napi::Env env, const Napi::Value& v, const char* name) {
  int32_t id;
  if (napi_get_value_int32(env, v, &id) == napi_ok) return id;  // one N-API call for the usual case
  if (TensorIdOf(v, &id)) return id;
  ThrowType(env, std::string("argument '") + name + "' must be a Tensor");
}

at::Tensor& TensorArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return Get(IdOf(info.Env(), info[i], name));
}
int64_t IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) ThrowType(info.Env(), std::string("argument '") + name + "' must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}
double NumArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) ThrowType(info.Env(), std::string("argument '") + name + "' must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
bool BoolArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info[i].IsUndefined()) return false;
  if (!info[i].IsBoolean()) ThrowType(info.Env(), std::string("argument '") + name + "' must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}
std::string StrArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsString()) ThrowType(info.Env(), std::string("argument '") + name + "' must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}
static std::vector<int64_t> IntListOf(Napi::Env env, const Napi::Value& v, const char* name) {
  std::vector<int64_t> out;
  if (v.IsNumber()) { out.push_back(v.As<Napi::Number>().Int64Value()); return out; }
  if (!v.IsArray()) ThrowType(env, std::string("argument '") + name + "' must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (!e.IsNumber()) ThrowType(env, std::string("argument '") + name + "' must be an array of integers");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d)))
      ThrowType(env, std::string("argument '") + name + "' must be an array of integers");
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}
std::vector<int64_t> IntListArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return IntListOf(info.Env(), info[i], name);
}
std::vector<at::Tensor> TensorListArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsArray()) ThrowType(info.Env(), std::string("argument '") + name + "' must be an array of Tensors");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(Get(IdOf(info.Env(), a.Get(k), name)));
  return out;
}

at::Scalar ScalarOf(const Napi::Value& v, const char* name) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
      return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  ThrowType(v.Env(), std::string("argument '") + name + "' must be a number or boolean");
}

static const std::pair<const char*, c10::ScalarType> kDtypeNames[] = {
    {"float32", at::kFloat}, {"float", at::kFloat}, {"float64", at::kDouble}, {"double", at::kDouble},
    {"float16", at::kHalf}, {"half", at::kHalf}, {"bfloat16", at::kBFloat16}, {"int64", at::kLong},
    {"long", at::kLong}, {"int32", at::kInt}, {"int", at::kInt}, {"int16", at::kShort}, {"short", at::kShort},
    {"int8", at::kChar}, {"uint8", at::kByte}, {"bool", at::kBool}, {"complex64", at::kComplexFloat},
    {"complex128", at::kComplexDouble}};

c10::ScalarType DtypeOf(const Napi::Value& v, const char* name) {
  Napi::Value x = v;
  if (x.IsObject() && !x.IsArray()) x = x.As<Napi::Object>().Get("code");
  if (x.IsNumber()) {
    int c = x.As<Napi::Number>().Int32Value();
    if (c >= 0 && c < static_cast<int>(c10::ScalarType::NumOptions)) return static_cast<c10::ScalarType>(c);
  }
  if (x.IsString()) {
    std::string s = x.As<Napi::String>().Utf8Value();
    for (auto& p : kDtypeNames) if (s == p.first) return p.second;
    ThrowType(v.Env(), std::string("argument '") + name + "': unknown dtype '" + s + "'");
  }
  ThrowType(v.Env(), std::string("argument '") + name + "' must be a dtype (torch.float32, ...)");
}

#ifdef TORCHTS_CUDA
static const char* kNoCudaWhy = "no GPU and driver were found";
#else
static const char* kNoCudaWhy = "torchts was built against a CPU-only libtorch";
#endif

c10::Device DeviceOf(const Napi::Value& v) {
  if (!v.IsString()) ThrowType(v.Env(), "device must be a string such as \"cpu\" or \"cuda:0\"");
  c10::Device d(v.As<Napi::String>().Utf8Value());  // throws c10::Error on a bad string
  if (d.is_cuda()) {
    // libtorch's own error for a missing CUDA backend lists every dispatch key; say what is wrong instead.
    if (!at::hasCUDA() || torch::cuda::device_count() == 0)
      throw TorchError(v.Env(), "CUDA is not available (device '" + d.str() + "'): " +
                                kNoCudaWhy +
                                " (see README: \"Using a CUDA libtorch\")");
    if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
      throw TorchError(v.Env(), "CUDA error: invalid device ordinal: '" + d.str() + "' but " +
                                    std::to_string(torch::cuda::device_count()) + " CUDA device(s) are present");
  }
  return d;
}

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  State& s = S();
  int32_t id = Put(std::move(t));
  return s.factory.Call({Napi::Number::New(env, id)});
}

Napi::Value IdsOf(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array a = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) a.Set(static_cast<uint32_t>(i), Wrap(env, ts[i]));
  return a;
}

// ---- IValues ----
static bool IsTensorObj(const Napi::Value& v) {
  int32_t id;
  return TensorIdOf(v, &id);
}

c10::IValue ToIValueGuess(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (v.IsUndefined() || v.IsNull()) return c10::IValue();
  if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) {
    at::Scalar s = ScalarOf(v, "value");
    return s.isIntegral(false) ? c10::IValue(s.toLong()) : c10::IValue(s.toDouble());
  }
  if (v.IsString()) return c10::IValue(v.As<Napi::String>().Utf8Value());
  if (IsTensorObj(v)) return c10::IValue(Get(IdOf(env, v, "value")));
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    uint32_t n = a.Length();
    bool allTensor = n > 0, allInt = n > 0, allNum = n > 0, allBool = n > 0;
    for (uint32_t k = 0; k < n; k++) {
      Napi::Value e = a.Get(k);
      allTensor &= IsTensorObj(e);
      allBool &= e.IsBoolean();
      allNum &= e.IsNumber();
      allInt &= e.IsNumber() && e.As<Napi::Number>().DoubleValue() == std::floor(e.As<Napi::Number>().DoubleValue());
    }
    if (allTensor) {
      c10::List<at::Tensor> l;
      for (uint32_t k = 0; k < n; k++) l.push_back(Get(IdOf(env, a.Get(k), "value")));
      return l;
    }
    if (allInt) return c10::IValue(IntListOf(env, v, "value"));
    if (allNum) {
      std::vector<double> d;
      for (uint32_t k = 0; k < n; k++) d.push_back(a.Get(k).As<Napi::Number>().DoubleValue());
      return c10::IValue(d);
    }
    if (allBool) {
      c10::List<bool> l;
      for (uint32_t k = 0; k < n; k++) l.push_back(a.Get(k).As<Napi::Boolean>().Value());
      return l;
    }
    // heterogeneous: a tuple
    std::vector<c10::IValue> elems;
    for (uint32_t k = 0; k < n; k++) elems.push_back(ToIValueGuess(a.Get(k)));
    return c10::ivalue::Tuple::create(std::move(elems));
  }
  if (v.IsObject()) {
    // plain object -> Dict[str, Any]
    Napi::Object o = v.As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
    for (uint32_t k = 0; k < keys.Length(); k++) {
      std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
      d.insert(key, ToIValueGuess(o.Get(key)));
    }
    return d;
  }
  ThrowType(env, "cannot convert this JS value to a torch value");
}

Napi::Value FromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isNone()) return env.Null();
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return env.Null();
    return Wrap(env, t);
  }
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isTensorList()) {
    auto l = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); i++) a.Set(static_cast<uint32_t>(i), FromIValue(env, l.get(i)));
    return a;
  }
  if (v.isList()) {
    auto l = v.toListRef();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); i++) a.Set(static_cast<uint32_t>(i), FromIValue(env, l[i]));
    return a;
  }
  if (v.isTuple()) {
    auto& el = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, el.size());
    for (size_t i = 0; i < el.size(); i++) a.Set(static_cast<uint32_t>(i), FromIValue(env, el[i]));
    return a;
  }
  if (v.isGenericDict()) {
    auto d = v.toGenericDict();
    // Keys that are not strings become strings (ints in optimizer state dicts).
    Napi::Object o = Napi::Object::New(env);
    for (auto& kv : d) {
      const c10::IValue& k = kv.key();
      std::string key = k.isString() ? k.toStringRef() : k.isInt() ? std::to_string(k.toInt()) : "?";
      o.Set(key, FromIValue(env, kv.value()));
    }
    return o;
  }
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw TorchError(env, std::string("cannot convert a ") + v.tagKind() + " to a JS value");
}

// ---- area registry and module init ----
std::vector<std::pair<const char*, InitFn>>& Areas() {
  static std::vector<std::pair<const char*, InitFn>> areas;
  return areas;
}
Registrar::Registrar(const char* area, InitFn fn) { Areas().emplace_back(area, fn); }

static Napi::Value SetFactories(const Napi::CallbackInfo& info) {
  State& s = S();
  s.factory = Napi::Persistent(info[0].As<Napi::Function>());
  s.errorCtor = Napi::Persistent(info[1].As<Napi::Function>());
  return info.Env().Undefined();
}
static Napi::Value SetOutOfMemoryErrorClass(const Napi::CallbackInfo& info) {
  S().oomCtor = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}
// setReturnKind(int32Array): ops.ts reads element 0 after each Call (1: a tensor id, 2: an array of ids)
static Napi::Value SetReturnKindArray(const Napi::CallbackInfo& info) {
  State& s = S();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    ThrowType(info.Env(), "argument 'kind' must be an Int32Array");
  auto a = info[0].As<Napi::Int32Array>();
  if (a.ElementLength() < 1) ThrowType(info.Env(), "argument 'kind' must have an element");
  s.kindRef = Napi::Persistent(a);
  s.kind = a.Data();
  return info.Env().Undefined();
}
// dispose(id): the most frequent call of all, so a plain napi_callback without node-addon-api's wrapper.
static napi_value DisposeRaw(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id;
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &id) != napi_ok) {
    napi_throw_type_error(env, nullptr, "dispose: argument 'id' must be a number");
    return nullptr;
  }
  try {
    Release(id);
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}
static Napi::Value Memory(const Napi::CallbackInfo& info) {
  State& s = S();
  std::unordered_set<const void*> seen;
  double bytes = 0;
  for (auto& t : s.slots) {
    if (!t.defined() || !t.has_storage()) continue;
    auto* st = t.storage().unsafeGetStorageImpl();
    if (seen.insert(st).second) bytes += static_cast<double>(st->nbytes());
  }
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("liveTensors", Napi::Number::New(info.Env(), static_cast<double>(s.live)));
  o.Set("liveBytes", Napi::Number::New(info.Env(), bytes));
  return o;
}

}  // namespace tts

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  auto* state = new tts::State();
  state->env = env;
  tts::tls = state;
  if (tts::gEnvs.fetch_add(1) == 0) tts::gOnly = state;
  env.SetInstanceData<tts::State>(state);  // freed with the env
  exports.Set("setFactories", Napi::Function::New(env, tts::Guard<tts::SetFactories>));
  exports.Set("setOutOfMemoryErrorClass", Napi::Function::New(env, tts::Guard<tts::SetOutOfMemoryErrorClass>));
  napi_value disposeFn;
  napi_create_function(env, "dispose", NAPI_AUTO_LENGTH, tts::DisposeRaw, nullptr, &disposeFn);
  exports.Set("dispose", Napi::Value(env, disposeFn));
  exports.Set("memory", Napi::Function::New(env, tts::Guard<tts::Memory>));
  exports.Set("setReturnKind", Napi::Function::New(env, tts::Guard<tts::SetReturnKindArray>));
  Napi::Array idKey = Napi::Array::New(env, 1);
  idKey.Set(0u, Napi::String::New(env, "_id"));
  state->idKey = Napi::Persistent(idKey);
  for (auto& a : tts::Areas()) a.second(env, exports);
  return exports;
}
NODE_API_MODULE(torchts, InitAll)
