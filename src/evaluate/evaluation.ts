// auDeep's evaluation protocol (reference §5.2, §5.5, §5.7): per fold or partition split, upsample the
// training split if asked, shuffle it, standardise with statistics of the training split only, train a
// fresh learner, predict every evaluation instance and reduce the chunk predictions to one label per file.

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {compareStrings, type DataSet, type DataSetMeta, type InstanceMeta, type Partition, partitionName} from '../data/dataset.js'
import {foldSplit, groupByFilename, partitionIndices, selectInstances, upsample} from '../data/ops.js'
import type {Random} from '../core/random.js'
import type {Learner} from './learners.js'
import {accuracy, addMatrices, confusionMatrix, mean, meanAndInterval, unweightedAverageRecall} from './metrics.js'
import {fitStandardiser, standardise} from './standardise.js'
import {pauseForInterrupt} from '../core/interrupt.js'

export interface PredictOptions {
  upsample: boolean
  majorityVote: boolean
  random: Random
  logger?: Logger
}

export interface EvaluateOptions extends PredictOptions {
  repeat: number
}

/** One class of the data set, in the order rows and columns of confusion matrices use. */
export interface ClassLabel {
  nominal: string
  numeric: number
}

export interface SplitResult {
  /** 1-based fold number, or null for a partition split. */
  fold: number | null
  /** Instances trained on (after upsampling). */
  trainInstances: number
  evalFiles: number
  accuracy: number
  uar: number
  /** Rows: true class, columns: predicted class, both in `labels` order. */
  confusion: number[][]
}

export interface RepeatResult {
  splits: SplitResult[]
  accuracy: number
  uar: number
  /** 2 x population std over folds; null for partitioned evaluation. */
  accuracyInterval: number | null
  uarInterval: number | null
  confusion: number[][]
}

export interface EvaluationResult {
  mode: 'cross-validation' | 'partitions'
  /** Alphabetical by nominal label. */
  labels: ClassLabel[]
  trainPartitions: Partition[] | null
  evalPartitions: Partition[] | null
  repeats: RepeatResult[]
  /** Means over repeats (of per-repeat means and of per-repeat intervals, as auDeep). */
  accuracy: number
  uar: number
  accuracyInterval: number | null
  uarInterval: number | null
  /** Summed over folds and repeats. */
  confusion: number[][]
}

// ---------------------------------------------------------------------------------------------------------
// checks

/** Evaluation needs one feature vector per instance. */
export function checkFeatureRank(ds: DataSetMeta): void {
  if (ds.featureShape.length !== 1) {
    throw new UserError(
      `features have shape [${ds.featureShape.join(', ')}] (dimensions ${ds.featureDims.join(', ')}), but the classifiers need one feature vector per instance; ` +
        `evaluate learned representations ('audeep t-rae generate'), or flatten the features with 'audeep export' followed by 'audeep import'`,
    )
  }
}

function checkTrainable(ds: DataSetMeta, what: string): void {
  if (ds.numInstances === 0) throw new UserError(`${what} has no instances`)
  const unlabelled = ds.instances.filter((i) => i.labelNumeric === null).length
  if (unlabelled > 0) throw new UserError(`${what} has ${unlabelled} unlabelled instance(s); every training instance needs a label`)
  const classes = new Set(ds.instances.map((i) => i.labelNumeric))
  if (classes.size < 2) {
    throw new UserError(`${what} has a single class ('${ds.instances[0].labelNominal}'); a classifier needs at least two`)
  }
}

function checkLabelled(ds: DataSetMeta, what: string): void {
  if (ds.numInstances === 0) throw new UserError(`${what} has no instances`)
  const unlabelled = ds.instances.filter((i) => i.labelNumeric === null).length
  if (unlabelled > 0) throw new UserError(`${what} has ${unlabelled} unlabelled instance(s), so it cannot be scored`)
}

/** The classes in alphabetical order of their nominal labels (from the label map, else the instances). */
export function classLabels(ds: DataSetMeta): ClassLabel[] {
  if (ds.labelMap !== null) return [...ds.labelMap].map(([nominal, numeric]) => ({nominal, numeric}))
  const seen = new Map<number, string>()
  for (const inst of ds.instances) {
    if (inst.labelNumeric !== null && !seen.has(inst.labelNumeric))
      seen.set(inst.labelNumeric, inst.labelNominal ?? String(inst.labelNumeric))
  }
  return [...seen].map(([numeric, nominal]) => ({nominal, numeric})).sort((a, b) => compareStrings(a.nominal, b.nominal))
}

function hasSeveralChunksPerFile(ds: DataSetMeta): boolean {
  for (const members of groupByFilename(ds).values()) if (members.length > 1) return true
  return false
}

function warnAboutChunks(ds: DataSetMeta, options: PredictOptions): void {
  if (!options.majorityVote && hasSeveralChunksPerFile(ds)) {
    options.logger?.warn(
      'files have several chunks and --majority-vote is not set: as in auDeep, the prediction for the last chunk of each file decides',
    )
  }
}

// ---------------------------------------------------------------------------------------------------------
// training and prediction

/**
 * Reduces per-instance predictions to one label per file. With `majorityVote` the most frequent label
 * wins, ties going to the smallest numeric label; otherwise the last instance of the file decides.
 */
export function predictionsPerFile(
  instances: readonly InstanceMeta[],
  predictions: Int32Array,
  majorityVote: boolean,
): Map<string, number> {
  const result = new Map<string, number>()
  if (!majorityVote) {
    instances.forEach((inst, i) => result.set(inst.filename, predictions[i]))
    return result
  }
  const votes = new Map<string, Map<number, number>>()
  instances.forEach((inst, i) => {
    let counts = votes.get(inst.filename)
    if (!counts) votes.set(inst.filename, (counts = new Map()))
    counts.set(predictions[i], (counts.get(predictions[i]) ?? 0) + 1)
  })
  for (const [file, counts] of votes) {
    let best = 0
    let bestCount = -1
    for (const [label, count] of counts) {
      if (count > bestCount || (count === bestCount && label < best)) {
        best = label
        bestCount = count
      }
    }
    result.set(file, best)
  }
  return result
}

/** True label per file (the last instance's, matching how predictions are keyed). */
function labelsPerFile(instances: readonly InstanceMeta[]): Map<string, number> {
  const result = new Map<string, number>()
  for (const inst of instances) result.set(inst.filename, inst.labelNumeric!)
  return result
}

/**
 * Trains `learner` on `train` and predicts every file of `target` (auDeep's pre-processing wrapper).
 * `train` must be labelled with at least two classes; `target` may be unlabelled.
 */
export async function fitAndPredict(
  train: DataSet,
  target: DataSet,
  learner: Learner,
  classes: Int32Array,
  options: PredictOptions,
): Promise<{perFile: Map<string, number>; trainInstances: number}> {
  const d = train.featureSize
  if (target.featureSize !== d)
    throw new UserError(`the evaluation data has ${target.featureSize} features per instance, the training data ${d}`)
  const fitSet = options.upsample ? upsample(train, null) : train
  const order = options.random.permutation(fitSet.numInstances)
  const scaler = fitStandardiser(fitSet.features, d, order)
  const make = (k: number): Float32Array | Float64Array => (learner.precision === 'float32' ? new Float32Array(k) : new Float64Array(k))
  const trainX = standardise(scaler, fitSet.features, order, make)
  const trainLabels = Int32Array.from(order, (i) => fitSet.instances[i].labelNumeric!)
  const evalX = standardise(scaler, target.features, undefined, make)
  const predictions = await learner.fitPredict({d, trainX, trainLabels, evalX, evalN: target.numInstances, classes}, options.random.fork())
  return {perFile: predictionsPerFile(target.instances, predictions, options.majorityVote), trainInstances: fitSet.numInstances}
}

function classNumbers(labels: readonly ClassLabel[]): Int32Array {
  return Int32Array.from(labels, (l) => l.numeric).sort()
}

async function evaluateSplit(
  ds: DataSet,
  trainIdx: number[],
  evalIdx: number[],
  learner: Learner,
  labels: ClassLabel[],
  options: PredictOptions,
  what: string,
  fold: number | null,
): Promise<SplitResult> {
  const train = selectInstances(ds, trainIdx)
  const target = selectInstances(ds, evalIdx)
  checkTrainable(train, `the training split of ${what}`)
  checkLabelled(target, `the evaluation split of ${what}`)
  const {perFile: predicted, trainInstances} = await fitAndPredict(train, target, learner, classNumbers(labels), options)
  const truthMap = labelsPerFile(target.instances)
  const files = [...truthMap.keys()].sort(compareStrings)
  const truth = Int32Array.from(files, (f) => truthMap.get(f)!)
  const prediction = Int32Array.from(files, (f) => predicted.get(f)!)
  return {
    fold,
    trainInstances,
    evalFiles: files.length,
    accuracy: accuracy(truth, prediction),
    uar: unweightedAverageRecall(truth, prediction),
    confusion: confusionMatrix(
      truth,
      prediction,
      labels.map((l) => l.numeric),
    ),
  }
}

function emptyMatrix(size: number): number[][] {
  return Array.from({length: size}, () => new Array<number>(size).fill(0))
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`
}

function summarise(
  mode: EvaluationResult['mode'],
  labels: ClassLabel[],
  repeats: RepeatResult[],
  partitions: {train: Partition[]; eval: Partition[]} | null,
): EvaluationResult {
  const confusion = emptyMatrix(labels.length)
  repeats.forEach((r) => addMatrices(confusion, r.confusion))
  const withInterval = mode === 'cross-validation'
  return {
    mode,
    labels,
    trainPartitions: partitions?.train ?? null,
    evalPartitions: partitions?.eval ?? null,
    repeats,
    accuracy: mean(repeats.map((r) => r.accuracy)),
    uar: mean(repeats.map((r) => r.uar)),
    accuracyInterval: withInterval ? mean(repeats.map((r) => r.accuracyInterval!)) : null,
    uarInterval: withInterval ? mean(repeats.map((r) => r.uarInterval!)) : null,
    confusion,
  }
}

function checkRepeat(repeat: number): void {
  if (!Number.isInteger(repeat) || repeat < 1) throw new UserError(`--repeat must be a positive integer, got ${repeat}`)
}

/**
 * Runs `count` splits, up to learner.parallelFits() at a time, started in index order; `done` sees the
 * results in index order as soon as they and all earlier ones are in (so logs read as in a serial run).
 * After a failure no further split starts; the ones running are awaited, then the first failure (by
 * index) is thrown, so nothing keeps running after this returns.
 */
async function runSplits(
  count: number,
  learner: Learner,
  start: (i: number) => Promise<SplitResult>,
  done: (result: SplitResult) => void,
): Promise<SplitResult[]> {
  const limit = Math.max(1, Math.min(count, learner.parallelFits?.() ?? 1))
  const results: (SplitResult | undefined)[] = new Array(count)
  const failures: {index: number; error: unknown}[] = []
  let next = 0
  let reported = 0
  const lane = async (): Promise<void> => {
    while (failures.length === 0 && next < count) {
      const i = next++
      try {
        // A safe point for Ctrl-C in the interactive shell.
        await pauseForInterrupt()
        results[i] = await start(i)
        while (reported < count && results[reported] !== undefined) done(results[reported++]!)
      } catch (error) {
        failures.push({index: i, error})
      }
    }
  }
  await Promise.all(Array.from({length: limit}, lane))
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0].error
  return results as SplitResult[]
}

/** Cross-validated evaluation over the data set's folds, `repeat` times. */
export async function crossValidate(ds: DataSet, learner: Learner, options: EvaluateOptions): Promise<EvaluationResult> {
  checkFeatureRank(ds)
  checkRepeat(options.repeat)
  if (ds.numFolds === 0)
    throw new UserError(
      "the data set has no cross-validation folds (add them with 'audeep modify --add-cv-setup N', or 'preprocess --add-cv-setup N')",
    )
  if (!ds.hasCvInfo()) throw new UserError('some instances have no cross-validation split for some fold')
  const splits = Array.from({length: ds.numFolds}, (_, k) => foldSplit(ds, k))
  const n = ds.numFolds >= 2 ? String(ds.numFolds) : 'N'
  const fix = `; reassign folds balanced per class with 'audeep modify --add-cv-setup ${n}' (or 'preprocess --add-cv-setup ${n}')`
  splits.forEach(({train, valid}, k) => {
    if (valid.length === 0) throw new UserError(`cross-validation fold ${k + 1} has no validation instances${fix}`)
    if (train.length === 0) throw new UserError(`cross-validation fold ${k + 1} has no training instances${fix}`)
  })
  warnAboutChunks(ds, options)
  const labels = classLabels(ds)
  const log = options.logger
  const folds = ds.numFolds
  // One generator per (repeat, fold), forked in that order whatever the number of concurrent fits.
  const randoms = Array.from({length: options.repeat * folds}, () => options.random.fork())
  const all = await runSplits(
    randoms.length,
    learner,
    (i) => {
      const [r, k] = [Math.floor(i / folds), i % folds]
      if (k === 0 && options.repeat > 1) log?.info(`repeat ${r + 1} of ${options.repeat}`)
      log?.info(`processing cross validation fold ${k + 1}...`)
      return evaluateSplit(
        ds,
        splits[k].train,
        splits[k].valid,
        learner,
        labels,
        {...options, random: randoms[i]},
        `cross-validation fold ${k + 1}`,
        k + 1,
      )
    },
    (result) => log?.info(`fold ${result.fold} accuracy is ${percent(result.accuracy)} (UAR ${percent(result.uar)})`),
  )
  const repeats: RepeatResult[] = []
  for (let r = 0; r < options.repeat; r++) {
    const results = all.slice(r * folds, (r + 1) * folds)
    const acc = meanAndInterval(results.map((s) => s.accuracy))
    const uar = meanAndInterval(results.map((s) => s.uar))
    const confusion = emptyMatrix(labels.length)
    results.forEach((s) => addMatrices(confusion, s.confusion))
    repeats.push({splits: results, accuracy: acc.mean, uar: uar.mean, accuracyInterval: acc.interval, uarInterval: uar.interval, confusion})
  }
  const result = summarise('cross-validation', labels, repeats, null)
  log?.info(`cross validation accuracy: ${percent(result.accuracy)} (+/- ${percent(result.accuracyInterval!)}, 2 x std over folds)`)
  log?.info(`cross validation UAR: ${percent(result.uar)} (+/- ${percent(result.uarInterval!)}, 2 x std over folds)`)
  return result
}

function partitionList(partitions: readonly Partition[]): string {
  return partitions.map(partitionName).join(' & ')
}

/** Trains on the union of `trainPartitions` and evaluates on `evalPartitions`, `repeat` times. */
export async function evaluatePartitions(
  ds: DataSet,
  learner: Learner,
  trainPartitions: Partition[],
  evalPartitions: Partition[],
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  checkFeatureRank(ds)
  checkRepeat(options.repeat)
  if (ds.instances.every((i) => i.partition === null))
    throw new UserError("the data set has no partition information (add it with 'audeep modify --add-partitioning ...')")
  const trainIdx = partitionIndices(ds, trainPartitions)
  const evalIdx = partitionIndices(ds, evalPartitions)
  if (trainIdx.length === 0) throw new UserError(`partition(s) ${partitionList(trainPartitions)} hold no instances to train on`)
  if (evalIdx.length === 0) throw new UserError(`partition(s) ${partitionList(evalPartitions)} hold no instances to evaluate on`)
  warnAboutChunks(ds, options)
  const labels = classLabels(ds)
  const what = `partition(s) ${partitionList(trainPartitions)} -> ${partitionList(evalPartitions)}`
  const randoms = Array.from({length: options.repeat}, () => options.random.fork())
  const splits = await runSplits(
    options.repeat,
    learner,
    (r) => {
      if (options.repeat > 1) options.logger?.info(`repeat ${r + 1} of ${options.repeat}`)
      return evaluateSplit(ds, trainIdx, evalIdx, learner, labels, {...options, random: randoms[r]}, what, null)
    },
    (split) => options.logger?.info(`accuracy on ${partitionList(evalPartitions)}: ${percent(split.accuracy)} (UAR ${percent(split.uar)})`),
  )
  const repeats: RepeatResult[] = []
  for (const split of splits) {
    repeats.push({
      splits: [split],
      accuracy: split.accuracy,
      uar: split.uar,
      accuracyInterval: null,
      uarInterval: null,
      confusion: split.confusion.map((row) => [...row]),
    })
  }
  return summarise('partitions', labels, repeats, {train: trainPartitions, eval: evalPartitions})
}

export interface Prediction {
  filename: string
  numeric: number
  nominal: string
}

/**
 * Trains on `train` (optionally only some partitions) and predicts every file of `target` (optionally only
 * some partitions). Sorted by filename; nominal labels come from the training data's label map.
 */
export async function predictFiles(
  train: DataSet,
  target: DataSet,
  learner: Learner,
  partitions: {train: Partition[] | null; eval: Partition[] | null},
  options: PredictOptions,
): Promise<Prediction[]> {
  checkFeatureRank(train)
  checkFeatureRank(target)
  const trainSet = partitions.train === null ? train : selectPartitions(train, partitions.train, 'training data')
  const targetSet = partitions.eval === null ? target : selectPartitions(target, partitions.eval, 'evaluation data')
  checkTrainable(trainSet, 'the training data')
  if (targetSet.numInstances === 0) throw new UserError('the evaluation data has no instances')
  warnAboutChunks(targetSet, options)
  const labels = classLabels(trainSet)
  const nominal = new Map(labels.map((l) => [l.numeric, l.nominal]))
  const {perFile: predicted} = await fitAndPredict(trainSet, targetSet, learner, classNumbers(labels), options)
  return [...predicted.keys()].sort(compareStrings).map((filename) => {
    const numeric = predicted.get(filename)!
    return {filename, numeric, nominal: nominal.get(numeric) ?? String(numeric)}
  })
}

function selectPartitions(ds: DataSet, partitions: Partition[], what: string): DataSet {
  if (ds.instances.every((i) => i.partition === null))
    throw new UserError(`the ${what} has no partition information, so partitions cannot be selected`)
  const indices = partitionIndices(ds, partitions)
  if (indices.length === 0) throw new UserError(`the ${what} has no instances in partition(s) ${partitionList(partitions)}`)
  return selectInstances(ds, indices)
}
