// An autoencoder training run as auDeep records it in <run>/logs: the inputs are read, a new run starts
// or the latest checkpoint is resumed, and the loop is given the checkpoint and TensorBoard callbacks
// (plus the caller's own, e.g. a progress bar).

import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {type AutoencoderConfig, describeModel} from '../nn/autoencoders.js'
import {listCheckpoints, loadCheckpoint, type TrainingHyperParameters, type TrainingProgress} from '../nn/checkpoint.js'
import {fitAutoencoder, type TrainingCallback, type TrainingInput, type TrainingStatus} from '../nn/training.js'
import {checkpointCallback} from './checkpoints.js'
import {loadTrainingInput} from './input.js'
import {tensorBoardCallback} from './tensorboard.js'

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
  /** Newest checkpoints kept (default DEFAULT_CHECKPOINTS_TO_KEEP in src/nn/checkpoint.ts), or 'all'. */
  checkpointsToKeep?: number | 'all'
  logger: Logger
  onBatch?: (status: TrainingStatus) => void
  onStart?: (info: {firstStep: number; totalSteps: number; numBatches: number}) => void
  /** With `resume`, called with the checkpoint's model configuration before anything is trained. */
  onResumeConfig?: (config: AutoencoderConfig) => void
  /** Polled between batches; when true, a checkpoint is written and training stops. */
  shouldStop?: () => boolean
  /** Further callbacks, called after the run's own. */
  callbacks?: readonly TrainingCallback[]
}

export interface TrainRunResult {
  interrupted: boolean
  /** The epoch training was asked to reach. */
  targetEpoch: number
  progress: TrainingProgress
  checkpoint: string
  finalLoss: number
  /** Seconds each batch took (see FitResult): the rest of a command's time is its overhead. */
  batchSeconds: number[]
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
  if (checkpoint) options.onResumeConfig?.(config)
  const described = describeModel(config)
  if (described) logger.info(described)
  if (config.numFeatures !== input.numFeatures) {
    throw new UserError(`the model was built for ${config.numFeatures} frequency bands, the input has ${input.numFeatures}`)
  }
  const hyperParameters = options.hyperParameters(checkpoint?.manifest.hyperParameters)
  if (checkpoint) {
    const progress = checkpoint.manifest.progress
    if (progress.numInstances !== input.numInstances) {
      logger.warn(`the run was trained on ${progress.numInstances} instances, --input now has ${input.numInstances}`)
    }
    logger.info(
      `resuming from ${checkpoint.path} (step ${progress.step}, epoch ${progress.epoch}${progress.batchInEpoch ? ` + ${progress.batchInEpoch} batches` : ''})`,
    )
  }

  if (config.kind !== 't-rae') {
    const p = hyperParameters.feedPreviousProb
    const copying = p === 0 ? " (teacher forcing, auDeep's default: the decoder reads windows of the frame it reconstructs)" : ''
    logger.info(`frequency decoder: feed-previous probability ${p}${copying}`)
  }
  if (hyperParameters.batchOrder === 'stream') {
    const B = Math.min(hyperParameters.batchSize, input.numInstances)
    logger.info(`batch order: stream (auDeep's shuffle queue: ${Math.ceil(input.numInstances / B)} full batches of ${B} per epoch)`)
  }

  let lastLoss = NaN
  let targetEpoch = 0
  const checkpoints = checkpointCallback(logDir, options.checkpointsToKeep, (path, state) => {
    if (state.progress.batchInEpoch === 0)
      logger.debug(`epoch ${state.progress.epoch}/${targetEpoch}: loss ${lastLoss.toFixed(4)}, checkpoint ${path}`)
  })
  const progressCallback: TrainingCallback = {
    onTrainBegin: (info) => options.onStart?.(info),
    onBatchEnd: (status) => {
      lastLoss = status.loss
      targetEpoch = status.numEpochs
      options.onBatch?.(status)
    },
  }
  const result = await fitAutoencoder(input, {
    config,
    hyperParameters,
    seed: options.seed,
    numEpochs: options.numEpochs,
    resume: checkpoint,
    callbacks: [tensorBoardCallback(logDir), checkpoints, progressCallback, ...(options.callbacks ?? [])],
    shouldStop: options.shouldStop,
  })
  return {...result, checkpoint: checkpoints.latest}
}

export function runExists(runDir: string): boolean {
  return existsSync(join(runDir, 'logs'))
}
