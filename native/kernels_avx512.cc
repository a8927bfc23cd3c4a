// AVX-512 kernels (Skylake-SP and later, Zen 4/5): 8x48 register tile = 24 zmm accumulators.
#include "engine.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
namespace audeep {
namespace avx512_impl {
#define KB_VL 16
#define KB_MR 8
#define KB_NV 3
#define KB_NV_ALT 2
#define KB_NAME "avx512"
#include "kernels_body.inc"
#undef KB_VL
#undef KB_MR
#undef KB_NV
#undef KB_NAME
#undef KB_NV_ALT
}  // namespace avx512_impl
const IsaKernels& avx512_kernels() { return avx512_impl::table; }
}  // namespace audeep
#pragma GCC pop_options
#endif
