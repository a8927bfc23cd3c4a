// Adam step of the MLP fast path (src/evaluate/mlp-fast.ts): TensorFlow.js' AdamOptimizer update, every
// operation in float32 in tfjs' order, so that the result is bit-identical to the tfjs reference path:
//   m = m*b1 + g*(1-b1);  v = v*b2 + (g*g)*(1-b2)
//   p = ((m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)) * -lr + p
// Multiply-adds must not be contracted into FMAs (one rounding instead of two), whatever the build flags.

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine.h"
#include "exact_float.h"

namespace audeep_mlp {
namespace {

float* f32_arg(const Napi::Env& env, const Napi::Value& v, const char* what, size_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  *len = v.As<Napi::Float32Array>().ElementLength();
  return v.As<Napi::Float32Array>().Data();
}

EXACT_CLONES void adam(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, size_t n,
          const float c[8]) {
  const float omab1 = c[0], omab2 = c[1], b1 = c[2], b2 = c[3], om1 = c[4], om2 = c[5], eps = c[6], neg_lr = c[7];
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * om1;
    const float vi = v[i] * b2 + (gi * gi) * om2;
    m[i] = mi;
    v[i] = vi;
    const float den = std::sqrt(vi / omab2) + eps;
    p[i] = ((mi / omab1) / den) * neg_lr + p[i];
  }
}

// adamStep(params, grads, m, v, constants): constants is a Float32Array of
// [1 - b1^t, 1 - b2^t, b1, b2, 1 - b1, 1 - b2, epsilon, -learningRate], each already rounded to float32.
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t n = 0, ng = 0, nm = 0, nv = 0, nc = 0;
  float* p = f32_arg(env, info[0], "params", &n);
  const float* g = f32_arg(env, info[1], "grads", &ng);
  float* m = f32_arg(env, info[2], "m", &nm);
  float* v = f32_arg(env, info[3], "v", &nv);
  const float* c = f32_arg(env, info[4], "constants", &nc);
  if (ng != n || nm != n || nv != n) throw Napi::RangeError::New(env, "adamStep: params, grads, m and v differ in length");
  if (nc < 8) throw Napi::RangeError::New(env, "adamStep: constants must hold 8 values");
  adam(p, g, m, v, n, c);
  return env.Undefined();
}

EXACT_CLONES void alea_to_mask(float* out, size_t n, float keep, float scale) {
  const uint32_t* u = reinterpret_cast<const uint32_t*>(out);
  for (size_t i = 0; i < n; i++) {
    const float sum = (float)((double)u[i] * 2.3283064365386963e-10) + keep;
    out[i] = std::floor(sum) * scale;
  }
}

// Alea's step in doubles, t = 2091639 * s0 + c * 2^-32; c' = t | 0; s2' = t - c', is integer arithmetic in
// disguise: every s is x / 2^32 for a 32-bit integer x (mash's outputs and their differences are), so
// t = (2091639 * x0 + c) / 2^32 exactly (the numerator stays below 2^53), c' = its high part and
// s2' = its low 32 bits / 2^32: a multiply-with-carry generator. In integers the serial dependency is an add
// and a shift per value instead of a multiply, an add and two conversions (about 4x faster); the
// conversions to floats then vectorise in a second pass. state [s0, s1, s2, c] is advanced in place.
void alea_fill(float* out, size_t n, float keep, float scale, double* st) {
  uint64_t x0 = (uint64_t)(st[0] * 4294967296.0), x1 = (uint64_t)(st[1] * 4294967296.0),
           x2 = (uint64_t)(st[2] * 4294967296.0), c = (uint64_t)st[3];
  uint32_t* u = reinterpret_cast<uint32_t*>(out);
  for (size_t i = 0; i < n; i++) {
    const uint64_t t = 2091639ull * x0 + c;
    x0 = x1;
    x1 = x2;
    x2 = t & 0xffffffffull;
    c = t >> 32;
    u[i] = (uint32_t)x2;
  }
  alea_to_mask(out, n, keep, scale);
  st[0] = (double)x0 * 2.3283064365386963e-10;
  st[1] = (double)x1 * 2.3283064365386963e-10;
  st[2] = (double)x2 * 2.3283064365386963e-10;
  st[3] = (double)c;
}

// aleaDropoutMask(out, keep, scale, state): tf.dropout's multipliers from Alea (see src/core/alea.ts), whose
// double arithmetic C++ reproduces exactly: out[i] = floor(float(u) + keep) * scale. state = [s0, s1, s2, c]
// (a Float64Array) is advanced in place. keep and scale are float32 values.
Napi::Value AleaDropoutMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t n = 0;
  float* out = f32_arg(env, info[0], "out", &n);
  const float keep = (float)info[1].As<Napi::Number>().DoubleValue();
  const float scale = (float)info[2].As<Napi::Number>().DoubleValue();
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[3].As<Napi::Float64Array>().ElementLength() < 4)
    throw Napi::TypeError::New(env, "state must be a Float64Array of 4 values");
  alea_fill(out, n, keep, scale, info[3].As<Napi::Float64Array>().Data());
  return env.Undefined();
}


// ---------------------------------------------------------------------------------------------------------
// A whole MLP fit in one call (mlpTrain), off the JavaScript thread: every step of trainMlpFast
// (src/evaluate/mlp-fast.ts) with the same float32 operations in the same order, so the weights are
// bit-identical to it and hence to the tfjs reference path. Differences that do not change a single bit:
// - activations, gradients and weights are kept transposed (units x batch rows; weights as out x in), so
//   every GEMM has the units (150, or the 10 classes) as its rows and the batch (320) or the input size
//   as its columns: far less padding of the 8 x 48 AVX-512 register tile than N = 150 or N = 10. Each
//   element is still the sum over the same K, blocked alike, of the same products (a*b = b*a), so it
//   comes out identical; Adam and the other elementwise steps do not care about the layout;
// - full-batch input is packed for the GEMMs once per fit instead of once per step;
// - every GEMM runs on the calling thread: fits run concurrently, one per core (see src/evaluate/).
// Random draws are made by the caller up front in the order trainMlpFast makes them: one Alea state per
// dropout mask and one row order per epoch when shuffling minibatches.

struct FitSpec {
  int n = 0, batch = 0, epochs = 0;
  std::vector<int> sizes;
  float keep = 1, scale = 1;  // tf.dropout's float32 keep probability and 1/keep
  bool dropout = false, relu_logits = false;
  double learning_rate = 0.001;
  const float* x = nullptr;        // n x d
  const int32_t* targets = nullptr;  // n output-unit indices
  const double* states = nullptr;  // 4 per dropout mask, in draw order
  const int32_t* orders = nullptr; // epochs x n, or null (rows in order)
  std::vector<float*> weights;     // in x out, read at start, written at the end
  std::vector<float*> biases;
  const int32_t* cancel = nullptr;  // cancel[0] != 0 stops the fit
};

inline bool cancelled(const FitSpec& s) { return __atomic_load_n(s.cancel, __ATOMIC_RELAXED) != 0; }

// Fits running now. A fit's GEMMs use the engine's threads left over by the others (all of them when it
// runs alone, e.g. the last fit of 25 on 2 cores); a split GEMM sums every element in the same order.
std::atomic<int> g_running{0};

int gemm_threads() { return std::max(1, audeep::num_threads() / std::max(1, g_running.load(std::memory_order_relaxed))); }

void gemm1(bool ta, bool tb, int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc) {
  audeep::DenormalGuard ftz;  // as the addon's sgemm: the flush mode applies to GEMMs only
  audeep::sgemm(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, false, gemm_threads());
}

void gemm1_packed(bool ta, int M, int N, int K, const float* A, long lda, const float* Bp, float* C, long ldc) {
  audeep::DenormalGuard ftz;
  audeep::gemm_packed(audeep::active_isa(), ta, M, N, K, A, lda, Bp, C, ldc, false, gemm_threads());
}

// Elementwise steps of a fit on units x rows (transposed) arrays, compiled per ISA (EXACT_CLONES).

// o[j][r] = act(o[j][r] + b[j]); act is Math.max(z, 0) (NaN stays NaN, -0 becomes +0) or the identity.
EXACT_CLONES void bias_activation(float* __restrict o, const float* __restrict b, int units, int m, bool relu) {
  for (int j = 0; j < units; j++) {
    float* oj = o + (size_t)j * m;
    const float bj = b[j];
    if (relu)
      for (int r = 0; r < m; r++) {
        const float z = oj[r] + bj;
        oj[r] = (z > 0.f || z != z) ? z : 0.f;
      }
    else
      for (int r = 0; r < m; r++) oj[r] = oj[r] + bj;
  }
}

// o[j][r] *= mask[r][j] (the mask is drawn row-major, as tf.dropout draws it).
EXACT_CLONES void apply_mask(float* __restrict o, const float* __restrict mask, int units, int m) {
  for (int r0 = 0; r0 < m; r0 += 16) {
    const int r1 = std::min(m, r0 + 16);
    for (int j = 0; j < units; j++)
      for (int r = r0; r < r1; r++) o[(size_t)j * m + r] = o[(size_t)j * m + r] * mask[(size_t)r * units + j];
  }
}

// db[j] = sum over r of dz[j][r], in row order (as tfjs' Sum); 8 units at a time for instruction-level
// parallelism, each unit's sum still strictly sequential.
void bias_gradient(const float* __restrict dz, int units, int m, float* __restrict db) {
  int j = 0;
  for (; j + 8 <= units; j += 8) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int r = 0; r < m; r++)
      for (int k = 0; k < 8; k++) acc[k] += dz[(size_t)(j + k) * m + r];
    for (int k = 0; k < 8; k++) db[j + k] = acc[k];
  }
  for (; j < units; j++) {
    float acc = 0;
    for (int r = 0; r < m; r++) acc += dz[(size_t)j * m + r];
    db[j] = acc;
  }
}

// Back through dropout and the ReLU: da = (da * scale) * ceil(min(a, 1)), i.e. times 1 where the unit's
// output a is > 0 and 0 where it is +0 (a is never -0: ReLU outputs times non-negative multipliers).
EXACT_CLONES void gate(float* __restrict da, const float* __restrict a, size_t n, float scale) {
  for (size_t i = 0; i < n; i++) {
    const float ai = a[i];
    const float g = ai > 0.f ? 1.f : (ai != ai ? ai : 0.f);
    da[i] = (da[i] * scale) * g;
  }
}

// Returns the final epoch's mean loss, or NaN with *stopped set when cancelled.
float train_fit(const FitSpec& s, bool* stopped) {
  const int layers = (int)s.sizes.size() - 1;
  const int d = s.sizes[0], classes = s.sizes[layers], n = s.n, batch = s.batch;
  const bool full = batch >= n;
  // Transposed parameters (out x in) and their Adam moments.
  std::vector<std::vector<float>> wt(layers), gw(layers), gb(layers), mw(layers), vw(layers), mb(layers), vb(layers);
  std::vector<float*> b(layers);
  for (int l = 0; l < layers; l++) {
    const int in = s.sizes[l], out = s.sizes[l + 1];
    wt[l].resize((size_t)in * out);
    for (int i = 0; i < in; i++)
      for (int j = 0; j < out; j++) wt[l][(size_t)j * in + i] = s.weights[l][(size_t)i * out + j];
    gw[l].assign((size_t)in * out, 0.f);
    mw[l].assign((size_t)in * out, 0.f);
    vw[l].assign((size_t)in * out, 0.f);
    gb[l].assign(out, 0.f);
    mb[l].assign(out, 0.f);
    vb[l].assign(out, 0.f);
    b[l] = s.biases[l];
  }
  // acts[l]: input of layer l (l >= 1), units x batch; delta[l]: gradient at layer l's input pre-activation.
  std::vector<std::vector<float>> acts(layers + 1), delta(layers + 1);
  for (int l = 1; l <= layers; l++) {
    acts[l].resize((size_t)s.sizes[l] * batch);
    delta[l].resize((size_t)s.sizes[l] * batch);
  }
  std::vector<float> mask((size_t)batch * *std::max_element(s.sizes.begin() + 1, s.sizes.end()));
  std::vector<float> shifted((size_t)batch * classes), row_max(batch), sums(batch), log_sums(batch);
  std::vector<int32_t> tg(batch);
  std::vector<float> xb(full ? 0 : (size_t)batch * d);
  const audeep::IsaKernels& isa = audeep::active_isa();
  // X^T packed for the forward product (B = X^T, K = d); X packed for a dense weight gradient (B = X,
  // K = rows), made when first needed.
  std::vector<float> xf(audeep::packed_b_size(isa, d, batch)), xg;
  bool xg_ready = false;
  auto pack_input = [&](const float* xs, int m) {
    audeep::pack_b(isa, true, d, m, xs, d, xf.data());
    xg_ready = false;
  };
  if (full) pack_input(s.x, n);
  // The first layer's weight gradient skips the zeros of its output gradient (dropout and ReLU leave most
  // of them zero), which gives sgemm's exact result when the input is finite.
  bool x_finite = true;
  for (size_t i = 0; i < (size_t)n * d; i++)
    if (!std::isfinite(s.x[i])) {
      x_finite = false;
      break;
    }

  const float b1 = (float)0.9, b2 = (float)0.999, om1 = (float)(1 - 0.9), om2 = (float)(1 - 0.999), eps = (float)1e-8;
  const float neg_lr = (float)(-s.learning_rate);
  float acc_b1 = b1, acc_b2 = b2;
  const double* state = s.states;
  float final_loss = NAN;
  for (int epoch = 0; epoch < s.epochs; epoch++) {
    const int32_t* order = s.orders != nullptr ? s.orders + (size_t)epoch * n : nullptr;
    float loss_sum = 0;
    for (int start = 0; start < n; start += batch) {
      if (cancelled(s)) {
        *stopped = true;
        return NAN;
      }
      const int m = std::min(batch, n - start);
      if (full) {
        std::copy(s.targets, s.targets + n, tg.begin());
      } else {
        for (int r = 0; r < m; r++) {
          const int row = order != nullptr ? order[start + r] : start + r;
          std::copy(s.x + (size_t)row * d, s.x + (size_t)(row + 1) * d, xb.begin() + (size_t)r * d);
          tg[r] = s.targets[row];
        }
        pack_input(xb.data(), m);
      }
      // Forward: acts[l+1] = W_l^T acts[l] (+ bias, ReLU, dropout).
      for (int l = 0; l < layers; l++) {
        const int in = s.sizes[l], out = s.sizes[l + 1];
        float* o = acts[l + 1].data();
        if (l == 0)
          gemm1_packed(false, out, m, in, wt[0].data(), in, xf.data(), o, m);
        else
          gemm1(false, false, out, m, in, wt[l].data(), in, acts[l].data(), m, o, m);
        bias_activation(o, b[l], out, m, l + 1 < layers || s.relu_logits);
        if (l + 1 < layers && s.dropout) {
          // The mask is drawn in row-major (row, unit) order, as tf.dropout draws it.
          double st[4] = {state[0], state[1], state[2], state[3]};
          alea_fill(mask.data(), (size_t)m * out, s.keep, s.scale, st);
          state += 4;
          apply_mask(o, mask.data(), out, m);
        }
      }
      // Softmax cross-entropy, mean over the rows, and its gradient (expf and logf round as the tfjs wasm
      // kernels do: checked on 16M inputs when this was written, and by the equality tests).
      const float* logits = acts[layers].data();
      for (int r = 0; r < m; r++) {
        float mx = -INFINITY;
        for (int j = 0; j < classes; j++) mx = std::max(mx, logits[(size_t)j * m + r]);
        row_max[r] = mx;
        float sum = 0;
        for (int j = 0; j < classes; j++) {
          const float e = std::exp(logits[(size_t)j * m + r] - mx);
          sum += e;
        }
        sums[r] = sum;
      }
      for (int r = 0; r < m; r++) log_sums[r] = std::log(sums[r]);
      float loss = 0;
      float* top = delta[layers].data();
      const float inv_m = (float)(1.0 / m);
      for (int r = 0; r < m; r++) {
        const float lse = row_max[r] + log_sums[r];
        for (int j = 0; j < classes; j++) shifted[(size_t)j * m + r] = logits[(size_t)j * m + r] - lse;
        loss = loss - shifted[(size_t)tg[r] * m + r];
        for (int j = 0; j < classes; j++) {
          const float p = std::exp(shifted[(size_t)j * m + r]);
          const float g = inv_m * (j == tg[r] ? p - 1 : p);
          const float z = logits[(size_t)j * m + r];
          top[(size_t)j * m + r] = s.relu_logits && !(z > 0) ? 0.f : g;
        }
      }
      loss_sum = loss_sum + (loss / (float)m) * (float)((double)m / n);
      // Backward.
      for (int l = layers - 1; l >= 0; l--) {
        const int in = s.sizes[l], out = s.sizes[l + 1];
        const float* dz = delta[l + 1].data();
        if (l == 0) {
          const float* xs = full ? s.x : xb.data();
          size_t nonzero = 0;
          for (size_t i = 0; i < (size_t)out * m; i++) nonzero += dz[i] != 0.f;
          if (x_finite && nonzero * 2 < (size_t)out * m) {
            audeep::DenormalGuard ftz;
            audeep::sgemm_sparse_a(out, in, m, dz, m, xs, in, gw[0].data(), in, gemm_threads());
          } else {
            if (!xg_ready) {
              xg.resize(audeep::packed_b_size(isa, batch, d));
              audeep::pack_b(isa, false, m, d, xs, d, xg.data());
              xg_ready = true;
            }
            gemm1_packed(false, out, in, m, dz, m, xg.data(), gw[0].data(), in);
          }
        } else
          gemm1(false, true, out, in, m, dz, m, acts[l].data(), m, gw[l].data(), in);
        float* db = gb[l].data();
        bias_gradient(dz, out, m, db);
        if (l > 0) {
          float* da = delta[l].data();
          gemm1(true, false, in, m, out, wt[l].data(), in, dz, m, da, m);
          const float* a = acts[l].data();
          gate(da, a, (size_t)in * m, s.scale);
        }
      }
      // Adam.
      const float c[8] = {1 - acc_b1, 1 - acc_b2, b1, b2, om1, om2, eps, neg_lr};
      for (int l = 0; l < layers; l++) {
        adam(wt[l].data(), gw[l].data(), mw[l].data(), vw[l].data(), wt[l].size(), c);
        adam(b[l], gb[l].data(), mb[l].data(), vb[l].data(), gb[l].size(), c);
      }
      acc_b1 = acc_b1 * b1;
      acc_b2 = acc_b2 * b2;
    }
    if (epoch == s.epochs - 1) final_loss = loss_sum;
  }
  for (int l = 0; l < layers; l++) {
    const int in = s.sizes[l], out = s.sizes[l + 1];
    for (int i = 0; i < in; i++)
      for (int j = 0; j < out; j++) s.weights[l][(size_t)i * out + j] = wt[l][(size_t)j * in + i];
  }
  return final_loss;
}

class FitWorker : public Napi::AsyncWorker {
 public:
  FitWorker(Napi::Env env, FitSpec spec, Napi::Object keep)
      : Napi::AsyncWorker(env), spec_(std::move(spec)), deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);  // the typed arrays must stay alive while the fit runs
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    g_running.fetch_add(1);
    loss_ = train_fit(spec_, &stopped_);
    g_running.fetch_sub(1);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("finalLoss", Napi::Number::New(env, loss_));
    result.Set("cancelled", Napi::Boolean::New(env, stopped_));
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  FitSpec spec_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference keep_;
  float loss_ = NAN;
  bool stopped_ = false;
};

template <typename T, napi_typedarray_type K>
T* typed(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != K)
    throw Napi::TypeError::New(env, std::string("mlpTrain: ") + what + " has the wrong type");
  auto a = v.As<Napi::TypedArrayOf<T>>();
  if (a.ElementLength() < n)
    throw Napi::RangeError::New(env, std::string("mlpTrain: ") + what + " is too short");
  return a.Data();
}

// mlpTrain(job) -> Promise<{finalLoss, cancelled}>. job: {x: Float32Array n*d, targets: Int32Array n,
// sizes: Int32Array, weights: Float32Array[] (in x out, updated in place), biases: Float32Array[] (in place),
// n, batch, epochs, keep, scale (float32 values), dropout, reluLogits, learningRate, states: Float64Array
// (4 per dropout mask), orders: Int32Array epochs*n or null, cancel: Int32Array(1)}.
Napi::Value MlpTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "mlpTrain: job must be an object");
  Napi::Object job = info[0].As<Napi::Object>();
  FitSpec s;
  auto num = [&](const char* k) { return job.Get(k).As<Napi::Number>().DoubleValue(); };
  s.n = (int)num("n");
  s.batch = (int)num("batch");
  s.epochs = (int)num("epochs");
  s.keep = (float)num("keep");
  s.scale = (float)num("scale");
  s.learning_rate = num("learningRate");
  s.dropout = job.Get("dropout").ToBoolean();
  s.relu_logits = job.Get("reluLogits").ToBoolean();
  Napi::Value sz = job.Get("sizes");
  if (!sz.IsTypedArray()) throw Napi::TypeError::New(env, "mlpTrain: sizes must be an Int32Array");
  const size_t nl = sz.As<Napi::TypedArray>().ElementLength();
  const int32_t* sizes = typed<int32_t, napi_int32_array>(env, sz, nl, "sizes");
  if (nl < 2 || s.n < 1 || s.batch < 1 || s.epochs < 0) throw Napi::RangeError::New(env, "mlpTrain: bad dimensions");
  for (size_t i = 0; i < nl; i++) {
    if (sizes[i] < 1) throw Napi::RangeError::New(env, "mlpTrain: bad layer size");
    s.sizes.push_back(sizes[i]);
  }
  if (s.batch > s.n) s.batch = s.n;
  const int layers = (int)nl - 1;
  s.x = typed<float, napi_float32_array>(env, job.Get("x"), (size_t)s.n * s.sizes[0], "x");
  s.targets = typed<int32_t, napi_int32_array>(env, job.Get("targets"), s.n, "targets");
  for (int i = 0; i < s.n; i++)
    if (s.targets[i] < 0 || s.targets[i] >= s.sizes[layers]) throw Napi::RangeError::New(env, "mlpTrain: target out of range");
  Napi::Value ws = job.Get("weights"), bs = job.Get("biases");
  if (!ws.IsArray() || !bs.IsArray() || ws.As<Napi::Array>().Length() != (uint32_t)layers ||
      bs.As<Napi::Array>().Length() != (uint32_t)layers)
    throw Napi::TypeError::New(env, "mlpTrain: weights and biases must be arrays with one entry per layer");
  for (int l = 0; l < layers; l++) {
    s.weights.push_back(typed<float, napi_float32_array>(env, ws.As<Napi::Array>().Get(l), (size_t)s.sizes[l] * s.sizes[l + 1], "weights"));
    s.biases.push_back(typed<float, napi_float32_array>(env, bs.As<Napi::Array>().Get(l), s.sizes[l + 1], "biases"));
  }
  const size_t steps = (size_t)s.epochs * ((s.n + s.batch - 1) / s.batch);
  const size_t masks = s.dropout ? steps * (size_t)(layers - 1) : 0;
  s.states = typed<double, napi_float64_array>(env, job.Get("states"), masks * 4, "states");
  Napi::Value orders = job.Get("orders");
  if (!orders.IsNull() && !orders.IsUndefined()) {
    s.orders = typed<int32_t, napi_int32_array>(env, orders, (size_t)s.epochs * s.n, "orders");
    for (size_t i = 0; i < (size_t)s.epochs * s.n; i++)
      if (s.orders[i] < 0 || s.orders[i] >= s.n) throw Napi::RangeError::New(env, "mlpTrain: row order out of range");
  }
  s.cancel = typed<int32_t, napi_int32_array>(env, job.Get("cancel"), 1, "cancel");
  FitWorker* worker = new FitWorker(env, std::move(s), job);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("adamStep", Napi::Function::New(env, AdamStep));
  exports.Set("aleaDropoutMask", Napi::Function::New(env, AleaDropoutMask));
  exports.Set("mlpTrain", Napi::Function::New(env, MlpTrain));
}

}  // namespace audeep_mlp
