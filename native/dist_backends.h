// The process groups native/distributed.cc makes. CMakeLists.txt compiles this header alone, with
// TORCHTS_CHECK_GLOO or TORCHTS_CHECK_NCCL, to learn whether a libtorch and its headers support a backend; the
// build then defines TORCHTS_GLOO / TORCHTS_NCCL, and distributed.cc uses the same functions.
#pragma once
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <chrono>
#include <cstdlib>
#if defined(TORCHTS_GLOO) || defined(TORCHTS_CHECK_GLOO)
#define TTS_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if (defined(TORCHTS_CUDA) && defined(TORCHTS_NCCL)) || defined(TORCHTS_CHECK_NCCL)
#define TTS_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace tts {
// 1.13: backends are ProcessGroups; 2.x: they are c10d::Backend, with the same collective signatures.
#if TORCH_VERSION_MAJOR >= 2
using PG = c10d::Backend;
#else
using PG = c10d::ProcessGroup;
#endif

#ifdef TTS_GLOO
// GLOO_SOCKET_IFNAME picks the interface, as in PyTorch; else the hostname's address (loopback when it has none).
inline c10::intrusive_ptr<PG> NewGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, std::chrono::milliseconds timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
}
#endif
#ifdef TTS_NCCL
inline c10::intrusive_ptr<PG> NewNccl(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, std::chrono::milliseconds timeout) {
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
}
#endif
}  // namespace tts
