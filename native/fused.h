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

}  // namespace tts
