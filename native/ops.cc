// Every ATen operator by name, through the dispatcher: JS arguments are converted by the
// operator's schema, overloads are resolved by trying each in order (strict, then lenient).
#include "common.h"
#include <ATen/ScalarOps.h>

namespace tts {

using c10::TypeKind;

struct OpSet {
  std::string name;
  std::vector<c10::OperatorHandle> ops;  // overloads, preferred first
};
// Shared by every JS thread (DataLoader worker threads too): guarded by gOpsMu; OpSets never move.
static std::mutex gOpsMu;
static std::vector<std::unique_ptr<OpSet>> gHandles;
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
  gHandles.push_back(std::make_unique<OpSet>(std::move(set)));
  int32_t id = static_cast<int32_t>(gHandles.size() - 1);
  gHandleIndex[key] = id;
  return Napi::Number::New(info.Env(), id);
}

static bool IsTensorObj(const Napi::Value& v, int32_t* id) {
  if (!v.IsObject() || v.IsArray()) return false;
  Napi::Value x = v.As<Napi::Object>().Get("_id");
  if (!x.IsNumber()) return false;
  *id = x.As<Napi::Number>().Int32Value();
  return true;
}
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

// Try to build the stack for one schema. args: info[first..]; kwargs may be empty.
static bool BuildStack(const c10::FunctionSchema& s, const Napi::CallbackInfo& info, size_t first,
                       const Napi::Object* kwargs, bool lenient, std::vector<c10::IValue>& stack) {
  const auto& params = s.arguments();
  size_t npos = info.Length() - first;
  size_t positional = 0;
  for (auto& p : params) if (!p.kwarg_only()) positional++;
  if (npos > positional) return false;
  size_t usedKw = 0;
  stack.clear();
  stack.reserve(params.size());
  for (size_t i = 0; i < params.size(); i++) {
    const auto& p = params[i];
    Napi::Value v;
    bool have = false;
    if (!p.kwarg_only() && i < npos) { v = info[first + i]; have = !v.IsUndefined(); }
    if (!have && kwargs) {
      if (kwargs->Has(p.name())) { v = kwargs->Get(p.name()); have = true; usedKw++; }
      else {
        // camelCase keys map to snake_case names (keepdim, memoryFormat -> memory_format)
        for (const auto& k : kwargs->GetPropertyNames()) {
          std::string key = static_cast<Napi::Value>(k.second).As<Napi::String>().Utf8Value();
          if (SnakeCase(key) == p.name()) { v = kwargs->Get(key); have = true; usedKw++; break; }
        }
      }
    }
    if (!have || v.IsUndefined()) {
      if (p.default_value()) { stack.push_back(*p.default_value()); continue; }
      if (p.real_type()->kind() == TypeKind::OptionalType) { stack.emplace_back(); continue; }
      return false;
    }
    c10::IValue iv;
    if (!Convert(v, p.real_type(), p.N(), lenient, iv)) return false;
    stack.push_back(std::move(iv));
  }
  if (kwargs && usedKw != kwargs->GetPropertyNames().Length()) return false;
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
  if (nret == 1) return FromIValue(env, stack[0]);
  Napi::Array a = Napi::Array::New(env, nret);
  for (size_t i = 0; i < nret; i++) a.Set(static_cast<uint32_t>(i), FromIValue(env, stack[i]));
  return a;
}

// call(handle, kwargs|undefined, ...args) -> result (Tensor, array for several returns, number, ...)
static Napi::Value DoCall(const Napi::CallbackInfo& info, bool discard) {
  Napi::Env env = info.Env();
  int32_t h = info[0].As<Napi::Number>().Int32Value();
  OpSet* setp;
  {
    std::lock_guard<std::mutex> lock(gOpsMu);
    if (h < 0 || static_cast<size_t>(h) >= gHandles.size()) ThrowType(env, "invalid operator handle");
    setp = gHandles[h].get();
  }
  OpSet& set = *setp;
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
  std::string got;
  for (size_t i = 2; i < info.Length(); i++) got += (i > 2 ? ", " : "") + Describe(info[i]);
  if (kwargs) got += (got.empty() ? "" : ", ") + std::string("{kwargs}");
  std::string msg = set.name + "() received an invalid combination of arguments: got (" + got + "), but expected one of:";
  for (auto& op : set.ops) { std::ostringstream os; os << op.schema(); msg += "\n * " + os.str(); }
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

// ---- Direct (unboxed) bindings for the hottest small ops; a benchmark showed the boxed call costs. ----
#define ID(i) TensorArg(info, i, "tensor")
#define RET(expr) return Napi::Number::New(info.Env(), Put(expr))
static Napi::Value AddT(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::add(ID(0), ID(1), ScalarOf(info[2], "alpha")));
  RET(at::add(ID(0), ID(1)));
}
static Napi::Value AddS(const Napi::CallbackInfo& info) { RET(at::add(ID(0), ScalarOf(info[1], "other"))); }
static Napi::Value SubT(const Napi::CallbackInfo& info) {
  if (info.Length() > 2) RET(at::sub(ID(0), ID(1), ScalarOf(info[2], "alpha")));
  RET(at::sub(ID(0), ID(1)));
}
static Napi::Value SubS(const Napi::CallbackInfo& info) { RET(at::sub(ID(0), ScalarOf(info[1], "other"))); }
static Napi::Value MulT(const Napi::CallbackInfo& info) { RET(at::mul(ID(0), ID(1))); }
static Napi::Value MulS(const Napi::CallbackInfo& info) { RET(at::mul(ID(0), ScalarOf(info[1], "other"))); }
static Napi::Value DivT(const Napi::CallbackInfo& info) { RET(at::div(ID(0), ID(1))); }
static Napi::Value DivS(const Napi::CallbackInfo& info) { RET(at::div(ID(0), ScalarOf(info[1], "other"))); }
static Napi::Value Matmul(const Napi::CallbackInfo& info) { RET(at::matmul(ID(0), ID(1))); }
static Napi::Value Relu(const Napi::CallbackInfo& info) { RET(at::relu(ID(0))); }
static Napi::Value SumAll(const Napi::CallbackInfo& info) { RET(at::sum(ID(0))); }
static Napi::Value MeanAll(const Napi::CallbackInfo& info) { RET(at::mean(ID(0))); }
static Napi::Value View(const Napi::CallbackInfo& info) { RET(ID(0).view(IntListArg(info, 1, "shape"))); }
static Napi::Value Reshape(const Napi::CallbackInfo& info) { RET(at::reshape(ID(0), IntListArg(info, 1, "shape"))); }
// In-place: add_(self, other|scalar, alpha)
static Napi::Value AddT_(const Napi::CallbackInfo& info) {
  auto& t = ID(0);
  if (info[1].IsNumber()) t.add_(ScalarOf(info[1], "other"));
  else t.add_(ID(1), info.Length() > 2 ? ScalarOf(info[2], "alpha") : at::Scalar(1));
  return info.Env().Undefined();
}
#undef ID
#undef RET

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
}

}  // namespace tts
