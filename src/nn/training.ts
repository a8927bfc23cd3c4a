// The training loop, independent of the architecture: exact epochs over shuffled data, Adam with
// element-wise gradient clipping at 2 (as auDeep), a checkpoint after every epoch and on interruption,
// and TensorBoard event files. Every random draw is derived from (seed, epoch) or (seed, step), so a run
// resumed with --continue continues exactly as an uninterrupted one would have.

import {existsSync} from 'node:fs'
import {join} from 'node:path'

import * as tf from '@tensorflow/tfjs'

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {DataSet} from '../data/dataset.js'
import {readDataSet} from '../data/netcdf.js'
import {EventFileWriter} from '../formats/tfevents.js'
import {encodePng} from '../plot/png.js'
import {deriveSeed, Random} from '../core/random.js'
import {Adam} from './adam.js'
import {type Autoencoder, type AutoencoderConfig, createAutoencoder, type TrainingNoise} from './autoencoders.js'
import {
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  restoreCheckpoint,
  saveCheckpoint,
  type TrainingHyperParameters,
  type TrainingProgress,
} from './checkpoint.js'

const GRADIENT_CLIP = 2

export interface TrainingInput {
  /** [N, T, F] features, row-major. */
  features: Float32Array
  numInstances: number
  frames: number
  numFeatures: number
  files: string[]
}

/** Reads and concatenates the training files; they must all hold [time, freq] features of one shape. */
export async function loadTrainingInput(files: readonly string[]): Promise<TrainingInput> {
  const sets: DataSet[] = []
  for (const file of files) {
    const ds = await readDataSet(file)
    if (ds.featureShape.length !== 2) {
      throw new UserError(
        `${file}: autoencoders train on 2-D features [time, freq]; this data set has feature dimensions [${ds.featureDims.join(', ')}]`,
      )
    }
    if (sets.length > 0 && ds.featureShape.join('x') !== sets[0].featureShape.join('x')) {
      throw new UserError(
        `${file}: feature shape [${ds.featureShape.join(', ')}] differs from ${files[0]}'s [${sets[0].featureShape.join(', ')}]`,
      )
    }
    if (ds.numInstances === 0) throw new UserError(`${file}: the data set has no instances`)
    if (ds.features.some((v) => !Number.isFinite(v))) throw new UserError(`${file}: features contain NaN or infinite values`)
    sets.push(ds)
  }
  const total = sets.reduce((n, s) => n + s.features.length, 0)
  const features = new Float32Array(total)
  let offset = 0
  for (const s of sets) {
    features.set(s.features, offset)
    offset += s.features.length
  }
  const [frames, numFeatures] = sets[0].featureShape
  return {features, numInstances: sets.reduce((n, s) => n + s.numInstances, 0), frames, numFeatures, files: [...files]}
}

/** The rows `indices` of [N, T, F] features as a [B, T, F] tensor. */
export function gatherBatch(
  features: Float32Array,
  rowSize: number,
  frames: number,
  numFeatures: number,
  indices: readonly number[],
): tf.Tensor3D {
  const batch = new Float32Array(indices.length * rowSize)
  indices.forEach((row, i) => batch.set(features.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize))
  return tf.tensor3d(batch, [indices.length, frames, numFeatures])
}

export interface TrainingStatus {
  epoch: number
  numEpochs: number
  batch: number
  numBatches: number
  step: number
  loss: number
}

export interface TrainRunOptions {
  runDir: string
  inputs: readonly string[]
  /** Model configuration for a new run; ignored with `resume` (the checkpoint's is used). */
  config: (input: TrainingInput) => AutoencoderConfig
  /** Given the resumed checkpoint's hyper-parameters (if any), those to train with. */
  hyperParameters: (previous?: TrainingHyperParameters) => TrainingHyperParameters
  numEpochs: number
  seed: number
  resume: boolean
  /** Newest checkpoints kept (default DEFAULT_CHECKPOINTS_TO_KEEP), or 'all'. */
  checkpointsToKeep?: number | 'all'
  logger: Logger
  onBatch?: (status: TrainingStatus) => void
  onStart?: (info: {firstStep: number; totalSteps: number; numBatches: number}) => void
  /** Polled between batches; when true, a checkpoint is written and training stops. */
  shouldStop?: () => boolean
}

export interface TrainRunResult {
  interrupted: boolean
  /** The epoch training was asked to reach. */
  targetEpoch: number
  progress: TrainingProgress
  checkpoint: string
  finalLoss: number
}

function noiseOf(h: TrainingHyperParameters): TrainingNoise {
  return {
    keepProb: h.keepProb,
    encoderNoise: h.encoderNoise,
    timeEncoderNoise: h.timeEncoderNoise ?? 0,
    feedPreviousProb: h.feedPreviousProb,
    timeFeedPreviousProb: h.timeFeedPreviousProb ?? 0,
  }
}

/** Targets above reconstruction, frequency upwards, time to the right, [-1, 1] mapped to black..white. */
function reconstructionImage(
  targets: Float32Array,
  reconstruction: Float32Array,
  frames: number,
  bands: number,
): {png: Buffer; width: number; height: number} {
  const width = frames
  const height = 2 * bands
  const pixels = new Uint8Array(width * height)
  const put = (values: Float32Array, top: number): void => {
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < bands; f++) {
        const v = Math.max(-1, Math.min(1, values[t * bands + f]))
        pixels[(top + bands - 1 - f) * width + t] = Math.round((v + 1) * 127.5)
      }
    }
  }
  put(targets, 0)
  put(reconstruction, bands)
  return {png: encodePng(width, height, 1, pixels), width, height}
}

function meanAndStddev(values: Float32Array): {mean: number; stddev: number} {
  let sum = 0
  for (const v of values) sum += v
  const mean = sum / values.length
  let squares = 0
  for (const v of values) squares += (v - mean) ** 2
  return {mean, stddev: Math.sqrt(squares / values.length)}
}

export async function trainAutoencoder(options: TrainRunOptions): Promise<TrainRunResult> {
  const {logger} = options
  const logDir = join(options.runDir, 'logs')
  const existing = listCheckpoints(logDir)
  if (!options.resume && existing.length > 0) {
    throw new UserError(
      `${options.runDir}: the run already has checkpoints (latest step ${existing[existing.length - 1]}); pass --continue to resume it or choose another --run-name`,
    )
  }
  if (options.resume && existing.length === 0)
    throw new UserError(`${options.runDir}: --continue needs an existing run, but ${logDir} has no checkpoints`)

  const input = await loadTrainingInput(options.inputs)
  const checkpoint = options.resume ? loadCheckpoint(logDir) : undefined
  const config = checkpoint ? checkpoint.manifest.config : options.config(input)
  if (config.numFeatures !== input.numFeatures) {
    throw new UserError(`the model was built for ${config.numFeatures} frequency bands, the input has ${input.numFeatures}`)
  }
  const seed = checkpoint ? checkpoint.manifest.progress.seed : options.seed
  const hyper = options.hyperParameters(checkpoint?.manifest.hyperParameters)
  const model: Autoencoder = createAutoencoder(config, new Random(seed))
  const adam = new Adam(hyper.learningRate)
  let progress: TrainingProgress = {step: 0, epoch: 0, batchInEpoch: 0, seed, inputs: input.files, numInstances: input.numInstances}
  if (checkpoint) {
    restoreCheckpoint(checkpoint, model.params.variables, adam)
    progress = {...checkpoint.manifest.progress, inputs: input.files, numInstances: input.numInstances}
    if (checkpoint.manifest.progress.numInstances !== input.numInstances) {
      logger.warn(`the run was trained on ${checkpoint.manifest.progress.numInstances} instances, --input now has ${input.numInstances}`)
    }
    logger.info(
      `resuming from ${checkpoint.path} (step ${progress.step}, epoch ${progress.epoch}${progress.batchInEpoch ? ` + ${progress.batchInEpoch} batches` : ''})`,
    )
  }

  const N = input.numInstances
  const B = Math.min(hyper.batchSize, N)
  const numBatches = Math.ceil(N / B)
  const rowSize = input.frames * input.numFeatures
  const lastEpoch = progress.epoch + options.numEpochs
  const noise = noiseOf(hyper)
  const events = new EventFileWriter(logDir)
  const variables = model.params.variables
  const varList = [...variables.values()]
  const nameOf = new Map(varList.map((v, i) => [v.name, [...variables.keys()][i]]))
  options.onStart?.({
    firstStep: progress.step,
    totalSteps: progress.step + (lastEpoch - progress.epoch) * numBatches - progress.batchInEpoch,
    numBatches,
  })

  let lastLoss = NaN
  const save = async (): Promise<string> => {
    const path = await saveCheckpoint(logDir, {config, hyperParameters: hyper, progress}, variables, adam)
    pruneCheckpoints(logDir, options.checkpointsToKeep)
    events.flush()
    return path
  }

  try {
    let lastCheckpoint = ''
    while (progress.epoch < lastEpoch) {
      const order = new Random(deriveSeed(seed, 1, progress.epoch)).permutation(N)
      for (let b = progress.batchInEpoch; b < numBatches; b++) {
        // Let the event loop run (signal handlers, progress timers): awaiting tensor data alone only
        // resolves microtasks, which would starve them for the whole training.
        await new Promise((resolve) => setImmediate(resolve))
        if (options.shouldStop?.()) {
          lastCheckpoint = await save()
          return {interrupted: true, targetEpoch: lastEpoch, progress, checkpoint: lastCheckpoint, finalLoss: lastLoss}
        }
        const indices = order.slice(b * B, Math.min(N, (b + 1) * B))
        const random = new Random(deriveSeed(seed, 2, progress.step))
        const batch = gatherBatch(input.features, rowSize, input.frames, input.numFeatures, indices)
        let representation: tf.Tensor | undefined
        const {value, grads} = tf.variableGrads(() => {
          const result = model.forward(batch, noise, random)
          // Kept out of the gradient tape's clean-up for the TensorBoard summaries below.
          representation = tf.keep(result.representation)
          return result.loss
        }, varList)
        const clipped: Record<string, tf.Tensor> = {}
        for (const [tfName, g] of Object.entries(grads)) clipped[nameOf.get(tfName)!] = tf.clipByValue(g, -GRADIENT_CLIP, GRADIENT_CLIP)
        adam.apply(variables, clipped)
        lastLoss = (await value.data())[0]
        const representationValues = (await representation!.data()) as Float32Array
        tf.dispose([value, batch, representation!, ...Object.values(grads), ...Object.values(clipped)])
        if (!Number.isFinite(lastLoss))
          throw new UserError(`training diverged at step ${progress.step} (loss ${lastLoss}); try a lower --learning-rate`)
        // auDeep's summaries: the loss, and the representation's mean, standard deviation and histogram.
        events.addScalar('model/loss/value', lastLoss, progress.step)
        events.addScalar('model/learning_rate', hyper.learningRate, progress.step)
        const {mean, stddev} = meanAndStddev(representationValues)
        events.addScalar('model/representation/mean', mean, progress.step)
        events.addScalar('model/representation/stddev_1', stddev, progress.step)
        if (b === numBatches - 1) events.addHistogram('model/representation/histogram', representationValues, progress.step)
        progress = {...progress, step: progress.step + 1, batchInEpoch: b + 1}
        options.onBatch?.({epoch: progress.epoch + 1, numEpochs: lastEpoch, batch: b + 1, numBatches, step: progress.step, loss: lastLoss})
      }
      progress = {...progress, epoch: progress.epoch + 1, batchInEpoch: 0}
      // The reconstruction of a fixed instance, so its improvement can be watched epoch by epoch.
      tf.tidy(() => {
        const sample = gatherBatch(input.features, rowSize, input.frames, input.numFeatures, [0])
        const {targets, reconstruction} = model.forward(sample, {keepProb: 1, encoderNoise: 0, feedPreviousProb: 0}, new Random(0))
        const image = reconstructionImage(
          targets.dataSync() as Float32Array,
          reconstruction.dataSync() as Float32Array,
          input.frames,
          input.numFeatures,
        )
        events.addImage('model/reconstruction/targets_vs_reconstruction/image/0', image.png, image.height, image.width, progress.step)
      })
      lastCheckpoint = await save()
      logger.debug(`epoch ${progress.epoch}/${lastEpoch}: loss ${lastLoss.toFixed(4)}, checkpoint ${lastCheckpoint}`)
    }
    return {interrupted: false, targetEpoch: lastEpoch, progress, checkpoint: lastCheckpoint, finalLoss: lastLoss}
  } finally {
    events.close()
    adam.dispose()
    model.params.dispose()
  }
}

export function runExists(runDir: string): boolean {
  return existsSync(join(runDir, 'logs'))
}
