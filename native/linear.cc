// nn.Linear on CPU float32, bit for bit what libtorch computes, faster where libtorch's BLAS is the reference one.
//
// libtorch runs linear's three GEMMs (output, input gradient, weight gradient) on the BLAS it was built with. Debian's
// libtorch uses the reference (netlib) BLAS: every output element is a plain sequential sum over the inner index of
// separately rounded products, with the bias added last, one element at a time and unvectorised (about 1 GFLOP/s).
// Here the same sums, in the same order with the same roundings, run with AVX2 across independent output elements,
// so results are identical to PyTorch's on that libtorch (same training trajectories) at 5-10x the speed. A probe at
// first use compares this path with at::linear and its autograd bit for bit; where they differ (MKL, OpenBLAS, ...)
// or without AVX2, Linear is at::linear. TORCHTS_LINEAR=aten turns the path off.
#include "linear.h"
#include "common.h"
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/autograd/functions/utils.h>
#include "simd.h"
#include "node.h"

namespace tts {

// out[i][j] = sum over l = 0..L-1, in order, from +0, of a(i, l) * b[l][j] (float32, each product rounded).
// a(i, l) = a[i * asi + l * asl]; b is row-major with leading dimension ldb; out has leading dimension ldo.
// Rows i0..i1 only (a parallel chunk).
#ifdef TTS_X86
template <int RI, int RJ, bool MASK>
__attribute__((target("avx2"))) static inline void Tile(int64_t i, int64_t j, int64_t L, const float* a, int64_t asi,
                                                        int64_t asl, const float* b, int64_t ldb, float* out, int64_t ldo,
                                                        __m256i mask) {
  __m256 acc[RI][RJ];
  for (int r = 0; r < RI; r++)
    for (int c = 0; c < RJ; c++) acc[r][c] = _mm256_setzero_ps();
  const float* ap = a + i * asi;
  const float* bp = b + j;
  for (int64_t l = 0; l < L; l++, ap += asl, bp += ldb) {
    __m256 bv[RJ];
    for (int c = 0; c < RJ; c++) bv[c] = MASK ? _mm256_maskload_ps(bp + 8 * c, mask) : _mm256_loadu_ps(bp + 8 * c);
    for (int r = 0; r < RI; r++) {
      __m256 av = _mm256_broadcast_ss(ap + r * asi);
      for (int c = 0; c < RJ; c++) acc[r][c] = _mm256_add_ps(acc[r][c], _mm256_mul_ps(av, bv[c]));
    }
  }
  for (int r = 0; r < RI; r++)
    for (int c = 0; c < RJ; c++) {
      float* o = out + (i + r) * ldo + j + 8 * c;
      if (MASK) _mm256_maskstore_ps(o, mask, acc[r][c]);
      else _mm256_storeu_ps(o, acc[r][c]);
    }
}

__attribute__((target("avx2"))) static void SeqGemmRows(int64_t i0, int64_t i1, int64_t J, int64_t L, const float* a,
                                                        int64_t asi, int64_t asl, const float* b, int64_t ldb,
                                                        float* out, int64_t ldo) {
  const __m256i none = _mm256_setzero_si256();
  int64_t jt = J - J % 8;  // the last, partial group of columns goes through masked loads and stores
  __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(J - jt)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4) {
    int64_t j = 0;
    for (; j + 16 <= J; j += 16) Tile<4, 2, false>(i, j, L, a, asi, asl, b, ldb, out, ldo, none);
    for (; j + 8 <= J; j += 8) Tile<4, 1, false>(i, j, L, a, asi, asl, b, ldb, out, ldo, none);
    if (j < J) Tile<4, 1, true>(i, j, L, a, asi, asl, b, ldb, out, ldo, tail);
  }
  for (; i < i1; i++) {
    int64_t j = 0;
    for (; j + 16 <= J; j += 16) Tile<1, 2, false>(i, j, L, a, asi, asl, b, ldb, out, ldo, none);
    for (; j + 8 <= J; j += 8) Tile<1, 1, false>(i, j, L, a, asi, asl, b, ldb, out, ldo, none);
    if (j < J) Tile<1, 1, true>(i, j, L, a, asi, asl, b, ldb, out, ldo, tail);
  }
}
#endif

static void SeqGemm(int64_t I, int64_t J, int64_t L, const float* a, int64_t asi, int64_t asl, const float* b,
                    int64_t ldb, float* out, int64_t ldo) {
  int64_t blocks = (I + 3) / 4;
  int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, J * L));  // 4-row blocks per task
#ifdef TTS_X86
  at::parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    SeqGemmRows(b0 * 4, std::min(I, b1 * 4), J, L, a, asi, asl, b, ldb, out, ldo);
  });
#else
  throw std::runtime_error("torchts: the sequential GEMM needs x86-64 AVX2");
#endif
}

// y = x wᵀ (+ b, added last) for a contiguous (N, K) x and (M, K) w.
static at::Tensor Forward(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  int64_t n = x.size(0), k = x.size(1), m = w.size(0);
  at::Tensor xt = x.t().contiguous();  // (K, N): the sums run across n
  at::Tensor yt = at::empty({m, n}, x.options());
  SeqGemm(m, n, k, w.data_ptr<float>(), k, 1, xt.data_ptr<float>(), n, yt.data_ptr<float>(), n);
  at::Tensor y = at::empty({n, m}, x.options());
  const float* s = yt.data_ptr<float>();
  float* d = y.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < m; c++) d[r * m + c] = bp ? s[c * n + r] + bp[c] : s[c * n + r];
  return y;
}
// dx (N, K) = g (N, M) w (M, K)
static at::Tensor GradInput(const at::Tensor& g, const at::Tensor& w) {
  int64_t n = g.size(0), m = g.size(1), k = w.size(1);
  at::Tensor gx = at::empty({n, k}, g.options());
  SeqGemm(n, k, m, g.data_ptr<float>(), m, 1, w.data_ptr<float>(), k, gx.data_ptr<float>(), k);
  return gx;
}
// dw (M, K) = gᵀ (M, N) x (N, K)
static at::Tensor GradWeight(const at::Tensor& g, const at::Tensor& x) {
  int64_t n = g.size(0), m = g.size(1), k = x.size(1);
  at::Tensor gw = at::empty({m, k}, g.options());
  SeqGemm(m, k, n, g.data_ptr<float>(), 1, m, x.data_ptr<float>(), k, gw.data_ptr<float>(), k);
  return gw;
}

// The autograd node, named as PyTorch's for linear (addmm with a bias, mm without) so that grad_fn prints the same.
struct LinearBackward : public torch::autograd::Node {
  torch::autograd::SavedVariable x_, w_;
  bool bias_ = false;
  std::string name() const override { return bias_ ? "AddmmBackward0" : "MmBackward0"; }
  void release_variables() override { x_.reset_data(); w_.reset_data(); }
  torch::autograd::variable_list apply(torch::autograd::variable_list&& go) override {
    at::Tensor x = x_.unpack(SelfPtr(this)), w = w_.unpack(SelfPtr(this));
    at::Tensor gx, gw, gb;
    if (!go[0].defined()) return {gx, gw, gb};
    at::Tensor g = go[0].contiguous();
    bool plain = !at::GradMode::is_enabled() && g.scalar_type() == at::kFloat && !g.is_conj() && !g.is_neg();
    if (should_compute_output(0)) gx = plain ? GradInput(g, w) : g.mm(w);  // create_graph: differentiable ops
    if (should_compute_output(1)) gw = plain ? GradWeight(g, x) : g.t().mm(x);
    if (bias_ && should_compute_output(2)) gb = at::sum_to(g, at::IntArrayRef{w.size(0)});
    return {gx, gw, gb};
  }
};

static bool CpuFloat(const at::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.layout() == at::kStrided && !t.is_conj() &&
         !t.is_neg();
}

static at::Tensor FastLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor xc = x.contiguous(), wc = w.contiguous(), bc = b.defined() ? b.contiguous() : b;
  bool grad = at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad()));
  if (!grad) return Forward(xc, wc, bc);
  auto node = MakeNode<LinearBackward>();
  node->set_next_edges(torch::autograd::collect_next_edges(xc, wc, bc));
  node->x_ = torch::autograd::SavedVariable(xc, false);
  node->w_ = torch::autograd::SavedVariable(wc, false);
  node->bias_ = bc.defined();
  at::Tensor y = Forward(xc, wc, bc);
  torch::autograd::set_history(y, node);
  return y;
}

// The probe: this path against at::linear and its backward on awkward sizes and a wide range of magnitudes.
static bool ProbeMatches() {
  at::NoGradGuard outer;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12345);
  auto wide = [&](std::vector<int64_t> s) {
    return (at::randn(s, gen, at::kFloat) * at::exp(at::randn(s, gen, at::kFloat) * 2)).contiguous();
  };
  for (auto shape : {std::vector<int64_t>{7, 300, 13}, std::vector<int64_t>{33, 70, 40}}) {
    int64_t n = shape[0], k = shape[1], m = shape[2];
    at::Tensor x = wide({n, k}), w = wide({m, k}), b = wide({m}), g = wide({n, m});
    at::Tensor y0, gx0, gw0, gb0;
    {
      at::AutoGradMode on(true);
      at::Tensor xr = x.clone().requires_grad_(true), wr = w.clone().requires_grad_(true), br = b.clone().requires_grad_(true);
      y0 = at::linear(xr, wr, br);
      auto gs = torch::autograd::grad({y0}, {xr, wr, br}, {g});
      gx0 = gs[0]; gw0 = gs[1]; gb0 = gs[2];
    }
    at::Tensor y1 = Forward(x, w, b), y2 = Forward(x, w, at::Tensor()), gx1 = GradInput(g, w), gw1 = GradWeight(g, x);
    at::Tensor y2r = at::linear(x, w);
    if (!at::equal(y0.detach(), y1) || !at::equal(y2r, y2) || !at::equal(gx0, gx1) || !at::equal(gw0, gw1) ||
        !at::equal(gb0, at::sum_to(g, at::IntArrayRef{m})))
      return false;
  }
  return true;
}

static bool Enabled() {
  static bool on = [] {
    const char* env = getenv("TORCHTS_LINEAR");
    if (env && std::string(env) == "aten") return false;
    if (at::hasMKL() || !TTS_CPU_HAS("avx2")) return false;
    try { return ProbeMatches(); } catch (...) { return false; }
  }();
  return on;
}

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  bool fast = x.dim() == 2 && w.dim() == 2 && CpuFloat(x) && CpuFloat(w) && x.size(1) == w.size(1) && x.numel() > 0 &&
              w.numel() > 0 && (!b.defined() || (CpuFloat(b) && b.dim() == 1 && b.size(0) == w.size(0))) &&
              !torch::jit::tracer::isTracing() && Enabled();
  if (!fast) return at::linear(x, w, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt);
  return FastLinear(x, w, b);
}

// linear(x, w, b|null) -> id: nn.functional.linear on the same path as nn.Linear
static Napi::Value NnLinear(const Napi::CallbackInfo& info) {
  at::Tensor b;
  if (!info[2].IsNull() && !info[2].IsUndefined()) b = TensorArg(info, 2, "bias");
  return Napi::Number::New(info.Env(), Put(Linear(TensorArg(info, 0, "input"), TensorArg(info, 1, "weight"), b)));
}
// "sequential-avx2" where nn.Linear runs on the kernels above, "aten" elsewhere (for doctor and benchmarks).
static Napi::Value NnLinearBackend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Enabled() ? "sequential-avx2" : "aten");
}

TTS_AREA(linear) {
  TTS_EXPORT(NnLinear);
  TTS_EXPORT(NnLinearBackend);
}

}  // namespace tts
