// A real training run small enough for tests that need checkpoints to read, damage or resume: a t-rae with
// 8 GRU units trained for one epoch on the first 24 frames and 40 bands of the golden ESC-10 spectrograms.

import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {getLogger} from '../../src/core/log.js'
import {DataSet} from '../../src/data/dataset.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {selectBackend} from '../../src/nn/engine/index.js'
import {trainAutoencoder} from '../../src/training/train.js'
import {reference} from '../helpers.js'

export const goldenSpectrograms = reference('esc10-sample.nc')
export const haveGoldenSpectrograms = existsSync(goldenSpectrograms)

export const TINY_FRAMES = 24
export const TINY_BANDS = 40

/** Writes the cropped spectrograms to `path`. */
export async function writeCrop(path: string): Promise<void> {
  const full = await readDataSet(goldenSpectrograms)
  const bands = full.featureShape[1]
  const crop = new Float32Array(full.numInstances * TINY_FRAMES * TINY_BANDS)
  for (let i = 0; i < full.numInstances; i++) {
    const src = full.instanceFeatures(i)
    for (let t = 0; t < TINY_FRAMES; t++) crop.set(src.subarray(t * bands, t * bands + TINY_BANDS), (i * TINY_FRAMES + t) * TINY_BANDS)
  }
  await writeDataSet(path, new DataSet({...full, featureShape: [TINY_FRAMES, TINY_BANDS], features: crop}))
}

/** Trains the tiny model in `dir`/run; returns the run's logs directory and the crop's path. */
export async function tinyRun(dir: string, numEpochs = 1): Promise<{logDir: string; input: string}> {
  await selectBackend('auto')
  const input = join(dir, 'crop.nc')
  if (!existsSync(input)) await writeCrop(input)
  const runDir = join(dir, 'run')
  const arch = {layers: 1, units: 8, bidirectional: false, cell: 'gru' as const}
  await trainAutoencoder({
    runDir,
    inputs: [input],
    config: () => ({kind: 't-rae', numFeatures: TINY_BANDS, encoder: arch, decoder: arch, maskSilence: false}),
    hyperParameters: () => ({batchSize: 10, learningRate: 0.01, keepProb: 1, encoderNoise: 0, feedPreviousProb: 0}),
    numEpochs,
    seed: 3,
    resume: false,
    logger: getLogger('test'),
  })
  return {logDir: join(runDir, 'logs'), input}
}
