// sgemm driver: B is packed into nr-wide k-major panels (or, when deep and not transposed, read in place),
// A is read in place a register tile of rows at a time, and the ISA's micro-kernel does the arithmetic.
// Edges are padded with zeros in packed copies (A's last partial tile of rows, B's last partial panel) and
// computed into a scratch tile, so the micro-kernel has no edge cases.
// Threading splits the output into disjoint row or column ranges: only large calls are split.
#include <algorithm>
#include <cstring>

#include "engine.h"

namespace audeep {

namespace {
constexpr int KC = 256;
constexpr int MC_TILES = 12;  // rows of A per block = MC_TILES * mr: each panel of B serves them in turn

inline long ceil_div(long a, long b) { return (a + b - 1) / b; }

// The register tile for an N-column product: the ISA's main tile, or its narrower one when that pads N
// less (AVX-512: 8 x 48, or 8 x 32 for N = 256 or 512). Both sum every element the same way, so the choice
// only changes speed; they run at the same rate (each broadcast of A feeds 3 or 2 FMAs, measured 101-106
// GFLOP/s either way on one Zen 4 core), so padding is what decides. pack_b, packed_b_size and
// gemm_packed all choose from N alone, so they always agree.
struct Tile {
  int nr;
  void (*micro)(int kc, const float* Ap, const float* B, long ldb, float* C, long ldc, bool accumulate);
  void (*micro_rows)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate);
  void (*micro_cols)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate);
};

// Where the micro-kernel reads B: packed panels (Bp, from pack_b), or straight from a row-major B (rows ldb
// apart) for its full panels, with the last, partial panel packed alone in `edge` ([K x nr], or null).
struct BSrc {
  const float* Bp = nullptr;
  const float* B = nullptr;
  long ldb = 0;
  const float* edge = nullptr;
  int edge_panel = -1;
  const float* panel(int p, int k0, int K, int nr, long& stride) const {
    if (Bp) {
      stride = nr;
      return Bp + (long)p * K * nr + (long)k0 * nr;
    }
    if (p == edge_panel) {
      stride = nr;
      return edge + (long)k0 * nr;
    }
    stride = ldb;
    return B + (long)k0 * ldb + (long)p * nr;
  }
};
inline Tile tile_for(const IsaKernels& isa, int N) {
  const long main = ceil_div(N, isa.nr) * isa.nr, alt = ceil_div(N, isa.nr_alt) * isa.nr_alt;
  if (alt < main) return {isa.nr_alt, isa.micro_alt, isa.micro_alt_rows, isa.micro_alt_cols};
  return {isa.nr, isa.micro, isa.micro_rows, isa.micro_cols};
}

// thread_local scratch so steady-state calls never allocate.
thread_local std::vector<float> t_apack;
thread_local std::vector<float> t_bpack;

// The last `rows` (< mr) rows of a block, k0..k0+kc, as one zero-padded k-major tile: full tiles of rows
// are read in place by the micro-kernel (see gemm_range), so this is all of A that is still packed.
void pack_a_tail(const IsaKernels& isa, bool transA, int i0, int rows, int k0, int kc, const float* A, long lda,
                 float* dst) {
  const int mr = isa.mr;
  for (int k = 0; k < kc; ++k) {
    float* dk = dst + (long)k * mr;
    for (int r = 0; r < rows; ++r)
      dk[r] = transA ? A[(long)(k0 + k) * lda + (i0 + r)] : A[(long)(i0 + r) * lda + (k0 + k)];
    for (int r = rows; r < mr; ++r) dk[r] = 0.0f;
  }
}

// Rows [m0, m1) x panels [p0, p1) of C, single-threaded.
// A is read in place by the micro-kernel, a whole register tile of rows at a time: row by row, or for
// transA column by column (a tile's 8 elements of one k are then adjacent). Only a last, partial tile of rows
// is packed (zero-padded). Packing every tile was a copy of all of A per call: the per-step products of the
// RNN time loops (64 rows, K 256-768) paid it on every step, and the weight gradients' transposed A (K =
// T*B) about 8% of their time (one Zen 4 core, best of 4 alternating runs: 256 x 768 x 8000, 33.1 -> 31.9 ms).
void gemm_range(const IsaKernels& isa, const Tile& tl, bool transA, int m0, int m1, int p0, int p1, int N, int K,
                const float* A, long lda, const BSrc& bs, float* C, long ldc, bool accumulate) {
  const int mr = isa.mr, nr = tl.nr;
  const int mc_max = MC_TILES * mr;
  const long kc_max = std::min(K, KC);
  const size_t need = (size_t)mr * kc_max;  // only a block's last, partial tile of rows is packed
  if (t_apack.size() < need) t_apack.resize(need);
  float* ap = t_apack.data();
  alignas(64) float tile[16 * 64];
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = std::min(KC, K - k0);
    const bool acc = accumulate || k0 > 0;
    for (int i0 = m0; i0 < m1; i0 += mc_max) {
      const int mc = std::min(mc_max, m1 - i0);
      // Rows [0, direct) of the block are read in place; the rest come packed, from ap.
      const int direct = mc / mr * mr;
      if (direct < mc) pack_a_tail(isa, transA, i0 + direct, mc - direct, k0, kc, A, lda, ap);
      for (int p = p0; p < p1; ++p) {
        long bst;
        const float* bp = bs.panel(p, k0, K, nr, bst);
        const int j0 = p * nr;
        const int cols = std::min(nr, N - j0);
        for (int ib = 0; ib < mc; ib += mr) {
          const int rows = std::min(mr, mc - ib);
          float* c = C + (long)(i0 + ib) * ldc + j0;
          float* out = c;
          long ldo = ldc;
          if (rows < mr || cols < nr) {  // the micro-kernel writes a whole tile: edges go through a scratch one
            if (acc)
              for (int r = 0; r < rows; ++r) std::memcpy(tile + r * nr, c + r * ldc, cols * sizeof(float));
            out = tile;
            ldo = nr;
          }
          if (ib < direct && transA)
            tl.micro_cols(kc, A + (long)k0 * lda + (i0 + ib), lda, bp, bst, out, ldo, acc);
          else if (ib < direct)
            tl.micro_rows(kc, A + (long)(i0 + ib) * lda + k0, lda, bp, bst, out, ldo, acc);
          else
            tl.micro(kc, ap, bp, bst, out, ldo, acc);  // the block's packed tail (ib == direct)
          if (out == tile)
            for (int r = 0; r < rows; ++r) std::memcpy(c + r * ldc, tile + r * nr, cols * sizeof(float));
        }
      }
    }
  }
}
}  // namespace

size_t packed_b_size(const IsaKernels& isa, int K, int N) {
  const int nr = tile_for(isa, N).nr;
  return (size_t)ceil_div(N, nr) * nr * K;
}

static void pack_b_panels(int nr, bool transB, int K, int N, const float* B, long ldb, float* dst, int p0, int p1) {
  for (int p = p0; p < p1; ++p) {
    const int j0 = p * nr;
    const int cols = std::min(nr, N - j0);
    float* d = dst + (long)p * K * nr;
    if (!transB) {
      for (int k = 0; k < K; ++k) {
        const float* src = B + (long)k * ldb + j0;
        float* dk = d + (long)k * nr;
        std::memcpy(dk, src, cols * sizeof(float));
        for (int j = cols; j < nr; ++j) dk[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < cols; ++j) {
        const float* src = B + (long)(j0 + j) * ldb;
        for (int k = 0; k < K; ++k) d[(long)k * nr + j] = src[k];
      }
      for (int j = cols; j < nr; ++j)
        for (int k = 0; k < K; ++k) d[(long)k * nr + j] = 0.0f;
    }
  }
}

// Rows [k0, k1) of every panel, row by row: B is read in its own order (one sequential stream), which is
// what a large, memory-resident B (a weight gradient's T*B-deep operand) needs.
static void pack_b_rows(int nr, int K, int N, const float* B, long ldb, float* dst, int k0, int k1) {
  const int full = N / nr, rest = N - full * nr;
  for (int k = k0; k < k1; ++k) {
    const float* src = B + (long)k * ldb;
    float* d = dst + (long)k * nr;
    for (int p = 0; p < full; ++p) std::memcpy(d + (long)p * K * nr, src + p * nr, nr * sizeof(float));
    if (rest) {
      float* dk = d + (long)full * K * nr;
      std::memcpy(dk, src + full * nr, rest * sizeof(float));
      for (int j = rest; j < nr; ++j) dk[j] = 0.0f;
    }
  }
}

void pack_b(const IsaKernels& isa, bool transB, int K, int N, const float* B, long ldb, float* dst) {
  const int nr = tile_for(isa, N).nr;
  const int panels = (int)ceil_div(N, nr);
  if (!transB && (long)K * N >= (1L << 20)) {
    const int nt = std::max(1, num_threads());
    const int per = (int)ceil_div(K, nt);
    parallel_for((int)ceil_div(K, per), [&](int t) {
      pack_b_rows(nr, K, N, B, ldb, dst, t * per, std::min(K, (t + 1) * per));
    });
    return;
  }
  const int nt = (long)K * N >= (1L << 20) ? std::min(num_threads(), panels) : 1;
  if (nt <= 1) {
    pack_b_panels(nr, transB, K, N, B, ldb, dst, 0, panels);
    return;
  }
  // Packing a K = T*B operand is pure memory traffic; two cores copy it faster than one.
  const int per = (int)ceil_div(panels, nt);
  parallel_for((int)ceil_div(panels, per), [&](int t) {
    pack_b_panels(nr, transB, K, N, B, ldb, dst, t * per, std::min(panels, (t + 1) * per));
  });
}

static void gemm_driver(const IsaKernels& isa, const Tile& tl, bool transA, int M, int N, int K, const float* A,
                        long lda, const BSrc& Bp, float* C, long ldc, bool accumulate, int nthreads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i) std::memset(C + (long)i * ldc, 0, N * sizeof(float));
    return;
  }
  const int panels = (int)ceil_div(N, tl.nr);
  const double flops = 2.0 * M * N * K;
  // Measured: a 64x768x256 step GEMM (25 MFLOP) ran at 172 GFLOP/s on one core and 137 on two (fork-join
  // wake-up and halved cache reuse); T*B-row GEMMs doubled. So only split clearly large products.
  int nt = flops < 6e7 ? 1 : std::max(1, nthreads);
  if (nt == 1) {
    gemm_range(isa, tl, transA, 0, M, 0, panels, N, K, A, lda, Bp, C, ldc, accumulate);
    return;
  }
  const int mtiles = (int)ceil_div(M, isa.mr);
  // Tasks come from a shared counter, so several per thread keep both cores busy when one of them is
  // slowed down by another process (shared machines). But every row task streams all of packed B, so
  // only small B (cache-resident) gets finer tasks; a T*B-deep B (weight gradients) keeps one per thread.
  const bool small_b = Bp.Bp && (size_t)panels * tl.nr * K * sizeof(float) <= (2u << 20);
  if (mtiles >= 4 * nt) {
    // Split rows in whole register tiles.
    const int per = std::max(4, (int)ceil_div(mtiles, small_b ? 4 * nt : nt));
    const int tasks = (int)ceil_div(mtiles, per);
    parallel_for(tasks, [&](int t) {
      const int m0 = t * per * isa.mr;
      const int m1 = std::min(M, (t + 1) * per * isa.mr);
      gemm_range(isa, tl, transA, m0, m1, 0, panels, N, K, A, lda, Bp, C, ldc, accumulate);
    });
  } else {
    const int per = (int)ceil_div(panels, nt);
    const int tasks = (int)ceil_div(panels, per);
    parallel_for(tasks, [&](int t) {
      const int p0 = t * per;
      const int p1 = std::min(panels, p0 + per);
      gemm_range(isa, tl, transA, 0, M, p0, p1, N, K, A, lda, Bp, C, ldc, accumulate);
    });
  }
}

void gemm_packed(const IsaKernels& isa, bool transA, int M, int N, int K, const float* A, long lda,
                 const float* Bp, float* C, long ldc, bool accumulate, int nthreads) {
  BSrc bs;
  bs.Bp = Bp;
  gemm_driver(isa, tile_for(isa, N), transA, M, N, K, A, lda, bs, C, ldc, accumulate, nthreads);
}

void sgemm(bool transA, bool transB, int M, int N, int K, const float* A, long lda, const float* B, long ldb,
           float* C, long ldc, bool accumulate, int nthreads) {
  const IsaKernels& isa = active_isa();
  if (!transB && K >= kSgemmInPlaceBDepth && M > 0 && N > 0) {
    // A deep, row-major B (a weight gradient's T*B rows): the micro-kernel reads its rows in place instead
    // of a packed copy (packing it was a full extra pass over tens of MB, written and read back). Only a
    // last, partial panel is packed (zero-padded).
    const Tile tl = tile_for(isa, N);
    BSrc bs;
    bs.B = B;
    bs.ldb = ldb;
    const int full = N / tl.nr;
    if (full * tl.nr < N) {
      const int cols = N - full * tl.nr;
      if (t_bpack.size() < (size_t)K * tl.nr) t_bpack.resize((size_t)K * tl.nr);
      float* e = t_bpack.data();
      for (int k = 0; k < K; ++k) {
        std::memcpy(e + (long)k * tl.nr, B + (long)k * ldb + (long)full * tl.nr, cols * sizeof(float));
        for (int j = cols; j < tl.nr; ++j) e[(long)k * tl.nr + j] = 0.0f;
      }
      bs.edge = e;
      bs.edge_panel = full;
    }
    gemm_driver(isa, tl, transA, M, N, K, A, lda, bs, C, ldc, accumulate, nthreads);
    return;
  }
  const size_t need = packed_b_size(isa, K, N);
  if (t_bpack.size() < need) t_bpack.resize(need);
  pack_b(isa, transB, K, N, B, ldb, t_bpack.data());
  gemm_packed(isa, transA, M, N, K, A, lda, t_bpack.data(), C, ldc, accumulate, nthreads);
}

void sgemm_sparse_a(int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc,
                    int nthreads) {
  const IsaKernels& isa = active_isa();
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; ++i) std::memset(C + (long)i * ldc, 0, N * sizeof(float));
    return;
  }
  // Columns in chunks of JC, rows of B in slices of KS: a KS x JC slice of B stays in L1 while every row
  // of A goes over it (a skipped zero makes the rows of B read unpredictable, so they must be cache hits).
  // The running sums live in T (M x JC) between slices.
  // Measured on the MLP's 150 x 320 x 1024 product (2026-12, AMD EPYC, AVX-512) at 20% non-zeros: JC 64 and
  // KS 128 (a 32 KiB slice) 0.44 ms, dense sgemm 1.09 ms; JC 128 / KS 32 0.63 ms; without copying the
  // chunk (rows 4 KiB apart) 0.75 ms. JC must be a multiple of the kernels' 4-vector step (64 floats).
  constexpr int JC = 64;
  constexpr int KS = 128;
  thread_local std::vector<int> t_nz, t_pos;
  const int kc_max = std::min(K, KC);
  const int slices_max = (int)ceil_div(kc_max, KS);
  if (t_nz.size() < (size_t)M * kc_max) t_nz.resize((size_t)M * kc_max);
  if (t_pos.size() < (size_t)M * (slices_max + 1)) t_pos.resize((size_t)M * (slices_max + 1));
  int* nz = t_nz.data();
  int* pos = t_pos.data();  // pos[s * M + i]: where slice s of row i starts in its k list
  const int chunks = (int)ceil_div(N, JC);
  const int nt = std::max(1, std::min(nthreads, chunks));
  for (int k0 = 0; k0 < K; k0 += KC) {  // the K-blocks of gemm_range, in its order
    const int kc = std::min(KC, K - k0);
    const int slices = (int)ceil_div(kc, KS);
    for (int i = 0; i < M; ++i) {
      const float* a = A + (long)i * lda + k0;
      int* ks = nz + (long)i * kc;
      int cnt = 0;
      for (int s = 0; s < slices; ++s) {
        pos[(long)s * M + i] = cnt;
        for (int k = s * KS, ke = std::min(kc, (s + 1) * KS); k < ke; ++k) {
          ks[cnt] = k;
          cnt += a[k] != 0.0f;  // branch-free: the zeros fall at random
        }
      }
      pos[(long)slices * M + i] = cnt;
    }
    const float* Bk = B + (long)k0 * ldb;
    const bool acc_c = k0 > 0;
    auto run = [&](int c0, int c1) {
      thread_local std::vector<float> t_t;
      if (t_t.size() < (size_t)M * JC) t_t.resize((size_t)M * JC);
      float* T = t_t.data();
      thread_local std::vector<float> t_b;
      if (t_b.size() < (size_t)kc_max * JC) t_b.resize((size_t)kc_max * JC);
      float* Bc = t_b.data();
      for (int c = c0; c < c1; ++c) {
        const int j0 = c * JC, j1 = std::min(N, (c + 1) * JC);
        // B's rows are often 4 KiB apart (1024 floats), which maps them all to the same few L1 sets: copy
        // the chunk so that its rows are contiguous.
        for (int k = 0; k < kc; ++k) std::memcpy(Bc + (long)k * JC, Bk + (long)k * ldb + j0, (j1 - j0) * sizeof(float));
        for (int s = 0; s < slices; ++s)
          isa.sparse_a_block(M, 0, j1 - j0, A + k0, lda, nz, kc, pos + (long)s * M, pos + (long)(s + 1) * M, Bc, JC, T,
                             JC, s == 0);
        for (int i = 0; i < M; ++i) {
          float* c_row = C + (long)i * ldc;
          const float* t_row = T + (long)i * JC - j0;  // T's columns are j - j0
          if (acc_c)
            for (int j = j0; j < j1; ++j) c_row[j] = t_row[j] + c_row[j];  // micro(): acc + C
          else
            std::memcpy(c_row + j0, t_row + j0, (j1 - j0) * sizeof(float));
        }
      }
    };
    if (nt == 1) {
      run(0, chunks);
    } else {
      const int per = (int)ceil_div(chunks, nt);
      parallel_for((int)ceil_div(chunks, per), [&](int t) { run(t * per, std::min(chunks, (t + 1) * per)); });
    }
  }
}

}  // namespace audeep
