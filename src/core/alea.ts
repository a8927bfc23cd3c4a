// Johannes Baagøe's Alea generator, the one TensorFlow.js seeds for tf.randomUniform(..., seed) and hence
// for tf.dropout(x, rate, undefined, seed). Reimplemented here so that the MLP fast path
// (src/evaluate/mlp-fast.ts) draws exactly tfjs' dropout masks without creating tensors;
// test/core/alea.test.ts checks the stream against tf.randomUniform.

/** Alea's string hash; each call mixes `data` into the running state and returns a number in [0, 1). */
function mash(): (data: string) => number {
  let n = 0xefc8249d
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i)
      let h = 0.02519603282416938 * n
      n = h >>> 0
      h -= n
      h *= n
      n = h >>> 0
      h -= n
      n += h * 0x100000000 // 2^32
    }
    return (n >>> 0) * 2.3283064365386963e-10 // 2^-32
  }
}

/** Alea's initial state for a seed: [s0, s1, s2, c] (numeric seeds are used through toString(), as tfjs). */
export function aleaState(seed: number | string): Float64Array {
  const hash = mash()
  const key = String(seed)
  const state = Float64Array.of(hash(' '), hash(' '), hash(' '), 1)
  for (let i = 0; i < 3; i++) {
    state[i] -= hash(key)
    if (state[i] < 0) state[i] += 1
  }
  return state
}

/** A generator of doubles in [0, 1), seeded like tfjs: a numeric seed is used through its toString(). */
export function alea(seed: number | string): () => number {
  const state = aleaState(seed)
  return () => {
    const t = 2091639 * state[0] + state[3] * 2.3283064365386963e-10
    state[0] = state[1]
    state[1] = state[2]
    state[3] = t | 0
    state[2] = t - state[3]
    return state[2]
  }
}

/**
 * The multipliers tf.dropout(x, 1 - keepProb, undefined, seed) applies to a tensor of `out.length`
 * elements: floor(u + keepProb) / keepProb in float32, with u from tf.randomUniform(shape, 0, 1,
 * 'float32', seed). Each entry is 0 or fround(1 / fround(keepProb)). `native` is the addon's
 * aleaDropoutMask, when available.
 */
export function tfDropoutMultipliers(
  out: Float32Array,
  keepProb: number,
  seed: number,
  native?: (out: Float32Array, keep: number, scale: number, state: Float64Array) => void,
): Float32Array {
  // tf.dropout computes keepProb = 1 - rate with rate = 1 - keepProb, then uses it as a float32 scalar.
  const keep = Math.fround(1 - (1 - keepProb))
  const scale = Math.fround(1 / keep)
  const state = aleaState(seed)
  if (native !== undefined) {
    // The same loop in C++ (native/mlp.cc), about 5x faster.
    native(out, keep, scale, state)
    return out
  }
  // Alea's step inlined on local variables (a closure's mutable doubles would be boxed on every store).
  let s0 = state[0],
    s1 = state[1],
    s2 = state[2],
    c = state[3]
  for (let i = 0; i < out.length; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10
    s0 = s1
    s1 = s2
    c = t | 0
    s2 = t - c
    // floor(...) is 0 or 1; multiplying (rather than a data-dependent branch) avoids mispredictions.
    out[i] = Math.floor(Math.fround(Math.fround(s2) + keep)) * scale
  }
  return out
}
