import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ComplexFft, RealFft, type FftAlgorithm} from '../../src/dsp/fft.js'

/** Direct O(n^2) DFT with exactly reduced angles, as the independent reference. */
function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>): [Float64Array, Float64Array] {
  const n = re.length
  const outRe = new Float64Array(n)
  const outIm = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    let sr = 0
    let si = 0
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * ((j * k) % n)) / n
      const c = Math.cos(angle)
      const s = Math.sin(angle)
      sr += re[j] * c - im[j] * s
      si += re[j] * s + im[j] * c
    }
    outRe[k] = sr
    outIm[k] = si
  }
  return [outRe, outIm]
}

/** Deterministic pseudo-random signal. */
function signal(n: number, seed: number): Float64Array {
  const x = new Float64Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    x[i] = s / 2 ** 32 - 0.5
  }
  return x
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 25, 30, 49, 61, 64, 67, 97, 143, 210, 343, 500, 882, 1000, 1764]

test('complex FFT matches a direct DFT for every algorithm and many sizes', (t) => {
  let worst = 0
  for (const n of SIZES) {
    const re = signal(n, n)
    const im = signal(n, n + 1000)
    const [er, ei] = naiveDft(re, im)
    const input = new Float64Array(2 * n)
    for (let j = 0; j < n; j++) {
      input[2 * j] = re[j]
      input[2 * j + 1] = im[j]
    }
    const algorithms: (FftAlgorithm | undefined)[] = [undefined]
    if (n > 1) algorithms.push('bluestein')
    for (const algorithm of algorithms) {
      const fft = new ComplexFft(n, algorithm)
      const out = new Float64Array(2 * n)
      const copy = input.slice()
      fft.transform(out, copy)
      assert.deepEqual(copy, input, 'input must be left untouched')
      let err = 0
      for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(out[2 * k] - er[k]), Math.abs(out[2 * k + 1] - ei[k]))
      // Values are O(sqrt(n)); allow float64 rounding growing with n.
      const bound = 1e-14 * n
      assert.ok(err <= bound, `n=${n} ${fft.algorithm}: error ${err} > ${bound}`)
      worst = Math.max(worst, err / n)
    }
  }
  t.diagnostic(`worst error / n over all sizes and algorithms: ${worst.toExponential(2)}`)
})

test('algorithm choice: fft.js for powers of two, mixed radix for small primes, Bluestein otherwise', () => {
  assert.equal(new ComplexFft(1024).algorithm, 'radix2')
  assert.equal(new ComplexFft(1764).algorithm, 'mixed-radix')
  assert.equal(new ComplexFft(2 * 67).algorithm, 'bluestein')
  assert.equal(new ComplexFft(1).algorithm, 'trivial')
})

test('real FFT gives the one-sided spectrum for even and odd sizes, including 3528', (t) => {
  let worst = 0
  for (const n of [1, 2, 3, 4, 6, 7, 10, 15, 128, 134, 441, 882, 3528]) {
    const x = signal(n, 7 * n)
    const [er, ei] = naiveDft(x, new Float64Array(n))
    const fft = new RealFft(n)
    assert.equal(fft.numBins, Math.floor(n / 2) + 1)
    const out = new Float64Array(2 * fft.numBins)
    fft.transform(out, x)
    const power = new Float64Array(fft.numBins)
    fft.powerSpectrum(power, x, new Float64Array(2 * fft.numBins))
    for (let k = 0; k < fft.numBins; k++) {
      const err = Math.max(Math.abs(out[2 * k] - er[k]), Math.abs(out[2 * k + 1] - ei[k]))
      assert.ok(err <= 1e-14 * n + 1e-15, `n=${n} bin ${k}: error ${err}`)
      const p = er[k] * er[k] + ei[k] * ei[k]
      assert.ok(Math.abs(power[k] - p) <= 1e-12 * Math.max(1, p) * n, `n=${n} power bin ${k}`)
      worst = Math.max(worst, err)
    }
  }
  t.diagnostic(`worst absolute error: ${worst.toExponential(2)}`)
})

test('a pure tone lands in its bin', () => {
  const n = 3528
  const x = new Float64Array(n)
  for (let j = 0; j < n; j++) x[j] = Math.cos((2 * Math.PI * 100 * j) / n)
  const fft = new RealFft(n)
  const power = new Float64Array(fft.numBins)
  fft.powerSpectrum(power, x, new Float64Array(2 * fft.numBins))
  assert.ok(Math.abs(power[100] - (n / 2) ** 2) < 1e-6 * (n / 2) ** 2)
  for (let k = 0; k < fft.numBins; k++) if (k !== 100) assert.ok(power[k] < 1e-16 * (n / 2) ** 2, `leak into bin ${k}`)
})
