// One audio file -> its instances' features: decode, optionally resample, run a front end (auDeep's
// spectrogram pipeline, or EfficientAT's mel averages). Shared by the worker threads and the in-process
// mode of the driver.

import {decodeAudioFile} from '../audio/decode.js'
import {fuseChannels, type ChannelFusion} from '../audio/channels.js'
import {resample, type ResampleQuality} from '../audio/resample.js'
import {inFile, UserError} from '../core/errors.js'
import {computeSpectrogram, validateSpectrogramOptions, type SpectrogramOptions} from '../dsp/spectrogram.js'
import {melAverages, validateMelAvgsOptions, type MelAvgsOptions} from '../features/mel-avgs.js'
import {augmentationHooks, validateAugmentOptions, type AugmentOptions} from './augment.js'

interface CommonOptions {
  /** Resample every file to this rate first (new; auDeep never resamples). Null keeps native rates. */
  sampleRate?: number | null
  resampleQuality?: ResampleQuality
}

export interface SpectrogramPreprocessOptions extends SpectrogramOptions, CommonOptions {
  frontEnd?: 'spectrogram'
  /** Augmented copies (see augment.ts); null or absent: none, and the output is exactly auDeep's. */
  augment?: AugmentOptions | null
}

/** EfficientAT mel averages: one instance per file, features ['generated'] of melBands values. */
export interface MelAvgsPreprocessOptions extends MelAvgsOptions, Omit<CommonOptions, 'sampleRate'> {
  frontEnd: 'mel-avgs'
  channels?: ChannelFusion
}

export type PreprocessOptions = SpectrogramPreprocessOptions | MelAvgsPreprocessOptions

/** Checks the options once, before any file is touched. */
export function validatePreprocessOptions(options: PreprocessOptions): void {
  if (options.frontEnd === 'mel-avgs') {
    validateMelAvgsOptions(options)
    return
  }
  if (options.sampleRate != null && !(Number.isInteger(options.sampleRate) && options.sampleRate > 0)) {
    throw new UserError(`sample rate must be a positive integer, got ${options.sampleRate}`)
  }
  validateSpectrogramOptions(options)
  if (options.augment != null) validateAugmentOptions(options.augment)
}

/** Instances per file (of the original; each augmented copy has as many). */
export function chunksPerFile(options: PreprocessOptions): number {
  return options.frontEnd === 'mel-avgs' ? 1 : (options.chunkCount ?? 1)
}

export interface FileResult {
  /** Features of the file's instances (chunks), in chunk order. */
  chunks: Float32Array[]
  /** Augmented copies 1..k, each with as many chunks as the original. */
  copies: Float32Array[][]
  featureDims: string[]
  featureShape: number[]
  /** Spectrogram frames per chunk (mel averages: frames averaged). */
  timeSteps: number
  freqBands: number
  /** Rate the features were computed at (after resampling). */
  sampleRate: number
  /** Rate of the file itself. */
  nativeSampleRate: number
  /** Duration of the decoded file in seconds, before fixed length. */
  duration: number
  warnings: string[]
}

/** What to compute beyond the original: `copies` augmented copies of the file at `fileIndex`. */
export interface FileTask {
  fileIndex: number
  copies: number
}

export async function processFile(
  path: string,
  options: PreprocessOptions,
  task: FileTask = {fileIndex: 0, copies: 0},
): Promise<FileResult> {
  try {
    // The decoded samples are only needed until the features are computed, before the next file.
    const audio = await decodeAudioFile(path, {reuseBuffers: true})
    const nativeSampleRate = audio.sampleRate
    const duration = audio.numSamples / nativeSampleRate
    if (options.frontEnd === 'mel-avgs') {
      // Resampling is linear, so fusing the channels first gives the same signal for less work.
      const mono = fuseChannels(audio.channels, options.channels ?? 'MEAN')
      const signal =
        nativeSampleRate === options.sampleRate
          ? mono
          : (await resample([mono], nativeSampleRate, options.sampleRate, options.resampleQuality))[0]
      const values = melAverages(signal, options)
      const frames = 1 + Math.floor((signal.length - 1) / options.hop)
      return {
        chunks: [values],
        copies: [],
        featureDims: ['generated'],
        featureShape: [options.melBands],
        timeSteps: frames,
        freqBands: options.melBands,
        sampleRate: options.sampleRate,
        nativeSampleRate,
        duration,
        warnings: [],
      }
    }
    let channels = audio.channels
    let sampleRate = nativeSampleRate
    if (options.sampleRate != null && options.sampleRate !== nativeSampleRate) {
      channels = await resample(channels, nativeSampleRate, options.sampleRate, options.resampleQuality)
      sampleRate = options.sampleRate
    }
    const input = {sampleRate, channels}
    const result = computeSpectrogram(input, options)
    const copies: Float32Array[][] = []
    if (task.copies > 0) {
      if (options.augment == null) throw new Error('augmented copies requested without augmentation options')
      for (let k = 1; k <= task.copies; k++)
        copies.push(computeSpectrogram(input, options, augmentationHooks(options.augment, task.fileIndex, k)).chunks)
    }
    return {
      chunks: result.chunks,
      copies,
      featureDims: ['time', 'freq'],
      featureShape: [result.timeSteps, result.freqBands],
      timeSteps: result.timeSteps,
      freqBands: result.freqBands,
      sampleRate,
      nativeSampleRate,
      duration,
      warnings: result.warnings,
    }
  } catch (error) {
    throw inFile(path, error)
  }
}
