// Optimizer steps: one native call per parameter group, following PyTorch 1.13's single-tensor
// implementations (torch/optim/{sgd,adam,adamw,rmsprop,adagrad}.py, `_single_tensor_*`) op for op,
// so that trajectories match Python's to the last bit on the same libtorch. State tensors are owned
// by JS (kept out of tidy scopes) and passed in by slot id; temporaries here die with the call.
#include "common.h"
#include "fused.h"

namespace tts {

// A list of slot ids (or Tensor objects); null/undefined/-1 entries become undefined tensors.
static std::vector<at::Tensor> OptTensorList(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsArray()) ThrowType(info.Env(), std::string("argument '") + name + "' must be an array");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (v.IsNull() || v.IsUndefined()) continue;
    int32_t id;
    if (v.IsNumber()) id = v.As<Napi::Number>().Int32Value();
    else if (v.IsObject() && v.As<Napi::Object>().Get("_id").IsNumber()) id = v.As<Napi::Object>().Get("_id").As<Napi::Number>().Int32Value();
    else ThrowType(info.Env(), std::string("argument '") + name + "' must be an array of Tensors");
    if (id == -1 && v.IsNumber()) continue;
    out[k] = Get(id);
  }
  return out;
}

static void CheckLen(Napi::Env env, size_t n, const std::vector<at::Tensor>& v, const char* name) {
  if (v.size() != n) ThrowType(env, std::string("argument '") + name + "' must have one entry per parameter");
}
static void CheckDefined(Napi::Env env, const at::Tensor& t, const char* name, size_t k) {
  if (!t.defined()) throw TorchError(env, std::string(name) + "[" + std::to_string(k) + "] is missing");
}
// The gradient of a parameter the caller selected for the step.
static at::Tensor GradOf(Napi::Env env, const at::Tensor& p, size_t k) {
  const at::Tensor& g = p.grad();
  if (!g.defined()) throw TorchError(env, "parameter " + std::to_string(k) + " has no gradient");
  return g;
}
static at::Tensor Real(const at::Tensor& t) { return t.is_complex() ? at::view_as_real(t) : t; }

// hasGrad(params[]) -> boolean[]
static Napi::Value OptimHasGrad(const Napi::CallbackInfo& info) {
  auto ps = TensorListArg(info, 0, "params");
  Napi::Array a = Napi::Array::New(info.Env(), ps.size());
  for (size_t k = 0; k < ps.size(); k++) a.Set(static_cast<uint32_t>(k), Napi::Boolean::New(info.Env(), ps[k].grad().defined()));
  return a;
}

// zeroGrad(params[], setToNone): Optimizer.zero_grad
static Napi::Value OptimZeroGrad(const Napi::CallbackInfo& info) {
  auto ps = TensorListArg(info, 0, "params");
  bool setToNone = BoolArg(info, 1, "setToNone");
  for (auto& p : ps) {
    at::Tensor& g = p.mutable_grad();
    if (!g.defined()) continue;
    if (setToNone) { g = at::Tensor(); continue; }
    if (g.grad_fn()) g.detach_();
    else g.requires_grad_(false);
    g.zero_();
  }
  return info.Env().Undefined();
}

// sgd(params[], momentumBuffers[] (null where none yet), lr, momentum, dampening, weightDecay, nesterov, maximize)
//   -> array with a new Tensor where a momentum buffer was created, null elsewhere
static Napi::Value OptimSGD(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ps = TensorListArg(info, 0, "params");
  auto bufs = OptTensorList(info, 1, "momentumBuffers");
  CheckLen(env, ps.size(), bufs, "momentumBuffers");
  double lr = NumArg(info, 2, "lr"), momentum = NumArg(info, 3, "momentum"), dampening = NumArg(info, 4, "dampening");
  double wd = NumArg(info, 5, "weightDecay");
  bool nesterov = BoolArg(info, 6, "nesterov"), maximize = BoolArg(info, 7, "maximize");
  at::NoGradGuard ng;
  Napi::Array created = Napi::Array::New(env, ps.size());
  for (size_t k = 0; k < ps.size(); k++) {
    at::Tensor& p = ps[k];
    at::Tensor d_p = GradOf(env, p, k);
    if (maximize) d_p = d_p.neg();
    if (wd != 0) d_p = d_p.add(p, wd);
    Napi::Value made = env.Null();
    if (momentum != 0) {
      at::Tensor buf = bufs[k];
      if (!buf.defined()) {
        buf = at::clone(d_p).detach();
        made = Wrap(env, buf);
      } else {
        buf.mul_(momentum).add_(d_p, 1 - dampening);
      }
      if (nesterov) d_p = d_p.add(buf, momentum);
      else d_p = buf;
    }
    p.add_(d_p, -lr);
    created.Set(static_cast<uint32_t>(k), made);
  }
  return created;
}

// adam(params[], expAvgs[], expAvgSqs[], maxExpAvgSqs[] (empty unless amsgrad), steps[],
//      lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled[, capturable])
// decoupled=true is AdamW (param.mul_(1 - lr*wd) instead of L2 on the gradient).
// capturable=true: the steps live on the parameters' device and the bias corrections are tensor ops there
// (as PyTorch's capturable branch), so nothing reads the device from the host and a CUDA graph can capture it.
static Napi::Value OptimAdam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ps = TensorListArg(info, 0, "params");
  auto m1 = OptTensorList(info, 1, "expAvgs");
  auto m2 = OptTensorList(info, 2, "expAvgSqs");
  auto mx = OptTensorList(info, 3, "maxExpAvgSqs");
  auto steps = OptTensorList(info, 4, "steps");
  double lr = NumArg(info, 5, "lr"), beta1 = NumArg(info, 6, "beta1"), beta2 = NumArg(info, 7, "beta2");
  double eps = NumArg(info, 8, "eps"), wd = NumArg(info, 9, "weightDecay");
  bool amsgrad = BoolArg(info, 10, "amsgrad"), maximize = BoolArg(info, 11, "maximize"), decoupled = BoolArg(info, 12, "decoupled");
  bool capturable = info.Length() > 13 && !info[13].IsUndefined() && BoolArg(info, 13, "capturable");
  size_t n = ps.size();
  CheckLen(env, n, m1, "expAvgs"); CheckLen(env, n, m2, "expAvgSqs"); CheckLen(env, n, steps, "steps");
  if (amsgrad) CheckLen(env, n, mx, "maxExpAvgSqs");
  at::NoGradGuard ng;
  for (size_t k = 0; k < n; k++) {
    CheckDefined(env, m1[k], "expAvgs", k); CheckDefined(env, m2[k], "expAvgSqs", k); CheckDefined(env, steps[k], "steps", k);
    if (amsgrad) CheckDefined(env, mx[k], "maxExpAvgSqs", k);
    at::Tensor param = ps[k];
    at::Tensor grad = GradOf(env, param, k);
    if (capturable && steps[k].device() != param.device())
      throw TorchError(env, "If capturable=True, params and state_steps must be on the same device (steps[" + std::to_string(k) + "])");
    if (!capturable && !amsgrad && FusedAdamApplies(param, grad, m1[k], m2[k])) {  // one pass, the same bits (fused_adam.cc)
      steps[k].add_(1);
      FusedAdam(param, grad, m1[k], m2[k], {lr, beta1, beta2, eps, wd, steps[k].item<double>(), maximize, decoupled});
      continue;
    }
    if (maximize) grad = grad.neg();
    at::Tensor exp_avg = m1[k], exp_avg_sq = m2[k], step_t = steps[k];
    if (decoupled) {
      if (param.is_complex()) { grad = at::view_as_real(grad); exp_avg = at::view_as_real(exp_avg); exp_avg_sq = at::view_as_real(exp_avg_sq); param = at::view_as_real(param); }
      step_t.add_(1);
      param.mul_(1 - lr * wd);
    } else {
      step_t.add_(1);
      if (wd != 0) grad = grad.add(param, wd);
      if (param.is_complex()) { grad = at::view_as_real(grad); exp_avg = at::view_as_real(exp_avg); exp_avg_sq = at::view_as_real(exp_avg_sq); param = at::view_as_real(param); }
    }
    AdamFirstMoment(exp_avg, grad, beta1);
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), 1 - beta2);
    if (capturable) {
      // The bias corrections as float64 scalars on the device, from the step counter there (no .item()), applied
      // as the host path below applies them, so both give the same numbers. (PyTorch's capturable branch works in
      // float32, where 1 - 0.999^t loses ~1e-5 relative at small t, and folds the step size into denom, which
      // gives NaN at lr = 0: pytorch#126514.)
      at::Tensor st = step_t.to(at::kDouble);
      at::Tensor step_size_neg = -lr / (1 - at::pow(beta1, st));
      at::Tensor bias_correction2_sqrt = (1 - at::pow(beta2, st)).sqrt();
      at::Tensor v = exp_avg_sq;
      if (amsgrad) { v = Real(mx[k]); at::maximum_out(v, v, exp_avg_sq); }
      at::Tensor denom = v.sqrt().div_(bias_correction2_sqrt).add_(eps);
      param.add_(exp_avg.mul(step_size_neg).div_(denom));  // addcdiv_'s value * t1 / t2, with a tensor value
      continue;
    }
    double step = step_t.item<double>();
    double bias_correction1 = 1 - std::pow(beta1, step);
    double bias_correction2 = 1 - std::pow(beta2, step);
    double step_size = lr / bias_correction1;
    double bias_correction2_sqrt = std::sqrt(bias_correction2);
    at::Tensor denom;
    if (amsgrad) {
      at::Tensor mxk = Real(mx[k]);
      at::maximum_out(mxk, mxk, exp_avg_sq);
      denom = (mxk.sqrt() / bias_correction2_sqrt).add_(eps);
    } else {
      denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
    }
    param.addcdiv_(exp_avg, denom, -step_size);
  }
  return env.Undefined();
}

// rmsprop(params[], squareAvgs[], gradAvgs[] (empty unless centered), momentumBuffers[] (empty unless momentum>0),
//         lr, alpha, eps, weightDecay, momentum, centered, maximize)
static Napi::Value OptimRMSprop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ps = TensorListArg(info, 0, "params");
  auto sq = OptTensorList(info, 1, "squareAvgs");
  auto ga = OptTensorList(info, 2, "gradAvgs");
  auto mb = OptTensorList(info, 3, "momentumBuffers");
  double lr = NumArg(info, 4, "lr"), alpha = NumArg(info, 5, "alpha"), eps = NumArg(info, 6, "eps");
  double wd = NumArg(info, 7, "weightDecay"), momentum = NumArg(info, 8, "momentum");
  bool centered = BoolArg(info, 9, "centered"), maximize = BoolArg(info, 10, "maximize");
  size_t n = ps.size();
  CheckLen(env, n, sq, "squareAvgs");
  if (centered) CheckLen(env, n, ga, "gradAvgs");
  if (momentum > 0) CheckLen(env, n, mb, "momentumBuffers");
  at::NoGradGuard ng;
  for (size_t k = 0; k < n; k++) {
    CheckDefined(env, sq[k], "squareAvgs", k);
    if (centered) CheckDefined(env, ga[k], "gradAvgs", k);
    if (momentum > 0) CheckDefined(env, mb[k], "momentumBuffers", k);
    at::Tensor param = ps[k];
    at::Tensor grad = GradOf(env, param, k);
    if (maximize) grad = grad.neg();
    at::Tensor square_avg = sq[k];
    if (wd != 0) grad = grad.add(param, wd);
    param = Real(param); grad = Real(grad); square_avg = Real(square_avg);
    square_avg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
    at::Tensor avg;
    if (centered) {
      at::Tensor grad_avg = Real(ga[k]);
      grad_avg.mul_(alpha).add_(grad, 1 - alpha);
      avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_();
    } else {
      avg = square_avg.sqrt();
    }
    avg = avg.add_(eps);
    if (momentum > 0) {
      at::Tensor buf = Real(mb[k]);
      buf.mul_(momentum).addcdiv_(grad, avg);
      param.add_(buf, -lr);
    } else {
      param.addcdiv_(grad, avg, -lr);
    }
  }
  return env.Undefined();
}

// adagrad(params[], sums[], steps[], lr, lrDecay, weightDecay, eps, maximize)
static Napi::Value OptimAdagrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ps = TensorListArg(info, 0, "params");
  auto sums = OptTensorList(info, 1, "sums");
  auto steps = OptTensorList(info, 2, "steps");
  double lr = NumArg(info, 3, "lr"), lrDecay = NumArg(info, 4, "lrDecay"), wd = NumArg(info, 5, "weightDecay");
  double eps = NumArg(info, 6, "eps");
  bool maximize = BoolArg(info, 7, "maximize");
  size_t n = ps.size();
  CheckLen(env, n, sums, "sums"); CheckLen(env, n, steps, "steps");
  at::NoGradGuard ng;
  for (size_t k = 0; k < n; k++) {
    CheckDefined(env, sums[k], "sums", k); CheckDefined(env, steps[k], "steps", k);
    at::Tensor param = ps[k], state_sum = sums[k], step_t = steps[k];
    at::Tensor grad = GradOf(env, param, k);
    step_t.add_(1);
    double step = step_t.item<double>();
    if (maximize) grad = grad.neg();
    if (wd != 0) {
      if (grad.is_sparse()) throw TorchError(env, "weight_decay option is not compatible with sparse gradients");
      grad = grad.add(param, wd);
    }
    double clr = lr / (1 + (step - 1) * lrDecay);
    if (grad.is_sparse()) {
      grad = grad.coalesce();
      at::Tensor idx = grad._indices(), vals = grad._values();
      auto makeSparse = [&](const at::Tensor& v) {
        if (idx.numel() == 0 || v.numel() == 0) return at::empty_like(grad);
        return at::sparse_coo_tensor(idx, v, grad.sizes());
      };
      state_sum.add_(makeSparse(vals.pow(2)));
      at::Tensor stdv = state_sum.sparse_mask(grad);
      at::Tensor std_values = stdv._values().sqrt_().add_(eps);
      param.add_(makeSparse(vals / std_values), -clr);
    } else {
      param = Real(param); grad = Real(grad); state_sum = Real(state_sum);
      state_sum.addcmul_(grad, grad, 1);
      at::Tensor stdv = state_sum.sqrt().add_(eps);
      param.addcdiv_(grad, stdv, -clr);
    }
  }
  return env.Undefined();
}

TTS_AREA(optim) {
  TTS_EXPORT(OptimHasGrad);
  TTS_EXPORT(OptimZeroGrad);
  TTS_EXPORT(OptimSGD);
  TTS_EXPORT(OptimAdam);
  TTS_EXPORT(OptimRMSprop);
  TTS_EXPORT(OptimAdagrad);
}

}  // namespace tts
