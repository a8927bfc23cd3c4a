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

/** A generator of doubles in [0, 1), seeded like tfjs: a numeric seed is used through its toString(). */
export function alea(seed: number | string): () => number {
  const hash = mash()
  const key = String(seed)
  let s0 = hash(' ')
  let s1 = hash(' ')
  let s2 = hash(' ')
  let c = 1
  s0 -= hash(key)
  if (s0 < 0) s0 += 1
  s1 -= hash(key)
  if (s1 < 0) s1 += 1
  s2 -= hash(key)
  if (s2 < 0) s2 += 1
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10
    s0 = s1
    s1 = s2
    c = t | 0
    s2 = t - c
    return s2
  }
}

/**
 * The multipliers tf.dropout(x, 1 - keepProb, undefined, seed) applies to a tensor of `out.length`
 * elements: floor(u + keepProb) / keepProb in float32, with u from tf.randomUniform(shape, 0, 1,
 * 'float32', seed). Each entry is 0 or fround(1 / fround(keepProb)).
 */
export function tfDropoutMultipliers(out: Float32Array, keepProb: number, seed: number): Float32Array {
  const next = alea(seed)
  // tf.dropout computes keepProb = 1 - rate with rate = 1 - keepProb, then uses it as a float32 scalar.
  const keep = Math.fround(1 - (1 - keepProb))
  const scale = Math.fround(1 / keep)
  for (let i = 0; i < out.length; i++) {
    const u = Math.fround(next())
    out[i] = Math.floor(Math.fround(u + keep)) >= 1 ? scale : 0
  }
  return out
}
