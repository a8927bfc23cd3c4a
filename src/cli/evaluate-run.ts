// What `svm|mlp evaluate` and `svm|mlp predict` do once their flags are parsed; the commands only pick the
// learner.

import {writeFileSync} from 'node:fs'
import {basename} from 'node:path'

import {inFile, UserError} from '../core/errors.js'
import {randomFromSeed, toPartitions} from './flags.js'
import type {Logger} from '../core/log.js'
import {readDataSet} from '../data/netcdf/index.js'
import {Random} from '../core/random.js'
import {crossValidate, evaluatePartitions, predictFiles} from '../evaluate/evaluation.js'
import type {Learner} from '../evaluate/learners.js'
import {formatFixed} from '../evaluate/metrics.js'
import {predictionsTsv, quietLine, resultJson, summaryText} from '../evaluate/report.js'

export interface CommandIo {
  logger: Logger
  quiet: boolean
  /** Prints a result line to stdout. */
  print(text: string): void
}

export interface EvaluateFlags {
  input: string
  'cross-validate': boolean
  'train-partitions'?: string[]
  'eval-partitions'?: string[]
  repeat: number
  upsample: boolean
  'majority-vote': boolean
  seed?: number
  json?: string
  plot?: string
}

async function load(path: string) {
  try {
    return await readDataSet(path)
  } catch (error) {
    throw inFile(path, error)
  }
}

/** Checks the choice between cross-validation and partitions (auDeep's rules). */
export function evaluationMode(flags: EvaluateFlags): 'cross-validation' | 'partitions' {
  const train = flags['train-partitions'] !== undefined
  const evalP = flags['eval-partitions'] !== undefined
  if (flags['cross-validate'] && (train || evalP)) {
    throw new UserError('--cross-validate and --train-partitions/--eval-partitions are mutually exclusive')
  }
  if (flags['cross-validate']) return 'cross-validation'
  if (!train && !evalP) throw new UserError('must select either --cross-validate or --train-partitions with --eval-partitions')
  if (!train || !evalP) throw new UserError('--train-partitions and --eval-partitions must be given together')
  return 'partitions'
}

export async function runEvaluate(io: CommandIo, learner: Learner, flags: EvaluateFlags, settings: Record<string, unknown>): Promise<void> {
  const mode = evaluationMode(flags)
  const ds = await load(flags.input)
  // Drawn here rather than inside randomFromSeed so that the JSON can record it.
  const seed = flags.seed ?? Random.freshSeed()
  const random = randomFromSeed(seed, io.logger)
  const options = {repeat: flags.repeat, upsample: flags.upsample, majorityVote: flags['majority-vote'], random, logger: io.logger}
  let result
  try {
    result =
      mode === 'cross-validation'
        ? await crossValidate(ds, learner, options)
        : await evaluatePartitions(ds, learner, toPartitions(flags['train-partitions'])!, toPartitions(flags['eval-partitions'])!, options)
  } catch (error) {
    throw inFile(flags.input, error)
  }
  if (flags.json !== undefined) {
    const run = {learner: learner.name, input: flags.input, seed, settings, upsample: flags.upsample, majorityVote: flags['majority-vote']}
    writeFileSync(flags.json, JSON.stringify(resultJson(result, run), null, 2) + '\n')
    io.logger.info(`wrote all figures to ${flags.json}`)
  }
  if (flags.plot !== undefined) {
    // Loaded on demand: the chart libraries take a while to import.
    const {renderConfusionMatrixPng} = await import('../plot/confusion.js')
    const title = `${learner.name} on ${basename(flags.input)}: accuracy ${formatFixed(100 * result.accuracy, 2)}%, UAR ${formatFixed(100 * result.uar, 2)}%`
    await renderConfusionMatrixPng({labels: result.labels.map((l) => l.nominal), matrix: result.confusion, title}, flags.plot)
    io.logger.info(`wrote the confusion matrix to ${flags.plot}`)
  }
  io.print(io.quiet ? quietLine(result) : summaryText(result))
}

export interface PredictFlags {
  'train-input': string
  'train-partitions'?: string[]
  'eval-input': string
  'eval-partitions'?: string[]
  upsample: boolean
  'majority-vote': boolean
  seed?: number
  output: string
}

export async function runPredict(io: CommandIo, learner: Learner, flags: PredictFlags): Promise<void> {
  const train = await load(flags['train-input'])
  const target = flags['eval-input'] === flags['train-input'] ? train : await load(flags['eval-input'])
  const random = randomFromSeed(flags.seed, io.logger)
  const predictions = await predictFiles(
    train,
    target,
    learner,
    {train: toPartitions(flags['train-partitions']), eval: toPartitions(flags['eval-partitions'])},
    {upsample: flags.upsample, majorityVote: flags['majority-vote'], random, logger: io.logger},
  )
  writeFileSync(flags.output, predictionsTsv(predictions))
  io.logger.info(`wrote predictions for ${predictions.length} files to ${flags.output}`)
}
