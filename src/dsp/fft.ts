// Discrete Fourier transforms of any length, in float64.
//
// auDeep's FFT size equals the analysis window in samples (3528 = 2^3 3^2 7^2 at 44.1 kHz with 80 ms
// windows), which is rarely a power of two, and fft.js only does powers of two. Lengths made of small primes
// use a mixed-radix FFT written here; lengths with a large prime factor use Bluestein's chirp-z algorithm on
// top of fft.js. Both are exact DFTs up to float64 rounding. Plans hold all twiddles and scratch buffers,
// so transforms allocate nothing.

import FFT from 'fft.js'

function isPowerOfTwo(n: number): boolean {
  return n >= 2 && (n & (n - 1)) === 0
}

function nextPowerOfTwo(n: number): number {
  let p = 2
  while (p < n) p *= 2
  return p
}

/** Prime factors of n, fours first (fewer, cheaper passes), then ascending. */
function factorize(n: number): number[] {
  const factors: number[] = []
  while (n % 4 === 0) {
    factors.push(4)
    n /= 4
  }
  for (let p = 2; p * p <= n; p++) {
    while (n % p === 0) {
      factors.push(p)
      n /= p
    }
  }
  if (n > 1) factors.push(n)
  return factors
}

/** Beyond this prime factor a generic O(p^2) butterfly loses to Bluestein. */
const MAX_DIRECT_RADIX = 61

interface Stage {
  radix: number
  /** n / radix at this stage. */
  m: number
  /** Product of the radices of earlier stages. */
  stride: number
  /** exp(-2 pi i q k / n_stage) for q < m, k = 1 .. radix-1, interleaved. */
  twiddles: Float64Array
  /** cos/sin(2 pi j / radix) for j < radix, for the generic odd butterfly. */
  rootCos: Float64Array
  rootSin: Float64Array
  /** Scratch for the generic butterfly: pair sums and differences. */
  pairs: Float64Array
}

/**
 * Mixed-radix Stockham (autosorting, decimation in frequency) FFT: each pass reads one buffer and writes
 * the other, and the result comes out in natural order without a bit-reversal step.
 */
class MixedRadixPlan {
  private readonly stages: Stage[] = []
  private readonly work: Float64Array

  constructor(readonly size: number) {
    let n = size
    let stride = 1
    for (const radix of factorize(size)) {
      const m = n / radix
      const twiddles = new Float64Array(2 * m * (radix - 1))
      for (let q = 0; q < m; q++) {
        for (let k = 1; k < radix; k++) {
          const angle = (-2 * Math.PI * ((q * k) % n)) / n
          const at = 2 * (q * (radix - 1) + k - 1)
          twiddles[at] = Math.cos(angle)
          twiddles[at + 1] = Math.sin(angle)
        }
      }
      const rootCos = new Float64Array(radix)
      const rootSin = new Float64Array(radix)
      for (let j = 0; j < radix; j++) {
        rootCos[j] = Math.cos((2 * Math.PI * j) / radix)
        rootSin[j] = Math.sin((2 * Math.PI * j) / radix)
      }
      this.stages.push({radix, m, stride, twiddles, rootCos, rootSin, pairs: new Float64Array(4 * (radix + 1))})
      n = m
      stride *= radix
    }
    this.work = new Float64Array(2 * size)
  }

  /** out = DFT(input); input is left untouched. */
  transform(out: Float64Array, input: Float64Array): void {
    const stages = this.stages
    // Ping-pong so that the last pass writes into out.
    let src: Float64Array = input
    let dst: Float64Array = stages.length % 2 === 1 ? out : this.work
    for (let i = 0; i < stages.length; i++) {
      const st = stages[i]
      switch (st.radix) {
        case 2:
          pass2(st, src, dst)
          break
        case 3:
          pass3(st, src, dst)
          break
        case 4:
          pass4(st, src, dst)
          break
        case 5:
          pass5(st, src, dst)
          break
        case 7:
          pass7(st, src, dst)
          break
        default:
          passOdd(st, src, dst)
      }
      src = dst
      dst = dst === out ? this.work : out
    }
  }
}

// In every pass: element j of butterfly (q, t) is x[t + s (q + m j)]; output k goes to
// y[t + s (radix q + k)], multiplied by the twiddle exp(-2 pi i q k / n_stage).

function pass2(st: Stage, x: Float64Array, y: Float64Array): void {
  const {m, stride: s, twiddles: tw} = st
  for (let q = 0; q < m; q++) {
    const wr = tw[2 * q]
    const wi = tw[2 * q + 1]
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const i1 = i0 + 2 * s * m
      const ar = x[i0],
        ai = x[i0 + 1]
      const br = x[i1],
        bi = x[i1 + 1]
      const o0 = 2 * (t + s * 2 * q)
      const o1 = o0 + 2 * s
      y[o0] = ar + br
      y[o0 + 1] = ai + bi
      const dr = ar - br,
        di = ai - bi
      y[o1] = dr * wr - di * wi
      y[o1 + 1] = dr * wi + di * wr
    }
  }
}

const SIN_60 = Math.sqrt(3) / 2

function pass3(st: Stage, x: Float64Array, y: Float64Array): void {
  const {m, stride: s, twiddles: tw} = st
  const sm2 = 2 * s * m
  for (let q = 0; q < m; q++) {
    const w1r = tw[4 * q],
      w1i = tw[4 * q + 1]
    const w2r = tw[4 * q + 2],
      w2i = tw[4 * q + 3]
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const ar = x[i0],
        ai = x[i0 + 1]
      const br = x[i0 + sm2],
        bi = x[i0 + sm2 + 1]
      const cr = x[i0 + 2 * sm2],
        ci = x[i0 + 2 * sm2 + 1]
      const sr = br + cr,
        si = bi + ci
      const mr = ar - 0.5 * sr,
        mi = ai - 0.5 * si
      // -i sin(60) (b - c)
      const nr = SIN_60 * (bi - ci),
        ni = -SIN_60 * (br - cr)
      const o0 = 2 * (t + s * 3 * q)
      y[o0] = ar + sr
      y[o0 + 1] = ai + si
      const y1r = mr + nr,
        y1i = mi + ni
      const y2r = mr - nr,
        y2i = mi - ni
      y[o0 + 2 * s] = y1r * w1r - y1i * w1i
      y[o0 + 2 * s + 1] = y1r * w1i + y1i * w1r
      y[o0 + 4 * s] = y2r * w2r - y2i * w2i
      y[o0 + 4 * s + 1] = y2r * w2i + y2i * w2r
    }
  }
}

function pass4(st: Stage, x: Float64Array, y: Float64Array): void {
  const {m, stride: s, twiddles: tw} = st
  const sm2 = 2 * s * m
  for (let q = 0; q < m; q++) {
    const w1r = tw[6 * q],
      w1i = tw[6 * q + 1]
    const w2r = tw[6 * q + 2],
      w2i = tw[6 * q + 3]
    const w3r = tw[6 * q + 4],
      w3i = tw[6 * q + 5]
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const ar = x[i0],
        ai = x[i0 + 1]
      const br = x[i0 + sm2],
        bi = x[i0 + sm2 + 1]
      const cr = x[i0 + 2 * sm2],
        ci = x[i0 + 2 * sm2 + 1]
      const dr = x[i0 + 3 * sm2],
        di = x[i0 + 3 * sm2 + 1]
      const pr = ar + cr,
        pi = ai + ci
      const mr = ar - cr,
        mi = ai - ci
      const qr = br + dr,
        qi = bi + di
      // -i (b - d)
      const nr = bi - di,
        ni = -(br - dr)
      const o0 = 2 * (t + s * 4 * q)
      y[o0] = pr + qr
      y[o0 + 1] = pi + qi
      const y1r = mr + nr,
        y1i = mi + ni
      const y2r = pr - qr,
        y2i = pi - qi
      const y3r = mr - nr,
        y3i = mi - ni
      y[o0 + 2 * s] = y1r * w1r - y1i * w1i
      y[o0 + 2 * s + 1] = y1r * w1i + y1i * w1r
      y[o0 + 4 * s] = y2r * w2r - y2i * w2i
      y[o0 + 4 * s + 1] = y2r * w2i + y2i * w2r
      y[o0 + 6 * s] = y3r * w3r - y3i * w3i
      y[o0 + 6 * s + 1] = y3r * w3i + y3i * w3r
    }
  }
}

const C5_1 = Math.cos((2 * Math.PI) / 5),
  C5_2 = Math.cos((4 * Math.PI) / 5)
const S5_1 = Math.sin((2 * Math.PI) / 5),
  S5_2 = Math.sin((4 * Math.PI) / 5)

/** Radix 5 with the pair symmetry of passOdd written out (window lengths at 16 kHz are often 2^a 5^b). */
function pass5(st: Stage, x: Float64Array, y: Float64Array): void {
  const {m, stride: s, twiddles: tw} = st
  const sm2 = 2 * s * m
  for (let q = 0; q < m; q++) {
    const tq = 8 * q
    const w1r = tw[tq],
      w1i = tw[tq + 1],
      w2r = tw[tq + 2],
      w2i = tw[tq + 3]
    const w3r = tw[tq + 4],
      w3i = tw[tq + 5],
      w4r = tw[tq + 6],
      w4i = tw[tq + 7]
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const ar = x[i0],
        ai = x[i0 + 1]
      const b1r = x[i0 + sm2],
        b1i = x[i0 + sm2 + 1]
      const b2r = x[i0 + 2 * sm2],
        b2i = x[i0 + 2 * sm2 + 1]
      const b3r = x[i0 + 3 * sm2],
        b3i = x[i0 + 3 * sm2 + 1]
      const b4r = x[i0 + 4 * sm2],
        b4i = x[i0 + 4 * sm2 + 1]
      const u1r = b1r + b4r,
        u1i = b1i + b4i,
        v1r = b1r - b4r,
        v1i = b1i - b4i
      const u2r = b2r + b3r,
        u2i = b2i + b3i,
        v2r = b2r - b3r,
        v2i = b2i - b3i
      const c1r = ar + C5_1 * u1r + C5_2 * u2r,
        c1i = ai + C5_1 * u1i + C5_2 * u2i
      const s1r = S5_1 * v1r + S5_2 * v2r,
        s1i = S5_1 * v1i + S5_2 * v2i
      const c2r = ar + C5_2 * u1r + C5_1 * u2r,
        c2i = ai + C5_2 * u1i + C5_1 * u2i
      const s2r = S5_2 * v1r - S5_1 * v2r,
        s2i = S5_2 * v1i - S5_1 * v2i
      const o0 = 2 * (t + s * 5 * q)
      const d = 2 * s
      y[o0] = ar + u1r + u2r
      y[o0 + 1] = ai + u1i + u2i
      // X_k = C_k - i S_k, X_{5-k} = C_k + i S_k
      let zr = c1r + s1i,
        zi = c1i - s1r
      y[o0 + d] = zr * w1r - zi * w1i
      y[o0 + d + 1] = zr * w1i + zi * w1r
      zr = c2r + s2i
      zi = c2i - s2r
      y[o0 + 2 * d] = zr * w2r - zi * w2i
      y[o0 + 2 * d + 1] = zr * w2i + zi * w2r
      zr = c2r - s2i
      zi = c2i + s2r
      y[o0 + 3 * d] = zr * w3r - zi * w3i
      y[o0 + 3 * d + 1] = zr * w3i + zi * w3r
      zr = c1r - s1i
      zi = c1i + s1r
      y[o0 + 4 * d] = zr * w4r - zi * w4i
      y[o0 + 4 * d + 1] = zr * w4i + zi * w4r
    }
  }
}

const C7_1 = Math.cos((2 * Math.PI) / 7),
  C7_2 = Math.cos((4 * Math.PI) / 7),
  C7_3 = Math.cos((6 * Math.PI) / 7)
const S7_1 = Math.sin((2 * Math.PI) / 7),
  S7_2 = Math.sin((4 * Math.PI) / 7),
  S7_3 = Math.sin((6 * Math.PI) / 7)

/** Radix 7 written out: 44.1 kHz window lengths (1764, 3528) contain 7^2. */
function pass7(st: Stage, x: Float64Array, y: Float64Array): void {
  const {m, stride: s, twiddles: tw} = st
  const sm2 = 2 * s * m
  for (let q = 0; q < m; q++) {
    const tq = 12 * q
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const ar = x[i0],
        ai = x[i0 + 1]
      const b1r = x[i0 + sm2],
        b1i = x[i0 + sm2 + 1]
      const b2r = x[i0 + 2 * sm2],
        b2i = x[i0 + 2 * sm2 + 1]
      const b3r = x[i0 + 3 * sm2],
        b3i = x[i0 + 3 * sm2 + 1]
      const b4r = x[i0 + 4 * sm2],
        b4i = x[i0 + 4 * sm2 + 1]
      const b5r = x[i0 + 5 * sm2],
        b5i = x[i0 + 5 * sm2 + 1]
      const b6r = x[i0 + 6 * sm2],
        b6i = x[i0 + 6 * sm2 + 1]
      const u1r = b1r + b6r,
        u1i = b1i + b6i,
        v1r = b1r - b6r,
        v1i = b1i - b6i
      const u2r = b2r + b5r,
        u2i = b2i + b5i,
        v2r = b2r - b5r,
        v2i = b2i - b5i
      const u3r = b3r + b4r,
        u3i = b3i + b4i,
        v3r = b3r - b4r,
        v3i = b3i - b4i
      const c1r = ar + C7_1 * u1r + C7_2 * u2r + C7_3 * u3r,
        c1i = ai + C7_1 * u1i + C7_2 * u2i + C7_3 * u3i
      const s1r = S7_1 * v1r + S7_2 * v2r + S7_3 * v3r,
        s1i = S7_1 * v1i + S7_2 * v2i + S7_3 * v3i
      const c2r = ar + C7_2 * u1r + C7_3 * u2r + C7_1 * u3r,
        c2i = ai + C7_2 * u1i + C7_3 * u2i + C7_1 * u3i
      const s2r = S7_2 * v1r - S7_3 * v2r - S7_1 * v3r,
        s2i = S7_2 * v1i - S7_3 * v2i - S7_1 * v3i
      const c3r = ar + C7_3 * u1r + C7_1 * u2r + C7_2 * u3r,
        c3i = ai + C7_3 * u1i + C7_1 * u2i + C7_2 * u3i
      const s3r = S7_3 * v1r - S7_1 * v2r + S7_2 * v3r,
        s3i = S7_3 * v1i - S7_1 * v2i + S7_2 * v3i
      const o0 = 2 * (t + s * 7 * q)
      const d = 2 * s
      y[o0] = ar + u1r + u2r + u3r
      y[o0 + 1] = ai + u1i + u2i + u3i
      // X_k = C_k - i S_k, X_{7-k} = C_k + i S_k, each times its twiddle
      let zr = c1r + s1i,
        zi = c1i - s1r,
        wr = tw[tq],
        wi = tw[tq + 1]
      y[o0 + d] = zr * wr - zi * wi
      y[o0 + d + 1] = zr * wi + zi * wr
      zr = c2r + s2i
      zi = c2i - s2r
      wr = tw[tq + 2]
      wi = tw[tq + 3]
      y[o0 + 2 * d] = zr * wr - zi * wi
      y[o0 + 2 * d + 1] = zr * wi + zi * wr
      zr = c3r + s3i
      zi = c3i - s3r
      wr = tw[tq + 4]
      wi = tw[tq + 5]
      y[o0 + 3 * d] = zr * wr - zi * wi
      y[o0 + 3 * d + 1] = zr * wi + zi * wr
      zr = c3r - s3i
      zi = c3i + s3r
      wr = tw[tq + 6]
      wi = tw[tq + 7]
      y[o0 + 4 * d] = zr * wr - zi * wi
      y[o0 + 4 * d + 1] = zr * wi + zi * wr
      zr = c2r - s2i
      zi = c2i + s2r
      wr = tw[tq + 8]
      wi = tw[tq + 9]
      y[o0 + 5 * d] = zr * wr - zi * wi
      y[o0 + 5 * d + 1] = zr * wi + zi * wr
      zr = c1r - s1i
      zi = c1i + s1r
      wr = tw[tq + 10]
      wi = tw[tq + 11]
      y[o0 + 6 * d] = zr * wr - zi * wi
      y[o0 + 6 * d + 1] = zr * wi + zi * wr
    }
  }
}

/**
 * Any odd radix p, using the symmetry of the roots: for k = 1 .. (p-1)/2 the outputs k and p-k share
 * the sums over the pairs (a_j + a_{p-j}) cos and (a_j - a_{p-j}) sin.
 */
function passOdd(st: Stage, x: Float64Array, y: Float64Array): void {
  const {radix: p, m, stride: s, twiddles: tw, rootCos, rootSin, pairs} = st
  const half = (p - 1) / 2
  const sm2 = 2 * s * m
  const sumR = pairs.subarray(0, half + 1)
  const sumI = pairs.subarray(half + 1, 2 * half + 2)
  const difR = pairs.subarray(2 * half + 2, 3 * half + 3)
  const difI = pairs.subarray(3 * half + 3, 4 * half + 4)
  for (let q = 0; q < m; q++) {
    const twq = 2 * q * (p - 1)
    for (let t = 0; t < s; t++) {
      const i0 = 2 * (t + s * q)
      const a0r = x[i0],
        a0i = x[i0 + 1]
      let totalR = a0r,
        totalI = a0i
      for (let j = 1; j <= half; j++) {
        const ij = i0 + j * sm2
        const ik = i0 + (p - j) * sm2
        const ur = x[ij],
          ui = x[ij + 1]
        const vr = x[ik],
          vi = x[ik + 1]
        sumR[j] = ur + vr
        sumI[j] = ui + vi
        difR[j] = ur - vr
        difI[j] = ui - vi
        totalR += ur + vr
        totalI += ui + vi
      }
      const o0 = 2 * (t + s * p * q)
      y[o0] = totalR
      y[o0 + 1] = totalI
      for (let k = 1; k <= half; k++) {
        let cr = a0r,
          ci = a0i,
          sr = 0,
          si = 0
        let idx = 0
        for (let j = 1; j <= half; j++) {
          idx += k
          if (idx >= p) idx -= p
          const c = rootCos[idx]
          const sn = rootSin[idx]
          cr += c * sumR[j]
          ci += c * sumI[j]
          sr += sn * difR[j]
          si += sn * difI[j]
        }
        // X_k = C - i S, X_{p-k} = C + i S with S = sum sin * (a_j - a_{p-j}).
        const ykr = cr + si,
          yki = ci - sr
        const ymr = cr - si,
          ymi = ci + sr
        const wk = twq + 2 * (k - 1)
        const wm = twq + 2 * (p - k - 1)
        const ok = o0 + 2 * s * k
        const om = o0 + 2 * s * (p - k)
        y[ok] = ykr * tw[wk] - yki * tw[wk + 1]
        y[ok + 1] = ykr * tw[wk + 1] + yki * tw[wk]
        y[om] = ymr * tw[wm] - ymi * tw[wm + 1]
        y[om + 1] = ymr * tw[wm + 1] + ymi * tw[wm]
      }
    }
  }
}

/**
 * Bluestein's chirp-z transform: a DFT of any length n as a circular convolution of power-of-two length
 * m >= 2n - 1, for lengths with a large prime factor.
 */
class BluesteinPlan {
  private readonly fft: FFT
  private readonly chirp: Float64Array // exp(-i pi j^2 / n), j < n
  private readonly kernelSpectrum: Float64Array // FFT of the conjugate chirp, pre-divided by m
  private readonly padded: Float64Array
  private readonly paddedSpectrum: Float64Array

  constructor(readonly size: number) {
    const m = nextPowerOfTwo(2 * size - 1)
    this.fft = new FFT(m)
    this.chirp = new Float64Array(2 * size)
    const twoN = 2 * size
    for (let j = 0; j < size; j++) {
      // j^2 mod 2n keeps the angle small, so cos/sin stay accurate for long transforms.
      const angle = (Math.PI * ((j * j) % twoN)) / size
      this.chirp[2 * j] = Math.cos(angle)
      this.chirp[2 * j + 1] = -Math.sin(angle)
    }
    const kernel = new Float64Array(2 * m)
    for (let j = 0; j < size; j++) {
      const re = this.chirp[2 * j] / m
      const im = -this.chirp[2 * j + 1] / m
      kernel[2 * j] = re
      kernel[2 * j + 1] = im
      if (j > 0) {
        kernel[2 * (m - j)] = re
        kernel[2 * (m - j) + 1] = im
      }
    }
    this.kernelSpectrum = new Float64Array(2 * m)
    this.fft.transform(this.kernelSpectrum, kernel)
    this.padded = new Float64Array(2 * m)
    this.paddedSpectrum = new Float64Array(2 * m)
  }

  transform(out: Float64Array, input: Float64Array): void {
    const fft = this.fft
    const a = this.padded
    const spec = this.paddedSpectrum
    const chirp = this.chirp
    const len = 2 * this.size
    for (let j = 0; j < len; j += 2) {
      const xr = input[j]
      const xi = input[j + 1]
      const cr = chirp[j]
      const ci = chirp[j + 1]
      a[j] = xr * cr - xi * ci
      a[j + 1] = xr * ci + xi * cr
    }
    a.fill(0, len)
    fft.transform(spec, a)
    // Multiply by the kernel spectrum and conjugate, so that a second forward FFT yields the conjugated
    // inverse transform (the 1/m factor is already in the kernel).
    const b = this.kernelSpectrum
    for (let j = 0; j < spec.length; j += 2) {
      const sr = spec[j]
      const si = spec[j + 1]
      const br = b[j]
      const bi = b[j + 1]
      a[j] = sr * br - si * bi
      a[j + 1] = -(sr * bi + si * br)
    }
    fft.transform(spec, a)
    for (let k = 0; k < len; k += 2) {
      const yr = spec[k]
      const yi = -spec[k + 1]
      const cr = chirp[k]
      const ci = chirp[k + 1]
      out[k] = yr * cr - yi * ci
      out[k + 1] = yr * ci + yi * cr
    }
  }
}

export type FftAlgorithm = 'trivial' | 'radix2' | 'mixed-radix' | 'bluestein'

/**
 * Forward complex DFT of a fixed length n >= 1: X[k] = sum_j x[j] exp(-2 pi i jk / n).
 * Data is interleaved [re0, im0, re1, im1, ...]. Powers of two use fft.js, lengths whose prime factors
 * are all small a mixed-radix FFT, anything else Bluestein.
 */
export class ComplexFft {
  readonly size: number
  readonly algorithm: FftAlgorithm
  private readonly pow2: FFT | null = null
  private readonly mixed: MixedRadixPlan | null = null
  private readonly bluestein: BluesteinPlan | null = null

  constructor(size: number, algorithm?: FftAlgorithm) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`FFT size must be a positive integer, got ${size}`)
    this.size = size
    if (algorithm === undefined) {
      if (size === 1) algorithm = 'trivial'
      else if (isPowerOfTwo(size)) algorithm = 'radix2'
      else algorithm = Math.max(...factorize(size)) <= MAX_DIRECT_RADIX ? 'mixed-radix' : 'bluestein'
    }
    this.algorithm = algorithm
    if (algorithm === 'radix2') {
      if (!isPowerOfTwo(size)) throw new Error(`radix-2 FFT needs a power of two, got ${size}`)
      this.pow2 = new FFT(size)
    } else if (algorithm === 'mixed-radix') this.mixed = new MixedRadixPlan(size)
    else if (algorithm === 'bluestein') this.bluestein = new BluesteinPlan(size)
    else if (size !== 1) throw new Error(`the trivial transform has size 1, got ${size}`)
  }

  /** out = DFT(input). Both have length 2*size; they must be different arrays. */
  transform(out: Float64Array, input: Float64Array): void {
    if (this.mixed !== null) this.mixed.transform(out, input)
    else if (this.pow2 !== null) this.pow2.transform(out, input)
    else if (this.bluestein !== null) this.bluestein.transform(out, input)
    else {
      out[0] = input[0]
      out[1] = input[1]
    }
  }
}

/**
 * DFT of a real signal of any length n >= 1, one-sided: bins 0 .. floor(n/2), i.e. n/2+1 bins for even n.
 * Even lengths run a complex transform of half the length on the even/odd samples packed as re/im.
 */
export class RealFft {
  readonly size: number
  readonly numBins: number
  private readonly half: ComplexFft | null
  private readonly full: ComplexFft | null
  private readonly packed: Float64Array
  private readonly spectrum: Float64Array
  private readonly twiddle: Float64Array // exp(-2 pi i k / n), k <= n/2, for the even-length split

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`FFT size must be a positive integer, got ${size}`)
    this.size = size
    this.numBins = Math.floor(size / 2) + 1
    if (size % 2 === 0 && size >= 4) {
      const h = size / 2
      this.half = new ComplexFft(h)
      this.full = null
      this.packed = new Float64Array(size)
      this.spectrum = new Float64Array(size)
      this.twiddle = new Float64Array(2 * (h + 1))
      for (let k = 0; k <= h; k++) {
        const angle = (2 * Math.PI * k) / size
        this.twiddle[2 * k] = Math.cos(angle)
        this.twiddle[2 * k + 1] = -Math.sin(angle)
      }
    } else {
      this.half = null
      this.full = new ComplexFft(size)
      this.packed = new Float64Array(2 * size)
      this.spectrum = new Float64Array(2 * size)
      this.twiddle = new Float64Array(0)
    }
  }

  /** Writes the one-sided spectrum, interleaved re/im, into out (length >= 2*numBins). */
  transform(out: Float64Array, input: ArrayLike<number>): void {
    const n = this.size
    if (this.half === null) {
      const z = this.packed
      for (let j = 0; j < n; j++) {
        z[2 * j] = input[j]
        z[2 * j + 1] = 0
      }
      this.full!.transform(this.spectrum, z)
      out.set(this.spectrum.subarray(0, 2 * this.numBins))
      return
    }
    const h = n / 2
    const z = this.packed
    for (let j = 0; j < n; j++) z[j] = input[j]
    const zs = this.spectrum
    this.half.transform(zs, z)
    // With Z = DFT(x_even + i x_odd): E[k] = (Z[k] + conj Z[h-k]) / 2, O[k] = (Z[k] - conj Z[h-k]) / 2i,
    // X[k] = E[k] + W^k O[k].
    const tw = this.twiddle
    for (let k = 0; k <= h; k++) {
      const k1 = k === h ? 0 : k
      const k2 = k === 0 ? 0 : h - k
      const ar = zs[2 * k1]
      const ai = zs[2 * k1 + 1]
      const br = zs[2 * k2]
      const bi = -zs[2 * k2 + 1]
      const er = 0.5 * (ar + br)
      const ei = 0.5 * (ai + bi)
      // (a - b) / 2i = (ai - bi)/2 - i (ar - br)/2
      const or = 0.5 * (ai - bi)
      const oi = -0.5 * (ar - br)
      const wr = tw[2 * k]
      const wi = tw[2 * k + 1]
      out[2 * k] = er + wr * or - wi * oi
      out[2 * k + 1] = ei + wr * oi + wi * or
    }
  }

  /** Writes |X[k]|^2 for the numBins one-sided bins into out. */
  powerSpectrum(out: Float64Array, input: ArrayLike<number>, scratch: Float64Array): void {
    this.transform(scratch, input)
    for (let k = 0; k < this.numBins; k++) {
      const re = scratch[2 * k]
      const im = scratch[2 * k + 1]
      out[k] = re * re + im * im
    }
  }
}

const realPlans = new Map<number, RealFft>()

/** A shared plan per size; plans are not re-entrant, but JS is single-threaded per worker. */
export function realFftPlan(size: number): RealFft {
  let plan = realPlans.get(size)
  if (plan === undefined) {
    plan = new RealFft(size)
    realPlans.set(size, plan)
  }
  return plan
}
