// Data loading in native threads: a batch pipeline for built-in image datasets (gather uint8 images
// by index, flip / pad / crop per sample, map pixels through a per-channel lookup table, stack), a
// thread pool that assembles whole batches ahead of time, and a hand-off registry that moves tensors
// between JS threads (worker_threads) without copying.
#include "common.h"
#include <ATen/CPUGeneratorImpl.h>
#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

namespace tts {

// ---------------- hand-off registry: a tensor put by one JS thread, taken by another ----------------
static std::mutex gHandMu;
static std::unordered_map<int64_t, at::Tensor> gHand;
static int64_t gNextToken = 1;

static Napi::Value HandoffPut(const Napi::CallbackInfo& info) {
  at::Tensor t = TensorArg(info, 0, "tensor");
  std::lock_guard<std::mutex> lk(gHandMu);
  int64_t tok = gNextToken++;
  gHand.emplace(tok, std::move(t));
  return Napi::Number::New(info.Env(), static_cast<double>(tok));
}
static Napi::Value HandoffTake(const Napi::CallbackInfo& info) {
  int64_t tok = IntArg(info, 0, "token");
  at::Tensor t;
  {
    std::lock_guard<std::mutex> lk(gHandMu);
    auto it = gHand.find(tok);
    if (it == gHand.end()) throw TorchError(info.Env(), "tensor hand-off token " + std::to_string(tok) + " is unknown or already taken");
    t = std::move(it->second);
    gHand.erase(it);
  }
  return Napi::Number::New(info.Env(), Put(std::move(t)));
}
static Napi::Value HandoffDrop(const Napi::CallbackInfo& info) {
  int64_t tok = IntArg(info, 0, "token");
  std::lock_guard<std::mutex> lk(gHandMu);
  gHand.erase(tok);
  return info.Env().Undefined();
}
static Napi::Value HandoffCount(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lk(gHandMu);
  return Napi::Number::New(info.Env(), static_cast<double>(gHand.size()));
}

// ---------------- the batch pipeline ----------------
enum class OpKind { HFlip, VFlip, Pad, RandomCrop, CenterCrop, Crop };
enum class PadMode { Constant, Edge, Reflect, Symmetric };

struct Step {
  OpKind op;
  double p = 0.5;                        // flips
  int64_t th = 0, tw = 0;                // crop size
  int64_t top = 0, left = 0;             // fixed crop
  int64_t pl = 0, pt = 0, pr = 0, pb = 0;  // padding (left, top, right, bottom)
  bool padIfNeeded = false;
  PadMode mode = PadMode::Constant;
  std::vector<uint8_t> fill;             // per channel (size C)
};

struct Pipeline {
  at::Tensor images;   // uint8, contiguous, [N, ...]
  at::Tensor targets;  // int64 [N] or undefined
  int64_t N = 0, H = 0, W = 0, C = 1;
  int64_t sC = 0, sY = 0, sX = 0, sN = 0;  // element strides inside the images tensor
  enum Layout { HWC, HW, CHW } layout = HWC;
  std::vector<Step> steps;
  at::Tensor lut;      // float [C, 256] or undefined (output stays uint8)
  bool chw = false;    // output channels first
};

// An output axis as indices into the source axis; a negative value -(s+1) is the fill of step s.
struct SampleMap {
  std::vector<int32_t> ys, xs;
};

static void ReflectCheck(int64_t pad, int64_t n, const char* mode) {
  if (pad >= n && std::string(mode) == "reflect")
    throw std::runtime_error("Padding size should be less than the corresponding input dimension, but got: padding " +
                             std::to_string(pad) + " for a dimension of size " + std::to_string(n) + " (reflect)");
  if (pad > n && std::string(mode) == "symmetric")
    throw std::runtime_error("symmetric padding of " + std::to_string(pad) + " needs a dimension of at least that size, got " +
                             std::to_string(n));
}

static void PadAxis(std::vector<int32_t>& a, int64_t before, int64_t after, PadMode mode, int32_t code) {
  int64_t n = static_cast<int64_t>(a.size());
  if (mode == PadMode::Reflect) { ReflectCheck(before, n, "reflect"); ReflectCheck(after, n, "reflect"); }
  if (mode == PadMode::Symmetric) { ReflectCheck(before, n, "symmetric"); ReflectCheck(after, n, "symmetric"); }
  if (n == 0 && mode != PadMode::Constant) throw std::runtime_error("cannot pad an empty image with a non-constant mode");
  std::vector<int32_t> out(static_cast<size_t>(before + n + after));
  for (int64_t p = 0; p < static_cast<int64_t>(out.size()); p++) {
    int64_t q = p - before;
    if (q >= 0 && q < n) { out[p] = a[q]; continue; }
    switch (mode) {
      case PadMode::Constant: out[p] = code; break;
      case PadMode::Edge: out[p] = a[q < 0 ? 0 : n - 1]; break;
      case PadMode::Reflect: out[p] = a[q < 0 ? -q : 2 * (n - 1) - q]; break;
      case PadMode::Symmetric: out[p] = a[q < 0 ? -q - 1 : 2 * n - 1 - q]; break;
    }
  }
  a.swap(out);
}

// torchvision's crop: out-of-bounds parts are zero-filled (code).
static void CropAxis(std::vector<int32_t>& a, int64_t start, int64_t len, int32_t code) {
  int64_t n = static_cast<int64_t>(a.size());
  std::vector<int32_t> out(static_cast<size_t>(len));
  for (int64_t p = 0; p < len; p++) {
    int64_t q = start + p;
    out[p] = (q >= 0 && q < n) ? a[q] : code;
  }
  a.swap(out);
}

static int64_t PyRoundHalfEven(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

static void MapSample(const Pipeline& P, at::Generator* gen, SampleMap& m) {
  m.ys.resize(P.H);
  m.xs.resize(P.W);
  for (int64_t i = 0; i < P.H; i++) m.ys[i] = static_cast<int32_t>(i);
  for (int64_t i = 0; i < P.W; i++) m.xs[i] = static_cast<int32_t>(i);
  auto opt = gen ? c10::optional<at::Generator>(*gen) : c10::nullopt;
  for (size_t s = 0; s < P.steps.size(); s++) {
    const Step& st = P.steps[s];
    int32_t code = -static_cast<int32_t>(s) - 1;
    switch (st.op) {
      case OpKind::HFlip:
        if (at::rand({1}, opt).item<float>() < st.p) std::reverse(m.xs.begin(), m.xs.end());
        break;
      case OpKind::VFlip:
        if (at::rand({1}, opt).item<float>() < st.p) std::reverse(m.ys.begin(), m.ys.end());
        break;
      case OpKind::Pad:
        PadAxis(m.xs, st.pl, st.pr, st.mode, code);
        PadAxis(m.ys, st.pt, st.pb, st.mode, code);
        break;
      case OpKind::RandomCrop: {
        if (st.pl || st.pt || st.pr || st.pb) {
          PadAxis(m.xs, st.pl, st.pr, st.mode, code);
          PadAxis(m.ys, st.pt, st.pb, st.mode, code);
        }
        int64_t w = m.xs.size(), h = m.ys.size();
        if (st.padIfNeeded && w < st.tw) { PadAxis(m.xs, st.tw - w, st.tw - w, st.mode, code); }
        if (st.padIfNeeded && h < st.th) { PadAxis(m.ys, st.th - h, st.th - h, st.mode, code); }
        w = m.xs.size(); h = m.ys.size();
        if (h < st.th || w < st.tw)
          throw std::runtime_error("Required crop size (" + std::to_string(st.th) + ", " + std::to_string(st.tw) +
                                   ") is larger than input image size (" + std::to_string(h) + ", " + std::to_string(w) + ")");
        if (h == st.th && w == st.tw) break;
        int64_t i = at::randint(0, h - st.th + 1, {1}, opt).item<int64_t>();
        int64_t j = at::randint(0, w - st.tw + 1, {1}, opt).item<int64_t>();
        CropAxis(m.ys, i, st.th, code);
        CropAxis(m.xs, j, st.tw, code);
        break;
      }
      case OpKind::CenterCrop: {
        int64_t w = m.xs.size(), h = m.ys.size();
        if (st.tw > w || st.th > h) {
          int64_t l = st.tw > w ? (st.tw - w) / 2 : 0, t = st.th > h ? (st.th - h) / 2 : 0;
          int64_t r = st.tw > w ? (st.tw - w + 1) / 2 : 0, b = st.th > h ? (st.th - h + 1) / 2 : 0;
          PadAxis(m.xs, l, r, PadMode::Constant, code);
          PadAxis(m.ys, t, b, PadMode::Constant, code);
          w = m.xs.size(); h = m.ys.size();
          if (w == st.tw && h == st.th) break;
        }
        int64_t top = PyRoundHalfEven((h - st.th) / 2.0), left = PyRoundHalfEven((w - st.tw) / 2.0);
        CropAxis(m.ys, top, st.th, code);
        CropAxis(m.xs, left, st.tw, code);
        break;
      }
      case OpKind::Crop:
        CropAxis(m.ys, st.top, st.th, code);
        CropAxis(m.xs, st.left, st.tw, code);
        break;
    }
  }
}

// Writes one sample. OutT is uint8_t (no lut) or float (lut).
template <typename OutT>
static void GatherSample(const Pipeline& P, const uint8_t* src, const SampleMap& m, OutT* out) {
  const int64_t C = P.C, oh = m.ys.size(), ow = m.xs.size();
  const float* lut = P.lut.defined() ? P.lut.data_ptr<float>() : nullptr;
  auto value = [&](int32_t a, int32_t b, int64_t c) -> OutT {
    uint8_t v;
    if (a >= 0 && b >= 0) v = src[c * P.sC + a * P.sY + b * P.sX];
    else {
      int32_t sa = a < 0 ? -a - 1 : -1, sb = b < 0 ? -b - 1 : -1;
      v = P.steps[std::max(sa, sb)].fill[c];
    }
    if constexpr (std::is_same<OutT, float>::value) return lut[c * 256 + v];
    else return v;
  };
  if (P.chw) {
    for (int64_t c = 0; c < C; c++)
      for (int64_t y = 0; y < oh; y++) {
        OutT* row = out + (c * oh + y) * ow;
        int32_t a = m.ys[y];
        for (int64_t x = 0; x < ow; x++) row[x] = value(a, m.xs[x], c);
      }
  } else {
    for (int64_t y = 0; y < oh; y++)
      for (int64_t x = 0; x < ow; x++) {
        OutT* px = out + (y * ow + x) * C;
        for (int64_t c = 0; c < C; c++) px[c] = value(m.ys[y], m.xs[x], c);
      }
  }
}

struct BatchOut {
  at::Tensor x, y;
};

static BatchOut RunBatch(const Pipeline& P, const std::vector<int64_t>& idx, c10::optional<uint64_t> seed) {
  c10::optional<at::Generator> gen;
  if (seed) gen = at::make_generator<at::CPUGeneratorImpl>(*seed);
  const int64_t B = static_cast<int64_t>(idx.size());
  std::vector<SampleMap> maps(B);
  for (int64_t k = 0; k < B; k++) {
    int64_t i = idx[k];
    try {
      if (i < 0 || i >= P.N)
        throw std::runtime_error("index " + std::to_string(i) + " is out of range for a dataset of " + std::to_string(P.N) + " items");
      MapSample(P, gen ? &*gen : nullptr, maps[k]);
      if (maps[k].ys.size() != maps[0].ys.size() || maps[k].xs.size() != maps[0].xs.size())
        throw std::runtime_error("stack expects each image to be equal size");
    } catch (const c10::Error& e) {
      throw std::runtime_error("item " + std::to_string(i) + ": " + CleanMessage(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw std::runtime_error("item " + std::to_string(i) + ": " + e.what());
    }
  }
  const int64_t oh = B ? maps[0].ys.size() : 0, ow = B ? maps[0].xs.size() : 0;
  std::vector<int64_t> shape{B};
  if (P.chw) shape.insert(shape.end(), {P.C, oh, ow});
  else if (P.layout == Pipeline::HW) shape.insert(shape.end(), {oh, ow});
  else shape.insert(shape.end(), {oh, ow, P.C});
  const int64_t per = P.C * oh * ow;
  const uint8_t* base = P.images.data_ptr<uint8_t>();
  BatchOut r;
  if (P.lut.defined()) {
    r.x = at::empty(shape, at::kFloat);
    float* o = r.x.data_ptr<float>();
    for (int64_t k = 0; k < B; k++) GatherSample<float>(P, base + idx[k] * P.sN, maps[k], o + k * per);
  } else {
    r.x = at::empty(shape, at::kByte);
    uint8_t* o = r.x.data_ptr<uint8_t>();
    for (int64_t k = 0; k < B; k++) GatherSample<uint8_t>(P, base + idx[k] * P.sN, maps[k], o + k * per);
  }
  if (P.targets.defined()) {
    r.y = at::empty({B}, at::kLong);
    const int64_t* t = P.targets.data_ptr<int64_t>();
    int64_t* o = r.y.data_ptr<int64_t>();
    for (int64_t k = 0; k < B; k++) o[k] = t[idx[k]];
  }
  return r;
}

// ---------------- parsing the pipeline from JS ----------------
static int64_t GetInt(Napi::Object o, const char* k, int64_t dflt) {
  Napi::Value v = o.Get(k);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) ThrowType(o.Env(), std::string("pipeline step field '") + k + "' must be a number");
  return v.As<Napi::Number>().Int64Value();
}

static std::shared_ptr<Pipeline> ParsePipeline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto P = std::make_shared<Pipeline>();
  at::Tensor images = TensorArg(info, 0, "images");
  if (images.scalar_type() != at::kByte) ThrowType(env, "argument 'images' must be a uint8 tensor");
  P->images = images.to(at::kCPU).contiguous();
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    P->targets = TensorArg(info, 1, "targets").to(at::kCPU, at::kLong).contiguous();
    if (P->targets.dim() != 1 || P->targets.size(0) != P->images.size(0))
      ThrowType(env, "argument 'targets' must be a 1-D tensor with one entry per image");
  }
  if (!info[2].IsObject()) ThrowType(env, "argument 'spec' must be an object");
  Napi::Object spec = info[2].As<Napi::Object>();
  std::string layout = spec.Get("layout").IsString() ? spec.Get("layout").As<Napi::String>().Utf8Value() : "";
  auto& im = P->images;
  P->N = im.size(0);
  if (layout == "HWC" && im.dim() == 4) {
    P->layout = Pipeline::HWC; P->H = im.size(1); P->W = im.size(2); P->C = im.size(3);
    P->sY = im.stride(1); P->sX = im.stride(2); P->sC = im.stride(3);
  } else if (layout == "HW" && im.dim() == 3) {
    P->layout = Pipeline::HW; P->H = im.size(1); P->W = im.size(2); P->C = 1;
    P->sY = im.stride(1); P->sX = im.stride(2); P->sC = 0;
  } else if (layout == "CHW" && im.dim() == 4) {
    P->layout = Pipeline::CHW; P->C = im.size(1); P->H = im.size(2); P->W = im.size(3);
    P->sC = im.stride(1); P->sY = im.stride(2); P->sX = im.stride(3);
  } else {
    ThrowType(env, "pipeline layout must be 'HWC' or 'CHW' (4-D images) or 'HW' (3-D images)");
  }
  P->sN = P->N ? im.stride(0) : 0;
  P->chw = P->layout == Pipeline::CHW || (spec.Get("chw").IsBoolean() && spec.Get("chw").As<Napi::Boolean>().Value());
  Napi::Value lut = spec.Get("lut");
  if (!lut.IsNull() && !lut.IsUndefined()) {
    if (!lut.IsObject() || !lut.As<Napi::Object>().Get("_id").IsNumber()) ThrowType(env, "pipeline lut must be a Tensor");
    at::Tensor l = Get(lut.As<Napi::Object>().Get("_id").As<Napi::Number>().Int32Value());
    l = l.to(at::kCPU, at::kFloat).contiguous();
    if (l.dim() != 2 || l.size(0) != P->C || l.size(1) != 256) ThrowType(env, "pipeline lut must be a float [C, 256] tensor");
    P->lut = l;
  }
  Napi::Value stepsV = spec.Get("steps");
  if (!stepsV.IsArray()) ThrowType(env, "pipeline 'steps' must be an array");
  Napi::Array steps = stepsV.As<Napi::Array>();
  for (uint32_t k = 0; k < steps.Length(); k++) {
    if (!steps.Get(k).IsObject()) ThrowType(env, "pipeline steps must be objects");
    Napi::Object o = steps.Get(k).As<Napi::Object>();
    if (!o.Get("op").IsString()) ThrowType(env, "pipeline step needs an 'op' string");
    std::string op = o.Get("op").As<Napi::String>().Utf8Value();
    Step st;
    if (op == "hflip" || op == "vflip") {
      st.op = op == "hflip" ? OpKind::HFlip : OpKind::VFlip;
      if (!o.Get("p").IsNumber()) ThrowType(env, "pipeline flip step needs a number 'p'");
      st.p = o.Get("p").As<Napi::Number>().DoubleValue();
    } else if (op == "pad" || op == "randomCrop" || op == "centerCrop" || op == "crop") {
      st.op = op == "pad" ? OpKind::Pad : op == "randomCrop" ? OpKind::RandomCrop : op == "centerCrop" ? OpKind::CenterCrop : OpKind::Crop;
      st.th = GetInt(o, "h", 0); st.tw = GetInt(o, "w", 0);
      st.top = GetInt(o, "top", 0); st.left = GetInt(o, "left", 0);
      st.pl = GetInt(o, "padLeft", 0); st.pt = GetInt(o, "padTop", 0); st.pr = GetInt(o, "padRight", 0); st.pb = GetInt(o, "padBottom", 0);
      if (st.pl < 0 || st.pt < 0 || st.pr < 0 || st.pb < 0) ThrowType(env, "pipeline padding must be non-negative");
      st.padIfNeeded = o.Get("padIfNeeded").IsBoolean() && o.Get("padIfNeeded").As<Napi::Boolean>().Value();
      std::string mode = o.Get("mode").IsString() ? o.Get("mode").As<Napi::String>().Utf8Value() : "constant";
      st.mode = mode == "edge" ? PadMode::Edge : mode == "reflect" ? PadMode::Reflect : mode == "symmetric" ? PadMode::Symmetric : PadMode::Constant;
    } else {
      ThrowType(env, "unknown pipeline step '" + op + "'");
    }
    if ((st.op == OpKind::RandomCrop || st.op == OpKind::CenterCrop || st.op == OpKind::Crop) && (st.th <= 0 || st.tw <= 0 || st.th > (1 << 24) || st.tw > (1 << 24)))
      ThrowType(env, "pipeline crop size must be positive");
    if (st.pl > (1 << 24) || st.pt > (1 << 24) || st.pr > (1 << 24) || st.pb > (1 << 24)) ThrowType(env, "pipeline padding is too large");
    st.fill.assign(P->C, 0);
    Napi::Value fill = o.Get("fill");
    if (fill.IsArray()) {
      Napi::Array fa = fill.As<Napi::Array>();
      if (fa.Length() != 1 && fa.Length() != static_cast<uint32_t>(P->C)) ThrowType(env, "pipeline fill must have 1 or C values");
      for (int64_t c = 0; c < P->C; c++) {
        Napi::Value fv = fa.Get(static_cast<uint32_t>(fa.Length() == 1 ? 0 : c));
        if (!fv.IsNumber()) ThrowType(env, "pipeline fill values must be numbers");
        double f = fv.As<Napi::Number>().DoubleValue();
        st.fill[c] = static_cast<uint8_t>(static_cast<int64_t>(f));
      }
    }
    P->steps.push_back(std::move(st));
  }
  return P;
}

static std::vector<int64_t> IndexList(const Napi::Value& v) {
  std::vector<int64_t> out;
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    size_t n = ta.ElementLength();
    out.resize(n);
    switch (ta.TypedArrayType()) {
      case napi_int32_array: { auto a = v.As<Napi::Int32Array>(); for (size_t i = 0; i < n; i++) out[i] = a[i]; break; }
      case napi_uint32_array: { auto a = v.As<Napi::Uint32Array>(); for (size_t i = 0; i < n; i++) out[i] = a[i]; break; }
      case napi_float64_array: { auto a = v.As<Napi::Float64Array>(); for (size_t i = 0; i < n; i++) out[i] = static_cast<int64_t>(a[i]); break; }
      default: ThrowType(v.Env(), "argument 'indices' must be an Int32Array, Uint32Array, Float64Array or array");
    }
    return out;
  }
  if (!v.IsArray()) ThrowType(v.Env(), "argument 'indices' must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  out.resize(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) ThrowType(v.Env(), "argument 'indices' must be an array of integers");
    out[i] = e.As<Napi::Number>().Int64Value();
  }
  return out;
}

static c10::optional<uint64_t> OptSeed(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  return SeedOf(v, "seed");
}

static Napi::Value Pair(Napi::Env env, BatchOut& r) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Wrap(env, std::move(r.x)));
  a.Set(1u, r.y.defined() ? Wrap(env, std::move(r.y)) : env.Null());
  return a;
}

// PipelineRun(images, targets|null, spec, indices, seed|null) -> [x, y|null], on the calling thread.
static Napi::Value PipelineRun(const Napi::CallbackInfo& info) {
  auto P = ParsePipeline(info);
  auto idx = IndexList(info[3]);
  BatchOut r = RunBatch(*P, idx, OptSeed(info[4]));
  return Pair(info.Env(), r);
}

// ---------------- the pool ----------------
class Pool {
 public:
  Pool(std::shared_ptr<Pipeline> p, int threads) : P_(std::move(p)) {
    for (int i = 0; i < threads; i++) threads_.emplace_back([this] { Loop(); });
  }
  ~Pool() { Close(); }
  void Close() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (stop_) return;
      stop_ = true;
      jobs_.clear();
    }
    cvJob_.notify_all();
    cvDone_.notify_all();
    for (auto& t : threads_) if (t.joinable()) t.join();
    threads_.clear();
    std::lock_guard<std::mutex> lk(mu_);
    results_.clear();
  }
  void Submit(int64_t batch, std::vector<int64_t> idx, c10::optional<uint64_t> seed) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (stop_) throw std::runtime_error("the data loader's worker pool is closed");
      jobs_.push_back(Job{gen_, batch, std::move(idx), seed});
      results_[batch];  // pending
    }
    cvJob_.notify_one();
  }
  // Blocks until batch is done; throws its error.
  BatchOut Take(int64_t batch) {
    std::unique_lock<std::mutex> lk(mu_);
    if (results_.find(batch) == results_.end()) throw std::runtime_error("batch " + std::to_string(batch) + " was not submitted");
    const int64_t gen = gen_;
    cvDone_.wait(lk, [&] {
      if (stop_ || gen_ != gen) return true;
      auto it = results_.find(batch);
      return it == results_.end() || it->second.done;
    });
    if (stop_) throw std::runtime_error("the data loader's worker pool was closed");
    auto it = results_.find(batch);
    if (gen_ != gen || it == results_.end()) throw std::runtime_error("the data loader's epoch was reset");
    Result r = std::move(it->second);
    results_.erase(it);
    if (!r.err.empty()) throw std::runtime_error(r.err);
    return std::move(r.out);
  }
  // Drops queued jobs and results (a new epoch or an abandoned iterator).
  void Reset() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      gen_++;
      jobs_.clear();
      results_.clear();
    }
    cvDone_.notify_all();
  }

 private:
  struct Job { int64_t gen, batch; std::vector<int64_t> idx; c10::optional<uint64_t> seed; };
  struct Result { bool done = false; std::string err; BatchOut out; };
  void Loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cvJob_.wait(lk, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      Result r;
      try {
        r.out = RunBatch(*P_, job.idx, job.seed);
      } catch (const c10::Error& e) {
        r.err = CleanMessage(e.what_without_backtrace());
      } catch (const std::exception& e) {
        r.err = e.what();
      }
      r.done = true;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (job.gen != gen_ || stop_) continue;
        results_[job.batch] = std::move(r);
      }
      cvDone_.notify_all();
    }
  }
  std::shared_ptr<Pipeline> P_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cvJob_, cvDone_;
  std::deque<Job> jobs_;
  std::map<int64_t, Result> results_;
  int64_t gen_ = 0;
  bool stop_ = false;
};

struct PoolBox { std::shared_ptr<Pool> pool; };
static const napi_type_tag kPoolTag = {0x5a17c0de12345678ULL, 0x8badf00ddeadbeefULL};
static PoolBox* PoolBoxArg(const Napi::CallbackInfo& info, size_t i) {
  bool ok = false;
  if (!info[i].IsExternal() || napi_check_object_type_tag(info.Env(), info[i], &kPoolTag, &ok) != napi_ok || !ok)
    ThrowType(info.Env(), "argument 'pool' must be a native pool handle");
  return info[i].As<Napi::External<PoolBox>>().Data();
}
static std::shared_ptr<Pool> PoolArg(const Napi::CallbackInfo& info, size_t i) {
  auto* b = PoolBoxArg(info, i);
  if (!b->pool) throw TorchError(info.Env(), "the data loader's worker pool is closed");
  return b->pool;
}

// PoolNew(images, targets|null, spec, numThreads) -> handle
static Napi::Value PoolNew(const Napi::CallbackInfo& info) {
  auto P = ParsePipeline(info);
  int64_t n = IntArg(info, 3, "numThreads");
  if (n < 1 || n > 256) ThrowType(info.Env(), "argument 'numThreads' must be between 1 and 256");
  auto* box = new PoolBox{std::make_shared<Pool>(P, static_cast<int>(n))};
  auto ext = Napi::External<PoolBox>::New(info.Env(), box, [](Napi::Env, PoolBox* b) {
    if (b->pool) b->pool->Close();
    delete b;
  });
  napi_type_tag_object(info.Env(), ext, &kPoolTag);
  return ext;
}
// PoolSubmit(pool, batchNo, indices, seed|null)
static Napi::Value PoolSubmit(const Napi::CallbackInfo& info) {
  auto pool = PoolArg(info, 0);
  pool->Submit(IntArg(info, 1, "batch"), IndexList(info[2]), OptSeed(info[3]));
  return info.Env().Undefined();
}
// PoolTake(pool, batchNo) -> [x, y|null] (blocks this thread until the batch is ready)
static Napi::Value PoolTake(const Napi::CallbackInfo& info) {
  auto pool = PoolArg(info, 0);
  BatchOut r = pool->Take(IntArg(info, 1, "batch"));
  return Pair(info.Env(), r);
}

class TakeWorker : public Napi::AsyncWorker {
 public:
  TakeWorker(Napi::Env env, std::shared_ptr<Pool> pool, int64_t batch)
      : Napi::AsyncWorker(env), pool_(std::move(pool)), batch_(batch), deferred_(Napi::Promise::Deferred::New(env)) {}
  void Execute() override {
    try {
      out_ = pool_->Take(batch_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(Pair(Env(), out_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(TorchError(Env(), e.Message()).Value()); }
  Napi::Promise Promise() { return deferred_.Promise(); }

 private:
  std::shared_ptr<Pool> pool_;
  int64_t batch_;
  BatchOut out_;
  Napi::Promise::Deferred deferred_;
};
// PoolTakeAsync(pool, batchNo) -> Promise<[x, y|null]>
static Napi::Value PoolTakeAsync(const Napi::CallbackInfo& info) {
  auto pool = PoolArg(info, 0);
  auto* w = new TakeWorker(info.Env(), pool, IntArg(info, 1, "batch"));
  auto p = w->Promise();
  w->Queue();
  return p;
}
static Napi::Value PoolReset(const Napi::CallbackInfo& info) {
  PoolArg(info, 0)->Reset();
  return info.Env().Undefined();
}
static Napi::Value PoolClose(const Napi::CallbackInfo& info) {
  auto* b = PoolBoxArg(info, 0);
  if (b->pool) { b->pool->Close(); b->pool.reset(); }
  return info.Env().Undefined();
}

TTS_AREA(data) {
  TTS_EXPORT(HandoffPut);
  TTS_EXPORT(HandoffTake);
  TTS_EXPORT(HandoffDrop);
  TTS_EXPORT(HandoffCount);
  TTS_EXPORT(PipelineRun);
  TTS_EXPORT(PoolNew);
  TTS_EXPORT(PoolSubmit);
  TTS_EXPORT(PoolTake);
  TTS_EXPORT(PoolTakeAsync);
  TTS_EXPORT(PoolReset);
  TTS_EXPORT(PoolClose);
}

}  // namespace tts
