// auDeep's spectrogram pipeline (audeep-reference.md §1.2, steps 2-10) as one pure function:
// channels -> fixed length -> pre-emphasis -> framed power spectra -> mel -> dB with clipping -> chunks ->
// per-chunk scaling to [-1, 1]. All arithmetic is float64; only the returned chunks are float32.

import {UserError} from '../core/errors.js'
import {fuseChannelsInto, type ChannelFusion, type Pcm} from '../audio/channels.js'
import {melFilterbank, type MelFilterbank} from './mel.js'
import {melPowerSpectrogram, type DspEngine} from './native-dsp.js'
import {frameCount} from './stft.js'

/** Named after auDeep's `preprocess` flags; times in seconds, levels in dB. */
export interface SpectrogramOptions {
  windowWidth: number
  windowOverlap: number
  /** Number of mel bands; null/undefined stores the linear power spectrum. */
  melBands?: number | null
  fixedLength?: number | null
  centerFixed?: boolean
  clipAbove?: number | null
  clipBelow?: number | null
  chunkLength?: number | null
  chunkCount?: number | null
  channels?: ChannelFusion
  /** auDeep always scales each chunk to [-1, 1]; false keeps the clipped dB values (its --pretend path). */
  scale?: boolean
  /** Where the framed power spectra are computed (native-dsp.ts); default auto: the addon when built. */
  dspEngine?: DspEngine
}

/**
 * Optional callbacks that may change intermediate results in place (augmentation). Without hooks the
 * pipeline is exactly auDeep's.
 */
export interface SpectrogramHooks {
  /** The fused, fixed-length mono signal, before pre-emphasis. */
  signal?(signal: Float64Array, sampleRate: number): void
  /** The dB spectrogram [frame, band] after clipping, before chunking and scaling; not called for silent input. */
  decibels?(values: Float64Array, frames: number, bands: number): void
}

export interface AudioInput {
  sampleRate: number
  channels: readonly Pcm[]
}

export interface SpectrogramResult {
  /** One [timeSteps, freqBands] row-major array per chunk, in chunk order. */
  chunks: Float32Array[]
  timeSteps: number
  freqBands: number
  /** Window and overlap in samples actually used (after auDeep's frame-count correction). */
  windowLength: number
  overlap: number
  /** Frames of the whole (fixed-length) signal before chunking. */
  totalFrames: number
  /** Things the caller should log, e.g. the frame-count correction or a silent file. */
  warnings: string[]
}

const PRE_EMPHASIS = 0.95

/** Checks option combinations once, e.g. before a long run; computeSpectrogram calls it too. */
export function validateSpectrogramOptions(options: SpectrogramOptions): void {
  const {windowWidth, windowOverlap} = options
  if (!(windowWidth > 0)) throw new UserError(`window width must be positive, got ${windowWidth}`)
  if (!(windowOverlap >= 0) || !(windowOverlap < windowWidth)) {
    throw new UserError(`window overlap must be at least 0 and less than the window width, got ${windowOverlap}`)
  }
  if (options.melBands != null && (!Number.isInteger(options.melBands) || options.melBands < 1)) {
    throw new UserError(`number of mel bands must be a positive integer, got ${options.melBands}`)
  }
  if (options.fixedLength != null && !(options.fixedLength > 0)) {
    throw new UserError(`fixed length must be positive, got ${options.fixedLength}`)
  }
  if ((options.chunkLength == null) !== (options.chunkCount == null)) {
    throw new UserError('chunk length and chunk count must be given together')
  }
  if (options.chunkLength != null && !(options.chunkLength > 0)) {
    throw new UserError(`chunk length must be positive, got ${options.chunkLength}`)
  }
  if (options.chunkCount != null && (!Number.isInteger(options.chunkCount) || options.chunkCount < 1)) {
    throw new UserError(`chunk count must be a positive integer, got ${options.chunkCount}`)
  }
  for (const [name, value] of [
    ['clip above', options.clipAbove],
    ['clip below', options.clipBelow],
  ] as const) {
    if (value != null && !Number.isFinite(value)) throw new UserError(`${name} must be a finite number, got ${value}`)
  }
}

// Each call needs a signal-sized float64 buffer only while it runs; reusing one keeps megabyte-sized
// allocations (and the garbage collections they cause) out of the per-file loop.
let signalScratch = new Float64Array(0)

/**
 * The fused mono signal cut or zero-padded to `length` samples (auDeep step 2): with `centered` the middle
 * is kept or the padding split (extra sample at the end), otherwise cut at / padded after the end. Fusing
 * first gives the same samples and touches fewer. Returns a view of a shared scratch buffer, valid until
 * the next call.
 */
export function fixedLengthSignal(channels: readonly Pcm[], mode: ChannelFusion, length: number | null, centered: boolean): Float64Array {
  const n = channels.length > 0 ? channels[0].length : 0
  const size = length ?? n
  if (signalScratch.length < size) signalScratch = new Float64Array(Math.max(size, Math.ceil(signalScratch.length * 1.5)))
  const out = signalScratch.subarray(0, size)
  if (n > size) {
    fuseChannelsInto(channels, mode, out, 0, centered ? Math.floor((n - size) / 2) : 0, size)
  } else {
    const before = centered ? Math.floor((size - n) / 2) : 0
    out.fill(0, 0, before)
    fuseChannelsInto(channels, mode, out, before, 0, n)
    out.fill(0, before + n)
  }
  return out
}

/** y[0] = x[0], y[i] = x[i] - a x[i-1], in place from the end. */
export function preEmphasis(signal: Float64Array, coefficient = PRE_EMPHASIS): void {
  for (let i = signal.length - 1; i > 0; i--) signal[i] = signal[i] - signal[i - 1] * coefficient
}

/**
 * Window and overlap in samples, including auDeep's one-shot correction for fixed-length input: when the
 * frame count of an N-sample signal differs from int((fixed - overlap) / (width - overlap)), the overlap
 * moves by one sample towards the expected count (once only, so the counts may still differ).
 */
export function framing(
  sampleRate: number,
  numSamples: number,
  options: Pick<SpectrogramOptions, 'windowWidth' | 'windowOverlap' | 'fixedLength'>,
): {windowLength: number; overlap: number; expectedFrames: number | null; warning: string | null} {
  const windowLength = Math.trunc(sampleRate * options.windowWidth)
  let overlap = Math.trunc(sampleRate * options.windowOverlap)
  let warning: string | null = null
  let expectedFrames: number | null = null
  if (options.fixedLength != null) {
    const expectedStep = options.windowWidth - options.windowOverlap
    expectedFrames = Math.trunc((options.fixedLength - options.windowOverlap) / expectedStep)
    const actual = Math.floor((numSamples - overlap) / (windowLength - overlap))
    if (actual > expectedFrames) {
      overlap -= 1
      warning = 'due to rounding errors, there are more frames than expected; decreasing the window overlap by one sample'
    } else if (actual < expectedFrames) {
      overlap += 1
      warning = 'due to rounding errors, there are fewer frames than expected; increasing the window overlap by one sample'
    }
  }
  return {windowLength, overlap, expectedFrames, warning}
}

const filterbanks = new Map<string, MelFilterbank>()

function cachedFilterbank(sampleRate: number, fftSize: number, bands: number): MelFilterbank {
  const key = `${sampleRate}/${fftSize}/${bands}`
  let fb = filterbanks.get(key)
  if (fb === undefined) {
    fb = melFilterbank(sampleRate, fftSize, bands)
    filterbanks.set(key, fb)
  }
  return fb
}

/**
 * 10 log10(S / max S) in place, with every value <= the smallest positive one raised to it first, then
 * clip-below, then clip-above. Returns false (and leaves the array) when S has no positive value.
 */
export function powerToDb(s: Float64Array, clipBelow?: number | null, clipAbove?: number | null): boolean {
  let eps = Infinity
  let max = -Infinity
  for (let i = 0; i < s.length; i++) {
    const v = s[i]
    if (v > 0 && v < eps) eps = v
    if (v > max) max = v
  }
  if (eps === Infinity) return false
  const below = clipBelow ?? -Infinity
  const above = clipAbove ?? Infinity
  for (let i = 0; i < s.length; i++) {
    const v = s[i] > eps ? s[i] : eps
    let d = 10 * Math.log10(v / max)
    if (d < below) d = below
    if (d > above) d = above
    s[i] = d
  }
  return true
}

/**
 * auDeep's final scaling of one chunk: subtract the mean, then map [min, max] onto [-1, 1] if the range
 * exceeds 1e-4, else shift by min (so a constant chunk becomes all 0). The mean subtraction does not change
 * the result mathematically; it is kept so the float64 rounding follows the original.
 */
export function scaleChunk(values: Float64Array, out: Float32Array): void {
  const n = values.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]
  const mean = sum / n
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const v = values[i] - mean
    if (v < min) min = v
    if (v > max) max = v
  }
  const range = max - min
  if (Math.abs(range) > 1e-4) {
    for (let i = 0; i < n; i++) out[i] = (2 * (values[i] - mean - min)) / range - 1
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i] - mean - min
  }
}

/**
 * Spectrogram chunks of one audio file, exactly as auDeep's preprocess computes them (with its crash fixes:
 * silent input gives zeros and a warning; too few chunks is an error instead of empty instances).
 * Throws UserError for inputs the options cannot handle; callers add the file name (see inFile).
 */
export function computeSpectrogram(audio: AudioInput, options: SpectrogramOptions, hooks?: SpectrogramHooks): SpectrogramResult {
  validateSpectrogramOptions(options)
  const fs = audio.sampleRate
  const warnings: string[] = []

  const signal = fixedLengthSignal(
    audio.channels,
    options.channels ?? 'MEAN',
    options.fixedLength == null ? null : Math.trunc(options.fixedLength * fs),
    options.centerFixed ?? false,
  )
  hooks?.signal?.(signal, fs)
  preEmphasis(signal)

  const frame = framing(fs, signal.length, options)
  if (frame.warning !== null) warnings.push(frame.warning)
  const {windowLength, overlap} = frame
  if (windowLength < 1) throw new UserError(`window width ${options.windowWidth} s is less than one sample at ${fs} Hz`)
  if (overlap < 0 || overlap >= windowLength) {
    throw new UserError(`window overlap of ${overlap} samples does not fit a window of ${windowLength} samples`)
  }
  const totalFrames = frameCount(signal.length, windowLength, overlap)
  if (totalFrames === 0) {
    throw new UserError(`audio of ${signal.length} samples is shorter than one window (${windowLength} samples)`)
  }
  if (frame.expectedFrames !== null && totalFrames !== frame.expectedFrames) {
    warnings.push(`${totalFrames} frames instead of the expected ${frame.expectedFrames} after the frame-count correction`)
  }

  // [frame, band] so that chunks along time are contiguous.
  let bands: number
  let spec: Float64Array
  if (options.melBands != null) {
    const fb = cachedFilterbank(fs, windowLength, options.melBands)
    if (fb.zeroBands > 0) {
      warnings.push(`frequency resolution is not high enough for ${options.melBands} mel filters; there will be ${fb.zeroBands} zero bands`)
    }
    bands = fb.numBands
    spec = new Float64Array(totalFrames * bands)
    melPowerSpectrogram(signal, windowLength, overlap, fb, spec, options.dspEngine)
  } else {
    bands = Math.floor(windowLength / 2) + 1
    spec = new Float64Array(totalFrames * bands)
    melPowerSpectrogram(signal, windowLength, overlap, null, spec, options.dspEngine)
  }
  for (let i = 0; i < spec.length; i++) {
    if (!Number.isFinite(spec[i])) throw new UserError('audio contains non-finite samples (NaN or infinity)')
  }

  const silent = !powerToDb(spec, options.clipBelow, options.clipAbove)
  if (silent) {
    warnings.push('the spectrogram is all zero (digital silence); storing zeros')
    spec.fill(0)
  } else {
    hooks?.decibels?.(spec, totalFrames, bands)
  }

  let framesPerChunk = totalFrames
  let numChunks = 1
  if (options.chunkLength != null && options.chunkCount != null) {
    const step = windowLength - overlap
    framesPerChunk = Math.floor(Math.trunc(fs * options.chunkLength) / step)
    if (framesPerChunk < 1) {
      throw new UserError(`chunk length ${options.chunkLength} s is shorter than one window step (${step} samples)`)
    }
    const fullChunks = Math.floor(totalFrames / framesPerChunk)
    if (fullChunks < options.chunkCount) {
      throw new UserError(
        `too few chunks: expected ${options.chunkCount} chunks of ${framesPerChunk} frames, ` +
          `but the audio has ${totalFrames} frames (${fullChunks} full chunks)`,
      )
    }
    numChunks = options.chunkCount
  }

  const chunkSize = framesPerChunk * bands
  const chunks: Float32Array[] = []
  const scale = options.scale ?? true
  for (let c = 0; c < numChunks; c++) {
    const values = spec.subarray(c * chunkSize, (c + 1) * chunkSize)
    const out = new Float32Array(chunkSize)
    if (silent) {
      // already zero
    } else if (scale) {
      scaleChunk(values, out)
    } else {
      out.set(values)
    }
    chunks.push(out)
  }
  return {chunks, timeSteps: framesPerChunk, freqBands: bands, windowLength, overlap, totalFrames, warnings}
}
