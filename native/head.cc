// The t-rae's reconstruction head and loss as one native op: y = tanh(x W + b) and the loss
// sqrt(mean((t - y)^2)), forward and backward. It replaces eleven TensorFlow.js kernels over batch-sized
// tensors (MatMul, Add, Tanh, SquaredDifference, Mean, Sqrt, and in the gradient Sub, Mul, Square, Sum and
// two MatMuls) that ran one after the other on one thread, and it gives their float32 results bit for bit:
// - the products are the same sgemm calls tfjs' BatchMatMul kernel and its gradient make here
//   (src/nn/engine/matmul.ts), under the same denormal flushing;
// - tanh is the same ISA kernel as the Tanh kernel's, called the same way (elementwise_parallel);
// - every other operation is one IEEE float operation per element in tfjs' order, never contracted into
//   an FMA (exact_float.h), with subnormals kept (IeeeGuard) as in the wasm kernels;
// - the two reductions add in the wasm Sum/Mean kernels' order: element by element from 0, the mean over
//   all elements then divided by their count, the bias gradient down each column.
// The sum for the mean is one sequential chain (~1M dependent adds, about 1 ms): that order is the bits.
#include "exact_float.h"

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine.h"

namespace audeep_head {
namespace {

using audeep::IeeeGuard;

float* f32_arg(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string("headRmse: ") + what + " must be a Float32Array");
  if (v.As<Napi::Float32Array>().ElementLength() != n)
    throw Napi::RangeError::New(env, std::string("headRmse: ") + what + " must hold " + std::to_string(n) +
                                         " values, got " + std::to_string(v.As<Napi::Float32Array>().ElementLength()));
  return v.As<Napi::Float32Array>().Data();
}

int dim_arg(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("headRmse: ") + what + " must be a number");
  const int x = v.As<Napi::Number>().Int32Value();
  if (x <= 0) throw Napi::RangeError::New(env, std::string("headRmse: ") + what + " must be > 0");
  return x;
}

// Rows [r0, r1) of y = x W + b (the product already in y): the bias, as the wasm Add kernel adds it.
EXACT_CLONES void add_bias(float* __restrict y, const float* __restrict b, long r0, long r1, int F) {
  for (long r = r0; r < r1; ++r) {
    float* row = y + r * F;
    for (int j = 0; j < F; ++j) row[j] = row[j] + b[j];
  }
}

// The sum of (t - y)^2 over n elements, in order from 0 (SquaredDifference, then Mean's sum).
EXACT_CLONES float sum_squared_difference(const float* __restrict t, const float* __restrict y, long n) {
  float sum = 0.0f;
  for (long i = 0; i < n; ++i) {
    const float d = t[i] - y[i];
    sum += d * d;
  }
  return sum;
}

// Rows [r0, r1) of the pre-activation gradient: (1 - y^2) * (q * (2 * (y - t)) + dr), where q is the mean's
// gradient per element and dr the gradient arriving at y directly (zeros unless y is used elsewhere).
EXACT_CLONES void pre_gradient(float* __restrict g, const float* __restrict y, const float* __restrict t,
                               const float* __restrict dr, float q, long i0, long i1) {
  for (long i = i0; i < i1; ++i) {
    const float yi = y[i];
    const float dy = q * (2.0f * (yi - t[i])) + dr[i];
    g[i] = (1.0f - yi * yi) * dy;
  }
}

// Columns [j0, j1) of the bias gradient: each column summed down the rows from 0, as the wasm Sum kernel does
// after moving the reduced axis last.
EXACT_CLONES void column_sums(const float* __restrict g, float* __restrict db, long N, int F, int j0, int j1) {
  for (int j = j0; j < j1; ++j) db[j] = 0.0f;
  for (long r = 0; r < N; ++r) {
    const float* row = g + r * F;
    for (int j = j0; j < j1; ++j) db[j] += row[j];
  }
}

// fn(i0, i1) over [0, n) in one piece per pool thread, each with IEEE subnormals (the workers flush them).
template <class Fn>
void over_ranges(long n, Fn&& fn) {
  const int nt = std::max(1, audeep::num_threads());
  const long per = (n + nt - 1) / nt;
  audeep::parallel_for(nt, [&](int c) {
    IeeeGuard ieee;
    fn(std::min(n, c * per), std::min(n, (c + 1) * per));
  });
}

// headRmseForward(x [N*D], W [D*F], b [F], t [N*F], y [N*F] out, N, D, F) -> loss.
Napi::Value HeadRmseForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int N = dim_arg(env, info[5], "N"), D = dim_arg(env, info[6], "D"), F = dim_arg(env, info[7], "F");
  const long NF = (long)N * F;
  const float* x = f32_arg(env, info[0], (size_t)N * D, "x");
  const float* W = f32_arg(env, info[1], (size_t)D * F, "W");
  const float* b = f32_arg(env, info[2], F, "b");
  const float* t = f32_arg(env, info[3], NF, "targets");
  float* y = f32_arg(env, info[4], NF, "y");
  {
    audeep::DenormalGuard ftz;
    audeep::sgemm(false, false, N, F, D, x, D, W, F, y, F, false, audeep::num_threads());
  }
  over_ranges(N, [&](long r0, long r1) { add_bias(y, b, r0, r1, F); });
  audeep::elementwise_parallel(audeep::active_isa().tanh_n, NF, y, y);  // as the Tanh kernel calls it
  IeeeGuard ieee;
  const float mean = sum_squared_difference(t, y, NF) / (float)NF;
  return Napi::Number::New(env, std::sqrt(mean));
}

// headRmseBackward(x, W, y, t, dr [N*F] (gradient arriving at y), dloss, loss, dx out, dW out, db out, N, D, F).
Napi::Value HeadRmseBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int N = dim_arg(env, info[10], "N"), D = dim_arg(env, info[11], "D"), F = dim_arg(env, info[12], "F");
  const long NF = (long)N * F;
  const float* x = f32_arg(env, info[0], (size_t)N * D, "x");
  const float* W = f32_arg(env, info[1], (size_t)D * F, "W");
  const float* y = f32_arg(env, info[2], NF, "y");
  const float* t = f32_arg(env, info[3], NF, "targets");
  const float* dr = f32_arg(env, info[4], NF, "dy");
  const float dloss = (float)info[5].As<Napi::Number>().DoubleValue();
  const float loss = (float)info[6].As<Napi::Number>().DoubleValue();
  float* dx = f32_arg(env, info[7], (size_t)N * D, "dx");
  float* dW = f32_arg(env, info[8], (size_t)D * F, "dW");
  float* db = f32_arg(env, info[9], F, "db");
  // The pre-activation gradient; kept, so a training run allocates it once. (The workers below must use the
  // pointer: inside their lambdas the thread_local name would mean their own, empty, vector.)
  thread_local std::vector<float> g_buf;
  if (g_buf.size() < (size_t)NF) g_buf.resize((size_t)NF);
  float* g = g_buf.data();
  {
    IeeeGuard ieee;
    // Sqrt's gradient dy / (sqrt(mean) * 2), then Mean's: that over the element count.
    const float q = (dloss / (loss * 2.0f)) / (float)NF;
    over_ranges(NF, [&](long i0, long i1) { pre_gradient(g, y, t, dr, q, i0, i1); });
    over_ranges(F, [&](long j0, long j1) { column_sums(g, db, N, F, (int)j0, (int)j1); });
  }
  audeep::DenormalGuard ftz;
  audeep::sgemm(false, true, N, D, F, g, F, W, F, dx, D, false, audeep::num_threads());
  audeep::sgemm(true, false, D, F, N, x, D, g, F, dW, F, false, audeep::num_threads());
  return env.Undefined();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("headRmseForward", Napi::Function::New(env, HeadRmseForward));
  exports.Set("headRmseBackward", Napi::Function::New(env, HeadRmseBackward));
}

}  // namespace audeep_head
