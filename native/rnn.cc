// Fused GRU / LSTM stacks: one call runs every layer of one or two directions over the whole sequence
// (forward, saving what BPTT needs), one call runs BPTT and the weight gradients.
//
// Layouts (row-major):
//   x, y, masks, dx   [T, B, features], original time order (time-major, as in auDeep).
//   kernel per layer  [(in + H), G*H]: rows 0..in-1 multiply the layer input, rows in.. multiply h_prev.
//                     GRU G=3, columns [r | u | c] (TF1 GRUCell gates/kernel [r|u] ++ candidate/kernel).
//                     LSTM G=4, columns [i | j | f | o] (TF1 LSTMCell kernel).
//   state (init/final) [B, state_size], auDeep's flat layout: blocks per layer, [fw | bw] within a layer,
//                     [c | h] within a direction for LSTM.
// Options (RnnConfig): split_input gives each direction of a bidirectional call its own half of x's
// features for layer 0 (kernel in = I/2, no zero-padded rows for the other direction's half);
// backward_processing_order keeps the backward direction's y/dy in its processing order.
// Internally every per-step buffer of a direction is kept in *processing* order (the backward direction
// stores its step s, which reads x[T-1-s], at index s). That makes the T*B-row GEMMs (input projection,
// weight gradients, input gradient) single contiguous calls for both directions.
//
// Work split: the time loop of a layer is independent across directions and across batch rows, so it
// runs as (direction x batch chunk) tasks with no synchronisation inside the loop; the big T*B GEMMs
// between loops use all threads. Per-step GEMMs are never split (measured slower and fragile under load).
// A layer's input projection (forward) and input gradient (BPTT) are computed step by step inside the
// time loop, on the rows of the step at hand, while they are in cache: every row is the same product as a
// T*B-row GEMM would give (same packed operand, same K blocks), without a pass over T*B rows in memory.
#include <algorithm>
#include <cstring>

#include "engine.h"

namespace audeep {
namespace {

inline int tmap(int s, int T, bool rev) { return rev ? T - 1 - s : s; }

// Rows of T*B per weight-gradient chunk: a multiple of the GEMM's K block (256), and deep enough for sgemm
// to read B (the gate gradients) in place.
constexpr long kWeightGradChunk = kSgemmInPlaceBDepth;

struct Scratch {
  std::vector<float> tmp, dh, dhp, dc, dx;
};
thread_local Scratch t_scratch;

template <class Vec>
inline void ensure(Vec& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Batch rows per task: enough tasks to occupy the threads, but never below 8 rows (GEMM efficiency).
int chunks_per_dir(const RnnConfig& cfg) {
  const int nth = num_threads();
  int per_dir = std::max(1, (nth + cfg.dirs - 1) / cfg.dirs);
  if (cfg.dirs >= nth) per_dir = 1;
  return std::max(1, std::min(per_dir, (cfg.B + 7) / 8));
}

void chunk_rows(const RnnConfig& cfg, int nchunk, int ch, int& r0, int& r1) {
  int per = (cfg.B + nchunk - 1) / nchunk;
  per = (per + 7) / 8 * 8;
  r0 = std::min(cfg.B, ch * per);
  r1 = std::min(cfg.B, r0 + per);
}

// ------------------------------------------------------------------------------------------------
// Time loops for rows [r0, r1) of one layer of one direction.
// ------------------------------------------------------------------------------------------------
// The step's gate pre-activations from the layer input: bias + x W_x for rows [r0, r1) of step s.
void input_projection(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, int in, int s, int r0,
                      int r1, float* G, int GH) {
  for (int r = 0; r < r1 - r0; ++r) std::memcpy(G + (long)r * GH, Ly.bias.data(), GH * sizeof(float));
  gemm_packed(isa, false, r1 - r0, GH, in, Ly.xin.data() + ((long)s * cfg.B + r0) * in, in, Ly.p_x.data(), G, GH,
              true, 1);
}

bool gru_forward_rows(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, int in, int r0, int r1) {
  const int T = cfg.T, B = cfg.B, H = cfg.H, GH = 3 * H, nb = r1 - r0;
  Scratch& sc = t_scratch;
  ensure(sc.tmp, (size_t)nb * 2 * H);
  float* tmp = sc.tmp.data();
  for (int s = 0; s < T; ++s) {
    if (g_abort.load(std::memory_order_relaxed)) return false;
    float* S = Ly.s.data();
    const float* hp = S + ((long)s * B + r0) * H;
    float* G = Ly.g.data() + ((long)s * B + r0) * GH;
    input_projection(isa, cfg, Ly, in, s, r0, r1, G, GH);
    float* RH = Ly.rh.data() + ((long)s * B + r0) * H;
    float* hn = S + ((long)(s + 1) * B + r0) * H;
    gemm_packed(isa, false, nb, 2 * H, H, hp, H, Ly.p_ru.data(), tmp, 2 * H, false, 1);
    for (int r = 0; r < nb; ++r) isa.gru_fwd_ru(H, G + (long)r * GH, tmp + (long)r * 2 * H, hp + (long)r * H, RH + (long)r * H);
    gemm_packed(isa, false, nb, H, H, RH, H, Ly.p_c.data(), tmp, H, false, 1);
    for (int r = 0; r < nb; ++r) {
      float* g = G + (long)r * GH;
      isa.gru_fwd_c(H, g + 2 * H, tmp + (long)r * H, g + H, hp + (long)r * H, hn + (long)r * H);
    }
  }
  return true;
}

bool lstm_forward_rows(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, int in, int r0, int r1) {
  const int T = cfg.T, B = cfg.B, H = cfg.H, GH = 4 * H, nb = r1 - r0;
  Scratch& sc = t_scratch;
  ensure(sc.tmp, (size_t)nb * GH);
  float* tmp = sc.tmp.data();
  for (int s = 0; s < T; ++s) {
    if (g_abort.load(std::memory_order_relaxed)) return false;
    const long cur = ((long)s * B + r0) * H, nxt = ((long)(s + 1) * B + r0) * H;
    const float* hp = Ly.s.data() + cur;
    float* G = Ly.g.data() + ((long)s * B + r0) * GH;
    input_projection(isa, cfg, Ly, in, s, r0, r1, G, GH);
    gemm_packed(isa, false, nb, GH, H, hp, H, Ly.p_ru.data(), tmp, GH, false, 1);
    for (int r = 0; r < nb; ++r)
      isa.lstm_fwd(H, G + (long)r * GH, tmp + (long)r * GH, Ly.c.data() + cur + (long)r * H,
                   Ly.c.data() + nxt + (long)r * H, Ly.s.data() + nxt + (long)r * H, cfg.forget_bias);
  }
  return true;
}

// dout: [T, B, H] gradient w.r.t. this layer's output at each step (processing order), or null for zero.
// dfin: this layer/direction's block of the final-state gradient ([B, state_size] base + offset) or null.
// The input gradient of rows [r0, r1) of step s, once the step's gate gradients are final: dA W_x^T, times the
// layer's input dropout, written as the output gradient of the layer below (dout_below, [T, B, in]; the rows
// of step s were already read by this layer's step s, so the buffer may be this layer's own dout).
void input_gradient(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, int in, int s, int r0,
                    int r1, const float* G, int GH, float* dout_below) {
  const int nb = r1 - r0;
  Scratch& sc = t_scratch;
  ensure(sc.dx, (size_t)nb * in);
  float* dx = sc.dx.data();
  gemm_packed(isa, false, nb, in, GH, G, GH, Ly.p_x_t.data(), dx, in, false, 1);
  const long o = ((long)s * cfg.B + r0) * in;
  float* dst = dout_below + o;
  if (Ly.has_mask) {
    const float* m = Ly.mask_in.data() + o;
    for (long i = 0; i < (long)nb * in; ++i) dst[i] = dx[i] * m[i];
  } else {
    std::memcpy(dst, dx, (size_t)nb * in * sizeof(float));
  }
}

// Adds the final gate gradients of rows [r0, r1) of one step to their 8-row blocks' bias-gradient sums,
// while the rows are in cache (summing them afterwards was a pass over all T*B rows per layer). The blocks
// are fixed whatever the thread count, so the bias gradient's bits do not depend on it.
void add_bias_grad(RnnWorkspace::Layer& Ly, const float* G, int GH, int r0, int r1) {
  for (int r = r0; r < r1; ++r) {
    float* acc = Ly.db_part.data() + (long)(r / 8) * GH;
    const float* g = G + (long)(r - r0) * GH;
    for (int k = 0; k < GH; ++k) acc[k] += g[k];
  }
}

bool gru_backward_rows(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, const float* dout,
                       const float* dfin, long sstride, float* dinit, int r0, int r1, int in, float* dout_below) {
  const int T = cfg.T, B = cfg.B, H = cfg.H, GH = 3 * H, nb = r1 - r0;
  Scratch& sc = t_scratch;
  ensure(sc.tmp, (size_t)nb * H);
  ensure(sc.dh, (size_t)nb * H);
  ensure(sc.dhp, (size_t)nb * H);
  float *tmp = sc.tmp.data(), *dh = sc.dh.data(), *dhp = sc.dhp.data();
  for (int r = 0; r < nb; ++r)
    for (int k = 0; k < H; ++k) dh[(long)r * H + k] = dfin ? dfin[(long)(r0 + r) * sstride + k] : 0.0f;
  for (int s = T - 1; s >= 0; --s) {
    if (g_abort.load(std::memory_order_relaxed)) return false;
    if (dout) {
      const float* d_o = dout + ((long)s * B + r0) * H;
      for (long i = 0; i < (long)nb * H; ++i) dh[i] += d_o[i];
    }
    const float* hp = Ly.s.data() + ((long)s * B + r0) * H;
    float* G = Ly.g.data() + ((long)s * B + r0) * GH;
    for (int r = 0; r < nb; ++r) isa.gru_bwd_uc(H, G + (long)r * GH, dh + (long)r * H, hp + (long)r * H, dhp + (long)r * H);
    gemm_packed(isa, false, nb, H, H, G + 2 * H, GH, Ly.p_c_t.data(), tmp, H, false, 1);
    for (int r = 0; r < nb; ++r) isa.gru_bwd_r(H, G + (long)r * GH, tmp + (long)r * H, hp + (long)r * H, dhp + (long)r * H);
    gemm_packed(isa, false, nb, H, 2 * H, G, GH, Ly.p_ru_t.data(), dhp, H, true, 1);
    if (dout_below) input_gradient(isa, cfg, Ly, in, s, r0, r1, G, GH, dout_below);
    add_bias_grad(Ly, G, GH, r0, r1);
    std::swap(dh, dhp);
  }
  if (dinit)
    for (int r = 0; r < nb; ++r) std::memcpy(dinit + (long)(r0 + r) * sstride, dh + (long)r * H, H * sizeof(float));
  return true;
}

bool lstm_backward_rows(const IsaKernels& isa, const RnnConfig& cfg, RnnWorkspace::Layer& Ly, const float* dout,
                        const float* dfin, long sstride, float* dinit, int r0, int r1, int in, float* dout_below) {
  const int T = cfg.T, B = cfg.B, H = cfg.H, GH = 4 * H, nb = r1 - r0;
  Scratch& sc = t_scratch;
  ensure(sc.dh, (size_t)nb * H);
  ensure(sc.dhp, (size_t)nb * H);
  ensure(sc.dc, (size_t)nb * H);
  float *dh = sc.dh.data(), *dhp = sc.dhp.data(), *dc = sc.dc.data();
  // Block layout [c | h]: dfin points at c, h follows at +H.
  for (int r = 0; r < nb; ++r)
    for (int k = 0; k < H; ++k) {
      dc[(long)r * H + k] = dfin ? dfin[(long)(r0 + r) * sstride + k] : 0.0f;
      dh[(long)r * H + k] = dfin ? dfin[(long)(r0 + r) * sstride + H + k] : 0.0f;
    }
  for (int s = T - 1; s >= 0; --s) {
    if (g_abort.load(std::memory_order_relaxed)) return false;
    if (dout) {
      const float* d_o = dout + ((long)s * B + r0) * H;
      for (long i = 0; i < (long)nb * H; ++i) dh[i] += d_o[i];
    }
    const long cur = ((long)s * B + r0) * H, nxt = ((long)(s + 1) * B + r0) * H;
    float* G = Ly.g.data() + ((long)s * B + r0) * GH;
    for (int r = 0; r < nb; ++r)
      isa.lstm_bwd(H, G + (long)r * GH, Ly.c.data() + cur + (long)r * H, Ly.c.data() + nxt + (long)r * H,
                   dh + (long)r * H, dc + (long)r * H);
    gemm_packed(isa, false, nb, H, GH, G, GH, Ly.p_ru_t.data(), dhp, H, false, 1);
    if (dout_below) input_gradient(isa, cfg, Ly, in, s, r0, r1, G, GH, dout_below);
    add_bias_grad(Ly, G, GH, r0, r1);
    std::swap(dh, dhp);
  }
  if (dinit)
    for (int r = 0; r < nb; ++r) {
      std::memcpy(dinit + (long)(r0 + r) * sstride, dc + (long)r * H, H * sizeof(float));
      std::memcpy(dinit + (long)(r0 + r) * sstride + H, dh + (long)r * H, H * sizeof(float));
    }
  return true;
}

const DropoutStream* stream_at(const std::vector<DropoutStream>& v, int i) {
  return (size_t)i < v.size() && v[i].on ? &v[i] : nullptr;
}

// Memory-bound per-step loops (dropout products, layout changes, bias broadcast) split into time
// chunks across threads: single-threaded they cost about as much as a layer's recurrent GEMMs.
template <class F>
void par_steps(int T, F&& f) {
  const int nt = std::max(1, std::min(4 * num_threads(), T));
  const int per = (T + nt - 1) / nt;
  parallel_for(nt, [&](int c) {
    const int s1 = std::min(T, (c + 1) * per);
    for (int s = c * per; s < s1; ++s) f(s);
  });
}

// Step s's rows of layer l's combined input mask (direction d), the product of l-1's output mask and l's input
// mask, each given or made from its stream, written to Ly.mask_in (processing order).
void step_input_mask(const RnnConfig& cfg, const RnnForwardIo& io, RnnWorkspace::Layer& Ly, int d, int l, int s) {
  const int T = cfg.T, B = cfg.B, L = cfg.L, in = cfg.in_size(l);
  const float* m_in = io.in_masks[d * L + l];
  const float* m_prev = l > 0 ? io.out_masks[d * L + l - 1] : nullptr;
  const DropoutStream* s_in = m_in ? nullptr : stream_at(io.in_streams, d * L + l);
  const DropoutStream* s_prev = m_prev || l == 0 ? nullptr : stream_at(io.out_streams, d * L + l - 1);
  // m_in rows are in_stride(l) wide (x's width for layer 0), this direction's columns from in_offset.
  const int istr = cfg.in_stride(l), ioff = cfg.in_offset(l, d);
  const long t = tmap(s, T, d == 1);
  thread_local std::vector<float> a_row, p_row;
  ensure(a_row, (size_t)B * in);
  ensure(p_row, (size_t)B * in);
  // A step's rows of a stream are made in one go where they are contiguous (not for a split input).
  const bool whole = s_in && istr == in;
  if (whole) dropout_range(*s_in, (size_t)t * B * in, (size_t)B * in, a_row.data());
  if (s_prev) dropout_range(*s_prev, (size_t)t * B * in, (size_t)B * in, p_row.data());
  for (int b = 0; b < B; ++b) {
    const long src = (t * B + b) * istr + ioff, prev = (t * B + b) * in, dst = ((long)s * B + b) * in;
    const float* mi = m_in ? m_in + src : whole ? a_row.data() + (long)b * in : nullptr;
    if (s_in && !whole) {
      dropout_range(*s_in, src, in, a_row.data());
      mi = a_row.data();
    }
    const float* mp = m_prev ? m_prev + prev : s_prev ? p_row.data() + (long)b * in : nullptr;
    for (int k = 0; k < in; ++k) Ly.mask_in[dst + k] = (mi ? mi[k] : 1.0f) * (mp ? mp[k] : 1.0f);
  }
}

}  // namespace

bool rnn_forward(RnnWorkspace& ws, const RnnConfig& cfg, const RnnForwardIo& io, bool save) {
  g_abort.store(false);
  const IsaKernels& isa = active_isa();
  const int T = cfg.T, B = cfg.B, H = cfg.H, G = cfg.gates(), GH = G * H, L = cfg.L, D = cfg.dirs;
  const bool lstm = cfg.cell == Cell::Lstm;
  const long TB = (long)T * B;
  const int sstride = cfg.state_size(), spd = cfg.state_per_dir();
  ws.cfg = cfg;
  ws.has_saved = false;
  ws.has_y = io.y != nullptr;
  ws.dirs.resize(D);

  for (int d = 0; d < D; ++d) {
    RnnWorkspace::Dir& dir = ws.dirs[d];
    dir.layers.resize(L);
    for (int l = 0; l < L; ++l) {
      RnnWorkspace::Layer& Ly = dir.layers[l];
      const int in = cfg.in_size(l);
      Ly.W.assign(io.kernels[d * L + l], io.kernels[d * L + l] + (long)(in + H) * GH);
      Ly.bias.assign(io.biases[d * L + l], io.biases[d * L + l] + GH);
      ensure(Ly.xin, TB * in);
      ensure(Ly.g, TB * GH);
      ensure(Ly.s, (TB + B) * H);
      if (lstm) ensure(Ly.c, (TB + B) * H);
      else ensure(Ly.rh, TB * H);
      // Dropout between layer l-1 and l is the product of l-1's output mask and l's input mask; it is made
      // step by step where the layer input is (see step_input_mask).
      Ly.has_mask = io.in_masks[d * L + l] || (l > 0 && io.out_masks[d * L + l - 1]) ||
                    stream_at(io.in_streams, d * L + l) || (l > 0 && stream_at(io.out_streams, d * L + l - 1));
      if (Ly.has_mask) ensure(Ly.mask_in, TB * in);
      // Initial state.
      for (int b = 0; b < B; ++b) {
        float* h0 = Ly.s.data() + (long)b * H;
        float* c0 = lstm ? Ly.c.data() + (long)b * H : nullptr;
        const float* blk = io.init ? io.init + (long)b * sstride + (long)(l * D + d) * spd : nullptr;
        if (lstm) {
          if (blk) { std::memcpy(c0, blk, H * sizeof(float)); std::memcpy(h0, blk + H, H * sizeof(float)); }
          else { std::memset(c0, 0, H * sizeof(float)); std::memset(h0, 0, H * sizeof(float)); }
        } else {
          if (blk) std::memcpy(h0, blk, H * sizeof(float));
          else std::memset(h0, 0, H * sizeof(float));
        }
      }
    }
    const float* m_out = io.out_masks[d * L + L - 1];
    const DropoutStream* s_out = m_out ? nullptr : stream_at(io.out_streams, d * L + L - 1);
    dir.has_mask_out = (m_out || s_out) && io.y;  // they multiply y alone: none without it
    if (dir.has_mask_out) {
      ensure(dir.mask_out, TB * H);
      par_steps(T, [&](int s) {
        const long src = (long)tmap(s, T, d == 1) * B * H;
        float* dst = dir.mask_out.data() + (long)s * B * H;
        if (m_out) std::memcpy(dst, m_out + src, (long)B * H * sizeof(float));
        else dropout_range(*s_out, src, (size_t)B * H, dst);
      });
    }
  }

  const int nchunk = chunks_per_dir(cfg);
  for (int l = 0; l < L; ++l) {
    const int in = cfg.in_size(l);
    for (int d = 0; d < D; ++d) {
      RnnWorkspace::Layer& Ly = ws.dirs[d].layers[l];
      const bool rev = d == 1;
      // Layer input in processing order, dropout applied. Source rows are istr wide; this direction
      // reads `in` of them from column ioff (all of them unless split_input). The step's mask rows are made
      // right before they are applied, in the same pass (made in a pass of their own, they were written out
      // and read back: a layer's whole mask through memory twice).
      const int istr = cfg.in_stride(l), ioff = cfg.in_offset(l, d);
      par_steps(T, [&](int s) {
        const float* src = l == 0 ? io.x + (long)tmap(s, T, rev) * B * istr + ioff
                                  : ws.dirs[d].layers[l - 1].s.data() + (long)(s + 1) * B * H;
        float* dst = Ly.xin.data() + (long)s * B * in;
        if (Ly.has_mask) {
          step_input_mask(cfg, io, Ly, d, l, s);
          const float* m = Ly.mask_in.data() + (long)s * B * in;
          for (int b = 0; b < B; ++b)
            for (int k = 0; k < in; ++k) dst[(long)b * in + k] = src[(long)b * istr + k] * m[(long)b * in + k];
        } else if (istr == in) {
          std::memcpy(dst, src, (long)B * in * sizeof(float));
        } else {
          for (int b = 0; b < B; ++b) std::memcpy(dst + (long)b * in, src + (long)b * istr, in * sizeof(float));
        }
      });
      ensure(Ly.p_x, packed_b_size(isa, in, GH));
      pack_b(isa, false, in, GH, Ly.W.data(), GH, Ly.p_x.data());
      const float* Wh = Ly.W.data() + (long)in * GH;
      if (lstm) {
        ensure(Ly.p_ru, packed_b_size(isa, H, GH));
        pack_b(isa, false, H, GH, Wh, GH, Ly.p_ru.data());
      } else {
        ensure(Ly.p_ru, packed_b_size(isa, H, 2 * H));
        ensure(Ly.p_c, packed_b_size(isa, H, H));
        pack_b(isa, false, H, 2 * H, Wh, GH, Ly.p_ru.data());
        pack_b(isa, false, H, H, Wh + 2 * H, GH, Ly.p_c.data());
      }
    }
    std::atomic<bool> ok{true};
    parallel_for(D * nchunk, [&](int task) {
      const int d = task / nchunk;
      int r0, r1;
      chunk_rows(cfg, nchunk, task % nchunk, r0, r1);
      if (r0 >= r1) return;
      RnnWorkspace::Layer& Ly = ws.dirs[d].layers[l];
      bool r = lstm ? lstm_forward_rows(isa, cfg, Ly, in, r0, r1) : gru_forward_rows(isa, cfg, Ly, in, r0, r1);
      if (!r) ok.store(false);
    });
    if (!ok.load()) return false;
  }

  // Outputs: top layer states (with its output dropout) back in original time order, and final states.
  for (int d = 0; d < D; ++d) {
    const RnnWorkspace::Dir& dir = ws.dirs[d];
    const RnnWorkspace::Layer& top = dir.layers[L - 1];
    if (io.y) {
      par_steps(T, [&](int s) {
        const int t = tmap(s, T, d == 1 && !cfg.backward_processing_order);
        for (int b = 0; b < B; ++b) {
          const float* h = top.s.data() + ((long)(s + 1) * B + b) * H;
          float* yo = io.y + ((long)t * B + b) * D * H + (long)d * H;
          if (dir.has_mask_out) {
            const float* m = dir.mask_out.data() + ((long)s * B + b) * H;
            for (int k = 0; k < H; ++k) yo[k] = h[k] * m[k];
          } else {
            std::memcpy(yo, h, H * sizeof(float));
          }
        }
      });
    }
    if (io.final_state)
      for (int l = 0; l < L; ++l) {
        const RnnWorkspace::Layer& Ly = dir.layers[l];
        for (int b = 0; b < B; ++b) {
          float* blk = io.final_state + (long)b * sstride + (long)(l * D + d) * spd;
          const long off = ((long)T * B + b) * H;
          if (lstm) {
            std::memcpy(blk, Ly.c.data() + off, H * sizeof(float));
            std::memcpy(blk + H, Ly.s.data() + off, H * sizeof(float));
          } else {
            std::memcpy(blk, Ly.s.data() + off, H * sizeof(float));
          }
        }
      }
  }
  ws.has_saved = save;
  return true;
}

bool rnn_backward(RnnWorkspace& ws, const RnnBackwardIo& io) {
  g_abort.store(false);
  const IsaKernels& isa = active_isa();
  const int nth = num_threads();
  const RnnConfig cfg = ws.cfg;
  const int T = cfg.T, B = cfg.B, H = cfg.H, G = cfg.gates(), GH = G * H, L = cfg.L, D = cfg.dirs;
  const bool lstm = cfg.cell == Cell::Lstm;
  const long TB = (long)T * B;
  const int sstride = cfg.state_size(), spd = cfg.state_per_dir();

  for (int d = 0; d < D; ++d) {
    RnnWorkspace::Dir& dir = ws.dirs[d];
    ensure(dir.dout, TB * H);
    if (io.dx) ensure(dir.dtmp, TB * cfg.in_size(0));  // layer 0's input gradient, before its layout change
    if (!io.dy) continue;  // the top layer then reads no output gradient (see below); nothing to lay out
    par_steps(T, [&](int s) {
      const int t = tmap(s, T, d == 1 && !cfg.backward_processing_order);
      for (int b = 0; b < B; ++b) {
        float* o = dir.dout.data() + ((long)s * B + b) * H;
        const float* g = io.dy + ((long)t * B + b) * D * H + (long)d * H;
        if (dir.has_mask_out) {
          const float* m = dir.mask_out.data() + ((long)s * B + b) * H;
          for (int k = 0; k < H; ++k) o[k] = g[k] * m[k];
        } else {
          std::memcpy(o, g, H * sizeof(float));
        }
      }
    });
  }

  const int nchunk = chunks_per_dir(cfg);
  for (int l = L - 1; l >= 0; --l) {
    const int in = cfg.in_size(l);
    for (int d = 0; d < D; ++d) {
      RnnWorkspace::Layer& Ly = ws.dirs[d].layers[l];
      if (l > 0) {  // the input gradient is taken step by step in the time loop (layer 0's after it)
        ensure(Ly.p_x_t, packed_b_size(isa, GH, in));
        pack_b(isa, true, GH, in, Ly.W.data(), GH, Ly.p_x_t.data());
      }
      const float* Wh = Ly.W.data() + (long)in * GH;
      if (lstm) {
        ensure(Ly.p_ru_t, packed_b_size(isa, GH, H));
        pack_b(isa, true, GH, H, Wh, GH, Ly.p_ru_t.data());
      } else {
        ensure(Ly.p_ru_t, packed_b_size(isa, 2 * H, H));
        ensure(Ly.p_c_t, packed_b_size(isa, H, H));
        pack_b(isa, true, 2 * H, H, Wh, GH, Ly.p_ru_t.data());
        pack_b(isa, true, H, H, Wh + 2 * H, GH, Ly.p_c_t.data());
      }
    }
    for (int d = 0; d < D; ++d) ws.dirs[d].layers[l].db_part.assign((size_t)((B + 7) / 8) * GH, 0.0f);
    std::atomic<bool> ok{true};
    parallel_for(D * nchunk, [&](int task) {
      const int d = task / nchunk;
      int r0, r1;
      chunk_rows(cfg, nchunk, task % nchunk, r0, r1);
      if (r0 >= r1) return;
      RnnWorkspace::Layer& Ly = ws.dirs[d].layers[l];
      const long boff = (long)(l * D + d) * spd;
      const float* dfin = io.dfinal ? io.dfinal + boff : nullptr;
      float* dinit = io.dinit ? io.dinit + boff : nullptr;
      float* dout = ws.dirs[d].dout.data();
      float* below = l > 0 ? dout : nullptr;  // becomes the output gradient of layer l-1, in place (overwritten)
      const float* grad_out = l == L - 1 && !io.dy ? nullptr : dout;  // no dy: the top layer's is zero
      bool r = lstm ? lstm_backward_rows(isa, cfg, Ly, grad_out, dfin, sstride, dinit, r0, r1, in, below)
                    : gru_backward_rows(isa, cfg, Ly, grad_out, dfin, sstride, dinit, r0, r1, in, below);
      if (!r) ok.store(false);
    });
    if (!ok.load()) return false;

    for (int d = 0; d < D; ++d) {
      RnnWorkspace::Dir& dir = ws.dirs[d];
      RnnWorkspace::Layer& Ly = dir.layers[l];
      const float* dA = Ly.g.data();
      float* dK = io.dkernels[d * L + l];
      // The weight gradient's products all read dA: taken chunk by chunk of T*B rows, a chunk of dA is read
      // from memory once and by the later products from cache. Chunks are whole K blocks of the GEMM, so
      // every sum is added in the same order as in one call over all rows.
      for (long k0 = 0; k0 < TB; k0 += kWeightGradChunk) {
        const int kk = (int)std::min<long>(kWeightGradChunk, TB - k0);
        const bool acc = k0 > 0;
        const float* dAk = dA + k0 * GH;
        sgemm(true, false, in, GH, kk, Ly.xin.data() + k0 * in, in, dAk, GH, dK, GH, acc, nth);
        if (lstm) {
          sgemm(true, false, H, GH, kk, Ly.s.data() + k0 * H, H, dAk, GH, dK + (long)in * GH, GH, acc, nth);
        } else {
          sgemm(true, false, H, 2 * H, kk, Ly.s.data() + k0 * H, H, dAk, GH, dK + (long)in * GH, GH, acc, nth);
          sgemm(true, false, H, H, kk, Ly.rh.data() + k0 * H, H, dAk + 2 * H, GH, dK + (long)in * GH + 2 * H, GH,
                acc, nth);
        }
      }
      float* db = io.dbiases[d * L + l];
      std::memcpy(db, Ly.db_part.data(), GH * sizeof(float));
      for (int j = 1; j < (B + 7) / 8; ++j)
        for (int k = 0; k < GH; ++k) db[k] += Ly.db_part[(long)j * GH + k];
      if (l > 0 || !io.dx) continue;  // above layer 0 the time loop already wrote the layer below's dout
      float* dxin = dir.dtmp.data();
      sgemm(false, true, (int)TB, in, GH, dA, GH, Ly.W.data(), GH, dxin, in, false, nth);
      if (!cfg.split_input) {
        par_steps(T, [&](int s) {
          const int t = tmap(s, T, d == 1);
          float* dst = io.dx + (long)t * B * in;
          const float* src = dxin + (long)s * B * in;
          if (Ly.has_mask) {
            const float* m = Ly.mask_in.data() + (long)s * B * in;
            if (d == 0) for (long i = 0; i < (long)B * in; ++i) dst[i] = src[i] * m[i];
            else for (long i = 0; i < (long)B * in; ++i) dst[i] += src[i] * m[i];
          } else {
            if (d == 0) std::memcpy(dst, src, (long)B * in * sizeof(float));
            else for (long i = 0; i < (long)B * in; ++i) dst[i] += src[i];
          }
        });
      } else {
        // Each direction owns its columns of dx: written, not accumulated.
        const int istr = cfg.in_stride(0), ioff = cfg.in_offset(0, d);
        par_steps(T, [&](int s) {
          const int t = tmap(s, T, d == 1);
          const float* m = Ly.has_mask ? Ly.mask_in.data() + (long)s * B * in : nullptr;
          for (int b = 0; b < B; ++b) {
            float* dst = io.dx + ((long)t * B + b) * istr + ioff;
            const float* src = dxin + ((long)s * B + b) * in;
            if (m)
              for (int k = 0; k < in; ++k) dst[k] = src[k] * m[(long)b * in + k];
            else
              std::memcpy(dst, src, in * sizeof(float));
          }
        });
      }
    }
  }
  return true;
}

}  // namespace audeep
