// EfficientAT's `mel_avgs` low-level features (hear-reference.md §8): the normalised log-mel spectrogram
// of its front end (AugmentMelSTFT at inference) averaged over time, one value per mel band. It is the
// first block of every EfficientAT HEAR embedding and a cheap baseline to fuse with autoencoder features.
//
// The front end, per clip of 32 kHz mono audio x[0..N):
//   pre-emphasis as a valid convolution: y[n] = x[n+1] - 0.97 x[n], N - 1 samples;
//   centred STFT: y reflect-padded by n_fft/2 on both sides, frames every `hop` samples, a symmetric Hann
//   window of `window` samples placed in the middle of n_fft, power spectrum |X|^2 (torch.stft semantics);
//   Kaldi mel filterbank (torchaudio.compliance.kaldi.get_mel_banks: mel = 1127 ln(1 + f/700), triangles
//   equally spaced in mel between fmin and fmax, evaluated at the bin frequencies, the Nyquist bin unused);
//   log(mel + 1e-5), then (x + 4.5) / 5.
// Arithmetic is float64 (torch runs float32), so values agree with EfficientAT to about 1e-5.

import {UserError} from '../core/errors.js'
import {realFftPlan} from '../dsp/fft.js'

export interface MelAvgsOptions {
  /** Rate the audio must have; EfficientAT models take 32 kHz. */
  sampleRate: number
  melBands: number
  /** Hop between frames in samples (320 = 10 ms at 32 kHz). */
  hop: number
  /** Hann window length in samples (800 = 25 ms). */
  window: number
  fftSize: number
  fmin: number
  fmax: number
}

/** The `*_mel_avgs` configuration of EfficientAT's HEAR models (mn01 ... mn40). */
export const MEL_AVGS_DEFAULTS: Readonly<MelAvgsOptions> = {
  sampleRate: 32000,
  melBands: 128,
  hop: 320,
  window: 800,
  fftSize: 1024,
  fmin: 0,
  fmax: 15000,
}

const PRE_EMPHASIS = 0.97
const LOG_OFFSET = 1e-5
const NORM_SHIFT = 4.5
const NORM_SCALE = 5

export function validateMelAvgsOptions(o: MelAvgsOptions): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`${name} must be a positive integer, got ${v}`)
  }
  positiveInt('sample rate', o.sampleRate)
  positiveInt('number of mel bands', o.melBands)
  positiveInt('hop', o.hop)
  positiveInt('window length', o.window)
  positiveInt('FFT size', o.fftSize)
  if (o.fftSize % 2 !== 0) throw new UserError(`FFT size must be even, got ${o.fftSize}`)
  if (o.window > o.fftSize) throw new UserError(`window of ${o.window} samples is longer than the FFT size ${o.fftSize}`)
  const nyquist = o.sampleRate / 2
  if (!(o.fmin >= 0 && o.fmin < nyquist && o.fmax > o.fmin && o.fmax <= nyquist)) {
    throw new UserError(`mel range ${o.fmin}..${o.fmax} Hz must satisfy 0 <= fmin < fmax <= ${nyquist} Hz (Nyquist)`)
  }
}

function kaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700)
}

/** One triangle per band over FFT bins [start, start + weights.length); bins beyond n_fft/2 - 1 get none. */
export interface KaldiMelBanks {
  readonly numBands: number
  readonly start: Int32Array
  readonly weights: readonly Float64Array[]
}

/** torchaudio.compliance.kaldi.get_mel_banks without VTLN warping (warp factor 1). */
export function kaldiMelBanks(numBands: number, fftSize: number, sampleRate: number, fmin: number, fmax: number): KaldiMelBanks {
  const numFftBins = fftSize / 2
  const binWidth = sampleRate / fftSize
  const melLow = kaldiMel(fmin)
  const delta = (kaldiMel(fmax) - melLow) / (numBands + 1)
  const binMel = new Float64Array(numFftBins)
  for (let k = 0; k < numFftBins; k++) binMel[k] = kaldiMel(binWidth * k)
  const start = new Int32Array(numBands)
  const weights: Float64Array[] = []
  for (let m = 0; m < numBands; m++) {
    const left = melLow + m * delta
    const centre = melLow + (m + 1) * delta
    const right = melLow + (m + 2) * delta
    const row = new Float64Array(numFftBins)
    let first = -1
    let last = -1
    for (let k = 0; k < numFftBins; k++) {
      const up = (binMel[k] - left) / (centre - left)
      const down = (right - binMel[k]) / (right - centre)
      const w = Math.max(0, Math.min(up, down))
      row[k] = w
      if (w > 0) {
        if (first < 0) first = k
        last = k
      }
    }
    start[m] = Math.max(0, first)
    weights.push(first < 0 ? new Float64Array(0) : row.slice(first, last + 1))
  }
  return {numBands, start, weights}
}

/** Symmetric Hann window (torch.hann_window(n, periodic=False)). */
export function symmetricHann(n: number): Float64Array {
  const w = new Float64Array(n)
  if (n === 1) {
    w[0] = 1
    return w
  }
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1))
  return w
}

/** Index into a signal of length n reflect-padded by `pad` (numpy/torch 'reflect': the edge is not repeated). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0
  const period = 2 * (n - 1)
  let j = i % period
  if (j < 0) j += period
  return j < n ? j : period - j
}

const banksCache = new Map<string, KaldiMelBanks>()
const windowCache = new Map<number, Float64Array>()

/**
 * Calls `sink(t, row)` with the normalised log-mel values of each frame t (the row buffer is reused).
 * Frames: 1 + floor((N - 1) / hop) for N input samples (the pre-emphasised signal is one sample shorter).
 */
export function forEachLogMelFrame(
  signal: ArrayLike<number>,
  options: MelAvgsOptions,
  sink: (frame: number, row: Float64Array) => void,
): number {
  validateMelAvgsOptions(options)
  const {fftSize, window, hop, melBands} = options
  if (signal.length < 2) throw new UserError(`audio of ${signal.length} samples is too short for mel averages`)
  const n = signal.length - 1
  const emphasised = new Float64Array(n)
  for (let i = 0; i < n; i++) emphasised[i] = signal[i + 1] - PRE_EMPHASIS * signal[i]
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(emphasised[i])) throw new UserError('audio contains non-finite samples (NaN or infinity)')
  }

  const key = `${melBands}/${fftSize}/${options.sampleRate}/${options.fmin}/${options.fmax}`
  let banks = banksCache.get(key)
  if (banks === undefined) {
    banks = kaldiMelBanks(melBands, fftSize, options.sampleRate, options.fmin, options.fmax)
    banksCache.set(key, banks)
  }
  let hann = windowCache.get(window)
  if (hann === undefined) {
    hann = symmetricHann(window)
    windowCache.set(window, hann)
  }

  const pad = fftSize / 2
  // torch.stft centres the window inside the n_fft frame; only those `window` samples are non-zero.
  const windowOffset = Math.floor((fftSize - window) / 2)
  const frames = 1 + Math.floor(n / hop)
  const fft = realFftPlan(fftSize)
  const frame = new Float64Array(fftSize)
  const scratch = new Float64Array(2 * fft.numBins)
  const power = new Float64Array(fft.numBins)
  const row = new Float64Array(melBands)
  for (let t = 0; t < frames; t++) {
    // Frame t covers padded samples [t*hop, t*hop + fftSize), i.e. signal samples from t*hop - pad.
    const first = t * hop - pad + windowOffset
    const inside = first >= 0 && first + window <= n
    for (let j = 0; j < window; j++) {
      const i = first + j
      frame[windowOffset + j] = hann[j] * (inside ? emphasised[i] : emphasised[reflectIndex(i, n)])
    }
    fft.powerSpectrum(power, frame, scratch)
    for (let m = 0; m < melBands; m++) {
      const w = banks.weights[m]
      const s = banks.start[m]
      let acc = 0
      for (let k = 0; k < w.length; k++) acc += w[k] * power[s + k]
      row[m] = (Math.log(acc + LOG_OFFSET) + NORM_SHIFT) / NORM_SCALE
    }
    sink(t, row)
  }
  return frames
}

/** The whole normalised log-mel spectrogram, row-major [frame, band]. */
export function efficientAtLogMel(
  signal: ArrayLike<number>,
  options: MelAvgsOptions = MEL_AVGS_DEFAULTS,
): {frames: number; bands: number; values: Float64Array} {
  const chunks: Float64Array[] = []
  const frames = forEachLogMelFrame(signal, options, (_, row) => chunks.push(row.slice()))
  const values = new Float64Array(frames * options.melBands)
  chunks.forEach((r, t) => values.set(r, t * options.melBands))
  return {frames, bands: options.melBands, values}
}

/** Mean over time of the normalised log-mel spectrogram: `melBands` values. */
export function melAverages(signal: ArrayLike<number>, options: MelAvgsOptions = MEL_AVGS_DEFAULTS): Float32Array {
  const bands = options.melBands
  const sums = new Float64Array(bands)
  const frames = forEachLogMelFrame(signal, options, (_, row) => {
    for (let m = 0; m < bands; m++) sums[m] += row[m]
  })
  const out = new Float32Array(bands)
  for (let m = 0; m < bands; m++) out[m] = sums[m] / frames
  return out
}
