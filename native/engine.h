// Declarations shared by the native compute engine: instruction-set dispatch, sgemm, the thread pool
// and the fused GRU/LSTM sequence kernels. Everything here is plain C++ (no N-API) so the kernels can
// be reasoned about and tested independently of the binding in addon.cc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace audeep {

// ---------------------------------------------------------------------------------------------
// Per-ISA kernels. One table per instruction set; dispatch.cc picks one at load time (or on request)
// and every caller goes through active_isa(), so the choice lives in exactly one place.
// ---------------------------------------------------------------------------------------------
struct IsaKernels {
  const char* name;
  int mr;  // rows of the register tile (rows of A per micro-kernel call)
  int nr;  // columns of the register tile (width of a packed B panel)
  // C[mr x nr] (+)= Ap[kc x mr] * B[kc x nr]; Ap is a packed k-major panel, B's rows are ldb floats apart
  // (nr for a packed panel).
  void (*micro)(int kc, const float* Ap, const float* B, long ldb, float* C, long ldc, bool accumulate);
  // A narrower tile (same mr, nr_alt columns) for widths the main tile would pad (e.g. 256 with nr 48);
  // it computes every element exactly as micro does. gemm.cc picks the tile per N (tile_for).
  int nr_alt;
  void (*micro_alt)(int kc, const float* Ap, const float* B, long ldb, float* C, long ldc, bool accumulate);
  // The same two tiles reading the mr rows of A in place instead of from a packed panel, bit for bit the same
  // results: _rows from a row-major A (rows lda floats apart), _cols from a transposed one (A[k * lda + i]).
  void (*micro_rows)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate);
  void (*micro_alt_rows)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc,
                         bool accumulate);
  void (*micro_cols)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate);
  void (*micro_alt_cols)(int kc, const float* A, long lda, const float* B, long ldb, float* C, long ldc,
                         bool accumulate);

  // GRU forward, one batch row. g: [r|u] pre-activations from x (bias included) -> activated r,u.
  // gh: h_prev @ W_h[:, r|u]. Also writes rh = r * h_prev.
  void (*gru_fwd_ru)(int H, float* g, const float* gh, const float* hp, float* rh);
  // gc: candidate pre-activation from x -> activated c; ghc: (r*h_prev) @ W_h[:, c].
  // u: activated update gate. Writes h_new = u*h_prev + (1-u)*c.
  void (*gru_fwd_c)(int H, float* gc, const float* ghc, const float* u, const float* hp, float* hn);
  // BPTT part 1: from dh (grad of h_new) and the saved r,u,c: overwrites u with d(a_u), c with d(a_c);
  // writes dhp = dh*u (direct path).
  void (*gru_bwd_uc)(int H, float* g, const float* dh, const float* hp, float* dhp);
  // BPTT part 2: drh = d(a_c) @ W_hc^T. Overwrites r with d(a_r) and adds drh*r to dhp.
  void (*gru_bwd_r)(int H, float* g, const float* drh, const float* hp, float* dhp);
  // LSTM forward, one batch row. g: [i|j|f|o] pre-activations from x -> activated gates; gh from h_prev.
  void (*lstm_fwd)(int H, float* g, const float* gh, const float* cp, float* cn, float* hn, float forget_bias);
  // LSTM BPTT, one row: g activated gates -> d(pre-activations); dc: in grad of c_new, out grad of c_prev.
  void (*lstm_bwd)(int H, float* g, const float* cp, const float* cn, const float* dh, float* dc);
  // Elementwise activations over n values (used as tfjs kernels; in and out may alias).
  void (*tanh_n)(long n, const float* in, float* out);
  void (*sigmoid_n)(long n, const float* in, float* out);
  // Part of one K-block of C (+)= A * B for a row-major B, skipping zeros of A (see kernels_body.inc);
  // used by sgemm_sparse_a.
  void (*sparse_a_block)(int M, int j0, int j1, const float* A, long lda, const int* ks, long ldk, const int* first,
                         const int* last, const float* B, long ldb, float* T, long ldt, bool fresh);
};

enum class Isa { Portable = 0, Avx2 = 1, Avx512 = 2 };

const IsaKernels& active_isa();
// Returns false if the CPU cannot run the requested path.
bool set_isa(Isa isa);
bool isa_supported(Isa isa);
Isa best_isa();
const char* isa_name(Isa isa);

// Tables defined in kernels_*.cc (the x86 ones only exist on x86-64 builds).
const IsaKernels& portable_kernels();
#if defined(__x86_64__) || defined(_M_X64)
const IsaKernels& avx2_kernels();
const IsaKernels& avx512_kernels();
#endif

// ---------------------------------------------------------------------------------------------
// Thread pool: fixed workers that sleep on a condition variable between jobs. parallel_for runs
// tasks on the caller plus the workers; nested calls (from inside a task) run serially, so only the
// outermost, large, independent work is spread across cores.
// ---------------------------------------------------------------------------------------------
int num_threads();
void set_num_threads(int n);
void parallel_for(int ntasks, const std::function<void(int)>& fn);
// out[i] = fn over n values (an IsaKernels tanh_n / sigmoid_n), in fixed chunks of 2^18 spread over the pool:
// whoever calls it gets the same calls on the same pieces (the Tanh kernel and the native head share it).
void elementwise_parallel(void (*fn)(long n, const float* in, float* out), long n, const float* in, float* out);

// Flush-to-zero / denormals-are-zero for the lifetime of the guard (x86 MXCSR; no-op elsewhere).
// Saturated sigmoid/tanh gates produce denormal gradients, and denormal operands made whole GEMMs
// several times slower. The previous mode is restored because JavaScript needs IEEE denormals.
struct DenormalGuard {
  unsigned saved;
  DenormalGuard();
  ~DenormalGuard();
};
void flush_denormals_for_this_thread();

// Set by abort(); long loops poll it once per time step and return early. Cleared at call start.
extern std::atomic<bool> g_abort;

// ---------------------------------------------------------------------------------------------
// sgemm, row-major: C[M x N] = op(A)[M x K] * op(B)[K x N] (+ C when accumulate).
// op(A)(i,k) = transA ? A[k*lda + i] : A[i*lda + k]; likewise for B.
// ---------------------------------------------------------------------------------------------
size_t packed_b_size(const IsaKernels& isa, int K, int N);
void pack_b(const IsaKernels& isa, bool transB, int K, int N, const float* B, long ldb, float* dst);
// C (+)= op(A) * Bp where Bp came from pack_b with the same K, N and ISA.
void gemm_packed(const IsaKernels& isa, bool transA, int M, int N, int K, const float* A, long lda,
                 const float* Bp, float* C, long ldc, bool accumulate, int nthreads);
void sgemm(bool transA, bool transB, int M, int N, int K, const float* A, long lda, const float* B,
           long ldb, float* C, long ldc, bool accumulate, int nthreads);
// From this depth K, sgemm reads a non-transposed B in place instead of packing it (a weight gradient's
// T*B-row operand: packing it was a full extra pass over tens of MB).
constexpr int kSgemmInPlaceBDepth = 2048;
// C = A * B (no transposes, no accumulation) with exactly sgemm's result, skipping the zero entries of A:
// faster when A is mostly zeros (an MLP's gradient behind dropout and ReLU). B must be finite (a zero
// times an infinity or NaN would be NaN in sgemm).
void sgemm_sparse_a(int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc,
                    int nthreads);

// ---------------------------------------------------------------------------------------------
// Dropout multipliers from a seed (dropout.cc): element i of the stream is `scale` (1/keepProb) with
// probability keepProb, else 0, computable on its own, so a mask is the same however it is cut up.
// ---------------------------------------------------------------------------------------------
struct DropoutStream {
  bool on = false;
  uint64_t seed = 0;
  uint64_t threshold = 0;  // a draw's 32-bit half below this keeps the element
  float scale = 1.0f;
};
DropoutStream dropout_stream(double keep_prob, uint64_t seed);
// Elements [i0, i0 + n) of the stream into out (this thread only).
void dropout_range(const DropoutStream& st, size_t i0, size_t n, float* out);
// Elements [0, n) into out, on all threads.
void dropout_fill(const DropoutStream& st, float* out, size_t n);

// ---------------------------------------------------------------------------------------------
// Large buffers (huge_pages.cc): from 2 MiB up, mapped on a 2 MiB boundary and advised for transparent
// huge pages; smaller ones come from operator new. The RNN workspace is a few hundred MB walked step by
// step at strides of a few KiB, far more 4 KiB pages than the TLBs hold (the likely reason for the gain; this
// guest cannot read hardware counters); Linux's usual THP setting ("madvise") gives huge pages only to memory
// that asks. Measured on the tutorial's encoder and decoder (forward + backward, RNN harness, 30 alternating
// runs each, Zen 4): CPU time per batch 4-6% lower.
// ---------------------------------------------------------------------------------------------
void* large_buffer_alloc(size_t bytes);
void large_buffer_free(void* p, size_t bytes) noexcept;
template <class T>
struct LargeBufferAllocator {
  using value_type = T;
  LargeBufferAllocator() = default;
  template <class U>
  LargeBufferAllocator(const LargeBufferAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(large_buffer_alloc(n * sizeof(T))); }
  // resize() leaves new floats unset instead of zero-filling them (construct with a value, as assign(n, v)
  // does, is left to std::allocator_traits). Every workspace buffer is written before it is read: the steady
  // state already relies on that, each batch reusing buffers that hold the last batch's values, and
  // engine-rnn's repeated-calls test compares a fresh workspace's results with a reused one's. The large
  // buffers are fresh mappings, zero pages anyway: the fill only made the first batch touch a few hundred MB
  // twice (the tutorial's one-epoch command 0.17 s faster on 2 vCPU Zen 5).
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  void deallocate(T* p, size_t n) noexcept { large_buffer_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const LargeBufferAllocator<U>&) const { return true; }
};
using LargeBuffer = std::vector<float, LargeBufferAllocator<float>>;

// ---------------------------------------------------------------------------------------------
// Fused recurrent stacks (see rnn.cc for the layouts).
// ---------------------------------------------------------------------------------------------
enum class Cell { Gru = 0, Lstm = 1 };

struct RnnConfig {
  Cell cell = Cell::Gru;
  int T = 0, B = 0, I = 0, H = 0, L = 1, dirs = 1;
  float forget_bias = 1.0f;
  // split_input (dirs == 2 only): direction d's layer 0 reads only columns [d*I/2, (d+1)*I/2) of x, so its
  // kernel has I/2 + H rows. Layer-0 input masks keep x's full width I; each direction uses its columns.
  bool split_input = false;
  // backward_processing_order (dirs == 2 only): the backward direction's outputs (y, dy) are stored in
  // its processing order (y[s] holds its step s, which read x[T-1-s]) instead of time order.
  bool backward_processing_order = false;
  int gates() const { return cell == Cell::Gru ? 3 : 4; }
  // Features each direction's layer l reads.
  int in_size(int l) const { return l == 0 ? (split_input ? I / dirs : I) : H; }
  // Row width of layer l's input buffer as passed in (x and layer-0 masks: I; above: H).
  int in_stride(int l) const { return l == 0 ? I : H; }
  // First column of direction d's layer-0 input within a row of x.
  int in_offset(int l, int d) const { return l == 0 && split_input ? d * (I / dirs) : 0; }
  int state_per_dir() const { return cell == Cell::Lstm ? 2 * H : H; }
  int state_size() const { return state_per_dir() * L * dirs; }
};

struct RnnForwardIo {
  const float* x = nullptr;                 // [T, B, I], original time order
  const float* init = nullptr;              // [B, state_size] auDeep flat layout, or null for zeros
  std::vector<const float*> kernels;        // [dirs*L] each [(in_l + H) x gates*H]
  std::vector<const float*> biases;         // [dirs*L] each [gates*H]
  std::vector<const float*> in_masks;       // [dirs*L] each [T, B, in_stride(l)] or null
  std::vector<const float*> out_masks;      // [dirs*L] each [T, B, H] or null
  // [dirs*L] or empty: where a mask above is null and its stream is on, the mask is made from the stream
  // (the values dropout_fill would give for the whole mask) while the forward pass reads it.
  std::vector<DropoutStream> in_streams, out_streams;
  float* y = nullptr;                       // [T, B, dirs*H] (see backward_processing_order)
  float* final_state = nullptr;             // [B, state_size]
};

struct RnnBackwardIo {
  const float* dy = nullptr;                // [T, B, dirs*H] or null
  const float* dfinal = nullptr;            // [B, state_size] or null
  float* dx = nullptr;                      // [T, B, I] or null (not needed)
  float* dinit = nullptr;                   // [B, state_size] or null
  std::vector<float*> dkernels;             // [dirs*L]
  std::vector<float*> dbiases;              // [dirs*L]
};

// Everything the backward pass needs, kept from the forward pass. Buffers only grow, so a workspace
// reused for same-shaped batches never allocates after its first use.
struct RnnWorkspace {
  RnnConfig cfg;
  bool has_saved = false;
  bool has_y = false;  // the saved forward pass wrote y (without it, no output masks were made for BPTT)
  struct Layer {
    LargeBuffer W, bias;                  // copies of the weights used in forward
    LargeBuffer xin;                      // [T, B, in] layer input after dropout, processing order
    LargeBuffer mask_in;                  // [T, B, in] combined dropout multiplier, processing order
    bool has_mask = false;
    LargeBuffer g;                        // [T, B, G*H] x-projection -> activated gates -> d(pre-act)
    LargeBuffer s;                        // [(T+1), B, H] hidden states, processing order, s[0] = h0
    LargeBuffer c;                        // [(T+1), B, H] LSTM cell states
    LargeBuffer rh;                       // [T, B, H] GRU r*h_prev
    LargeBuffer p_ru, p_c;                // packed W_h blocks for forward GEMMs
    LargeBuffer p_ru_t, p_c_t;            // packed transposed blocks for backward GEMMs
    LargeBuffer p_x, p_x_t;               // packed W_x (input projection) and W_x^T (input gradient)
    LargeBuffer db_part;                  // [ceil(B/8), G*H] BPTT's bias-gradient sums per 8-row block
  };
  struct Dir {
    std::vector<Layer> layers;
    LargeBuffer mask_out;                 // [T, B, H] top output dropout, processing order
    bool has_mask_out = false;
    LargeBuffer dout, dtmp;               // backward scratch: [T, B, H]; [T, B, in_size(0)] when dx is wanted
  };
  std::vector<Dir> dirs;
  size_t accounted = 0;  // bytes reported to V8 as external memory (see addon.cc)
  size_t capacity_bytes() const {
    size_t n = 0;
    for (const Dir& d : dirs) {
      n += d.mask_out.capacity() + d.dout.capacity() + d.dtmp.capacity();
      for (const Layer& l : d.layers)
        n += l.W.capacity() + l.bias.capacity() + l.xin.capacity() + l.mask_in.capacity() + l.g.capacity() +
             l.s.capacity() + l.c.capacity() + l.rh.capacity() + l.p_ru.capacity() + l.p_c.capacity() +
             l.p_ru_t.capacity() + l.p_c_t.capacity() + l.p_x.capacity() + l.p_x_t.capacity() + l.db_part.capacity();
    }
    return n * sizeof(float);
  }
};

// Both return false if aborted.
bool rnn_forward(RnnWorkspace& ws, const RnnConfig& cfg, const RnnForwardIo& io, bool save);
bool rnn_backward(RnnWorkspace& ws, const RnnBackwardIo& io);

}  // namespace audeep
