// Every ATen operator by name, through the dispatcher: JS arguments are converted by the
// operator's schema, overloads are resolved by trying each in order (strict, then lenient).
#include "common.h"
#include <ATen/ScalarOps.h>
#include <atomic>
#include <ATen/EmptyTensor.h>
#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>

namespace tts {

using c10::TypeKind;

struct OpSet {
  std::string name;
  std::vector<c10::OperatorHandle> ops;  // overloads, preferred first
};
// Shared by every JS thread (DataLoader worker threads too). Writers hold gOpsMu; readers index the
// fixed-size tables below the published count (entries never move), without a lock.
static std::mutex gOpsMu;
static constexpr size_t kMaxHandles = 1 << 16;
static std::unique_ptr<OpSet> gHandles[kMaxHandles];
static std::atomic<size_t> gHandlesN{0};
static std::unordered_map<std::string, int32_t> gHandleIndex;
static std::unordered_map<std::string, std::vector<c10::OperatorHandle>> gByName;
static size_t gKnownOps = 0;

static void IndexOps() {
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  if (names.size() == gKnownOps) return;
  gKnownOps = names.size();
  gByName.clear();
  for (auto& n : names) {
    auto h = c10::Dispatcher::singleton().findSchema(n);
    if (h) gByName[n.name].push_back(*h);
  }
}

static bool IsOut(const c10::FunctionSchema& s) {
  for (auto& a : s.arguments())
    if (a.kwarg_only() && a.alias_info() && a.alias_info()->isWrite()) return true;
  return false;
}

// opHandle(qualName, overload?) -> handle; throws for an unknown operator
static Napi::Value OpHandle(const Napi::CallbackInfo& info) {
  std::string name = StrArg(info, 0, "name");
  if (name.find("::") == std::string::npos) name = "aten::" + name;
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  bool pinned = info.Length() > 1 && info[1].IsString();
  std::string key = name + "." + overload + (pinned ? "!" : "");
  std::lock_guard<std::mutex> lock(gOpsMu);
  auto it = gHandleIndex.find(key);
  if (it != gHandleIndex.end()) return Napi::Number::New(info.Env(), it->second);
  IndexOps();
  auto f = gByName.find(name);
  if (f == gByName.end()) throw TorchError(info.Env(), "unknown operator '" + name + "'");
  OpSet set{name, {}};
  for (auto& h : f->second)
    if (!pinned || h.schema().overload_name() == overload) set.ops.push_back(h);
  if (set.ops.empty()) throw TorchError(info.Env(), "operator '" + name + "' has no overload '" + overload + "'");
  // Preferred order: non-out overloads first, keeping registration order.
  std::stable_sort(set.ops.begin(), set.ops.end(), [](const c10::OperatorHandle& a, const c10::OperatorHandle& b) {
    return !IsOut(a.schema()) && IsOut(b.schema());
  });
  size_t n = gHandlesN.load(std::memory_order_relaxed);
  if (n >= kMaxHandles) throw TorchError(info.Env(), "too many operator handles");
  gHandles[n] = std::make_unique<OpSet>(std::move(set));
  gHandlesN.store(n + 1, std::memory_order_release);
  int32_t id = static_cast<int32_t>(n);
  gHandleIndex[key] = id;
  return Napi::Number::New(info.Env(), id);
}

static bool IsTensorObj(const Napi::Value& v, int32_t* id) { return TensorIdOf(v, id); }
static bool IsInteger(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  return std::isfinite(d) && d == std::floor(d);
}
static int64_t EnumCode(const Napi::Value& v) {
  if (v.IsNumber()) return v.As<Napi::Number>().Int64Value();
  return v.As<Napi::Object>().Get("code").As<Napi::Number>().Int64Value();
}
static bool IsEnumLike(const Napi::Value& v) {
  return v.IsNumber() || (v.IsObject() && !v.IsArray() && v.As<Napi::Object>().Get("code").IsNumber());
}

// Convert v to the schema type; false when it does not fit (the next overload is tried).
static bool Convert(const Napi::Value& v, const c10::TypePtr& type, c10::optional<int32_t> N, bool lenient,
                    c10::IValue& out) {
  int32_t id;
  switch (type->kind()) {
    case TypeKind::OptionalType:
      if (v.IsUndefined() || v.IsNull()) { out = c10::IValue(); return true; }
      return Convert(v, type->castRaw<c10::OptionalType>()->getElementType(), N, lenient, out);
    case TypeKind::TensorType:
      if (IsTensorObj(v, &id)) { out = Get(id); return true; }
      if (lenient && (v.IsNumber() || v.IsBoolean())) {
        at::Tensor t = c10::scalar_to_tensor(ScalarOf(v, "value"));
        t.unsafeGetTensorImpl()->set_wrapped_number(true);
        out = t;
        return true;
      }
      return false;
    case TypeKind::IntType:
    case TypeKind::SymIntType:
      if (!IsInteger(v)) return false;
      out = v.As<Napi::Number>().Int64Value();
      return true;
    case TypeKind::FloatType:
      if (!v.IsNumber()) return false;
      out = v.As<Napi::Number>().DoubleValue();
      return true;
    case TypeKind::BoolType:
      if (!v.IsBoolean()) return false;
      out = v.As<Napi::Boolean>().Value();
      return true;
    case TypeKind::NumberType:
      if (!v.IsNumber() && !v.IsBoolean()) return false;
      out = c10::IValue(ScalarOf(v, "value"));
      return true;
    case TypeKind::StringType:
      if (!v.IsString()) return false;
      out = v.As<Napi::String>().Utf8Value();
      return true;
    case TypeKind::DeviceObjType:
      if (!v.IsString()) return false;
      out = DeviceOf(v);
      return true;
    case TypeKind::ScalarTypeType:
      if (v.IsString() || IsEnumLike(v)) { out = static_cast<int64_t>(DtypeOf(v, "dtype")); return true; }
      return false;
    case TypeKind::LayoutType:
    case TypeKind::MemoryFormatType:
      if (!IsEnumLike(v)) return false;
      out = EnumCode(v);
      return true;
    case TypeKind::GeneratorType: {
      if (v.IsUndefined() || v.IsNull()) return true;
      at::Generator* g = GeneratorOf(v);
      if (!g) return false;
      out = *g;
      return true;
    }
    case TypeKind::AnyType:
      out = ToIValueGuess(v);
      return true;
    case TypeKind::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      auto ek = elem->kind();
      if (ek == TypeKind::IntType || ek == TypeKind::SymIntType) {
        if (IsInteger(v) && N) { out = std::vector<int64_t>(*N, v.As<Napi::Number>().Int64Value()); return true; }
        if (!v.IsArray()) return false;
        Napi::Array a = v.As<Napi::Array>();
        std::vector<int64_t> xs(a.Length());
        for (uint32_t k = 0; k < a.Length(); k++) {
          Napi::Value e = a.Get(k);
          if (!IsInteger(e)) return false;
          xs[k] = e.As<Napi::Number>().Int64Value();
        }
        out = xs;
        return true;
      }
      if (ek == TypeKind::FloatType) {
        if (v.IsNumber() && N) { out = std::vector<double>(*N, v.As<Napi::Number>().DoubleValue()); return true; }
        if (!v.IsArray()) return false;
        Napi::Array a = v.As<Napi::Array>();
        std::vector<double> xs(a.Length());
        for (uint32_t k = 0; k < a.Length(); k++) {
          if (!a.Get(k).IsNumber()) return false;
          xs[k] = a.Get(k).As<Napi::Number>().DoubleValue();
        }
        out = xs;
        return true;
      }
      if (ek == TypeKind::BoolType) {
        if (!v.IsArray()) return false;
        Napi::Array a = v.As<Napi::Array>();
        c10::List<bool> xs;
        for (uint32_t k = 0; k < a.Length(); k++) {
          if (!a.Get(k).IsBoolean()) return false;
          xs.push_back(a.Get(k).As<Napi::Boolean>().Value());
        }
        out = xs;
        return true;
      }
      if (ek == TypeKind::TensorType) {
        if (!v.IsArray()) return false;
        Napi::Array a = v.As<Napi::Array>();
        c10::List<at::Tensor> xs;
        for (uint32_t k = 0; k < a.Length(); k++) {
          if (!IsTensorObj(a.Get(k), &id)) return false;
          xs.push_back(Get(id));
        }
        out = xs;
        return true;
      }
      if (ek == TypeKind::OptionalType) {  // Tensor?[] (index)
        if (!v.IsArray()) return false;
        Napi::Array a = v.As<Napi::Array>();
        c10::List<c10::optional<at::Tensor>> xs;
        for (uint32_t k = 0; k < a.Length(); k++) {
          Napi::Value e = a.Get(k);
          if (e.IsNull() || e.IsUndefined()) xs.push_back(c10::nullopt);
          else if (IsTensorObj(e, &id)) xs.push_back(Get(id));
          else return false;
        }
        out = xs;
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

static std::string SnakeCase(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') { r += '_'; r += static_cast<char>(c - 'A' + 'a'); }
    else r += c;
  }
  return r;
}

// Try to build the stack for one schema. args: info[first..]; kwargs may be empty. On a mismatch, `why`
// (when given) says which argument did not fit.
static std::string Describe(const Napi::Value& v);
// The schema's type as written in native_functions.yaml (libtorch prints Scalar as "number").
static std::string TypeName(const c10::Argument& p) {
  std::string t = p.type()->annotation_str();
  for (size_t at = t.find("number"); at != std::string::npos; at = t.find("number", at + 6)) t.replace(at, 6, "Scalar");
  return t;
}
static bool BuildStack(const c10::FunctionSchema& s, const Napi::CallbackInfo& info, size_t first,
                       const Napi::Object* kwargs, bool lenient, std::vector<c10::IValue>& stack,
                       std::string* why = nullptr) {
  const auto& params = s.arguments();
  size_t npos = info.Length() - first;
  size_t positional = 0;
  for (auto& p : params) if (!p.kwarg_only()) positional++;
  if (npos > positional) {
    if (why) *why = "takes " + std::to_string(positional) + " positional arguments but " + std::to_string(npos) + " were given";
    return false;
  }
  std::vector<std::string> usedKeys;
  stack.clear();
  stack.reserve(params.size());
  for (size_t i = 0; i < params.size(); i++) {
    const auto& p = params[i];
    Napi::Value v;
    bool have = false;
    if (!p.kwarg_only() && i < npos) { v = info[first + i]; have = !v.IsUndefined(); }
    if (!have && kwargs) {
      if (kwargs->Has(p.name())) { v = kwargs->Get(p.name()); have = true; usedKeys.push_back(p.name()); }
      else {
        // camelCase keys map to snake_case names (keepdim, memoryFormat -> memory_format)
        for (const auto& k : kwargs->GetPropertyNames()) {
          std::string key = static_cast<Napi::Value>(k.second).As<Napi::String>().Utf8Value();
          if (SnakeCase(key) == p.name()) { v = kwargs->Get(key); have = true; usedKeys.push_back(key); break; }
        }
      }
    }
    if (!have || v.IsUndefined()) {
      if (p.default_value()) { stack.push_back(*p.default_value()); continue; }
      if (p.real_type()->kind() == TypeKind::OptionalType) { stack.emplace_back(); continue; }
      if (why) *why = "missing argument '" + p.name() + "' (" + TypeName(p) + ")";
      return false;
    }
    c10::IValue iv;
    if (!Convert(v, p.real_type(), p.N(), lenient, iv)) {
      if (why) *why = "argument '" + p.name() + "' must be " + TypeName(p) + ", not " + Describe(v);
      return false;
    }
    stack.push_back(std::move(iv));
  }
  if (kwargs && usedKeys.size() != kwargs->GetPropertyNames().Length()) {
    if (why) {
      for (const auto& k : kwargs->GetPropertyNames()) {
        std::string key = static_cast<Napi::Value>(k.second).As<Napi::String>().Utf8Value();
        if (std::find(usedKeys.begin(), usedKeys.end(), key) == usedKeys.end()) {
          *why = "unexpected keyword argument '" + key + "'";
          break;
        }
      }
    }
    return false;
  }
  return true;
}

static std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return "bool";
  if (v.IsNumber()) return IsInteger(v) ? "int" : "float";
  if (v.IsString()) return "str";
  if (v.IsArray()) return "array";
  int32_t id;
  if (IsTensorObj(v, &id)) return "Tensor";
  return "object";
}

static Napi::Value Returns(Napi::Env env, std::vector<c10::IValue>& stack, size_t nret) {
  if (nret == 0) return env.Undefined();
  // Tensors come back as ids that ops.ts wraps (calling into JS from here per result costs more).
  if (nret == 1 && stack[0].isTensor() && stack[0].toTensor().defined()) {
    SetReturnKind(1);
    return Napi::Number::New(env, Put(stack[0].toTensor()));
  }
  bool allTensors = true;
  if (nret == 1 && stack[0].isTensorList()) {
    auto l = stack[0].toTensorList();
    for (size_t i = 0; i < l.size(); i++) allTensors &= static_cast<at::Tensor>(l.get(i)).defined();
    if (allTensors) {
      Napi::Array a = Napi::Array::New(env, l.size());
      for (size_t i = 0; i < l.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, Put(l.get(i))));
      SetReturnKind(2);
      return a;
    }
  }
  if (nret > 1) {
    for (size_t i = 0; i < nret; i++) allTensors &= stack[i].isTensor() && stack[i].toTensor().defined();
    if (allTensors) {
      Napi::Array a = Napi::Array::New(env, nret);
      for (size_t i = 0; i < nret; i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, Put(stack[i].toTensor())));
      SetReturnKind(2);
      return a;
    }
  }
  if (nret == 1) return FromIValue(env, stack[0]);
  Napi::Array a = Napi::Array::New(env, nret);
  for (size_t i = 0; i < nret; i++) a.Set(static_cast<uint32_t>(i), FromIValue(env, stack[i]));
  return a;
}

// call(handle, kwargs|undefined, ...args) -> result (Tensor, array for several returns, number, ...)
static Napi::Value DoCall(const Napi::CallbackInfo& info, bool discard) {
  Napi::Env env = info.Env();
  SetReturnKind(0);  // set again by Returns when the result is tensor ids
  int32_t h = info[0].As<Napi::Number>().Int32Value();
  if (h < 0 || static_cast<size_t>(h) >= gHandlesN.load(std::memory_order_acquire)) ThrowType(env, "invalid operator handle");
  OpSet& set = *gHandles[h];
  Napi::Object kw;
  const Napi::Object* kwargs = nullptr;
  if (info[1].IsObject()) { kw = info[1].As<Napi::Object>(); kwargs = &kw; }
  // disposed tensors are reported as such rather than as an overload mismatch
  for (size_t i = 2; i < info.Length(); i++) {
    int32_t id;
    if (IsTensorObj(info[i], &id) && id < 0) Get(id);
  }
  std::vector<c10::IValue> stack;
  for (int pass = 0; pass < 2; pass++) {
    for (auto& op : set.ops) {
      const auto& s = op.schema();
      if (IsOut(s) && !(kwargs && kwargs->Has("out"))) continue;
      if (BuildStack(s, info, 2, kwargs, pass == 1, stack)) {
        op.callBoxed(&stack);
        return discard ? env.Undefined() : Returns(env, stack, s.returns().size());
      }
    }
  }
  // Say why each candidate did not fit; one candidate (or one shared reason) gives a one-line message.
  std::vector<std::pair<std::string, std::string>> reasons;
  for (auto& op : set.ops) {
    const auto& s = op.schema();
    if (IsOut(s) && !(kwargs && kwargs->Has("out"))) continue;
    std::string why;
    BuildStack(s, info, 2, kwargs, true, stack, &why);
    std::ostringstream os; os << s;
    reasons.emplace_back(os.str(), why);
  }
  bool same = !reasons.empty();
  for (auto& r : reasons) same &= r.second == reasons[0].second;
  if (same) ThrowType(env, set.name + "(): " + reasons[0].second);
  std::string got;
  for (size_t i = 2; i < info.Length(); i++) got += (i > 2 ? ", " : "") + Describe(info[i]);
  if (kwargs) got += (got.empty() ? "" : ", ") + std::string("{kwargs}");
  std::string msg = set.name + "() received an invalid combination of arguments: got (" + got + "), but expected one of:";
  for (auto& r : reasons) msg += "\n * " + r.first + "\n     " + r.second;
  ThrowType(env, msg);
}

static Napi::Value Call(const Napi::CallbackInfo& info) { return DoCall(info, false); }
// callDiscard: same, results dropped (in-place methods return their JS `this`)
static Napi::Value CallDiscard(const Napi::CallbackInfo& info) { return DoCall(info, true); }

// schemas(name?) -> list of schema strings (all operators when no name)
static Napi::Value Schemas(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(gOpsMu);
  IndexOps();
  Napi::Env env = info.Env();
  std::vector<std::string> out;
  if (info.Length() > 0 && info[0].IsString()) {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    if (name.find("::") == std::string::npos) name = "aten::" + name;
    auto f = gByName.find(name);
    if (f != gByName.end())
      for (auto& h : f->second) { std::ostringstream os; os << h.schema(); out.push_back(os.str()); }
  } else {
    for (auto& kv : gByName)
      for (auto& h : kv.second) { std::ostringstream os; os << h.schema(); out.push_back(os.str()); }
    std::sort(out.begin(), out.end());
  }
  Napi::Array a = Napi::Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); i++) a.Set(static_cast<uint32_t>(i), out[i]);
  return a;
}

// ---- Typed handles: unboxed calls through the dispatcher for the common signatures. ----
// The generated typed layer (lib/_generated) calls these; the boxed path above costs about 1 us more.
using FnT = at::Tensor(const at::Tensor&);
using FnTi = at::Tensor&(at::Tensor&);
using FnTT = at::Tensor(const at::Tensor&, const at::Tensor&);
using FnTTi = at::Tensor&(at::Tensor&, const at::Tensor&);
using FnTS = at::Tensor(const at::Tensor&, const at::Scalar&);
using FnTSi = at::Tensor&(at::Tensor&, const at::Scalar&);
using FnTI = at::Tensor(const at::Tensor&, int64_t);
using FnTII = at::Tensor(const at::Tensor&, int64_t, int64_t);
using FnTL = at::Tensor(const at::Tensor&, at::IntArrayRef);
using FnTIO = at::Tensor(const at::Tensor&, int64_t, c10::optional<at::ScalarType>);
struct Typed {
  c10::optional<c10::TypedOperatorHandle<FnTI>> ti1;
  c10::optional<c10::TypedOperatorHandle<FnTII>> tii;
  c10::optional<c10::TypedOperatorHandle<FnTL>> tl;
  c10::optional<c10::TypedOperatorHandle<FnTIO>> tio;
  c10::optional<c10::TypedOperatorHandle<FnT>> t;
  c10::optional<c10::TypedOperatorHandle<FnTi>> ti;
  c10::optional<c10::TypedOperatorHandle<FnTT>> tt;
  c10::optional<c10::TypedOperatorHandle<FnTTi>> tti;
  c10::optional<c10::TypedOperatorHandle<FnTS>> ts;
  c10::optional<c10::TypedOperatorHandle<FnTSi>> tsi;
};
static std::unique_ptr<Typed> gTyped[kMaxHandles];  // like gHandles
static std::atomic<size_t> gTypedN{0};

// typedHandle(name, overload) -> id, for schemas (Tensor) / (Tensor, Tensor) / (Tensor, Scalar) -> Tensor
static Napi::Value TypedHandle(const Napi::CallbackInfo& info) {
  std::string name = StrArg(info, 0, "name");
  std::string overload = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h) throw TorchError(info.Env(), "unknown operator '" + name + (overload.empty() ? "" : "." + overload) + "'");
  const auto& s = h->schema();
  const auto& a = s.arguments();
  Typed t;
  bool inplace = !a.empty() && a[0].alias_info() && a[0].alias_info()->isWrite();
  auto kind = [&](size_t i) { return a[i].real_type()->kind(); };
  if (s.returns().size() == 1 && s.returns()[0].type()->kind() == TypeKind::TensorType && !a.empty() &&
      kind(0) == TypeKind::TensorType) {
    if (a.size() == 1) {
      if (inplace) t.ti = h->typed<FnTi>(); else t.t = h->typed<FnT>();
    } else if (a.size() == 2 && kind(1) == TypeKind::TensorType) {
      if (inplace) t.tti = h->typed<FnTTi>(); else t.tt = h->typed<FnTT>();
    } else if (a.size() == 2 && kind(1) == TypeKind::NumberType) {
      if (inplace) t.tsi = h->typed<FnTSi>(); else t.ts = h->typed<FnTS>();
    } else if (!inplace && a.size() == 2 && kind(1) == TypeKind::IntType) {
      t.ti1 = h->typed<FnTI>();
    } else if (!inplace && a.size() == 3 && kind(1) == TypeKind::IntType && kind(2) == TypeKind::IntType) {
      t.tii = h->typed<FnTII>();
    } else if (!inplace && a.size() == 2 && kind(1) == TypeKind::ListType &&
               a[1].real_type()->castRaw<c10::ListType>()->getElementType()->kind() == TypeKind::IntType) {
      t.tl = h->typed<FnTL>();
    } else if (!inplace && a.size() == 3 && kind(1) == TypeKind::IntType && kind(2) == TypeKind::OptionalType &&
               a[2].real_type()->castRaw<c10::OptionalType>()->getElementType()->kind() == TypeKind::ScalarTypeType) {
      t.tio = h->typed<FnTIO>();
    }
  }
  if (!t.t && !t.ti && !t.tt && !t.tti && !t.ts && !t.tsi && !t.ti1 && !t.tii && !t.tl && !t.tio) {
    std::ostringstream os; os << s;
    ThrowType(info.Env(), "operator " + os.str() + " has no typed binding");
  }
  std::lock_guard<std::mutex> lock(gOpsMu);
  size_t n = gTypedN.load(std::memory_order_relaxed);
  if (n >= kMaxHandles) throw TorchError(info.Env(), "too many operator handles");
  gTyped[n] = std::make_unique<Typed>(std::move(t));
  gTypedN.store(n + 1, std::memory_order_release);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}
static Typed& TypedAt(const Napi::CallbackInfo& info) {
  int32_t h = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  if (h < 0 || static_cast<size_t>(h) >= gTypedN.load(std::memory_order_acquire)) ThrowType(info.Env(), "invalid operator handle");
  return *gTyped[h];
}
static void Mismatch(const Napi::CallbackInfo& info) { ThrowType(info.Env(), "operator handle used with the wrong arguments"); }
// t1(h, self) -> id;  t1_(h, self);  t2(h, self, other|scalar) -> id;  t2_(h, self, other|scalar)
static Napi::Value T1(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.t) Mismatch(info);
  return Napi::Number::New(info.Env(), Put(t.t->call(TensorArg(info, 1, "self"))));
}
static Napi::Value T1_(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.ti) Mismatch(info);
  t.ti->call(TensorArg(info, 1, "self"));
  return info.Env().Undefined();
}
static Napi::Value T2(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (t.tt) return Napi::Number::New(info.Env(), Put(t.tt->call(TensorArg(info, 1, "self"), TensorArg(info, 2, "other"))));
  if (!t.ts) Mismatch(info);
  return Napi::Number::New(info.Env(), Put(t.ts->call(TensorArg(info, 1, "self"), ScalarOf(info[2], "other"))));
}
static Napi::Value T2_(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (t.tti) t.tti->call(TensorArg(info, 1, "self"), TensorArg(info, 2, "other"));
  else if (t.tsi) t.tsi->call(TensorArg(info, 1, "self"), ScalarOf(info[2], "other"));
  else Mismatch(info);
  return info.Env().Undefined();
}

// tI(h, self, i) / tII(h, self, i, j) / tL(h, self, ints[]) / tIO(h, self, i, dtype|null) -> id
static Napi::Value TI(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.ti1) Mismatch(info);
  return Napi::Number::New(info.Env(), Put(t.ti1->call(TensorArg(info, 1, "self"), IntArg(info, 2, "dim"))));
}
static Napi::Value TII(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.tii) Mismatch(info);
  return Napi::Number::New(info.Env(), Put(t.tii->call(TensorArg(info, 1, "self"), IntArg(info, 2, "dim0"), IntArg(info, 3, "dim1"))));
}
static Napi::Value TL(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.tl) Mismatch(info);
  auto dims = IntListArg(info, 2, "dims");
  return Napi::Number::New(info.Env(), Put(t.tl->call(TensorArg(info, 1, "self"), dims)));
}
static Napi::Value TIO(const Napi::CallbackInfo& info) {
  Typed& t = TypedAt(info);
  if (!t.tio) Mismatch(info);
  c10::optional<at::ScalarType> dt;
  if (!info[3].IsNull() && !info[3].IsUndefined()) dt = DtypeOf(info[3], "dtype");
  return Napi::Number::New(info.Env(), Put(t.tio->call(TensorArg(info, 1, "self"), IntArg(info, 2, "dim"), dt)));
}

// ---- Small-tensor fast paths ----
// For small, contiguous float32/float64 CPU tensors outside autograd, autocast, tracing and inference mode,
// the hottest ops skip the dispatcher and TensorIterator (whose set-up costs more than the arithmetic).
// Each computes exactly what ATen computes (same IEEE operations in the same order); sum and mm are
// checked against ATen at first use and stay off where they differ (another libtorch or CPU).
static constexpr int64_t kFastMax = 4096;
static bool gFastOn = !getenv("TORCHTS_NO_FAST_PATHS");
static uint64_t gTlsIncluded = 0, gTlsExcluded = 0;
static bool gTlsCaptured = false;

static bool DefaultMode() {
  if (!gFastOn) return false;
  c10::impl::PODLocalDispatchKeySet k = c10::impl::raw_local_dispatch_key_set;
  if (!gTlsCaptured) return false;
  return k.included_ == gTlsIncluded && k.excluded_ == gTlsExcluded;
}
// Named tensors: gone from newer libtorch, where no tensor has names.
template <class T>
static auto HasNames(const T& t, int) -> decltype(t.has_names()) { return t.has_names(); }
template <class T>
static bool HasNames(const T&, long) { return false; }
static bool Plain(const at::Tensor& t) {
  auto st = t.scalar_type();
  return (st == at::kFloat || st == at::kDouble) && t.device().is_cpu() && t.layout() == at::kStrided &&
         t.numel() <= kFastMax && t.is_contiguous() && !t.requires_grad() && !t._fw_grad(0).defined() &&
         !t.is_conj() && !t.is_neg() && !HasNames(t, 0);
}
static at::Tensor NewLike(const at::Tensor& t) {
  return at::detail::empty_cpu(t.sizes(), t.scalar_type(), false, c10::nullopt);
}
template <class T, class F>
static at::Tensor Map2(const at::Tensor& a, const at::Tensor& b, F f) {
  at::Tensor r = NewLike(a);
  const T* x = a.data_ptr<T>();
  const T* y = b.data_ptr<T>();
  T* o = r.data_ptr<T>();
  for (int64_t i = 0, n = a.numel(); i < n; i++) o[i] = f(x[i], y[i]);
  return r;
}
template <class T, class F>
static at::Tensor Map1(const at::Tensor& a, F f) {
  at::Tensor r = NewLike(a);
  const T* x = a.data_ptr<T>();
  T* o = r.data_ptr<T>();
  for (int64_t i = 0, n = a.numel(); i < n; i++) o[i] = f(x[i]);
  return r;
}
// a OP b for same-shape, same-dtype tensors; undefined when the fast path does not apply.
enum BinOp { kAdd, kSub, kMul, kDiv };
template <class T>
static inline T Apply(BinOp op, T x, T y) {
  switch (op) {
    case kAdd: return x + y;
    case kSub: return x - y;
    case kMul: return x * y;
    default: return x / y;
  }
}
static at::Tensor FastBinary(BinOp op, const at::Tensor& a, const at::Tensor& b) {
  if (!DefaultMode() || !Plain(a) || !Plain(b) || a.scalar_type() != b.scalar_type() || !a.sizes().equals(b.sizes()))
    return at::Tensor();
  if (a.scalar_type() == at::kFloat) return Map2<float>(a, b, [op](float x, float y) { return Apply(op, x, y); });
  return Map2<double>(a, b, [op](double x, double y) { return Apply(op, x, y); });
}
// a OP scalar: the scalar is first converted to the tensor's dtype, as ATen does for a wrapped number.
static at::Tensor FastScalar(BinOp op, const at::Tensor& a, const Napi::Value& v) {
  if (!v.IsNumber() || !DefaultMode() || !Plain(a)) return at::Tensor();
  double s = v.As<Napi::Number>().DoubleValue();
  if (a.scalar_type() == at::kFloat) {
    float f = static_cast<float>(s);
    return Map1<float>(a, [op, f](float x) { return Apply(op, x, f); });
  }
  return Map1<double>(a, [op, s](double x) { return Apply(op, x, s); });
}
static at::Tensor FastRelu(const at::Tensor& a) {
  if (!DefaultMode() || !Plain(a)) return at::Tensor();
  // ATen: clamp_min(x, 0), i.e. x < 0 ? 0 : x (keeps NaN and -0.0)
  if (a.scalar_type() == at::kFloat) return Map1<float>(a, [](float x) { return x < 0.f ? 0.f : x; });
  return Map1<double>(a, [](double x) { return x < 0. ? 0. : x; });
}

// ATen's cascade sum (native/cpu/SumKernel.cpp) for a contiguous row of n elements, with vector width V.
static int64_t CeilLog2(int64_t x) {
  if (x <= 2) return 1;
  int64_t b = 0;
  uint64_t v = static_cast<uint64_t>(x) - 1;
  while (v) { b++; v >>= 1; }
  return b;
}
// multi_row_sum over `rows` rows of W lanes each: lane l of row i is load(i, l).
template <class T, int W, class L>
static void MultiRowSum(int64_t rows, L load, T* out) {
  constexpr int kLevels = 4;
  const int64_t power = std::max<int64_t>(4, CeilLog2(rows) / kLevels);
  const int64_t step = int64_t(1) << power, mask0 = step - 1;
  T acc[kLevels][W];
  for (auto& r : acc) for (auto& x : r) x = T(0);
  int64_t i = 0;
  for (; i + step <= rows;) {
    for (int64_t j = 0; j < step; ++j, ++i)
      for (int k = 0; k < W; ++k) acc[0][k] += load(i, k);
    for (int j = 1; j < kLevels; ++j) {
      for (int k = 0; k < W; ++k) { acc[j][k] += acc[j - 1][k]; acc[j - 1][k] = T(0); }
      if ((i & (mask0 << (j * power))) != 0) break;
    }
  }
  for (; i < rows; ++i)
    for (int k = 0; k < W; ++k) acc[0][k] += load(i, k);
  for (int j = 1; j < kLevels; ++j)
    for (int k = 0; k < W; ++k) acc[0][k] += acc[j][k];
  for (int k = 0; k < W; ++k) out[k] = acc[0][k];
}
// row_sum with 4-way ILP over `count` items of V lanes (V = 1: scalars).
template <class T, int V>
static void RowSum(const T* x, int64_t count, T* out) {
  const int64_t ilp = count / 4;
  T part[4 * V];
  MultiRowSum<T, 4 * V>(ilp, [x](int64_t i, int k) { return x[i * 4 * V + k]; }, part);
  for (int64_t i = ilp * 4; i < count; ++i)
    for (int l = 0; l < V; ++l) part[l] += x[i * V + l];
  for (int q = 1; q < 4; ++q)
    for (int l = 0; l < V; ++l) part[l] += part[q * V + l];
  for (int l = 0; l < V; ++l) out[l] = part[l];
}
template <class T, int V>
static T CascadeSum(const T* x, int64_t n) {
  if (n < V) { T r; RowSum<T, 1>(x, n, &r); return T(0) + r; }
  const int64_t nvec = n / V;
  T lanes[V];
  RowSum<T, V>(x, nvec, lanes);
  T acc = T(0);
  for (int64_t k = nvec * V; k < n; ++k) acc += x[k];
  for (int l = 0; l < V; ++l) acc += lanes[l];
  return T(0) + acc;
}
template <class T>
static T SumWidth(const T* x, int64_t n, int bytes) {
  constexpr int v32 = 32 / sizeof(T), v64 = 64 / sizeof(T);
  return bytes == 64 ? CascadeSum<T, v64>(x, n) : CascadeSum<T, v32>(x, n);
}
// Vector width (bytes) of ATen's sum kernel on this CPU: 0 unknown, -1 no match (fast path off).
static int gSumWidth = 0;
static bool SumMatches(int bytes) {
  at::Generator gen = at::detail::createCPUGenerator(1234);
  for (int64_t n : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 255, 256, 257, 1000, 1023, 4096}) {
    for (auto st : {at::kFloat, at::kDouble}) {
      at::Tensor x = at::randn({n}, gen, at::TensorOptions().dtype(st));
      at::Tensor ref = at::sum(x);
      bool eq = st == at::kFloat ? SumWidth(x.data_ptr<float>(), n, bytes) == ref.item<float>()
                                 : SumWidth(x.data_ptr<double>(), n, bytes) == ref.item<double>();
      if (!eq) return false;
    }
  }
  return true;
}
static at::Tensor FastSum(const at::Tensor& a) {
  if (!DefaultMode() || !Plain(a)) return at::Tensor();
  if (gSumWidth == 0) gSumWidth = SumMatches(32) ? 32 : SumMatches(64) ? 64 : -1;
  if (gSumWidth < 0) return at::Tensor();
  at::Tensor r = at::detail::empty_cpu({}, a.scalar_type(), false, c10::nullopt);
  if (a.scalar_type() == at::kFloat) *r.data_ptr<float>() = SumWidth(a.data_ptr<float>(), a.numel(), gSumWidth);
  else *r.data_ptr<double>() = SumWidth(a.data_ptr<double>(), a.numel(), gSumWidth);
  return r;
}

// Small matrix products call the BLAS that libtorch itself calls, with ATen's arguments (checked at first use).
extern "C" {
typedef void (*SgemmFn)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                        const int*, const float*, const int*, const float*, float*, const int*);
typedef void (*DgemmFn)(const char*, const char*, const int*, const int*, const int*, const double*, const double*,
                        const int*, const double*, const int*, const double*, double*, const int*);
}
static SgemmFn gSgemm = nullptr;
static DgemmFn gDgemm = nullptr;
static int gGemmState = 0;  // 0 unknown, 1 on, -1 off
static void Gemm(const at::Tensor& a, const at::Tensor& b, at::Tensor& r) {
  int m = static_cast<int>(a.size(0)), k = static_cast<int>(a.size(1)), n = static_cast<int>(b.size(1));
  const char* no = "n";
  if (a.scalar_type() == at::kFloat) {
    float one = 1, zero = 0;
    gSgemm(no, no, &n, &m, &k, &one, b.data_ptr<float>(), &n, a.data_ptr<float>(), &k, &zero, r.data_ptr<float>(), &n);
  } else {
    double one = 1, zero = 0;
    gDgemm(no, no, &n, &m, &k, &one, b.data_ptr<double>(), &n, a.data_ptr<double>(), &k, &zero, r.data_ptr<double>(), &n);
  }
}
static void InitGemm() {
  gGemmState = -1;
  void* lib = dlopen("libtorch_cpu.so", RTLD_NOLOAD | RTLD_LAZY);
  for (void* h : {lib, RTLD_DEFAULT}) {
    if (!h) continue;
    if (!gSgemm) gSgemm = reinterpret_cast<SgemmFn>(dlsym(h, "sgemm_"));
    if (!gDgemm) gDgemm = reinterpret_cast<DgemmFn>(dlsym(h, "dgemm_"));
  }
  if (lib) dlclose(lib);
  if (!gSgemm || !gDgemm) return;
  at::Generator gen = at::detail::createCPUGenerator(4321);
  for (int64_t m : {1, 2, 4, 7, 16}) {
    for (auto st : {at::kFloat, at::kDouble}) {
      at::Tensor a = at::randn({m, m + 1}, gen, at::TensorOptions().dtype(st));
      at::Tensor b = at::randn({m + 1, 3}, gen, at::TensorOptions().dtype(st));
      at::Tensor r = at::empty({m, 3}, a.options());
      Gemm(a, b, r);
      if (!at::equal(r, at::mm(a, b))) return;
    }
  }
  gGemmState = 1;
}
static at::Tensor FastMm(const at::Tensor& a, const at::Tensor& b) {
  if (!DefaultMode() || a.dim() != 2 || b.dim() != 2 || !Plain(a) || !Plain(b) || a.scalar_type() != b.scalar_type())
    return at::Tensor();
  if (a.size(1) != b.size(0) || a.size(0) == 0 || a.size(1) == 0 || b.size(1) == 0 || a.size(0) > 64 ||
      a.size(1) > 64 || b.size(1) > 64)
    return at::Tensor();
  if (gGemmState == 0) InitGemm();
  if (gGemmState < 0) return at::Tensor();
  at::Tensor r = at::detail::empty_cpu({a.size(0), b.size(1)}, a.scalar_type(), false, c10::nullopt);
  Gemm(a, b, r);
  return r;
}

// setFastPaths(on) -> previous; for tests comparing the fast paths with ATen.
static Napi::Value SetFastPaths(const Napi::CallbackInfo& info) {
  bool prev = gFastOn;
  gFastOn = BoolArg(info, 0, "on");
  return Napi::Boolean::New(info.Env(), prev);
}

// ---- Direct (unboxed) bindings for the hottest small ops ----
// A JS number as Python passes it to add/sub/mul/div: a wrapped 0-dim tensor (so grad_fn is AddBackward0 ...).
static at::Tensor Wrapped(const Napi::Value& v, const char* name) {
  at::Tensor t = c10::scalar_to_tensor(ScalarOf(v, name));
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}
#define ID(i) TensorArg(info, i, "tensor")
#define RET(expr) return Napi::Number::New(info.Env(), Put(expr))
#define FAST(expr) do { at::Tensor f_ = (expr); if (f_.defined()) RET(std::move(f_)); } while (0)
static Napi::Value AddT(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::add(ID(0), ID(1), ScalarOf(info[2], "alpha")));
  FAST(FastBinary(kAdd, ID(0), ID(1)));
  RET(at::add(ID(0), ID(1)));
}
static Napi::Value AddS(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::add(ID(0), Wrapped(info[1], "other"), ScalarOf(info[2], "alpha")));
  FAST(FastScalar(kAdd, ID(0), info[1]));
  RET(at::add(ID(0), Wrapped(info[1], "other")));
}
static Napi::Value SubT(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::sub(ID(0), ID(1), ScalarOf(info[2], "alpha")));
  FAST(FastBinary(kSub, ID(0), ID(1)));
  RET(at::sub(ID(0), ID(1)));
}
static Napi::Value SubS(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::sub(ID(0), Wrapped(info[1], "other"), ScalarOf(info[2], "alpha")));
  FAST(FastScalar(kSub, ID(0), info[1]));
  RET(at::sub(ID(0), Wrapped(info[1], "other")));
}
static Napi::Value MulT(const Napi::CallbackInfo& info) { FAST(FastBinary(kMul, ID(0), ID(1))); RET(at::mul(ID(0), ID(1))); }
static Napi::Value MulS(const Napi::CallbackInfo& info) {
  FAST(FastScalar(kMul, ID(0), info[1]));
  RET(at::mul(ID(0), Wrapped(info[1], "other")));
}
static Napi::Value DivT(const Napi::CallbackInfo& info) { FAST(FastBinary(kDiv, ID(0), ID(1))); RET(at::div(ID(0), ID(1))); }
static Napi::Value DivS(const Napi::CallbackInfo& info) { RET(at::div(ID(0), Wrapped(info[1], "other"))); }
static Napi::Value Matmul(const Napi::CallbackInfo& info) { FAST(FastMm(ID(0), ID(1))); RET(at::matmul(ID(0), ID(1))); }
static Napi::Value Mm(const Napi::CallbackInfo& info) { FAST(FastMm(ID(0), ID(1))); RET(at::mm(ID(0), ID(1))); }
static Napi::Value Cat(const Napi::CallbackInfo& info) { RET(at::cat(TensorListArg(info, 0, "tensors"), IntArg(info, 1, "dim"))); }
static Napi::Value Stack(const Napi::CallbackInfo& info) { RET(at::stack(TensorListArg(info, 0, "tensors"), IntArg(info, 1, "dim"))); }
static Napi::Value Relu(const Napi::CallbackInfo& info) { FAST(FastRelu(ID(0))); RET(at::relu(ID(0))); }
static Napi::Value SumAll(const Napi::CallbackInfo& info) { FAST(FastSum(ID(0))); RET(at::sum(ID(0))); }
static Napi::Value MeanAll(const Napi::CallbackInfo& info) { RET(at::mean(ID(0))); }
// view(id, shape[]) or view(id, d0, d1, ...): separate numbers skip the array reads
static std::vector<int64_t> ShapeArgs(const Napi::CallbackInfo& info) {
  if (info.Length() == 2 && info[1].IsArray()) return IntListArg(info, 1, "shape");
  std::vector<int64_t> dims(info.Length() > 1 ? info.Length() - 1 : 0);
  for (size_t i = 1; i < info.Length(); i++) {
    int64_t d;
    double x;
    if (napi_get_value_double(info.Env(), info[i], &x) != napi_ok || x != std::floor(x) || !std::isfinite(x))
      ThrowType(info.Env(), "argument 'shape' must be an array of integers");
    d = static_cast<int64_t>(x);
    dims[i - 1] = d;
  }
  return dims;
}
static Napi::Value View(const Napi::CallbackInfo& info) { RET(ID(0).view(ShapeArgs(info))); }
static Napi::Value Reshape(const Napi::CallbackInfo& info) { RET(at::reshape(ID(0), ShapeArgs(info))); }
// In-place: addT_(self, other, alpha?), addS_(self, scalar, alpha?)
static Napi::Value AddT_(const Napi::CallbackInfo& info) {
  ID(0).add_(ID(1), info.Length() > 2 ? ScalarOf(info[2], "alpha") : at::Scalar(1));
  return info.Env().Undefined();
}
static Napi::Value AddS_(const Napi::CallbackInfo& info) {
  ID(0).add_(Wrapped(info[1], "other"), info.Length() > 2 ? ScalarOf(info[2], "alpha") : at::Scalar(1));
  return info.Env().Undefined();
}
// binaryInplace(op, self, other, otherIsScalar, alpha?): op 0 add_, 1 sub_, 2 mul_, 3 div_; numbers as Python passes them.
static Napi::Value BinaryInplace(const Napi::CallbackInfo& info) {
  int64_t op = IntArg(info, 0, "op");
  auto& t = ID(1);
  at::Tensor o = BoolArg(info, 3, "otherIsScalar") ? Wrapped(info[2], "other") : TensorArg(info, 2, "other");
  at::Scalar alpha = info.Length() > 4 && !info[4].IsUndefined() ? ScalarOf(info[4], "alpha") : at::Scalar(1);
  switch (op) {
    case 0: t.add_(o, alpha); break;
    case 1: t.sub_(o, alpha); break;
    case 2: t.mul_(o); break;
    case 3: t.div_(o); break;
    default: ThrowType(info.Env(), "argument 'op' must be 0..3");
  }
  return info.Env().Undefined();
}
#undef ID
#undef RET
#undef FAST

TTS_AREA(ops) {
  TTS_EXPORT(OpHandle);
  TTS_EXPORT(Call);
  TTS_EXPORT(CallDiscard);
  TTS_EXPORT(Schemas);
  TTS_EXPORT(AddT);
  TTS_EXPORT(AddS);
  TTS_EXPORT(SubT);
  TTS_EXPORT(SubS);
  TTS_EXPORT(MulT);
  TTS_EXPORT(MulS);
  TTS_EXPORT(DivT);
  TTS_EXPORT(DivS);
  TTS_EXPORT(Matmul);
  TTS_EXPORT(Relu);
  TTS_EXPORT(SumAll);
  TTS_EXPORT(MeanAll);
  TTS_EXPORT(View);
  TTS_EXPORT(Reshape);
  TTS_EXPORT(AddT_);
  TTS_EXPORT(AddS_);
  TTS_EXPORT(BinaryInplace);
  TTS_EXPORT(Mm);
  TTS_EXPORT(Cat);
  TTS_EXPORT(Stack);
  TTS_EXPORT(TypedHandle);
  TTS_EXPORT(T1);
  TTS_EXPORT(T1_);
  TTS_EXPORT(T2);
  TTS_EXPORT(T2_);
  TTS_EXPORT(TI);
  TTS_EXPORT(TII);
  TTS_EXPORT(TL);
  TTS_EXPORT(TIO);
  TTS_EXPORT(SetFastPaths);
  // The thread's dispatch state now (no autocast, tracing or inference mode) is the one the fast paths accept.
  auto k = c10::impl::raw_local_dispatch_key_set;
  gTlsIncluded = k.included_;
  gTlsExcluded = k.excluded_;
  gTlsCaptured = true;
}

}  // namespace tts
