// For code whose float32 results must equal TensorFlow.js' bit for bit (native/adam.cc, native/mlp.cc):
// include it before any function definition of the file.
// - Multiply-adds are never contracted into FMAs (one rounding instead of two), whatever the build flags.
// - EXACT_CLONES compiles a loop for AVX-512, AVX2 and baseline x86-64, picked at load time: IEEE float
//   operations (+ - * / sqrt, without contraction) round alike at every vector width.
// - IeeeGuard keeps IEEE subnormals for its lifetime (the pool's workers flush them to zero for the GEMMs).
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EXACT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EXACT_CLONES
#endif

namespace audeep {

struct IeeeGuard {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned saved;
  IeeeGuard() : saved(_mm_getcsr()) { _mm_setcsr(saved & ~0x8040u); }
  ~IeeeGuard() { _mm_setcsr(saved); }
#endif
};

}  // namespace audeep
