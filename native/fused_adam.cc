// Adam/AdamW in one pass over each parameter, computing bit for bit what PyTorch 1.13's _single_tensor_adam(w)
// computes with libtorch's vectorised CPU kernels: grad.add(param, wd) and add_(grad, 1 - beta1) are fused
// multiply-adds (ATen's add kernel uses vec::fmadd), so is addcmul_'s (value * t1) * t2 + self; mul_, sqrt, div and
// addcdiv_'s self + (value * t1) / t2 round every operation; all in float32 with the scalars rounded to float. The op sequence reads and writes each state tensor several times
// and allocates two temporaries; one pass does it with four loads and three stores per element.
// ATen runs an op's elements in 16-wide vector blocks per thread chunk and the rest one at a time, so the fused pass
// only takes tensors whose chunks are whole blocks; a probe at first use compares it with the op sequence bit for bit
// and keeps the op sequence where they differ (or without AVX2/FMA). TORCHTS_FUSED_ADAM=0 turns it off.
#include "fused.h"
#include "common.h"
#include "simd.h"

namespace tts {

struct Consts {
  float b1, omb1, b2, omb2, bc2s, eps, negStep, wd, decay;
  bool maximize, decoupled, l2;
};

static Consts MakeConsts(const AdamArgs& a) {
  double bc1 = 1 - std::pow(a.beta1, a.step), bc2 = 1 - std::pow(a.beta2, a.step);
  Consts c;
  c.b1 = static_cast<float>(a.beta1);
  c.omb1 = static_cast<float>(1 - a.beta1);
  c.b2 = static_cast<float>(a.beta2);
  c.omb2 = static_cast<float>(1 - a.beta2);
  c.bc2s = static_cast<float>(std::sqrt(bc2));
  c.eps = static_cast<float>(a.eps);
  c.negStep = static_cast<float>(-(a.lr / bc1));
  c.wd = static_cast<float>(a.weightDecay);
  c.decay = static_cast<float>(1 - a.lr * a.weightDecay);
  c.maximize = a.maximize;
  c.decoupled = a.decoupled;
  c.l2 = !a.decoupled && a.weightDecay != 0;
  return c;
}

#ifdef TTS_X86
// Elements [i0, i1), i0 and i1 multiples of 8.
__attribute__((target("avx2,fma"))) static void AdamBlock(float* p, const float* g, float* m, float* v, int64_t i0,
                                                          int64_t i1, const Consts& c) {
  const __m256 b1 = _mm256_set1_ps(c.b1), omb1 = _mm256_set1_ps(c.omb1), b2 = _mm256_set1_ps(c.b2),
               omb2 = _mm256_set1_ps(c.omb2), bc2s = _mm256_set1_ps(c.bc2s), eps = _mm256_set1_ps(c.eps),
               ns = _mm256_set1_ps(c.negStep), wd = _mm256_set1_ps(c.wd), decay = _mm256_set1_ps(c.decay),
               sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = i0; i < i1; i += 8) {
    __m256 G = _mm256_loadu_ps(g + i), P = _mm256_loadu_ps(p + i);
    if (c.maximize) G = _mm256_xor_ps(G, sign);                 // grad = -grad
    if (c.decoupled) P = _mm256_mul_ps(P, decay);               // param.mul_(1 - lr * wd)
    else if (c.l2) G = _mm256_fmadd_ps(P, wd, G);               // grad = grad.add(param, alpha=wd)
    __m256 M = _mm256_mul_ps(_mm256_loadu_ps(m + i), b1);        // exp_avg.mul_(beta1)
    M = _mm256_fmadd_ps(G, omb1, M);                            //   .add_(grad, alpha=1 - beta1)
    __m256 V = _mm256_mul_ps(_mm256_loadu_ps(v + i), b2);        // exp_avg_sq.mul_(beta2)
    V = _mm256_fmadd_ps(_mm256_mul_ps(omb2, G), G, V);          //   .addcmul_(grad, grad, value=1 - beta2)
    __m256 D = _mm256_div_ps(_mm256_sqrt_ps(V), bc2s);          // exp_avg_sq.sqrt() / bias_correction2_sqrt
    D = _mm256_add_ps(D, eps);                                  //   .add_(eps)
    P = _mm256_add_ps(P, _mm256_div_ps(_mm256_mul_ps(ns, M), D));  // param.addcdiv_(exp_avg, denom, value=-step_size)
    _mm256_storeu_ps(m + i, M);
    _mm256_storeu_ps(v + i, V);
    _mm256_storeu_ps(p + i, P);
  }
}
#endif

static void RunFused(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v,
                     const AdamArgs& a) {
  Consts c = MakeConsts(a);
  float *pp = p.data_ptr<float>(), *mp = m.data_ptr<float>(), *vp = v.data_ptr<float>();
  const float* gp = g.data_ptr<float>();
  int64_t blocks = p.numel() / 8;
#ifdef TTS_X86
  at::parallel_for(0, blocks, 4096, [&](int64_t b0, int64_t b1) { AdamBlock(pp, gp, mp, vp, b0 * 8, b1 * 8, c); });
#else
  throw std::runtime_error("torchts: the fused Adam pass needs x86-64 AVX2");
#endif
}

// The op sequence of optim.cc (PyTorch's _single_tensor_adam(w), without amsgrad). On 2.x (lerp_) the fused pass
// differs from it, the probe says so and the op sequence runs.
static void AdamOps(at::Tensor param, at::Tensor grad, at::Tensor exp_avg, at::Tensor exp_avg_sq, const AdamArgs& a) {
  if (a.maximize) grad = grad.neg();
  if (a.decoupled) param.mul_(1 - a.lr * a.weightDecay);
  else if (a.weightDecay != 0) grad = grad.add(param, a.weightDecay);
  AdamFirstMoment(exp_avg, grad, a.beta1);
  exp_avg_sq.mul_(a.beta2).addcmul_(grad, grad.conj(), 1 - a.beta2);
  double bc1 = 1 - std::pow(a.beta1, a.step), bc2 = 1 - std::pow(a.beta2, a.step);
  at::Tensor denom = (exp_avg_sq.sqrt() / std::sqrt(bc2)).add_(a.eps);
  param.addcdiv_(exp_avg, denom, -(a.lr / bc1));
}

static bool ProbeMatches() {
  at::NoGradGuard ng;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4321);
  auto wide = [&](int64_t n) { return at::randn({n}, gen, at::kFloat) * at::exp(at::randn({n}, gen, at::kFloat) * 3); };
  const int64_t n = 4096;
  AdamArgs variants[] = {
      {1e-3, 0.9, 0.999, 1e-8, 0.0, 0, false, false},
      {3e-2, 0.8, 0.99, 1e-6, 1e-2, 0, true, false},
      {1e-3, 0.9, 0.999, 1e-8, 1e-2, 0, false, true},
  };
  for (auto a : variants) {
    at::Tensor p0 = wide(n), m0 = wide(n), v0 = wide(n).abs();
    at::Tensor p1 = p0.clone(), m1 = m0.clone(), v1 = v0.clone();
    for (int s = 1; s <= 3; s++) {
      at::Tensor g = wide(n);
      a.step = s;
      AdamOps(p0, g, m0, v0, a);
      RunFused(p1, g, m1, v1, a);
    }
    if (!at::equal(p0, p1) || !at::equal(m0, m1) || !at::equal(v0, v1)) return false;
  }
  return true;
}

static bool Enabled() {
  static bool on = [] {
    const char* env = getenv("TORCHTS_FUSED_ADAM");
    if (env && std::string(env) == "0") return false;
    if (!TTS_CPU_HAS("avx2") || !TTS_CPU_HAS("fma")) return false;
    try { return ProbeMatches(); } catch (...) { return false; }
  }();
  return on;
}

static bool Plain(const at::Tensor& t, int64_t n) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.layout() == at::kStrided &&
         t.is_contiguous() && !t.is_conj() && !t.is_neg() && t.numel() == n;
}

bool FusedAdamApplies(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg, const at::Tensor& expAvgSq) {
  int64_t n = param.numel();
  if (n == 0 || n % 16 != 0) return false;
  // ATen's chunks per thread (parallel_for with GRAIN_SIZE 32768) must be whole 16-element blocks too.
  int64_t nt = std::min<int64_t>(at::get_num_threads(), (n + 32767) / 32768);
  int64_t chunk = (n + nt - 1) / nt;
  if (chunk % 16 != 0) return false;
  if (!Plain(param, n) || !Plain(grad, n) || !Plain(expAvg, n) || !Plain(expAvgSq, n)) return false;
  return !grad.is_same(param) && !expAvg.is_same(expAvgSq) && Enabled();
}

void FusedAdam(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg, const at::Tensor& expAvgSq,
               const AdamArgs& a) {
  RunFused(param, grad, expAvg, expAvgSq, a);
}

// Whether Adam steps run the fused pass here (for doctor and benchmarks).
static Napi::Value OptimFusedAdam(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Enabled()); }

TTS_AREA(fused) {
  TTS_EXPORT(OptimFusedAdam);
}

}  // namespace tts
