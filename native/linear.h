// nn.Linear's op: at::linear, or oneDNN's sgemm where libtorch's BLAS is a slow one (see linear.cc).
#pragma once
#include "pch.h"

namespace tts {
at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);
}
