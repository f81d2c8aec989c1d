// Fused CPU kernels that compute exactly what a sequence of libtorch ops computes (see fused_adam.cc).
#pragma once
#include "pch.h"

namespace tts {

struct AdamArgs {
  double lr, beta1, beta2, eps, weightDecay, step;
  bool maximize, decoupled;
};

// Whether FusedAdam gives these tensors exactly what the op sequence gives (else the caller runs the op sequence).
bool FusedAdamApplies(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg, const at::Tensor& expAvgSq);
// One Adam/AdamW update of one parameter (step already counted) in a single pass, bit for bit PyTorch 1.13's
// _single_tensor_adam(w) without amsgrad on this libtorch.
void FusedAdam(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg, const at::Tensor& expAvgSq,
               const AdamArgs& a);

// Adam's first moment as the installed PyTorch computes it: 1.13 mul_(beta1).add_(grad, 1 - beta1); 2.x lerp_.
inline void AdamFirstMoment(at::Tensor& expAvg, const at::Tensor& grad, double beta1) {
#if TORCH_VERSION_MAJOR >= 2
  expAvg.lerp_(grad, 1 - beta1);
#else
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
#endif
}

}  // namespace tts

namespace tts {
// max_pool2d(x, 2) (stride 2, no padding, floor mode) of a contiguous float32 (N, C, H, W) input that requires grad:
// the same values, indices and gradients as at::max_pool2d_with_indices in one tight pass. Undefined where it does
// not apply (the caller runs at::max_pool2d).
at::Tensor MaxPool2x2(const at::Tensor& x, at::IntArrayRef k, at::IntArrayRef s, at::IntArrayRef p, at::IntArrayRef d,
                      bool ceil);
}  // namespace tts
