// Portable kernels: baseline SSE2 on x86-64, NEON on arm64 (16-byte vectors either way).
#include "engine.h"

namespace audeep {
namespace portable_impl {
#define KB_VL 4
#define KB_MR 6
#define KB_NV 2
#define KB_NV_ALT 2
#define KB_NAME "portable"
#include "kernels_body.inc"
#undef KB_VL
#undef KB_MR
#undef KB_NV
#undef KB_NAME
#undef KB_NV_ALT
}  // namespace portable_impl

const IsaKernels& portable_kernels() { return portable_impl::table; }
}  // namespace audeep
