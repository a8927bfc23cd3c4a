// AVX2 + FMA kernels (Haswell and later, Zen). Only this file's functions use these instructions;
// they run only after dispatch.cc checked the CPU, so the binary stays loadable everywhere.
#include "engine.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace audeep {
namespace avx2_impl {
#define KB_VL 8
#define KB_MR 6
#define KB_NV 2
#define KB_NV_ALT 2
#define KB_NAME "avx2"
#include "kernels_body.inc"
#undef KB_VL
#undef KB_MR
#undef KB_NV
#undef KB_NAME
#undef KB_NV_ALT
}  // namespace avx2_impl
const IsaKernels& avx2_kernels() { return avx2_impl::table; }
}  // namespace audeep
#pragma GCC pop_options
#endif
