// Short-time power spectra with scipy.signal.spectrogram's framing, as auDeep calls it: frames of W samples
// every W - O samples, no padding or centring (a trailing partial frame is dropped), each frame's mean
// removed before windowing (detrend='constant'), FFT size W, one-sided.

import {realFftPlan} from './fft.js'
import {periodicHann} from './window.js'

/** Number of frames scipy produces for a signal of n samples. */
export function frameCount(n: number, windowLength: number, overlap: number): number {
  if (n < windowLength) return 0
  return Math.floor((n - overlap) / (windowLength - overlap))
}

const windows = new Map<number, Float64Array>()

/** The periodic Hann window of n samples, computed once per length (shared with the native path). */
export function hannFor(n: number): Float64Array {
  let w = windows.get(n)
  if (w === undefined) {
    w = periodicHann(n)
    windows.set(n, w)
  }
  return w
}

export interface StftOptions {
  /** Window (and FFT) length in samples. */
  windowLength: number
  /** Overlap between consecutive windows in samples. */
  overlap: number
}

/**
 * Calls `sink(frame, power)` for each frame with |rfft(w * (x_t - mean(x_t)))|^2 over windowLength/2+1 bins.
 * The power buffer is reused between calls. The constant density scaling scipy applies is left out: every
 * downstream step of auDeep's pipeline divides it away again.
 */
export function forEachPowerFrame(
  signal: ArrayLike<number>,
  options: StftOptions,
  sink: (frame: number, power: Float64Array) => void,
): number {
  const {windowLength: w, overlap} = options
  if (!Number.isInteger(w) || w < 1) throw new Error(`window length must be a positive integer, got ${w}`)
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= w) {
    throw new Error(`window overlap must be an integer in [0, ${w}), got ${overlap}`)
  }
  const step = w - overlap
  const frames = frameCount(signal.length, w, overlap)
  const fft = realFftPlan(w)
  const window = hannFor(w)
  const frame = new Float64Array(w)
  const spectrum = new Float64Array(2 * fft.numBins)
  const power = new Float64Array(fft.numBins)
  for (let t = 0; t < frames; t++) {
    const offset = t * step
    let sum = 0
    for (let j = 0; j < w; j++) sum += signal[offset + j]
    const mean = sum / w
    for (let j = 0; j < w; j++) frame[j] = window[j] * (signal[offset + j] - mean)
    fft.powerSpectrum(power, frame, spectrum)
    sink(t, power)
  }
  return frames
}

/** The whole power spectrogram, row-major [frame, bin]. */
export function powerSpectrogram(signal: ArrayLike<number>, options: StftOptions): {frames: number; bins: number; data: Float64Array} {
  const bins = Math.floor(options.windowLength / 2) + 1
  const frames = frameCount(signal.length, options.windowLength, options.overlap)
  const data = new Float64Array(frames * bins)
  forEachPowerFrame(signal, options, (t, power) => data.set(power, t * bins))
  return {frames, bins, data}
}
