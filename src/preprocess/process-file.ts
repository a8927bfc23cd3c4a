// One audio file -> spectrogram chunks: decode, optionally resample, run the DSP pipeline. Shared by the
// worker threads and the in-process mode of the driver.

import {decodeAudioFile} from '../audio/decode.js'
import {resample, type ResampleQuality} from '../audio/resample.js'
import {inFile} from '../cli/errors.js'
import {computeSpectrogram, type SpectrogramOptions} from '../dsp/spectrogram.js'

export interface PreprocessOptions extends SpectrogramOptions {
  /** Resample every file to this rate first (new; auDeep never resamples). Null keeps native rates. */
  sampleRate?: number | null
  resampleQuality?: ResampleQuality
}

export interface FileResult {
  chunks: Float32Array[]
  timeSteps: number
  freqBands: number
  /** Rate the spectrogram was computed at (after resampling). */
  sampleRate: number
  /** Rate of the file itself. */
  nativeSampleRate: number
  /** Duration of the decoded file in seconds, before fixed length. */
  duration: number
  warnings: string[]
}

export async function processFile(path: string, options: PreprocessOptions): Promise<FileResult> {
  try {
    const audio = await decodeAudioFile(path)
    const nativeSampleRate = audio.sampleRate
    let channels = audio.channels
    let sampleRate = nativeSampleRate
    if (options.sampleRate != null && options.sampleRate !== nativeSampleRate) {
      channels = await resample(channels, nativeSampleRate, options.sampleRate, options.resampleQuality)
      sampleRate = options.sampleRate
    }
    const result = computeSpectrogram({sampleRate, channels}, options)
    return {
      chunks: result.chunks,
      timeSteps: result.timeSteps,
      freqBands: result.freqBands,
      sampleRate,
      nativeSampleRate,
      duration: audio.numSamples / nativeSampleRate,
      warnings: result.warnings,
    }
  } catch (error) {
    throw inFile(path, error)
  }
}
