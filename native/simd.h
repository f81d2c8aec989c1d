// Shared by the bit-exact CPU kernels (linear.cc, fused_adam.cc): x86 intrinsics, a run-time CPU feature test,
// and no contraction into fused multiply-adds (each product must round as libtorch's kernels round it).
#pragma once
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TTS_X86 1
#endif

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#ifdef TTS_X86
#define TTS_CPU_HAS(feature) __builtin_cpu_supports(feature)
#else
#define TTS_CPU_HAS(feature) false
#endif
