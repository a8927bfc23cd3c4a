// Data augmentation for `preprocess` (new in audeep; off by default): extra, randomly perturbed copies of
// each file's spectrogram, stored as instances of their own next to the unchanged original.
//
// Reproducibility: copy k (1-based) of the file at index i of the parser's file list draws all its
// randomness from deriveSeed(seed, i, k), each perturbation from its own sub-stream. The result depends
// only on the seed, the file's position and the options, never on worker scheduling or sharding, and
// switching one perturbation on or off does not change what the others draw.
//
// Where the perturbations act (all on one file, before chunking, so every chunk of a copy shares them):
//   gain        on the fused, fixed-length waveform: a random gain in [-g, +g] dB, samples then clipped to
//               [-1, 1] as a recording at that level would be. Without the clipping a gain would change
//               nothing: auDeep's dB scale is relative to each file's maximum.
//   time shift  on the waveform: a circular shift by a random offset in [-s, +s] seconds.
//   noise       on the waveform: white Gaussian noise at a random SNR in [min, max] dB relative to the
//               (shifted, gained) signal's mean power; digitally silent files get none.
//   masks       SpecAugment on the clipped dB spectrogram [time, freq]: `count` masks of a random width in
//               [0, maxWidth] frames (bands) at a random position, filled with the spectrogram's minimum
//               (silence at the clipping floor), before the per-chunk scaling to [-1, 1].

import {UserError} from '../core/errors.js'
import type {Partition} from '../data/dataset.js'
import type {SpectrogramHooks} from '../dsp/spectrogram.js'
import {deriveSeed, Random} from '../core/random.js'

export interface MaskOptions {
  count: number
  /** Largest mask width in frames (time masks) or bands (frequency masks). */
  maxWidth: number
}

export interface AugmentOptions {
  seed: number
  /** Augmented copies per file (>= 1). */
  copies: number
  /** Gain drawn uniformly from [-gainDb, +gainDb]. */
  gainDb?: number | null
  /** Largest circular shift in seconds. */
  timeShift?: number | null
  /** SNR of added white noise in dB, drawn uniformly from [min, max]. */
  noiseSnr?: {min: number; max: number} | null
  timeMasks?: MaskOptions | null
  freqMasks?: MaskOptions | null
  /** Only files in these partitions get copies (e.g. train, so evaluation data stays clean); null: all. */
  partitions?: readonly Partition[] | null
}

/** Independent sub-streams of a copy's seed, one per perturbation. */
const Stream = {GAIN: 1, SHIFT: 2, NOISE: 3, TIME_MASK: 4, FREQ_MASK: 5} as const

/** The name copy k of a file is stored under: validate and fuse chunks treat it as a file of its own. */
export function augmentedFilename(filename: string, copy: number): string {
  return `${filename}.aug${copy}`
}

export function copySeed(seed: number, fileIndex: number, copy: number): number {
  return deriveSeed(seed, fileIndex, copy)
}

export function validateAugmentOptions(o: AugmentOptions): void {
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 2 ** 32 - 1)
    throw new UserError(`augmentation seed must be an integer in [0, 2^32), got ${o.seed}`)
  if (!Number.isInteger(o.copies) || o.copies < 1)
    throw new UserError(`the number of augmented copies must be a positive integer, got ${o.copies}`)
  if (o.gainDb != null && !(o.gainDb >= 0 && Number.isFinite(o.gainDb)))
    throw new UserError(`augmentation gain must be a non-negative number of dB, got ${o.gainDb}`)
  if (o.timeShift != null && !(o.timeShift >= 0 && Number.isFinite(o.timeShift)))
    throw new UserError(`augmentation time shift must be a non-negative number of seconds, got ${o.timeShift}`)
  if (o.noiseSnr != null && !(Number.isFinite(o.noiseSnr.min) && Number.isFinite(o.noiseSnr.max) && o.noiseSnr.min <= o.noiseSnr.max)) {
    throw new UserError(`augmentation SNR range must be finite with min <= max, got ${o.noiseSnr.min}..${o.noiseSnr.max}`)
  }
  for (const [name, m] of [
    ['time', o.timeMasks],
    ['frequency', o.freqMasks],
  ] as const) {
    if (m == null) continue
    if (!Number.isInteger(m.count) || m.count < 1 || !Number.isInteger(m.maxWidth) || m.maxWidth < 1) {
      throw new UserError(`${name} masks need a positive integer count and width, got ${m.count} x ${m.maxWidth}`)
    }
  }
  if (!hasPerturbation(o)) throw new UserError('augmented copies need at least one perturbation (noise, time shift, gain or a mask)')
}

export function hasPerturbation(o: AugmentOptions): boolean {
  return o.gainDb != null || o.timeShift != null || o.noiseSnr != null || o.timeMasks != null || o.freqMasks != null
}

function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random.next()
}

// The circular shift needs a second buffer; kept between calls (one file at a time per thread).
let shiftScratch = new Float64Array(0)

/** Gain with clipping, circular time shift, then noise, in place on a mono signal. */
export function perturbSignal(signal: Float64Array, sampleRate: number, o: AugmentOptions, seed: number): void {
  const n = signal.length
  if (n === 0) return
  if (o.gainDb != null) {
    const db = uniform(new Random(deriveSeed(seed, Stream.GAIN)), -o.gainDb, o.gainDb)
    const factor = Math.pow(10, db / 20)
    for (let i = 0; i < n; i++) {
      const v = signal[i] * factor
      signal[i] = v > 1 ? 1 : v < -1 ? -1 : v
    }
  }
  if (o.timeShift != null) {
    const maxShift = Math.round(o.timeShift * sampleRate)
    const shift = maxShift === 0 ? 0 : Math.round(uniform(new Random(deriveSeed(seed, Stream.SHIFT)), -maxShift, maxShift))
    const k = ((shift % n) + n) % n
    if (k !== 0) {
      if (shiftScratch.length < n) shiftScratch = new Float64Array(n)
      // out[(i + k) mod n] = in[i]
      shiftScratch.set(signal.subarray(n - k), 0)
      shiftScratch.set(signal.subarray(0, n - k), k)
      signal.set(shiftScratch.subarray(0, n))
    }
  }
  if (o.noiseSnr != null) {
    const random = new Random(deriveSeed(seed, Stream.NOISE))
    const snr = uniform(random, o.noiseSnr.min, o.noiseSnr.max)
    let power = 0
    for (let i = 0; i < n; i++) power += signal[i] * signal[i]
    power /= n
    if (power > 0) {
      const sigma = Math.sqrt(power / Math.pow(10, snr / 10))
      for (let i = 0; i < n; i++) signal[i] += sigma * random.normal()
    }
  }
}

/** SpecAugment masks in place on a [frames, bands] row-major array, filled with its minimum. */
export function maskSpectrogram(values: Float64Array, frames: number, bands: number, o: AugmentOptions, seed: number): void {
  if (o.timeMasks == null && o.freqMasks == null) return
  let fill = Infinity
  for (let i = 0; i < values.length; i++) if (values[i] < fill) fill = values[i]
  if (o.timeMasks != null) {
    const random = new Random(deriveSeed(seed, Stream.TIME_MASK))
    for (let m = 0; m < o.timeMasks.count; m++) {
      const width = random.int(Math.min(o.timeMasks.maxWidth, frames) + 1)
      const start = random.int(frames - width + 1)
      values.fill(fill, start * bands, (start + width) * bands)
    }
  }
  if (o.freqMasks != null) {
    const random = new Random(deriveSeed(seed, Stream.FREQ_MASK))
    for (let m = 0; m < o.freqMasks.count; m++) {
      const width = random.int(Math.min(o.freqMasks.maxWidth, bands) + 1)
      const start = random.int(bands - width + 1)
      if (width === 0) continue
      for (let t = 0; t < frames; t++) values.fill(fill, t * bands + start, t * bands + start + width)
    }
  }
}

/** The spectrogram hooks that turn a file's pipeline run into augmented copy `copy` of file `fileIndex`. */
export function augmentationHooks(o: AugmentOptions, fileIndex: number, copy: number): SpectrogramHooks {
  const seed = copySeed(o.seed, fileIndex, copy)
  return {
    signal: (signal, sampleRate) => perturbSignal(signal, sampleRate, o, seed),
    decibels: (values, frames, bands) => maskSpectrogram(values, frames, bands, o, seed),
  }
}
