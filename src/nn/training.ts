// The training loop, independent of the architecture: exact epochs over shuffled data, Adam with
// element-wise gradient clipping at 2 (as auDeep). Every random draw is derived from (seed, epoch) or
// (seed, step), so a run resumed from a checkpoint continues exactly as an uninterrupted one would have.
// What is recorded (checkpoints, TensorBoard summaries, progress) is up to the callbacks the caller passes;
// src/training/ assembles auDeep's.

import * as tf from './tf.js'

import {UserError} from '../core/errors.js'
import {deriveSeed, Random} from '../core/random.js'
import {Adam} from './adam.js'
import {type Autoencoder, type AutoencoderConfig, createAutoencoder, type TrainingNoise} from './autoencoders.js'
import {type LoadedCheckpoint, restoreCheckpoint, type TrainingHyperParameters, type TrainingProgress} from './checkpoint.js'

const GRADIENT_CLIP = 2

export interface TrainingInput {
  /** [N, T, F] features, row-major. */
  features: Float32Array
  numInstances: number
  frames: number
  numFeatures: number
  files: string[]
  /** Instances per input file, in `files` order. */
  fileSizes: number[]
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

/**
 * auDeep's input queue as a batch order (--batch-order stream): the instances in order (several input
 * files in a shuffled order per pass), repeated forever, through a shuffle buffer of 100 x B from which
 * each draw takes a uniformly random element and the stream refills it. Every batch is full and an
 * instance can appear twice in one; an epoch is ceil(N/B) batches. batch(step) replays the stream from
 * the start (a few thousand draws per epoch), so a resumed run sees the batches an uninterrupted one would.
 */
export class StreamBatchOrder {
  private random!: Random
  private buffer: number[] = []
  private pass: number[] = []
  private passAt = 0
  private done = 0

  constructor(
    private readonly seed: number,
    private readonly fileSizes: readonly number[],
    private readonly batchSize: number,
  ) {
    this.reset()
  }

  private reset(): void {
    this.random = new Random(deriveSeed(this.seed, 3, 0))
    this.buffer = []
    this.pass = []
    this.passAt = 0
    this.done = 0
  }

  private nextFromStream(): number {
    if (this.passAt === this.pass.length) {
      const starts: number[] = []
      let at = 0
      for (const n of this.fileSizes) {
        starts.push(at)
        at += n
      }
      this.pass = []
      for (const f of this.random.permutation(this.fileSizes.length))
        for (let i = 0; i < this.fileSizes[f]; i++) this.pass.push(starts[f] + i)
      this.passAt = 0
    }
    return this.pass[this.passAt++]
  }

  /** The instance indices of batch number `step` (0-based, counted over the whole run). */
  batch(step: number): number[] {
    if (step < this.done) this.reset()
    while (this.done < step) this.draw()
    return this.draw()
  }

  private draw(): number[] {
    const capacity = 100 * this.batchSize
    const out: number[] = []
    for (let k = 0; k < this.batchSize; k++) {
      while (this.buffer.length < capacity) this.buffer.push(this.nextFromStream())
      const i = this.random.int(this.buffer.length)
      out.push(this.buffer[i])
      this.buffer[i] = this.buffer[this.buffer.length - 1]
      this.buffer.pop()
    }
    this.done++
    return out
  }
}

export interface TrainingStatus {
  epoch: number
  numEpochs: number
  batch: number
  numBatches: number
  step: number
  loss: number
}

/** What the loop hands its callbacks after each batch. */
export interface BatchSummary {
  /** The batch's representations, row-major [batch, representation size]. */
  representation: Float32Array
  learningRate: number
  lastInEpoch: boolean
}

/** The state of training after a completed epoch or an interruption: what a checkpoint stores. */
export interface TrainingState {
  progress: TrainingProgress
  config: AutoencoderConfig
  hyperParameters: TrainingHyperParameters
  model: Autoencoder
  adam: Adam
  input: TrainingInput
}

/**
 * Observers of the loop (as tfjs-layers' callbacks): TensorBoard summaries, checkpoints and progress bars
 * are callbacks, so the loop itself knows nothing of files or terminals. Called in the order given.
 */
export interface TrainingCallback {
  onTrainBegin?(info: {firstStep: number; totalSteps: number; numBatches: number}): void
  onBatchEnd?(status: TrainingStatus, summary: BatchSummary): void
  onEpochEnd?(state: TrainingState): void | Promise<void>
  /** Training stops early (shouldStop); the state is where a resumed run continues. */
  onStop?(state: TrainingState): void | Promise<void>
  /** Always called last, also after an error. */
  onTrainEnd?(): void
}

export interface FitOptions {
  config: AutoencoderConfig
  hyperParameters: TrainingHyperParameters
  /** A new run's seed; a resumed run keeps its checkpoint's. */
  seed: number
  /** Epochs to train, counted from where a resumed run stands. */
  numEpochs: number
  /** Continue from this checkpoint's weights, optimiser state and progress. */
  resume?: LoadedCheckpoint
  callbacks?: readonly TrainingCallback[]
  /** Polled between batches; when true, onStop is called and training ends. */
  shouldStop?: () => boolean
}

export interface FitResult {
  interrupted: boolean
  /** The epoch training was asked to reach. */
  targetEpoch: number
  progress: TrainingProgress
  finalLoss: number
  /**
   * Seconds each batch of this run took, from gathering its instances to its callbacks' onBatchEnd: what
   * is not in here (start-up, loading, model initialisation, checkpoints) is the command's overhead.
   */
  batchSeconds: number[]
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

/** Trains `config` on `input`: exact epochs over shuffled data, Adam, gradient clipping at 2. */
export async function fitAutoencoder(input: TrainingInput, options: FitOptions): Promise<FitResult> {
  const {config, hyperParameters: hyper} = options
  const callbacks = options.callbacks ?? []
  const checkpoint = options.resume
  const seed = checkpoint ? checkpoint.manifest.progress.seed : options.seed
  const model: Autoencoder = createAutoencoder(config, new Random(seed))
  const adam = new Adam(hyper.learningRate)
  let progress: TrainingProgress = {step: 0, epoch: 0, batchInEpoch: 0, seed, inputs: input.files, numInstances: input.numInstances}
  if (checkpoint) {
    restoreCheckpoint(checkpoint, model.params.variables, adam)
    progress = {...checkpoint.manifest.progress, inputs: input.files, numInstances: input.numInstances}
  }

  const N = input.numInstances
  const B = Math.min(hyper.batchSize, N)
  const stream = hyper.batchOrder === 'stream' ? new StreamBatchOrder(seed, input.fileSizes, B) : undefined
  const numBatches = Math.ceil(N / B)
  const rowSize = input.frames * input.numFeatures
  const lastEpoch = progress.epoch + options.numEpochs
  const noise = noiseOf(hyper)
  const variables = model.params.variables
  const varList = [...variables.values()]
  const nameOf = new Map(varList.map((v, i) => [v.name, [...variables.keys()][i]]))
  const state = (): TrainingState => ({progress, config, hyperParameters: hyper, model, adam, input})

  let lastLoss = NaN
  const batchSeconds: number[] = []
  try {
    const begin = {
      firstStep: progress.step,
      totalSteps: progress.step + (lastEpoch - progress.epoch) * numBatches - progress.batchInEpoch,
      numBatches,
    }
    for (const c of callbacks) c.onTrainBegin?.(begin)
    while (progress.epoch < lastEpoch) {
      const order = new Random(deriveSeed(seed, 1, progress.epoch)).permutation(N)
      for (let b = progress.batchInEpoch; b < numBatches; b++) {
        // Let the event loop run (signal handlers, progress timers): awaiting tensor data alone only
        // resolves microtasks, which would starve them for the whole training.
        await new Promise((resolve) => setImmediate(resolve))
        if (options.shouldStop?.()) {
          for (const c of callbacks) await c.onStop?.(state())
          return {interrupted: true, targetEpoch: lastEpoch, progress, finalLoss: lastLoss, batchSeconds}
        }
        const batchStart = performance.now()
        const indices = stream ? stream.batch(progress.step) : order.slice(b * B, Math.min(N, (b + 1) * B))
        const random = new Random(deriveSeed(seed, 2, progress.step))
        const batch = gatherBatch(input.features, rowSize, input.frames, input.numFeatures, indices)
        let representation: tf.Tensor | undefined
        const {value, grads} = tf.variableGrads(() => {
          const result = model.forward(batch, noise, random)
          // Kept out of the gradient tape's clean-up for the callbacks' summaries.
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
        const step = progress.step
        progress = {...progress, step: step + 1, batchInEpoch: b + 1}
        const status = {epoch: progress.epoch + 1, numEpochs: lastEpoch, batch: b + 1, numBatches, step: progress.step, loss: lastLoss}
        const summary = {representation: representationValues, learningRate: hyper.learningRate, lastInEpoch: b === numBatches - 1}
        for (const c of callbacks) c.onBatchEnd?.(status, summary)
        batchSeconds.push((performance.now() - batchStart) / 1000)
      }
      progress = {...progress, epoch: progress.epoch + 1, batchInEpoch: 0}
      for (const c of callbacks) await c.onEpochEnd?.(state())
    }
    return {interrupted: false, targetEpoch: lastEpoch, progress, finalLoss: lastLoss, batchSeconds}
  } finally {
    for (const c of callbacks) c.onTrainEnd?.()
    adam.dispose()
    model.params.dispose()
  }
}
