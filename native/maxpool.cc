// MaxPool2d(2) in training: the same output, indices and gradient as at::max_pool2d_with_indices, whose CPU kernel
// handles every window shape generically (per-element index arithmetic, double accumulators); for the 2x2/stride-2
// windows of most CNNs one pass over each plane does the same comparisons in the same order: a value replaces the
// maximum when it is greater or NaN, starting from -inf at the window's first element. The gradient is ATen's
// max_pool2d_with_indices_backward on those indices. A probe at first use compares outputs and indices with ATen's
// bit for bit (with ties, NaNs and infinities); TORCHTS_FAST_MAXPOOL=0 turns it off.
#include "fused.h"
#include "common.h"
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/autograd/functions/utils.h>
#include "node.h"

namespace tts {

static void Pool(const float* in, float* out, int64_t* idx, int64_t planes, int64_t H, int64_t W) {
  int64_t OH = H / 2, OW = W / 2;
  at::parallel_for(0, planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H * W)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const float* x = in + p * H * W;
      float* y = out + p * OH * OW;
      int64_t* ix = idx + p * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++) {
        for (int64_t ow = 0; ow < OW; ow++) {
          int64_t base = 2 * oh * W + 2 * ow;
          const int64_t cand[4] = {base, base + 1, base + W, base + W + 1};
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = base;
          for (int64_t c : cand) {
            float v = x[c];
            if (v > best || std::isnan(v)) { best = v; at = c; }
          }
          y[oh * OW + ow] = best;
          ix[oh * OW + ow] = at;
        }
      }
    }
  });
}

static std::tuple<at::Tensor, at::Tensor> Forward(const at::Tensor& x) {
  int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  at::Tensor y = at::empty({N, C, H / 2, W / 2}, x.options());
  at::Tensor ix = at::empty({N, C, H / 2, W / 2}, x.options().dtype(at::kLong));
  Pool(x.data_ptr<float>(), y.data_ptr<float>(), ix.data_ptr<int64_t>(), N * C, H, W);
  return {y, ix};
}

// The autograd node, named as PyTorch's, with its backward.
struct MaxPool2DWithIndicesBackward0 : public torch::autograd::Node {
  torch::autograd::SavedVariable self_, indices_;
  std::string name() const override { return "MaxPool2DWithIndicesBackward0"; }
  void release_variables() override { self_.reset_data(); indices_.reset_data(); }
  torch::autograd::variable_list apply(torch::autograd::variable_list&& go) override {
    at::Tensor x = self_.unpack(), ix = indices_.unpack();
    if (!go[0].defined() || !should_compute_output(0)) return {at::Tensor()};
    return {at::max_pool2d_with_indices_backward(go[0], x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, ix)};
  }
};

static bool ProbeMatches() {
  at::NoGradGuard ng;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(777);
  at::Tensor x = at::randint(-3, 4, {2, 3, 8, 6}, gen, at::kFloat);  // many ties
  float* xp = x.data_ptr<float>();
  const float special[] = {NAN, NAN, -INFINITY, INFINITY, NAN, -INFINITY};
  const int at[] = {5, 17, 18, 40, 41, 77};
  for (int i = 0; i < 6; i++) xp[at[i]] = special[i];
  x.select(1, 2).fill_(-INFINITY);
  auto ref = at::max_pool2d_with_indices(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false);
  auto got = Forward(x);
  return at::equal(std::get<1>(ref), std::get<1>(got)) &&
         at::equal(std::get<0>(ref).nan_to_num(7, 8, -8), std::get<0>(got).nan_to_num(7, 8, -8)) &&
         at::equal(std::get<0>(ref).isnan(), std::get<0>(got).isnan());
}

static bool Enabled() {
  static bool on = [] {
    const char* env = getenv("TORCHTS_FAST_MAXPOOL");
    if (env && std::string(env) == "0") return false;
    try { return ProbeMatches(); } catch (...) { return false; }
  }();
  return on;
}

at::Tensor MaxPool2x2(const at::Tensor& x, at::IntArrayRef k, at::IntArrayRef s, at::IntArrayRef p, at::IntArrayRef d,
                      bool ceil) {
  bool plain = k.size() == 2 && k[0] == 2 && k[1] == 2 && s.size() == 2 && s[0] == 2 && s[1] == 2 && p.size() == 2 &&
               p[0] == 0 && p[1] == 0 && d.size() == 2 && d[0] == 1 && d[1] == 1 && !ceil;
  if (!plain || x.dim() != 4 || !x.device().is_cpu() || x.scalar_type() != at::kFloat || x.layout() != at::kStrided ||
      !x.is_contiguous() || x.numel() == 0 || x.size(2) < 2 || x.size(3) < 2)
    return at::Tensor();
  if (!at::GradMode::is_enabled() || !x.requires_grad() || torch::jit::tracer::isTracing() || !Enabled())
    return at::Tensor();
  auto node = MakeNode<MaxPool2DWithIndicesBackward0>();
  node->set_next_edges(torch::autograd::collect_next_edges(x));
  node->self_ = torch::autograd::SavedVariable(x, false);
  auto r = Forward(x);
  node->indices_ = torch::autograd::SavedVariable(std::get<1>(r), false);
  at::Tensor y = std::get<0>(r);
  torch::autograd::set_history(y, node);
  return y;
}

// Whether MaxPool2d(2) in training runs the pass above here (for doctor and benchmarks).
static Napi::Value NnFastMaxPool(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Enabled()); }

TTS_AREA(maxpool) {
  TTS_EXPORT(NnFastMaxPool);
}

}  // namespace tts
