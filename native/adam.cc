// Fused Adam step of the autoencoder trainer (src/nn/adam.ts): TensorFlow 1.x's "epsilon hat" form that
// src/nn/adam.ts computes with tfjs ops, one pass per variable instead of ten tensor ops. Every operation
// is float32 in exactly the order the tfjs ops apply them, so the results are bit-identical:
//   m' = m*b1 + g*(1-b1);  v' = v*b2 + (g*g)*(1-b2);  w' = w - lrT * (m' / (sqrt(v') + eps))
// Multiply-adds must not be contracted into FMAs (one rounding instead of two), whatever the build flags,
// and subnormals must not be flushed (the pool's workers run with flush-to-zero: it is switched off here).

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine.h"
#include "exact_float.h"

namespace audeep_adam {
namespace {

using audeep::IeeeGuard;

struct Consts {
  float b1, omb1, b2, omb2, eps, lr_t;
};

EXACT_CLONES void adam_range(const float* __restrict w, const float* __restrict g, const float* __restrict m,
                            const float* __restrict v, float* __restrict wo, float* __restrict mo, float* __restrict vo,
                            size_t n, Consts c) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * c.b1 + gi * c.omb1;
    const float vi = v[i] * c.b2 + (gi * gi) * c.omb2;
    mo[i] = mi;
    vo[i] = vi;
    wo[i] = w[i] - c.lr_t * (mi / (std::sqrt(vi) + c.eps));
  }
}

float* f32_arg(const Napi::Env& env, const Napi::Value& val, const char* what, size_t* len) {
  if (!val.IsTypedArray() || val.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  *len = val.As<Napi::Float32Array>().ElementLength();
  return val.As<Napi::Float32Array>().Data();
}

// adamTf1Step(w, g, m, v, wOut, mOut, vOut, constants): constants is a Float32Array of
// [b1, 1 - b1, b2, 1 - b2, epsilon, lrT], each already rounded to float32 as tfjs rounds scalars.
// Outputs must not overlap any input (the loop is vectorised on that assumption).
Napi::Value AdamTf1Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* names[7] = {"w", "g", "m", "v", "wOut", "mOut", "vOut"};
  float* a[7];
  size_t n = 0;
  for (int k = 0; k < 7; k++) {
    size_t len = 0;
    a[k] = f32_arg(env, info[k], names[k], &len);
    if (k == 0) n = len;
    else if (len != n) throw Napi::RangeError::New(env, "adamTf1Step: arrays differ in length");
  }
  size_t nc = 0;
  const float* cs = f32_arg(env, info[7], "constants", &nc);
  if (nc < 6) throw Napi::RangeError::New(env, "adamTf1Step: constants must hold 6 values");
  const Consts c{cs[0], cs[1], cs[2], cs[3], cs[4], cs[5]};
  // Chunks of 64K elements (1.75 MiB of traffic each) over the pool; small variables run on the caller.
  constexpr size_t kChunk = 1 << 16;
  const int chunks = (int)((n + kChunk - 1) / kChunk);
  auto run = [&](int b) {
    IeeeGuard ieee;
    const size_t i0 = (size_t)b * kChunk, len = std::min(n, i0 + kChunk) - i0;
    adam_range(a[0] + i0, a[1] + i0, a[2] + i0, a[3] + i0, a[4] + i0, a[5] + i0, a[6] + i0, len, c);
  };
  if (chunks <= 1) {
    if (chunks == 1) run(0);
  } else {
    audeep::parallel_for(chunks, run);
  }
  return env.Undefined();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("adamTf1Step", Napi::Function::New(env, AdamTf1Step));
}

}  // namespace audeep_adam
