// Dropout multipliers from a seed: element i of a mask is 1/keepProb with probability keepProb, else 0.
// tfjs' randomUniform is JavaScript (~20 ns/value) and one tutorial batch needs ~21M mask values.
// splitmix64 in fixed 64K-element blocks, each seeded from (seed, block): any element can be computed on
// its own, so a whole mask fills in parallel and the RNN can make a mask's rows where it reads them, with
// the same values whatever the thread count. Each 64-bit draw yields two values, its low half for the even
// element and its high half for the odd one. The k-th draw of a block mixes s0 + (k + 1) * gamma, so draws
// are independent of each other: they are computed a tile at a time into a buffer (vectorised 64-bit
// arithmetic), then their 32-bit halves are compared with the threshold.
#include <algorithm>

#include "engine.h"

namespace audeep {

namespace {
constexpr size_t kBlock = 1 << 16;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MASK_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define MASK_CLONES
#endif

// Elements [j0, j1) of one block (block-relative), written to out[0 .. j1 - j0).
MASK_CLONES void block_span(float* out, size_t j0, size_t j1, uint64_t s0, uint64_t threshold, float scale) {
  constexpr size_t kTile = 1024;  // draws per tile
  uint64_t z[kTile];
  uint32_t u[2 * kTile];
  const uint64_t gamma = 0x9E3779B97F4A7C15ull;
  const size_t d1 = (j1 + 1) / 2;  // one past the last draw needed
  for (size_t k0 = j0 / 2; k0 < d1; k0 += kTile) {
    const size_t nk = std::min(kTile, d1 - k0);
    for (size_t k = 0; k < nk; k++) {
      uint64_t x = s0 + (uint64_t)(k0 + k + 1) * gamma;
      x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
      x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
      z[k] = x ^ (x >> 31);
    }
    for (size_t k = 0; k < nk; k++) {
      u[2 * k] = (uint32_t)(z[k] & 0xFFFFFFFFull);
      u[2 * k + 1] = (uint32_t)(z[k] >> 32);
    }
    // Elements 2*k0 .. 2*(k0+nk)-1 are in u; keep those inside [j0, j1).
    const size_t e0 = std::max(j0, 2 * k0), e1 = std::min(j1, 2 * (k0 + nk));
    float* o = out + (e0 - j0);
    const uint32_t* src = u + (e0 - 2 * k0);
    for (size_t j = 0; j < e1 - e0; j++) o[j] = (uint64_t)src[j] < threshold ? scale : 0.0f;
  }
}

inline uint64_t block_seed(uint64_t seed, size_t b) {
  return (seed + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)b * 0xD1B54A32D192ED03ull);
}
}  // namespace

DropoutStream dropout_stream(double keep_prob, uint64_t seed) {
  DropoutStream s;
  s.on = true;
  s.seed = seed;
  s.threshold = (uint64_t)std::min(4294967296.0, keep_prob * 4294967296.0);
  s.scale = (float)(1.0 / keep_prob);
  return s;
}

void dropout_range(const DropoutStream& st, size_t i0, size_t n, float* out) {
  const size_t i1 = i0 + n;
  for (size_t i = i0; i < i1;) {
    const size_t b = i / kBlock, end = std::min(i1, (b + 1) * kBlock);
    block_span(out + (i - i0), i - b * kBlock, end - b * kBlock, block_seed(st.seed, b), st.threshold, st.scale);
    i = end;
  }
}

void dropout_fill(const DropoutStream& st, float* out, size_t n) {
  const int blocks = (int)((n + kBlock - 1) / kBlock);
  parallel_for(blocks, [&](int b) {
    const size_t i0 = (size_t)b * kBlock;
    dropout_range(st, i0, std::min(n, i0 + kBlock) - i0, out + i0);
  });
}

}  // namespace audeep
