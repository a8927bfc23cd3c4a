// The one place that decides which instruction set the kernels use. The default is the best the CPU
// supports; AUDEEP_NATIVE_ISA=avx512|avx2|portable forces a path (tests use it to cover all three).
#include <cstdlib>
#include <cstring>

#include "engine.h"

namespace audeep {

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Portable:
      return true;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("fma");
#endif
    default:
      return false;
  }
}

Isa best_isa() {
  if (isa_supported(Isa::Avx512)) return Isa::Avx512;
  if (isa_supported(Isa::Avx2)) return Isa::Avx2;
  return Isa::Portable;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

static const IsaKernels* table_for(Isa isa) {
  switch (isa) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::Avx512: return &avx512_kernels();
    case Isa::Avx2: return &avx2_kernels();
#endif
    default: return &portable_kernels();
  }
}

static Isa initial_isa() {
  Isa isa = best_isa();
  const char* env = std::getenv("AUDEEP_NATIVE_ISA");
  if (env && *env) {
    Isa want = isa;
    if (!std::strcmp(env, "avx512")) want = Isa::Avx512;
    else if (!std::strcmp(env, "avx2")) want = Isa::Avx2;
    else if (!std::strcmp(env, "portable")) want = Isa::Portable;
    // An unsupported request falls back to the best path rather than crashing on an illegal instruction.
    if (isa_supported(want)) isa = want;
  }
  return isa;
}

static std::atomic<const IsaKernels*> g_active{nullptr};

const IsaKernels& active_isa() {
  const IsaKernels* k = g_active.load(std::memory_order_acquire);
  if (!k) {
    k = table_for(initial_isa());
    g_active.store(k, std::memory_order_release);
  }
  return *k;
}

bool set_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  g_active.store(table_for(isa), std::memory_order_release);
  return true;
}

}  // namespace audeep
