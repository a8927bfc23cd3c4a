// Turning spectrograms into learned features with a trained autoencoder. Input is read in blocks and the
// output streamed to disk, so data sets larger than memory work; all metadata is carried over.

import * as tf from './tf.js'

import {UserError} from '../core/errors.js'
import {createDataSetWriter, openDataSetReader, schemaFor} from '../data/netcdf/index.js'
import {Random} from '../core/random.js'
import {createAutoencoder} from './autoencoders.js'
import {loadCheckpoint, restoreCheckpoint} from './checkpoint.js'

export interface GenerateOptions {
  /** The run's logs directory (auDeep's --model-dir) or the run directory. */
  modelDir: string
  /** Checkpoint step; the latest when omitted. */
  step?: number
  input: string
  output: string
  batchSize: number
  /** Only these instances [start, end) of the input (one shard); the default is all. */
  instanceRange?: {start: number; end: number}
  onProgress?: (done: number, total: number) => void
}

export async function generateFeatures(
  options: GenerateOptions,
): Promise<{numInstances: number; dims: string[]; shape: number[]; step: number}> {
  const checkpoint = loadCheckpoint(options.modelDir, options.step)
  const {config} = checkpoint.manifest
  const model = createAutoencoder(config, new Random(0))
  const reader = await openDataSetReader(options.input)
  try {
    restoreCheckpoint(checkpoint, model.params.variables)
    const meta = reader.meta
    if (meta.featureShape.length !== 2 || meta.featureShape[1] !== config.numFeatures) {
      throw new UserError(
        `${options.input}: features [${meta.featureShape.join(', ')}] do not fit the model, which expects [time, ${config.numFeatures}]`,
      )
    }
    const frames = meta.featureShape[0]
    const layout = model.representationLayout(frames)
    const range = options.instanceRange ?? {start: 0, end: reader.numInstances}
    if (!(
      Number.isInteger(range.start) &&
      Number.isInteger(range.end) &&
      range.start >= 0 &&
      range.start <= range.end &&
      range.end <= reader.numInstances
    )) {
      throw new Error(`instance range [${range.start}, ${range.end}) is not within the ${reader.numInstances} instances`)
    }
    if (range.start === range.end && reader.numInstances > 0) {
      throw new UserError(`${options.input}: this shard has no instances: the data set has only ${reader.numInstances}; use fewer shards`)
    }
    const selected = meta.instances.slice(range.start, range.end)
    const writer = await createDataSetWriter(
      options.output,
      schemaFor(selected, {featureDims: layout.dims, featureShape: layout.shape, numFolds: meta.numFolds, labelMap: meta.labelMap}),
    )
    try {
      const size = layout.shape.reduce((a, b) => a * b, 1)
      // Batches start at the range's start, so a shard sees the same batch boundaries whatever its offset;
      // representations do not depend on the batch anyway (each instance is encoded on its own).
      for (let start = range.start; start < range.end; start += options.batchSize) {
        const count = Math.min(options.batchSize, range.end - start)
        const block = reader.readFeatures(start, count)
        const features = tf.tidy(() => model.represent(tf.tensor3d(block, [count, frames, config.numFeatures])))
        const values = (await features.data()) as Float32Array
        features.dispose()
        for (let i = 0; i < count; i++) writer.append(meta.instances[start + i], values.subarray(i * size, (i + 1) * size))
        options.onProgress?.(start + count - range.start, range.end - range.start)
      }
    } catch (error) {
      writer.abort()
      throw error
    }
    await writer.close()
    return {numInstances: range.end - range.start, dims: layout.dims, shape: layout.shape, step: checkpoint.manifest.progress.step}
  } finally {
    reader.close()
    model.params.dispose()
  }
}
