// auDeep's own mel filterbank (not librosa's, not Slaney's): HTK mel scale, triangles between edge bins
// floor((W + 1) * hz / fs), peak weight 1, no area normalisation, fmin 0 and fmax Nyquist.

/** HTK mel scale. */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700)
}

export function melToHz(mel: number): number {
  return 700 * (Math.pow(10, mel / 2595) - 1)
}

/**
 * A triangular filterbank stored sparsely: filter m covers FFT bins [start[m], start[m] + weights[m].length).
 * Applied to a power spectrum with `numBins` one-sided bins.
 */
export interface MelFilterbank {
  readonly numBands: number
  readonly numBins: number
  readonly sampleRate: number
  readonly fftSize: number
  /** Centre frequencies in Hz, one per band. */
  readonly centerHz: Float64Array
  readonly start: Int32Array
  readonly weights: readonly Float64Array[]
  /** Bands whose weights are all zero because the FFT resolution is too coarse. */
  readonly zeroBands: number
}

/**
 * Builds auDeep's filterbank for `numBands` filters on an FFT of `fftSize` points (= window length in
 * samples) at `sampleRate` Hz. The edge points are equally spaced in mel from 0 to mel(fs/2), computed the
 * way numpy.linspace does (i * step, last point exactly the end) so the floor()ed edge bins agree.
 */
export function melFilterbank(sampleRate: number, fftSize: number, numBands: number): MelFilterbank {
  if (!Number.isInteger(numBands) || numBands < 1) throw new Error(`number of mel bands must be a positive integer, got ${numBands}`)
  const numBins = Math.floor(fftSize / 2 + 1)
  const numPoints = numBands + 2
  const highMel = hzToMel(sampleRate / 2)
  const step = highMel / (numPoints - 1)
  const hz = new Float64Array(numPoints)
  const edge = new Float64Array(numPoints)
  for (let i = 0; i < numPoints; i++) {
    const mel = i === numPoints - 1 ? highMel : i * step
    hz[i] = melToHz(mel)
    edge[i] = Math.floor(((fftSize + 1) * hz[i]) / sampleRate)
  }
  const start = new Int32Array(numBands)
  const weights: Float64Array[] = []
  let zeroBands = 0
  for (let m = 1; m <= numBands; m++) {
    const left = edge[m - 1]
    const centre = edge[m]
    const right = Math.min(edge[m + 1], numBins)
    const from = Math.min(left, right)
    const row = new Float64Array(Math.max(0, right - from))
    for (let k = left; k < Math.min(centre, right); k++) row[k - from] = (k - left) / (centre - left)
    for (let k = centre; k < right; k++) row[k - from] = (edge[m + 1] - k) / (edge[m + 1] - centre)
    start[m - 1] = from
    weights.push(row)
    let sum = 0
    for (let k = 0; k < row.length; k++) sum += row[k]
    if (!(sum > 0)) zeroBands++
  }
  return {numBands, numBins, sampleRate, fftSize, centerHz: hz.slice(1, numBands + 1), start, weights, zeroBands}
}

/** out[m] = sum_k fb[m, k] * power[k]. */
export function applyMelFilterbank(fb: MelFilterbank, power: Float64Array, out: Float64Array, outOffset = 0): void {
  for (let m = 0; m < fb.numBands; m++) {
    const row = fb.weights[m]
    const s = fb.start[m]
    let acc = 0
    for (let k = 0; k < row.length; k++) acc += row[k] * power[s + k]
    out[outOffset + m] = acc
  }
}
