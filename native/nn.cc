// Built-in layers: a forward "plan" (a flat Float64Array describing one layer or a whole Sequential)
// runs on libtorch's kernels in one native call. The same ops as PyTorch's Python modules, in the same order.
#include "common.h"
#include "linear.h"
#include "fused.h"

namespace tts {

// Layer kinds; lib/nn/plan.ts holds the same numbers.
enum Kind {
  kIdentity = 0, kLinear = 1, kConv = 2, kConvT = 3, kBatchNorm = 4, kLayerNorm = 5, kGroupNorm = 6,
  kDropout = 7, kFeatureDropout = 8, kRelu = 9, kLeakyRelu = 10, kGelu = 11, kSilu = 12, kSigmoid = 13,
  kTanh = 14, kSoftmax = 15, kLogSoftmax = 16, kMaxPool = 17, kAvgPool = 18, kAdaptiveAvgPool = 19,
  kFlatten = 20, kUnflatten = 21, kEmbedding = 22, kAdaptiveMaxPool = 23, kElu = 24, kHardtanh = 25,
  kSoftplus = 26, kMish = 27, kHardswish = 28, kHardsigmoid = 29, kPrelu = 30,
};

struct Reader {
  const double* p;
  size_t n, c = 0;
  double num() {
    if (c >= n) throw std::runtime_error("nn plan: truncated layer description");
    return p[c++];
  }
  int64_t i() {
    double d = num();
    if (!std::isfinite(d) || std::fabs(d) > 9.007199254740992e15) throw std::runtime_error("nn plan: bad integer");
    return static_cast<int64_t>(d);
  }
  bool b() { return num() != 0; }
  std::vector<int64_t> ints(int64_t k) {
    if (k < 0 || k > 64) throw std::runtime_error("nn plan: bad list length");
    std::vector<int64_t> v(k);
    for (auto& x : v) x = i();
    return v;
  }
  std::vector<int64_t> list() { return ints(i()); }
  at::Tensor t() {
    int64_t id = i();
    if (id < 0) return at::Tensor();
    return Get(static_cast<int32_t>(id));
  }
  c10::optional<double> optNum() {
    double d = num();
    if (std::isnan(d)) return c10::nullopt;
    return d;
  }
};

static const char* kPadModes[] = {"zeros", "reflect", "replicate", "circular"};

static void VerifyBatchSize(const std::vector<int64_t>& size) {
  if (size.size() < 2) throw std::invalid_argument("expected an input with a batch and a channel dimension");
  int64_t prod = size[0];
  for (size_t k = 2; k < size.size(); k++) prod *= size[k];
  if (prod == 1) {
    std::string s = "[";
    for (size_t k = 0; k < size.size(); k++) s += (k ? ", " : "") + std::to_string(size[k]);
    throw std::invalid_argument("Expected more than 1 value per channel when training, got input size " + s + "]");
  }
}

static at::Tensor RunLayer(Reader& r, at::Tensor x) {
  int64_t kind = r.i();
  switch (kind) {
    case kIdentity:
      return x;
    case kLinear: {
      at::Tensor w = r.t(), b = r.t();
      return Linear(x, w, b);
    }
    case kConv: {
      int64_t nd = r.i();
      at::Tensor w = r.t(), b = r.t();
      c10::optional<at::Tensor> bias = b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt;
      auto stride = r.ints(nd);
      int64_t padKind = r.i();  // 0 explicit, 1 same, 2 valid
      auto padding = r.ints(nd);
      auto dilation = r.ints(nd);
      int64_t groups = r.i();
      int64_t padMode = r.i();
      if (padMode < 0 || padMode > 3) throw std::runtime_error("nn plan: bad padding mode");
      if (padMode != 0) {
        auto rp = r.ints(2 * nd);  // PyTorch's _reversed_padding_repeated_twice
        x = at::pad(x, rp, kPadModes[padMode], c10::nullopt);
        std::vector<int64_t> zero(nd, 0);
        if (nd == 1) return at::conv1d(x, w, bias, stride, zero, dilation, groups);
        if (nd == 2) return at::conv2d(x, w, bias, stride, zero, dilation, groups);
        return at::conv3d(x, w, bias, stride, zero, dilation, groups);
      }
      if (padKind != 0) {
        c10::string_view p = padKind == 1 ? "same" : "valid";
        if (nd == 1) return at::conv1d(x, w, bias, stride, p, dilation, groups);
        if (nd == 2) return at::conv2d(x, w, bias, stride, p, dilation, groups);
        return at::conv3d(x, w, bias, stride, p, dilation, groups);
      }
      if (nd == 1) return at::conv1d(x, w, bias, stride, padding, dilation, groups);
      if (nd == 2) return at::conv2d(x, w, bias, stride, padding, dilation, groups);
      return at::conv3d(x, w, bias, stride, padding, dilation, groups);
    }
    case kConvT: {
      int64_t nd = r.i();
      at::Tensor w = r.t(), b = r.t();
      c10::optional<at::Tensor> bias = b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt;
      auto stride = r.ints(nd), padding = r.ints(nd), outPad = r.ints(nd);
      int64_t groups = r.i();
      auto dilation = r.ints(nd);
      if (nd == 1) return at::conv_transpose1d(x, w, bias, stride, padding, outPad, groups, dilation);
      if (nd == 2) return at::conv_transpose2d(x, w, bias, stride, padding, outPad, groups, dilation);
      return at::conv_transpose3d(x, w, bias, stride, padding, outPad, groups, dilation);
    }
    case kBatchNorm: {
      int64_t expect = r.i();  // 1: 2D or 3D input, 2: 4D, 3: 5D, 0: any
      at::Tensor w = r.t(), b = r.t(), rm = r.t(), rv = r.t(), nbt = r.t();
      bool training = r.b(), track = r.b();
      c10::optional<double> momentum = r.optNum();
      double eps = r.num();
      int64_t d = x.dim();
      if (expect == 1 && d != 2 && d != 3)
        throw std::invalid_argument("expected 2D or 3D input (got " + std::to_string(d) + "D input)");
      if (expect >= 2 && d != expect + 2)
        throw std::invalid_argument("expected " + std::to_string(expect + 2) + "D input (got " + std::to_string(d) + "D input)");
      double factor = momentum ? *momentum : 0.0;
      if (training && track && nbt.defined()) {
        nbt.add_(1);
        factor = momentum ? *momentum : 1.0 / nbt.item<double>();
      }
      bool bnTraining = training || (!rm.defined() && !rv.defined());
      at::Tensor useRm = (!training || track) ? rm : at::Tensor();
      at::Tensor useRv = (!training || track) ? rv : at::Tensor();
      if (bnTraining) {
        auto s = x.sizes().vec();
        VerifyBatchSize(s);
      }
      return at::batch_norm(x, w, b, useRm, useRv, bnTraining, factor, eps, at::globalContext().userEnabledCuDNN());
    }
    case kLayerNorm: {
      auto shape = r.list();
      at::Tensor w = r.t(), b = r.t();
      double eps = r.num();
      return at::layer_norm(x, shape, w, b, eps, at::globalContext().userEnabledCuDNN());
    }
    case kGroupNorm: {
      int64_t groups = r.i();
      at::Tensor w = r.t(), b = r.t();
      double eps = r.num();
      if (x.dim() < 2) throw std::runtime_error("group_norm: expected at least a 2D input");
      if (groups <= 0) throw std::runtime_error("group_norm: num_groups must be positive");
      std::vector<int64_t> s{x.size(0) * x.size(1) / groups, groups};
      for (int64_t k = 2; k < x.dim(); k++) s.push_back(x.size(k));
      VerifyBatchSize(s);
      return at::group_norm(x, groups, w, b, eps, at::globalContext().userEnabledCuDNN());
    }
    case kDropout: {
      double p = r.num();
      bool training = r.b(), inplace = r.b();
      return inplace ? at::dropout_(x, p, training) : at::dropout(x, p, training);
    }
    case kFeatureDropout: {
      double p = r.num();
      bool training = r.b(), inplace = r.b();
      bool batched = r.b();  // false: add a batch dim around the call (Dropout1d/2d/3d on unbatched input)
      if (!batched) x = inplace ? x.unsqueeze_(0) : x.unsqueeze(0);
      at::Tensor y = inplace ? at::feature_dropout_(x, p, training) : at::feature_dropout(x, p, training);
      if (!batched) y = inplace ? y.squeeze_(0) : y.squeeze(0);
      return y;
    }
    case kRelu: return r.b() ? at::relu_(x) : at::relu(x);
    case kLeakyRelu: {
      double s = r.num();
      return r.b() ? at::leaky_relu_(x, s) : at::leaky_relu(x, s);
    }
    case kGelu: return at::gelu(x, r.b() ? "tanh" : "none");
    case kSilu: return r.b() ? at::silu_(x) : at::silu(x);
    case kSigmoid: return at::sigmoid(x);
    case kTanh: return at::tanh(x);
    case kSoftmax: return at::softmax(x, r.i());
    case kLogSoftmax: return at::log_softmax(x, r.i());
    case kMaxPool: {
      int64_t nd = r.i();
      auto k = r.ints(nd), s = r.ints(nd), p = r.ints(nd), d = r.ints(nd);
      bool ceil = r.b();
      if (nd == 1) return at::max_pool1d(x, k, s, p, d, ceil);
      if (nd == 2) {
        at::Tensor y = MaxPool2x2(x, k, s, p, d, ceil);  // training, 2x2 windows: one pass (maxpool.cc)
        return y.defined() ? y : at::max_pool2d(x, k, s, p, d, ceil);
      }
      return at::max_pool3d(x, k, s, p, d, ceil);
    }
    case kAvgPool: {
      int64_t nd = r.i();
      auto k = r.ints(nd), s = r.ints(nd), p = r.ints(nd);
      bool ceil = r.b(), countPad = r.b();
      c10::optional<double> div = r.optNum();
      c10::optional<int64_t> divisor = div ? c10::optional<int64_t>(static_cast<int64_t>(*div)) : c10::nullopt;
      if (nd == 1) return at::avg_pool1d(x, k, s, p, ceil, countPad);
      if (nd == 2) return at::avg_pool2d(x, k, s, p, ceil, countPad, divisor);
      return at::avg_pool3d(x, k, s, p, ceil, countPad, divisor);
    }
    case kAdaptiveAvgPool:
    case kAdaptiveMaxPool: {
      int64_t nd = r.i();
      auto o = r.ints(nd);
      if (x.dim() < nd) throw std::runtime_error("adaptive pool: input has too few dimensions");
      for (int64_t k = 0; k < nd; k++) if (o[k] < 0) o[k] = x.size(x.dim() - nd + k);
      if (kind == kAdaptiveMaxPool) {
        if (nd == 1) return std::get<0>(at::adaptive_max_pool1d(x, o));
        if (nd == 2) return std::get<0>(at::adaptive_max_pool2d(x, o));
        return std::get<0>(at::adaptive_max_pool3d(x, o));
      }
      if (nd == 1) return at::adaptive_avg_pool1d(x, o);
      if (nd == 2) return at::adaptive_avg_pool2d(x, o);
      return at::adaptive_avg_pool3d(x, o);
    }
    case kFlatten: {
      int64_t s = r.i(), e = r.i();
      return x.flatten(s, e);
    }
    case kUnflatten: {
      int64_t d = r.i();
      auto sizes = r.list();
      return x.unflatten(d, sizes);
    }
    case kEmbedding: {
      at::Tensor w = r.t();
      int64_t pad = r.i();
      bool scale = r.b(), sparse = r.b();
      c10::optional<double> maxNorm = r.optNum();
      double normType = r.num();
      if (maxNorm) {
        x = x.contiguous();
        at::NoGradGuard ng;
        at::embedding_renorm_(w, x, *maxNorm, normType);
      }
      return at::embedding(w, x, pad, scale, sparse);
    }
    case kElu: {
      double alpha = r.num();
      return r.b() ? at::elu_(x, alpha) : at::elu(x, alpha);
    }
    case kHardtanh: {
      double lo = r.num(), hi = r.num();
      return r.b() ? at::hardtanh_(x, lo, hi) : at::hardtanh(x, lo, hi);
    }
    case kSoftplus: {
      double beta = r.num(), th = r.num();
      return at::softplus(x, beta, th);
    }
    case kMish: return r.b() ? at::mish_(x) : at::mish(x);
    case kHardswish: return r.b() ? at::hardswish_(x) : at::hardswish(x);
    case kHardsigmoid: return r.b() ? at::hardsigmoid_(x) : at::hardsigmoid(x);
    case kPrelu: return at::prelu(x, r.t());
    default:
      throw std::runtime_error("nn plan: unknown layer kind " + std::to_string(kind));
  }
}

// nnRun(input, plan: Float64Array, length) -> id of the output, or -2 when it is the input itself (in-place/identity)
static Napi::Value NnRun(const Napi::CallbackInfo& info) {
  at::Tensor x = TensorArg(info, 0, "input");
  if (!info[1].IsTypedArray()) ThrowType(info.Env(), "argument 'plan' must be a Float64Array");
  auto ta = info[1].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array) ThrowType(info.Env(), "argument 'plan' must be a Float64Array");
  auto arr = ta.As<Napi::Float64Array>();
  size_t n = static_cast<size_t>(IntArg(info, 2, "length"));
  if (n > arr.ElementLength()) ThrowType(info.Env(), "argument 'length' exceeds the plan");
  Reader r{arr.Data(), n};
  at::Tensor in = x;
  while (r.c < r.n) x = RunLayer(r, x);
  if (x.is_same(in)) return Napi::Number::New(info.Env(), -2);
  return Napi::Number::New(info.Env(), Put(std::move(x)));
}

// clipGradNorm(params[], maxNorm, normType, errorIfNonfinite) -> total norm (as torch.nn.utils.clip_grad_norm_)
static Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  auto params = TensorListArg(info, 0, "parameters");
  double maxNorm = NumArg(info, 1, "maxNorm"), normType = NumArg(info, 2, "normType");
  bool errorIfNonfinite = BoolArg(info, 3, "errorIfNonfinite");
  at::NoGradGuard ng;
  std::vector<at::Tensor> grads;
  for (auto& p : params) if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return Napi::Number::New(info.Env(), Put(at::scalar_tensor(0.0, at::kFloat)));
  auto device = grads[0].device();
  at::Tensor total;
  if (std::isinf(normType) && normType > 0) {
    std::vector<at::Tensor> norms;
    for (auto& g : grads) norms.push_back(g.detach().abs().max().to(device));
    total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
  } else {
    std::vector<at::Tensor> norms;
    for (auto& g : grads) {
      std::vector<int64_t> dims(g.dim());
      for (int64_t k = 0; k < g.dim(); k++) dims[k] = k;
      norms.push_back(at::norm(g.detach(), normType, dims, false).to(device));
    }
    std::vector<int64_t> d0{0};
    total = at::norm(at::stack(norms), normType, d0, false);
  }
  if (errorIfNonfinite && (total.isnan().item<bool>() || total.isinf().item<bool>()))
    throw std::runtime_error("The total norm of order " + std::to_string(normType) +
                             " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable "
                             "this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`");
  at::Tensor coef = at::clamp((total + 1e-6).reciprocal() * maxNorm, c10::nullopt, 1.0);  // Python's float / Tensor
  for (auto& g : grads) g.detach().mul_(coef.to(g.device()));
  return Napi::Number::New(info.Env(), Put(total));
}

TTS_AREA(nn) {
  TTS_EXPORT(NnRun);
  TTS_EXPORT(ClipGradNorm);
}

}  // namespace tts
