// One seeded generator, passed down, so that `--seed` reproduces a run exactly.
// xoshiro128** (Blackman & Vigna): small state, good statistical quality, fast in 32-bit JS arithmetic.

export class Random {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number = Random.freshSeed()) {
    // splitmix32 expands the seed so that nearby seeds give unrelated streams.
    let x = seed >>> 0
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.s0 = next()
    this.s1 = next()
    this.s2 = next()
    this.s3 = next()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  static freshSeed(): number {
    return Math.floor(Math.random() * 2 ** 32)
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0
    const t = (this.s1 << 9) >>> 0
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 = (this.s2 ^ t) >>> 0
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  next(): number {
    const hi = this.nextUint32() >>> 5
    const lo = this.nextUint32() >>> 6
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /**
   * Fills `out` with `(2u - 1) * limit` for successive draws u = next(), exactly the values a loop over
   * next() gives, at a fraction of its cost (the generator's state stays in locals): Glorot-uniform
   * initialisation draws millions of them.
   */
  fillSymmetric(out: Float32Array, limit: number): void {
    let s0 = this.s0
    let s1 = this.s1
    let s2 = this.s2
    let s3 = this.s3
    for (let i = 0; i < out.length; i++) {
      // Two nextUint32() steps, as next() takes them, written out: a two-pass inner loop made this 4x slower.
      const r1 = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
      let t = (s1 << 9) >>> 0
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 = (s2 ^ t) >>> 0
      s3 = rotl(s3, 11)
      const r2 = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
      t = (s1 << 9) >>> 0
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 = (s2 ^ t) >>> 0
      s3 = rotl(s3, 11)
      const u = ((r1 >>> 5) * 67108864 + (r2 >>> 6)) / 9007199254740992
      out[i] = (2 * u - 1) * limit
    }
    this.s0 = s0
    this.s1 = s1
    this.s2 = s2
    this.s3 = s3
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0
    while (u === 0) u = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = items[i]
      items[i] = items[j]
      items[j] = tmp
    }
    return items
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({length: n}, (_, i) => i))
  }

  /** An independent generator derived from this one (for parallel or nested work). */
  fork(): Random {
    return new Random(this.nextUint32())
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/**
 * A seed derived from a base seed and a path of integers (e.g. [epoch] or [step, stream]): resumed runs
 * re-derive exactly the randomness an uninterrupted run would have used at that point.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = seed >>> 0
  for (const part of path) {
    h = Math.imul(h ^ (part >>> 0), 0x9e3779b1) >>> 0
    h = Math.imul(h ^ (h >>> 15), 0x85ebca77) >>> 0
    h = (h ^ (h >>> 13)) >>> 0
  }
  return h
}
