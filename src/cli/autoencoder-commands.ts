// What the t-rae, f-rae and ft-rae train/generate commands share: their flags (auDeep's names and
// defaults), turning flags into a model configuration, and running training or generation with a
// progress bar, backend selection and Ctrl-C handling.
//
// The modules that compute (tfjs, the engine, training, generation) are imported when a command runs, after
// it has started reading its input ahead (readAhead): the HDF5 probe of a netCDF-4 input then runs on its
// own thread while they load, instead of after.

import {join} from 'node:path'

import {Flags} from '@oclif/core'

import type {AutoencoderConfig, AutoencoderKind} from '../nn/autoencoders.js'
import type {TrainingHyperParameters} from '../nn/checkpoint.js'
import {
  architecture,
  BACKEND_CHOICES,
  BATCH_ORDERS,
  type BackendChoice,
  type BatchOrder,
  DECODER_VARIANTS,
  type DecoderVariant,
  DEFAULT_CHECKPOINTS_TO_KEEP,
  LEGACY_DECODER_VARIANT,
} from '../nn/options.js'
import type {TrainingInput} from '../nn/training.js'
import {readAhead} from '../data/netcdf/read-ahead.js'
import {Random} from '../core/random.js'
import {UserError} from '../core/errors.js'
import {floatFlag} from './flags.js'
import {describeShard, resolveShard, shardFlags, shardOutputPath, shardRange} from './sharding.js'
import {interruptSignal} from '../core/interrupt.js'
import type {Logger} from '../core/log.js'
import {type Progress, startProgress} from './progress.js'

export const backendFlag = Flags.string({
  description:
    'Compute backend: auto picks the fastest available (native fused CPU kernels when the addon built, else wasm); tensorflow and gpu need @tensorflow/tfjs-node(-gpu) installed (see docs/backends.md).',
  options: [...BACKEND_CHOICES],
  default: 'auto',
})

export const commonTrainFlags = {
  input: Flags.string({
    description: 'Spectrogram data set(s) to train on; all must have the same feature shape.',
    required: true,
    multiple: true,
    helpValue: 'FILE',
  }),
  'run-name': Flags.string({
    description: 'Directory of the run: checkpoints and TensorBoard logs go to <run-name>/logs.',
    default: './test-run',
    helpValue: 'DIR',
  }),
  'num-epochs': Flags.integer({
    description: 'Number of passes over the (shuffled) training data; with --continue, the number of further epochs.',
    default: 10,
    min: 1,
  }),
  'batch-size': Flags.integer({description: 'Instances per training batch.', default: 64, min: 1}),
  'learning-rate': floatFlag({min: 0, exclusiveMin: true, max: 10})({description: 'Adam learning rate.', default: 0.001}),
  'checkpoints-to-keep': Flags.custom<number | 'all'>({
    description: `Keep only the newest N checkpoints, or all of them. Each holds the weights and both Adam moments (three times the model's size; 31 MB for the tutorial's 2 x 256 GRU model), so keeping every epoch's fills gigabytes.`,
    default: DEFAULT_CHECKPOINTS_TO_KEEP,
    helpValue: 'N|all',
    parse: async (text) => {
      if (text === 'all') return 'all'
      if (!/^\d+$/.test(text) || Number(text) < 1)
        throw new UserError(`--checkpoints-to-keep must be a positive integer or 'all', got '${text}'`)
      return Number(text)
    },
  })(),
  continue: Flags.boolean({description: 'Resume the run in --run-name from its latest checkpoint and train --num-epochs more.'}),
  tempdir: Flags.string({description: 'Accepted for compatibility with auDeep and ignored: no temporary files are needed.', hidden: true}),
  seed: Flags.integer({
    description: 'Seed for weight initialisation, shuffling, dropout and noise; the same seed reproduces a run (default: fresh, logged).',
    min: 0,
    max: 2 ** 32 - 1,
  }),
  'batch-order': Flags.string({
    description:
      "epoch: each epoch is one random permutation of the data, its last batch possibly smaller. stream: auDeep's input queue, the data repeated endlessly through a shuffle buffer of 100 batches, so every batch is full (an instance can appear twice in one) and an epoch is ceil(N / batch size) batches. Recorded in the checkpoint; --continue keeps the run's own.",
    options: [...BATCH_ORDERS],
    default: 'epoch',
  }),
  backend: backendFlag,
}

const cellFlag = Flags.string({description: 'Recurrent cell type.', options: ['GRU', 'LSTM', 'gru', 'lstm'], default: 'GRU'})
const keepProbFlag = floatFlag({min: 0, exclusiveMin: true, max: 1})({
  description: 'Keep probability of dropout on the inputs and outputs of every cell.',
  default: 0.8,
})
const probabilityFlag = floatFlag({min: 0, max: 1})

/** t-rae and f-rae: one architecture for encoder and decoder, auDeep's defaults. */
export const recurrentFlags = {
  'num-layers': Flags.integer({description: 'Layers of the encoder and of the decoder.', default: 1, min: 1}),
  'num-units': Flags.integer({description: 'Units per layer.', default: 16, min: 1}),
  cell: cellFlag,
  'bidirectional-encoder': Flags.boolean({description: 'Use a bidirectional encoder.'}),
  'bidirectional-decoder': Flags.boolean({description: 'Use a bidirectional decoder.'}),
  'keep-prob': keepProbFlag,
  'encoder-noise': probabilityFlag({description: 'Probability of zeroing an input frame of the encoder.', default: 0}),
  'feed-previous-prob': probabilityFlag({
    description: 'Probability of feeding the decoder its own previous output instead of the true previous frame.',
    default: 0,
  }),
}

// auDeep's frequency decoders read, with teacher forcing, windows of the very frame they reconstruct, and
// one dense layer over all their steps gives the reconstruction, so they can copy bands instead of
// decoding them from the representation. Fed their own outputs they cannot, and the features measured
// better on ESC-10 (docs/benchmarks.md, "Feature quality: the frequency decoders").
const FREQUENCY_FEED_PREVIOUS_NOTE =
  " The default 1 feeds every step the decoder's own previous output: with teacher forcing (0, auDeep's default) the decoder reads windows of the frame it reconstructs and can copy them instead of decoding the representation (docs/differences.md)."

/** f-rae: t-rae's flags, but the frequency decoder is fed its own outputs by default. */
export const frequencyRecurrentFlags = {
  ...recurrentFlags,
  'feed-previous-prob': probabilityFlag({
    description: `Probability of feeding the frequency decoder its own previous output instead of the true previous window.${FREQUENCY_FEED_PREVIOUS_NOTE}`,
    default: 1,
  }),
}

/** t-rae: which of auDeep's bidirectional decoders --bidirectional-decoder builds. */
export const decoderVariantFlag = Flags.string({
  description:
    "Bidirectional decoder. 2017: auDeep's first release (the model of its README tutorial), a feed-previous RNN per direction, each reading the shifted targets in its own order; the forward direction never sees the target it reconstructs, the backward one only in the second half of the sequence, 2t-T+1 steps before position t. 2018: auDeep since February 2018, a standard bidirectional RNN whose backward direction has read target t one step before it outputs position t, at every position, so it can copy instead of reconstructing from the representation. Recorded in the checkpoint; generate and --continue use the run's own. A unidirectional decoder is the same in both.",
  options: [...DECODER_VARIANTS],
  default: '2017',
})

export const frequencyWindowFlags = {
  'freq-window-width': Flags.integer({description: 'Width of the frequency windows (bands).', default: 32, min: 1}),
  'freq-window-overlap': Flags.integer({description: 'Overlap of consecutive frequency windows (bands).', default: 24, min: 0}),
}

export const frequencyTimeFlags = {
  'num-f-layers': Flags.integer({description: 'Layers of the frequency encoder and decoder.', default: 1, min: 1}),
  'num-f-units': Flags.integer({description: 'Units per frequency layer.', default: 64, min: 1}),
  'num-t-layers': Flags.integer({description: 'Layers of the time encoder and decoder.', default: 2, min: 1}),
  'num-t-units': Flags.integer({description: 'Units per time layer.', default: 128, min: 1}),
  'bidirectional-f-encoder': Flags.boolean({description: 'Bidirectional frequency encoder.'}),
  'bidirectional-f-decoder': Flags.boolean({description: 'Bidirectional frequency decoder.'}),
  'bidirectional-t-encoder': Flags.boolean({description: 'Bidirectional time encoder.'}),
  'bidirectional-t-decoder': Flags.boolean({description: 'Bidirectional time decoder.'}),
  cell: cellFlag,
  'keep-prob': keepProbFlag,
  'f-encoder-noise': probabilityFlag({description: 'Input-frame dropout probability of the frequency encoder.', default: 0}),
  't-encoder-noise': probabilityFlag({description: 'Input-frame dropout probability of the time encoder.', default: 0}),
  'f-feed-previous-prob': probabilityFlag({
    description: `Feed-previous probability of the frequency decoder.${FREQUENCY_FEED_PREVIOUS_NOTE}`,
    default: 1,
  }),
  't-feed-previous-prob': probabilityFlag({description: 'Feed-previous probability of the time decoder.', default: 0}),
}

type Flagged = Record<string, unknown>

const probability = (flags: Flagged, name: string): number => flags[name] as number

export function hyperParametersFrom(flags: Flagged, kind: AutoencoderKind): TrainingHyperParameters {
  const base = {
    batchSize: flags['batch-size'] as number,
    learningRate: flags['learning-rate'] as number,
    keepProb: flags['keep-prob'] as number,
    batchOrder: String(flags['batch-order'] ?? 'epoch') as BatchOrder,
  }
  if (kind === 'ft-rae') {
    return {
      ...base,
      encoderNoise: probability(flags, 'f-encoder-noise'),
      timeEncoderNoise: probability(flags, 't-encoder-noise'),
      feedPreviousProb: probability(flags, 'f-feed-previous-prob'),
      timeFeedPreviousProb: probability(flags, 't-feed-previous-prob'),
    }
  }
  return {...base, encoderNoise: probability(flags, 'encoder-noise'), feedPreviousProb: probability(flags, 'feed-previous-prob')}
}

export function configFrom(flags: Flagged, kind: AutoencoderKind, input: TrainingInput): AutoencoderConfig {
  const cell = String(flags.cell).toLowerCase() as 'gru' | 'lstm'
  if (kind === 'ft-rae') {
    const f = (bi: string) => architecture(flags['num-f-layers'] as number, flags['num-f-units'] as number, Boolean(flags[bi]), cell)
    const t = (bi: string) => architecture(flags['num-t-layers'] as number, flags['num-t-units'] as number, Boolean(flags[bi]), cell)
    return {
      kind,
      numFeatures: input.numFeatures,
      freqEncoder: f('bidirectional-f-encoder'),
      freqDecoder: f('bidirectional-f-decoder'),
      timeEncoder: t('bidirectional-t-encoder'),
      timeDecoder: t('bidirectional-t-decoder'),
      windows: {width: flags['freq-window-width'] as number, overlap: flags['freq-window-overlap'] as number},
    }
  }
  const arch = (bi: string) => architecture(flags['num-layers'] as number, flags['num-units'] as number, Boolean(flags[bi]), cell)
  if (kind === 'f-rae') {
    return {
      kind,
      numFeatures: input.numFeatures,
      encoder: arch('bidirectional-encoder'),
      decoder: arch('bidirectional-decoder'),
      windows: {width: flags['freq-window-width'] as number, overlap: flags['freq-window-overlap'] as number},
    }
  }
  return {
    kind,
    numFeatures: input.numFeatures,
    encoder: arch('bidirectional-encoder'),
    decoder: arch('bidirectional-decoder'),
    maskSilence: Boolean(flags['mask-silence']),
    decoderVariant: String(flags['decoder-variant'] ?? LEGACY_DECODER_VARIANT) as DecoderVariant,
  }
}

/** Activates the requested backend and logs what was picked. */
export async function activateBackend(choice: string, logger: Logger): Promise<void> {
  const {selectBackend} = await import('../nn/engine/index.js')
  let info
  try {
    info = await selectBackend(choice as BackendChoice)
  } catch (error) {
    throw new UserError(`--backend ${choice}: ${(error as Error).message}`)
  }
  for (const warning of info.warnings) logger.warn(warning)
  logger.info(`backend: ${info.description}`)
}

const HYPER_PARAMETER_FLAGS: Record<keyof TrainingHyperParameters, string[]> = {
  batchSize: ['batch-size'],
  learningRate: ['learning-rate'],
  keepProb: ['keep-prob'],
  encoderNoise: ['encoder-noise', 'f-encoder-noise'],
  timeEncoderNoise: ['t-encoder-noise'],
  feedPreviousProb: ['feed-previous-prob', 'f-feed-previous-prob'],
  timeFeedPreviousProb: ['t-feed-previous-prob'],
  batchOrder: ['batch-order'],
}

/**
 * With --continue, training goes on with the run's own hyper-parameters; only flags given explicitly on
 * this command line override them (so resuming needs no repetition and cannot silently change them).
 */
function resumedHyperParameters(
  fromFlags: TrainingHyperParameters,
  previous: TrainingHyperParameters | undefined,
  explicit: ReadonlySet<string>,
  logger: Logger,
): TrainingHyperParameters {
  if (!previous) return fromFlags
  const merged: TrainingHyperParameters = {...previous}
  for (const key of Object.keys(HYPER_PARAMETER_FLAGS) as (keyof TrainingHyperParameters)[]) {
    if (HYPER_PARAMETER_FLAGS[key].some((f) => explicit.has(f)) && fromFlags[key] !== undefined && fromFlags[key] !== previous[key]) {
      logger.warn(`continuing with ${key} ${fromFlags[key]} instead of the run's ${previous[key]}`)
      ;(merged as unknown as Record<string, unknown>)[key] = fromFlags[key]
    }
  }
  return merged
}

export async function runTraining(kind: AutoencoderKind, flags: Flagged, explicit: ReadonlySet<string>, logger: Logger): Promise<void> {
  const fromFlags = hyperParametersFrom(flags, kind)
  // Checked here, before the input is read, as well as when the model is built.
  if (kind !== 't-rae' && (flags['freq-window-overlap'] as number) >= (flags['freq-window-width'] as number)) {
    throw new UserError(
      `--freq-window-overlap ${String(flags['freq-window-overlap'])} must be smaller than --freq-window-width ${String(flags['freq-window-width'])}`,
    )
  }
  if (kind === 't-rae' && flags['bidirectional-decoder'] && flags['decoder-variant'] === '2018' && fromFlags.feedPreviousProb > 0) {
    logger.warn('--feed-previous-prob is ignored with --bidirectional-decoder --decoder-variant 2018 (as in auDeep since 2018)')
  }
  const inputs = flags.input as string[]
  readAhead(inputs, true)
  const {trainAutoencoder} = await import('../training/train.js')
  await activateBackend(String(flags.backend), logger)
  const seed = (flags.seed as number | undefined) ?? Random.freshSeed()
  const runDir = String(flags['run-name'])
  if (!flags.continue) logger.info(`random seed: ${seed}${flags.seed === undefined ? ' (pass --seed to reproduce this run)' : ''}`)

  let stopRequested = false
  const onInterrupt = (): void => {
    if (stopRequested) process.exit(130)
    stopRequested = true
    logger.warn('interrupted: finishing the current batch and writing a checkpoint (press Ctrl-C again to quit at once)')
  }
  process.on('SIGINT', onInterrupt)
  let bar: Progress | undefined
  try {
    const result = await trainAutoencoder({
      runDir,
      inputs,
      config: (input) => configFrom(flags, kind, input),
      hyperParameters: (previous) => resumedHyperParameters(fromFlags, previous, explicit, logger),
      numEpochs: flags['num-epochs'] as number,
      seed,
      resume: Boolean(flags.continue),
      onResumeConfig: (config) => {
        if (config.kind !== 't-rae' || !explicit.has('decoder-variant')) return
        const trained = config.decoderVariant ?? LEGACY_DECODER_VARIANT
        if (trained !== flags['decoder-variant'])
          throw new UserError(
            `--decoder-variant ${String(flags['decoder-variant'])}: the run in ${runDir} was trained with decoder variant ${trained}; --continue keeps it (omit the flag)`,
          )
      },
      checkpointsToKeep: flags['checkpoints-to-keep'] as number | 'all',
      logger,
      onStart: ({firstStep, totalSteps}) => {
        bar = startProgress('training', totalSteps, 'epoch {epoch} batch {batch} loss {loss}')
        bar.update(firstStep, {epoch: '-', batch: '-', loss: '-'})
      },
      onBatch: (s) =>
        bar?.update(s.step, {epoch: `${s.epoch}/${s.numEpochs}`, batch: `${s.batch}/${s.numBatches}`, loss: s.loss.toFixed(4)}),
      // Ctrl-C reaches us as SIGINT from a shell, or through the interrupt signal inside audeep's REPL.
      shouldStop: () => stopRequested || interruptSignal().aborted,
    })
    bar?.stop()
    logger.debug(batchTimeLine(result.batchSeconds))
    if (result.interrupted) {
      const remaining = result.targetEpoch - result.progress.epoch
      logger.warn(
        `stopped at step ${result.progress.step} (epoch ${result.progress.epoch + 1}, batch ${result.progress.batchInEpoch}); checkpoint ${result.checkpoint}. To finish the ${result.targetEpoch} epochs, resume with --continue --num-epochs ${remaining}.`,
      )
      process.exitCode = 130
      return
    }
    logger.info(`trained to epoch ${result.progress.epoch} (step ${result.progress.step}), final loss ${result.finalLoss.toFixed(4)}`)
    logger.info(`checkpoint: ${result.checkpoint}; TensorBoard logs: ${runDir}/logs`)
  } finally {
    bar?.stop()
    process.off('SIGINT', onInterrupt)
  }
}

/**
 * "batch time: 7 batches in 6.512 s (first 1.203 s, median 0.871 s)": what the training batches took; the
 * rest of the command's time is start-up, loading and writing (bench/epoch.bench.ts reads this line).
 */
export function batchTimeLine(seconds: readonly number[]): string {
  const total = seconds.reduce((a, b) => a + b, 0)
  const sorted = [...seconds].sort((a, b) => a - b)
  const median =
    sorted.length === 0
      ? 0
      : sorted.length % 2
        ? sorted[(sorted.length - 1) / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
  return `batch time: ${seconds.length} batches in ${total.toFixed(3)} s (first ${(seconds[0] ?? 0).toFixed(3)} s, median ${median.toFixed(3)} s)`
}

export function generateFlags(defaultBatchSize: number) {
  return {
    'model-dir': Flags.string({
      description: "The training run: its directory (the --run-name of training) or that directory's logs/.",
      required: true,
      helpValue: 'DIR',
    }),
    input: Flags.string({description: 'Spectrogram data set to turn into features.', required: true, helpValue: 'FILE'}),
    output: Flags.string({description: 'Output data set(s): one per --steps entry.', required: true, multiple: true, helpValue: 'FILE'}),
    steps: Flags.integer({description: 'Checkpoint step(s) to use (default: the latest).', multiple: true, min: 0}),
    'batch-size': Flags.integer({description: 'Instances per batch.', default: defaultBatchSize, min: 1}),
    backend: backendFlag,
    ...shardFlags,
  }
}

export async function runGeneration(flags: Flagged, logger: Logger): Promise<void> {
  const outputs = flags.output as string[]
  const steps = (flags.steps as number[] | undefined) ?? [undefined]
  if (steps.length !== outputs.length)
    throw new UserError(
      `--steps names ${steps.length} checkpoint(s) but --output names ${outputs.length} file(s); give one output per step`,
    )
  readAhead([String(flags.input)], false)
  const [{listCheckpoints, resolveModelDir}, {generateFeatures}] = await Promise.all([
    import('../nn/checkpoint.js'),
    import('../nn/generate.js'),
  ])
  // Every requested checkpoint must exist before the first output is written.
  const modelDir = String(flags['model-dir'])
  const available = listCheckpoints(resolveModelDir(modelDir))
  if (available.length === 0) {
    throw new UserError(
      `--model-dir ${modelDir}: no checkpoints (model-<STEP> directories) here or in ${join(modelDir, 'logs')}; give the run directory (--run-name of training) or its logs/`,
    )
  }
  const missing = steps.filter((s): s is number => s !== undefined && !available.includes(s))
  if (missing.length > 0) {
    throw new UserError(
      `--steps ${missing.join(' ')}: no such checkpoint in ${resolveModelDir(modelDir)} (available: ${available.join(', ')}; training keeps the newest ${DEFAULT_CHECKPOINTS_TO_KEEP} unless --checkpoints-to-keep says otherwise)`,
    )
  }
  const shard = resolveShard(
    {shardIndex: flags['shard-index'] as number | undefined, numShards: flags['num-shards'] as number | undefined},
    process.env,
    (m) => logger.warn(m),
  )
  let instanceRange: {start: number; end: number} | undefined
  if (shard !== null) {
    // Only the metadata is needed to cut the instance list; the features are read by generateFeatures.
    const {openDataSetReader} = await import('../data/netcdf/index.js')
    const reader = await openDataSetReader(String(flags.input))
    const total = reader.numInstances
    reader.close()
    instanceRange = shardRange(total, shard)
    logger.info(describeShard(shard, instanceRange, total, 'instances'))
  }
  await activateBackend(String(flags.backend), logger)
  for (let i = 0; i < outputs.length; i++) {
    const bar = startProgress('generating', 1)
    const output = shardOutputPath(outputs[i], shard)
    try {
      const result = await generateFeatures({
        modelDir,
        step: steps[i],
        input: String(flags.input),
        output,
        batchSize: flags['batch-size'] as number,
        instanceRange,
        onProgress: (done, total) => {
          bar.setTotal(total)
          bar.update(done)
        },
      })
      bar.stop()
      logger.info(
        `wrote ${result.numInstances} instances of [${result.shape.join(', ')}] features (${result.dims.join(', ')}) from step ${result.step} to ${output}`,
      )
    } finally {
      bar.stop()
    }
  }
}

/** Names of the flags given explicitly on the command line (not filled in from defaults). */
export function explicitFlags(metadata: {flags: Record<string, {setFromDefault?: boolean}>}, flags: Record<string, unknown>): Set<string> {
  return new Set(Object.keys(flags).filter((name) => flags[name] !== undefined && !metadata.flags[name]?.setFromDefault))
}
