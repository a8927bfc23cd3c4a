// Adam step of the MLP fast path (src/evaluate/mlp-fast.ts): TensorFlow.js' AdamOptimizer update, every
// operation in float32 in tfjs' order, so that the result is bit-identical to the tfjs reference path:
//   m = m*b1 + g*(1-b1);  v = v*b2 + (g*g)*(1-b2)
//   p = ((m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)) * -lr + p
// Multiply-adds must not be contracted into FMAs (one rounding instead of two), whatever the build flags.

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace audeep_mlp {
namespace {

float* f32_arg(const Napi::Env& env, const Napi::Value& v, const char* what, size_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  *len = v.As<Napi::Float32Array>().ElementLength();
  return v.As<Napi::Float32Array>().Data();
}

void adam(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, size_t n,
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
  double* st = info[3].As<Napi::Float64Array>().Data();
  double s0 = st[0], s1 = st[1], s2 = st[2], c = st[3];
  for (size_t i = 0; i < n; i++) {
    const double t = 2091639.0 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = (double)(int32_t)t;  // JavaScript's t | 0 (0 <= t < 2^31)
    s2 = t - c;
    const float sum = (float)s2 + keep;
    out[i] = std::floor(sum) * scale;
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = c;
  return env.Undefined();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("adamStep", Napi::Function::New(env, AdamStep));
  exports.Set("aleaDropoutMask", Napi::Function::New(env, AleaDropoutMask));
}

}  // namespace audeep_mlp
