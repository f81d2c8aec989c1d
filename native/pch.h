// Precompiled header: libtorch and node-addon-api are parsed once per build.
#pragma once
#include <torch/torch.h>
#include <torch/script.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/jit/runtime/operator.h>
#include <napi.h>
