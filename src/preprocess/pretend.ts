// auDeep's `preprocess --pretend INDEX`: one file through the pipeline without the final scaling, to check
// options before a long run. Returns what the command prints and plots.

import {UserError} from '../core/errors.js'
import {partitionName, Split, SPLIT_NAMES} from '../data/dataset.js'
import {processFile, type SpectrogramPreprocessOptions} from './process-file.js'
import type {PreprocessInput} from './driver.js'

export interface PretendResult {
  /** auDeep's table rows: data file, label, splits, partition, chunks, time steps, bands. */
  rows: [string, string][]
  /** dB values of the whole file's spectrogram, [time, freq] (chunks concatenated). */
  decibels: Float32Array
  frames: number
  bands: number
  /** Seconds between frame starts. */
  frameStep: number
  warnings: string[]
}

export async function pretend(input: PreprocessInput, index: number, options: SpectrogramPreprocessOptions): Promise<PretendResult> {
  if (!Number.isInteger(index) || index < 0 || index >= input.instances.length) {
    throw new UserError(
      `--pretend ${index} is out of range: the data set has ${input.instances.length} files (0..${input.instances.length - 1})`,
    )
  }
  const item = input.instances[index]
  const result = await processFile(item.path, {...options, augment: null, scale: false})
  const frames = result.timeSteps * result.chunks.length
  const decibels = new Float32Array(frames * result.freqBands)
  result.chunks.forEach((chunk, c) => decibels.set(chunk, c * chunk.length))
  const splits =
    item.cvFolds.length > 0 && item.cvFolds.every((s) => s !== null) ? item.cvFolds.map((s) => SPLIT_NAMES[s as Split]).join(',') : 'None'
  const rows: [string, string][] = [
    ['data file', item.path],
    ['label', `${item.labelNominal ?? 'None'} (${item.labelNumeric ?? 'None'})`],
    ['cross validation splits', splits],
    ['partition', partitionName(item.partition)],
    ['number of chunks', String(result.chunks.length)],
    ['time steps per chunk', String(result.timeSteps)],
    ['number of frequency bands', String(result.freqBands)],
  ]
  const windowSamples = Math.trunc(result.sampleRate * options.windowWidth)
  const overlapSamples = Math.trunc(result.sampleRate * options.windowOverlap)
  return {
    rows,
    decibels,
    frames,
    bands: result.freqBands,
    frameStep: (windowSamples - overlapSamples) / result.sampleRate,
    warnings: result.warnings,
  }
}
