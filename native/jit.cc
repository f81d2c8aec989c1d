// TorchScript: load, run (on the JS thread or a libuv worker), inspect, train, save; trace torchts modules with
// libtorch's tracer; compile TorchScript source.
#include "common.h"
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/jit.h>

namespace tts {

using torch::jit::Module;
using torch::jit::Stack;

// A script handle: a module, or the compilation unit of free functions (jit.compile).
struct Script {
  Module module;
  std::shared_ptr<torch::jit::CompilationUnit> cu;  // set only for compiled free functions
  bool isModule() const { return !cu; }
};

static Napi::Value NewHandle(Napi::Env env, Script s) {
  return Napi::External<Script>::New(env, new Script(std::move(s)), [](Napi::Env, Script* p) { delete p; });
}
static Script& ScriptArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) ThrowType(info.Env(), "argument 'module' must be a ScriptModule handle");
  return *info[i].As<Napi::External<Script>>().Data();
}
static Module& ModuleArg(const Napi::CallbackInfo& info, size_t i) {
  Script& s = ScriptArg(info, i);
  if (!s.isModule()) throw TorchError(info.Env(), "this compiled unit holds free functions, not a module");
  return s.module;
}

// ---- JS -> IValue by the declared TorchScript type ----
static bool IsTensorValue(const Napi::Value& v) {
  return v.IsObject() && !v.IsArray() && v.As<Napi::Object>().Get("_id").IsNumber();
}
static std::string TypeStr(const c10::TypePtr& t) { return t->annotation_str(); }

static c10::IValue ToTyped(const Napi::Value& v, const c10::TypePtr& type, const std::string& what) {
  Napi::Env env = v.Env();
  auto bad = [&]() -> c10::IValue {
    ThrowType(env, what + " must be " + TypeStr(type));
  };
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return ToTyped(v, type->castRaw<c10::OptionalType>()->getElementType(), what);
    case c10::TypeKind::NoneType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return bad();
    case c10::TypeKind::TensorType:
      if (!IsTensorValue(v)) return bad();
      return ToIValueGuess(v);
    case c10::TypeKind::IntType: {
      if (!v.IsNumber()) return bad();
      double d = v.As<Napi::Number>().DoubleValue();
      if (d != std::floor(d)) return bad();
      return c10::IValue(static_cast<int64_t>(d));
    }
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) return bad();
      return c10::IValue(v.As<Napi::Number>().DoubleValue());
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) return bad();
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case c10::TypeKind::StringType:
      if (!v.IsString()) return bad();
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) return bad();
      return c10::IValue(DeviceOf(v));
    case c10::TypeKind::ListType: {
      if (!v.IsArray()) return bad();
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      Napi::Array a = v.As<Napi::Array>();
      c10::impl::GenericList l(elem);
      l.reserve(a.Length());
      for (uint32_t k = 0; k < a.Length(); k++) l.push_back(ToTyped(a.Get(k), elem, what + "[" + std::to_string(k) + "]"));
      return l;
    }
    case c10::TypeKind::TupleType: {
      if (!v.IsArray()) return bad();
      auto elems = type->castRaw<c10::TupleType>()->elements();
      Napi::Array a = v.As<Napi::Array>();
      if (a.Length() != elems.size()) return bad();
      std::vector<c10::IValue> xs;
      for (uint32_t k = 0; k < a.Length(); k++) xs.push_back(ToTyped(a.Get(k), elems[k], what + "[" + std::to_string(k) + "]"));
      return c10::ivalue::Tuple::create(std::move(xs));
    }
    case c10::TypeKind::DictType: {
      if (!v.IsObject() || v.IsArray() || IsTensorValue(v)) return bad();
      auto dt = type->castRaw<c10::DictType>();
      auto kt = dt->getKeyType(), vt = dt->getValueType();
      c10::impl::GenericDict d(kt, vt);
      Napi::Object o = v.As<Napi::Object>();
      Napi::Array keys = o.GetPropertyNames();
      for (uint32_t k = 0; k < keys.Length(); k++) {
        std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
        c10::IValue kv;
        if (kt->kind() == c10::TypeKind::StringType) kv = key;
        else if (kt->kind() == c10::TypeKind::IntType) kv = static_cast<int64_t>(std::stoll(key));
        else if (kt->kind() == c10::TypeKind::FloatType) kv = std::stod(key);
        else ThrowType(env, what + ": dict keys of type " + TypeStr(kt) + " are not supported");
        d.insert(kv, ToTyped(o.Get(key), vt, what + "['" + key + "']"));
      }
      return d;
    }
    default:
      return ToIValueGuess(v);  // Any, Number, ...: the schema check reports a mismatch
  }
}

// Builds the argument stack for a schema (methods: self excluded) from info[first..].
static Stack ArgsFor(const Napi::CallbackInfo& info, size_t first, const c10::FunctionSchema& schema, bool isMethod) {
  const auto& params = schema.arguments();
  size_t skip = isMethod ? 1 : 0;
  size_t given = info.Length() > first ? info.Length() - first : 0;
  if (given > params.size() - skip)
    ThrowType(info.Env(), schema.name() + "() takes " + std::to_string(params.size() - skip) + " arguments but " +
                              std::to_string(given) + " were given");
  Stack stack;
  for (size_t i = skip; i < params.size(); i++) {
    size_t j = i - skip;
    const auto& p = params[i];
    if (j < given && !info[first + j].IsUndefined()) {
      stack.push_back(ToTyped(info[first + j], p.type(), "argument '" + p.name() + "'"));
    } else if (p.default_value()) {
      stack.push_back(*p.default_value());
    } else {
      ThrowType(info.Env(), schema.name() + "() missing argument '" + p.name() + "'");
    }
  }
  return stack;
}

// Resolves a method (or free function) by name and converts the arguments.
struct Call {
  Module module;
  torch::jit::Function* fn = nullptr;  // free function
  std::string name;
  Stack args;
  c10::IValue Run() {
    if (fn) return (*fn)(std::move(args));
    return module.get_method(name)(std::move(args));
  }
};
static Call MakeCall(const Napi::CallbackInfo& info) {
  Script& s = ScriptArg(info, 0);
  Call c;
  c.name = StrArg(info, 1, "method");
  if (s.isModule()) {
    auto m = s.module.find_method(c.name);
    if (!m) throw TorchError(info.Env(), "the module has no method '" + c.name + "'");
    c.module = s.module;
    c.args = ArgsFor(info, 2, m->function().getSchema(), true);
  } else {
    c.fn = s.cu->find_function(c.name);
    if (!c.fn) throw TorchError(info.Env(), "the compiled unit has no function '" + c.name + "'");
    c.args = ArgsFor(info, 2, c.fn->getSchema(), false);
  }
  return c;
}

// jitLoad(path, device|null) -> handle
static Napi::Value JitLoad(const Napi::CallbackInfo& info) {
  std::string path = StrArg(info, 0, "path");
  c10::optional<c10::Device> dev;
  if (info[1].IsString()) dev = DeviceOf(info[1]);
  Script s;
  s.module = torch::jit::load(path, dev);
  return NewHandle(info.Env(), std::move(s));
}

// jitRun(h, name, ...args) -> result
static Napi::Value JitRun(const Napi::CallbackInfo& info) {
  Call c = MakeCall(info);
  return FromIValue(info.Env(), c.Run());
}

// jitRunAsync(h, name, ...args) -> Promise: inputs are captured here, the method runs on a libuv worker, the
// result is wrapped on the JS thread in OnOK.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, Call call)
      : Napi::AsyncWorker(env, "torchts.jit.forwardAsync"),
        call_(std::move(call)),
        deferred_(Napi::Promise::Deferred::New(env)),
        grad_(at::GradMode::is_enabled()),
        inference_(c10::InferenceMode::is_enabled()),
        threads_(at::get_num_threads()) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      // OpenMP's thread count is per calling thread: use the JS thread's intra-op setting here too
      if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
      c10::InferenceMode im(inference_);
      at::AutoGradMode gm(grad_ && !inference_);
      result_ = call_.Run();
    } catch (const c10::Error& e) {
      SetError(CleanMessage(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      SetError(CleanMessage(e.what()));
    }
    call_.args.clear();
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      deferred_.Resolve(FromIValue(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(TorchError(env, CleanMessage(e.what())).Value());
    }
    result_ = c10::IValue();
  }
  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(TorchError(Env(), e.Message()).Value());
  }

 private:
  Call call_;
  Napi::Promise::Deferred deferred_;
  bool grad_, inference_;
  int threads_;
  c10::IValue result_;
};

static Napi::Value JitRunAsync(const Napi::CallbackInfo& info) {
  Call c = MakeCall(info);
  auto* w = new RunWorker(info.Env(), std::move(c));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

static Napi::Value JitMethodNames(const Napi::CallbackInfo& info) {
  Script& s = ScriptArg(info, 0);
  std::vector<std::string> names;
  if (s.isModule()) for (auto& m : s.module.get_methods()) names.push_back(m.name());
  else for (auto* f : s.cu->get_functions()) names.push_back(f->name());
  Napi::Array a = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); i++) a.Set(static_cast<uint32_t>(i), names[i]);
  return a;
}

// jitSchema(h, name) -> the method's signature as TorchScript prints it
static Napi::Value JitSchema(const Napi::CallbackInfo& info) {
  Script& s = ScriptArg(info, 0);
  std::string name = StrArg(info, 1, "method");
  std::ostringstream os;
  if (s.isModule()) {
    auto m = s.module.find_method(name);
    if (!m) throw TorchError(info.Env(), "the module has no method '" + name + "'");
    os << m->function().getSchema();
  } else {
    auto* f = s.cu->find_function(name);
    if (!f) throw TorchError(info.Env(), "the compiled unit has no function '" + name + "'");
    os << f->getSchema();
  }
  return Napi::String::New(info.Env(), os.str());
}

// jitGraph(h, name) -> the method's graph as text
static Napi::Value JitGraph(const Napi::CallbackInfo& info) {
  Script& s = ScriptArg(info, 0);
  std::string name = StrArg(info, 1, "method");
  if (s.isModule()) {
    auto m = s.module.find_method(name);
    if (!m) throw TorchError(info.Env(), "the module has no method '" + name + "'");
    return Napi::String::New(info.Env(), m->graph()->toString());
  }
  auto* f = s.cu->find_function(name);
  if (!f) throw TorchError(info.Env(), "the compiled unit has no function '" + name + "'");
  return Napi::String::New(info.Env(), torch::jit::toGraphFunction(*f).graph()->toString());
}

static Napi::Value NamedTensors(Napi::Env env, const std::vector<std::pair<std::string, at::Tensor>>& xs) {
  Napi::Array a = Napi::Array::New(env, xs.size());
  for (size_t i = 0; i < xs.size(); i++) {
    Napi::Array e = Napi::Array::New(env, 2);
    e.Set(0u, xs[i].first);
    e.Set(1u, Wrap(env, xs[i].second));
    a.Set(static_cast<uint32_t>(i), e);
  }
  return a;
}

// jitNamedParameters(h, recurse) / jitNamedBuffers(h, recurse) -> [name, Tensor][] aliasing the module's tensors
static Napi::Value JitNamedParameters(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  bool recurse = info[1].IsBoolean() ? info[1].As<Napi::Boolean>().Value() : true;
  std::vector<std::pair<std::string, at::Tensor>> xs;
  for (const auto& p : m.named_parameters(recurse)) xs.emplace_back(p.name, p.value);
  return NamedTensors(info.Env(), xs);
}
static Napi::Value JitNamedBuffers(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  bool recurse = info[1].IsBoolean() ? info[1].As<Napi::Boolean>().Value() : true;
  std::vector<std::pair<std::string, at::Tensor>> xs;
  for (const auto& p : m.named_buffers(recurse)) xs.emplace_back(p.name, p.value);
  return NamedTensors(info.Env(), xs);
}

// jitNamedChildren(h) -> [name, handle][]
static Napi::Value JitNamedChildren(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  Napi::Env env = info.Env();
  std::vector<std::pair<std::string, Module>> xs;
  for (const auto& c : m.named_children()) xs.emplace_back(c.name, c.value);
  Napi::Array a = Napi::Array::New(env, xs.size());
  for (size_t i = 0; i < xs.size(); i++) {
    Napi::Array e = Napi::Array::New(env, 2);
    e.Set(0u, xs[i].first);
    Script s;
    s.module = xs[i].second;
    e.Set(1u, NewHandle(env, std::move(s)));
    a.Set(static_cast<uint32_t>(i), e);
  }
  return a;
}

static Napi::Value JitTypeName(const Napi::CallbackInfo& info) {
  Script& s = ScriptArg(info, 0);
  if (!s.isModule()) return Napi::String::New(info.Env(), "CompilationUnit");
  auto n = s.module.type()->name();
  return Napi::String::New(info.Env(), n ? n->qualifiedName() : "Module");
}

static Napi::Value JitTrain(const Napi::CallbackInfo& info) {
  ModuleArg(info, 0).train(BoolArg(info, 1, "mode"));
  return info.Env().Undefined();
}
static Napi::Value JitIsTraining(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  return Napi::Boolean::New(info.Env(), m.hasattr("training") ? m.is_training() : false);
}
// jitTo(h, device|null, dtype|null): converts parameters and buffers in place (same tensor objects)
static Napi::Value JitTo(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  bool hasDev = info[1].IsString(), hasDt = !info[2].IsNull() && !info[2].IsUndefined();
  if (hasDev && hasDt) m.to(DeviceOf(info[1]), DtypeOf(info[2], "dtype"));
  else if (hasDev) m.to(DeviceOf(info[1]));
  else if (hasDt) m.to(DtypeOf(info[2], "dtype"));
  return info.Env().Undefined();
}
static Napi::Value JitSave(const Napi::CallbackInfo& info) {
  ModuleArg(info, 0).save(StrArg(info, 1, "path"));
  return info.Env().Undefined();
}
// jitAttr(h, name) -> an attribute's value (numbers, strings, tensors, containers)
static Napi::Value JitAttr(const Napi::CallbackInfo& info) {
  Module& m = ModuleArg(info, 0);
  std::string name = StrArg(info, 1, "name");
  if (!m.hasattr(name)) throw TorchError(info.Env(), "the module has no attribute '" + name + "'");
  c10::IValue v = m.attr(name);
  if (v.isModule() || v.isObject()) throw TorchError(info.Env(), "attribute '" + name + "' is a module or object");
  return FromIValue(info.Env(), v);
}

// jitCompile(source) -> handle of a compilation unit with the source's functions
static Napi::Value JitCompile(const Napi::CallbackInfo& info) {
  std::string src = StrArg(info, 0, "source");
  Script s;
  s.cu = torch::jit::compile(src);
  return NewHandle(info.Env(), std::move(s));
}

// ---- tracing ----
static thread_local std::vector<std::string>* gTraceWarnings = nullptr;
static void CollectTraceWarning(const std::string& msg) {
  if (gTraceWarnings) gTraceWarnings->push_back(msg);
}

// JS output of the traced function -> IValue: Tensor, arrays as tuples, plain objects as Dict[str, Tensor].
static c10::IValue TraceOutput(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (IsTensorValue(v)) return ToIValueGuess(v);
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    std::vector<c10::IValue> xs;
    for (uint32_t k = 0; k < a.Length(); k++) xs.push_back(TraceOutput(a.Get(k)));
    return c10::ivalue::Tuple::create(std::move(xs));
  }
  if (v.IsObject()) {
    Napi::Object o = v.As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    c10::impl::GenericDict d(c10::StringType::get(), c10::TensorType::get());
    for (uint32_t k = 0; k < keys.Length(); k++) {
      std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
      Napi::Value e = o.Get(key);
      if (!IsTensorValue(e)) ThrowType(env, "traced outputs must be Tensors, arrays or objects of Tensors");
      d.insert(key, ToIValueGuess(e));
    }
    return d;
  }
  ThrowType(env, "traced outputs must be Tensors, arrays or objects of Tensors");
}

static Module GetOrMakeChild(Module& parent, const std::string& name, const std::string& cls,
                             const std::shared_ptr<torch::jit::CompilationUnit>& cu, bool training) {
  if (parent.hasattr(name)) {
    c10::IValue v = parent.attr(name);
    if (!v.isModule() && !v.isObject()) throw std::runtime_error("'" + name + "' is both a tensor and a submodule");
    return Module(v.toObject());
  }
  Module child(c10::QualifiedName("__torch__.torchts." + cls), cu, /*shouldMangle=*/true);
  child.register_attribute("training", c10::BoolType::get(), training);
  parent.register_module(name, child);
  return child;
}

static std::vector<std::string> SplitDots(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++)
    if (i == s.size() || s[i] == '.') { out.push_back(s.substr(start, i - start)); start = i + 1; }
  return out;
}

// jitTrace(typeName, modules: [path, className, training][], tensors: [name, Tensor, isBuffer][], inputs: Tensor[],
//          fn, strict, argumentNames) -> { handle, warnings }
static Napi::Value JitTrace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string typeName = StrArg(info, 0, "typeName");
  if (!info[1].IsArray() || !info[2].IsArray() || !info[3].IsArray()) ThrowType(env, "jitTrace: bad arguments");
  if (!info[4].IsFunction()) ThrowType(env, "argument 'fn' must be a function");
  bool strict = BoolArg(info, 5, "strict");
  std::vector<std::string> argNames;
  if (info.Length() > 6 && info[6].IsArray()) {
    Napi::Array an = info[6].As<Napi::Array>();
    for (uint32_t k = 0; k < an.Length(); k++) argNames.push_back(an.Get(k).As<Napi::String>().Utf8Value());
  }
  Napi::Array mods = info[1].As<Napi::Array>();
  Napi::Array tensors = info[2].As<Napi::Array>();
  Napi::Function fn = info[4].As<Napi::Function>();

  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  bool rootTraining = false;
  std::unordered_map<std::string, std::pair<std::string, bool>> classes;  // path -> (class, training)
  for (uint32_t k = 0; k < mods.Length(); k++) {
    Napi::Array e = mods.Get(k).As<Napi::Array>();
    std::string path = e.Get(0u).As<Napi::String>().Utf8Value();
    bool tr = e.Get(2u).As<Napi::Boolean>().Value();
    classes[path] = {e.Get(1u).As<Napi::String>().Utf8Value(), tr};
    if (path.empty()) rootTraining = tr;
  }
  Module root(c10::QualifiedName("__torch__.torchts." + typeName), cu, /*shouldMangle=*/true);
  root.register_attribute("training", c10::BoolType::get(), rootTraining);
  auto childFor = [&](const std::vector<std::string>& atoms, size_t n) {
    Module m = root;
    std::string path;
    for (size_t i = 0; i < n; i++) {
      path += (i ? "." : "") + atoms[i];
      auto it = classes.find(path);
      std::string cls = it != classes.end() ? it->second.first : "Module";
      bool tr = it != classes.end() ? it->second.second : rootTraining;
      m = GetOrMakeChild(m, atoms[i], cls, cu, tr);
    }
    return m;
  };
  // submodules first, in the JS module's order (param-less ones included), then tensors
  for (uint32_t k = 0; k < mods.Length(); k++) {
    std::string path = mods.Get(k).As<Napi::Array>().Get(0u).As<Napi::String>().Utf8Value();
    if (path.empty()) continue;
    auto atoms = SplitDots(path);
    childFor(atoms, atoms.size());
  }
  for (uint32_t k = 0; k < tensors.Length(); k++) {
    Napi::Array e = tensors.Get(k).As<Napi::Array>();
    std::string name = e.Get(0u).As<Napi::String>().Utf8Value();
    at::Tensor t = ToIValueGuess(e.Get(1u)).toTensor();
    bool isBuffer = e.Get(2u).As<Napi::Boolean>().Value();
    auto atoms = SplitDots(name);
    Module owner = childFor(atoms, atoms.size() - 1);
    if (owner.hasattr(atoms.back())) throw TorchError(env, "duplicate parameter or buffer name '" + name + "'");
    owner.register_parameter(atoms.back(), t, isBuffer);
  }

  Stack inputs;
  for (auto& t : TensorListArg(info, 3, "exampleInputs")) inputs.emplace_back(t);

  std::vector<std::string> warnings;
  gTraceWarnings = &warnings;
  torch::jit::tracer::setWarn(&CollectTraceWarning);
  auto traced = [&](Stack in) -> Stack {
    std::vector<napi_value> args;
    for (auto& v : in) args.push_back(FromIValue(env, v));
    Napi::Value out = fn.Call(args);
    return {TraceOutput(out)};
  };
  std::shared_ptr<torch::jit::Graph> graph;
  try {
    auto res = torch::jit::tracer::trace(std::move(inputs), traced, [](const at::Tensor&) { return std::string(); },
                                         strict, /*force_outplace=*/false, &root, argNames);
    graph = res.first->graph;
  } catch (...) {
    gTraceWarnings = nullptr;
    if (torch::jit::tracer::isTracing()) torch::jit::tracer::abandon();
    throw;
  }
  gTraceWarnings = nullptr;
  auto* f = root._ivalue()->compilation_unit()->create_function(
      c10::QualifiedName(*root.type()->name(), "forward"), graph);
  root.type()->addMethod(f);

  Napi::Object o = Napi::Object::New(env);
  Script s;
  s.module = root;
  o.Set("handle", NewHandle(env, std::move(s)));
  Napi::Array w = Napi::Array::New(env, warnings.size());
  for (size_t i = 0; i < warnings.size(); i++) w.Set(static_cast<uint32_t>(i), warnings[i]);
  o.Set("warnings", w);
  return o;
}

static Napi::Value IsTracing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::jit::tracer::isTracing());
}

TTS_AREA(jit) {
  TTS_EXPORT(JitLoad);
  TTS_EXPORT(JitRun);
  TTS_EXPORT(JitRunAsync);
  TTS_EXPORT(JitMethodNames);
  TTS_EXPORT(JitSchema);
  TTS_EXPORT(JitGraph);
  TTS_EXPORT(JitNamedParameters);
  TTS_EXPORT(JitNamedBuffers);
  TTS_EXPORT(JitNamedChildren);
  TTS_EXPORT(JitTypeName);
  TTS_EXPORT(JitTrain);
  TTS_EXPORT(JitIsTraining);
  TTS_EXPORT(JitTo);
  TTS_EXPORT(JitSave);
  TTS_EXPORT(JitAttr);
  TTS_EXPORT(JitCompile);
  TTS_EXPORT(JitTrace);
  TTS_EXPORT(IsTracing);
}

}  // namespace tts
