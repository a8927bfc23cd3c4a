// HEAR's downstream evaluation of scene embeddings (heareval.predictions, hear-reference §4), producing
// the content of its test.predicted-scores.json:
// - data splits: trainvaltest is one run; for k-fold tasks, rotation i over the sorted folds tests on
//   fold i, validates on fold i+1 (mod k) and trains on the rest;
// - model selection: the grid (hear-grid.ts) is shuffled with Python's random seeded with `seed` and its
//   first `gridPoints` points are trained on the first rotation only; the point with the best validation
//   value is retrained on every other rotation, and each rotation's best checkpoint is tested;
// - scores: every metric of the task's `evaluation` list (the first is the primary "score"), per test
//   split, plus their mean and sample std over splits (pandas' skip-NaN mean/std) for k-fold tasks.
// Numbers are returned typed as Python would print them (bigint = int, number = float) so that the JSON
// has heareval's exact shape, including NaN where a score is undefined.

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import type {PyJson} from '../python/value.js'
import {pyStr} from '../python/repr.js'
import type {HearEmbeddings} from './embeddings.js'
import type {HearTaskMetadata} from './task.js'
import {Random} from '../core/random.js'
import {type GridName, hearGrid, type HearMlpConfig, hparamsJson, selectGridPoints} from './grid.js'
import {hearScore, type HearMetricName, isHearSceneMetric} from './metrics.js'
import {fitStandardiser, standardise} from '../evaluate/standardise.js'
import {disposeHearMlp, type HearMatrix, type HearMlpModel, predictHearMlp, trainHearMlp, type ValidationMonitor} from './mlp.js'

/** A JSON value typed as Python's json module writes it: bigint is an int, number a float. */

export interface DataSplit {
  readonly train: readonly string[]
  readonly valid: readonly string[]
  readonly test: readonly string[]
}

/** heareval's get_splits_from_metadata. */
export function dataSplits(meta: HearTaskMetadata): DataSplit[] {
  if (meta.splitMode === 'trainvaltest') {
    for (const s of ['train', 'valid', 'test']) {
      if (!meta.splits.includes(s))
        throw new UserError(`task_metadata.json: split_mode trainvaltest needs a '${s}' split (splits: ${meta.splits.join(', ')})`)
    }
    return [{train: ['train'], valid: ['valid'], test: ['test']}]
  }
  const folds = [...meta.splits].sort()
  if (new Set(folds).size !== folds.length) throw new UserError('task_metadata.json: the folds are not unique')
  if (folds.length < 3) throw new UserError(`task_metadata.json: k-fold evaluation needs at least 3 folds, found ${folds.length}`)
  return folds.map((test, i) => {
    const valid = folds[(i + 1) % folds.length]
    return {train: folds.filter((f) => f !== test && f !== valid), valid: [valid], test: [test]}
  })
}

export interface HearEvaluateOptions {
  grid?: GridName
  /** Grid points trained on the first split (heareval --grid-points, default 8). */
  gridPoints?: number
  /** Seeds the grid shuffle (as heareval's --deterministic seed 42) and every training run. */
  seed?: number
  /** Scores to report besides the task's own (they do not change model selection). */
  extraMetrics?: readonly string[]
  /**
   * Standardise the embeddings with the mean and std of each split's training rows (not part of HEAR's
   * protocol, which feeds embeddings as they are; useful for features with a small numeric range).
   */
  standardise?: boolean
  /** Written to the result's `embedding_path`. */
  embeddingPath?: string
  logger?: Logger
}

export interface HearEvaluation {
  /** heareval's test.predicted-scores.json. */
  readonly scores: {[key: string]: PyJson}
  readonly primaryMetric: string
  /** Primary test score per test split. */
  readonly testScores: readonly {split: string; score: number}[]
  readonly config: HearMlpConfig
}

interface Labelled {
  matrix: HearMatrix
}

function buildTargets(emb: HearEmbeddings): Map<string, Labelled> {
  const index = new Map(emb.vocabulary.map((label, i) => [label, i]))
  const k = emb.vocabulary.length
  const out = new Map<string, Labelled>()
  for (const split of emb.splits) {
    const targets = new Uint8Array(split.rows * k)
    split.labels.forEach((labels, row) => {
      if (emb.metadata.predictionType === 'multiclass' && labels.length !== 1) {
        throw new UserError(`split ${split.name}: row ${row} has ${labels.length} labels, but the task is multiclass`)
      }
      for (const label of labels) {
        const idx = index.get(pyStr(label))
        if (idx === undefined)
          throw new UserError(`split ${split.name}: label '${pyStr(label)}' of row ${row} is not in labelvocabulary.csv`)
        targets[row * k + idx] = 1
      }
    })
    out.set(split.name, {matrix: {x: split.embeddings, n: split.rows, d: split.dim, targets}})
  }
  return out
}

function concatenate(parts: readonly HearMatrix[], k: number): HearMatrix {
  if (parts.length === 1) return parts[0]
  const n = parts.reduce((a, p) => a + p.n, 0)
  const d = parts[0].d
  const x = new Float32Array(n * d)
  const targets = new Uint8Array(n * k)
  let row = 0
  for (const p of parts) {
    x.set(p.x, row * d)
    targets.set(p.targets, row * k)
    row += p.n
  }
  return {x, n, d, targets}
}

function configSummary(c: HearMlpConfig): string {
  return `${c.hidden_layers} x ${c.hidden_dim}, lr ${c.lr}, ${c.initialization}, ${c.max_epochs} epochs, validation every ${c.check_val_every_n_epoch}, patience ${c.patience}`
}

/** pandas' Series.mean()/std() (NaN skipped; std with ddof 1). */
function meanStd(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => !Number.isNaN(v))
  if (finite.length === 0) return [NaN, NaN]
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length
  if (finite.length < 2) return [mean, NaN]
  const ss = finite.reduce((a, b) => a + (b - mean) ** 2, 0)
  return [mean, Math.sqrt(ss / (finite.length - 1))]
}

export async function evaluateHear(emb: HearEmbeddings, options: HearEvaluateOptions = {}): Promise<HearEvaluation> {
  const log = options.logger
  const meta = emb.metadata
  const metricNames = [...meta.evaluation, ...(options.extraMetrics ?? []).filter((m) => !meta.evaluation.includes(m))]
  for (const m of metricNames) {
    if (!isHearSceneMetric(m))
      throw new UserError(`metric '${m}' is not a scene score (supported: top1_acc, pitch_acc, chroma_acc, mAP, aucroc, d_prime)`)
  }
  const metrics = metricNames as HearMetricName[]
  const primary = metrics[0]
  const k = emb.vocabulary.length
  const data = buildTargets(emb)
  const splits = dataSplits(meta)
  const gather = (names: readonly string[], role: string): HearMatrix => {
    const parts = names.map((n) => {
      const part = data.get(n)
      if (part === undefined) throw new UserError(`the embeddings have no split '${n}'`)
      return part.matrix
    })
    const m = concatenate(parts, k)
    if (m.n === 0) throw new UserError(`the ${role} data (${names.join(', ')}) is empty`)
    return m
  }
  const seed = options.seed ?? 42
  const monitor: ValidationMonitor = meta.useScoringForEarlyStopping
    ? {mode: 'max', score: (p, _loss) => hearScore(primary, p, validTargets!, validN, k)}
    : {mode: 'min', score: (_p, loss) => loss}
  let validTargets: Uint8Array | null = null
  let validN = 0

  // Per split: training, validation and test data, standardised on the training rows if asked to.
  const prepared = new Map<DataSplit, {train: HearMatrix; valid: HearMatrix; test: HearMatrix}>()
  const prepare = (split: DataSplit) => {
    let sets = prepared.get(split)
    if (sets === undefined) {
      sets = {train: gather(split.train, 'training'), valid: gather(split.valid, 'validation'), test: gather(split.test, 'test')}
      if (options.standardise) {
        const s = fitStandardiser(sets.train.x, sets.train.d)
        const apply = (m: HearMatrix): HearMatrix => ({...m, x: standardise(s, m.x, undefined, (n) => new Float32Array(n))})
        sets = {train: apply(sets.train), valid: apply(sets.valid), test: apply(sets.test)}
      }
      prepared.set(split, sets)
    }
    return sets
  }

  const random = new Random(seed)
  const train = async (split: DataSplit, config: HearMlpConfig, label: string) => {
    const {train: trainData, valid: validData} = prepare(split)
    validTargets = validData.targets
    validN = validData.n
    const start = performance.now()
    const result = await trainHearMlp(trainData, validData, k, meta.predictionType, config, monitor, random.fork(), (epoch, value) =>
      log?.debug(`${label}: epoch ${epoch} validation ${meta.useScoringForEarlyStopping ? primary : 'loss'} ${value}`),
    )
    return {...result, minutes: (performance.now() - start) / 60000}
  }

  const grid = hearGrid(options.grid ?? 'default', meta.taskName, meta.taskSpecificParamGrid)
  const points = selectGridPoints(grid, options.gridPoints ?? 8, seed)
  if (points.length === 0) throw new UserError('no grid points to train (--grid-points must be at least 1)')
  type Trained = Awaited<ReturnType<typeof train>> & {config: HearMlpConfig}
  let best: Trained | null = null
  for (const [i, config] of points.entries()) {
    const label = `grid point ${i + 1} of ${points.length}`
    const result = await train(splits[0], config, label)
    log?.info(
      `${label} (${configSummary(config)}): validation ${monitor.mode === 'max' ? primary : 'loss'} ${result.validationScore.toFixed(4)} at epoch ${result.epoch}`,
    )
    // heareval sorts the grid results by validation value (stable); the first best stays best.
    const better =
      best === null ||
      (monitor.mode === 'max' ? result.validationScore > best.validationScore : result.validationScore < best.validationScore) ||
      Number.isNaN(best.validationScore)
    if (better) {
      if (best !== null) disposeHearMlp(best.model)
      best = {...result, config}
    } else {
      disposeHearMlp(result.model)
    }
  }
  const chosen = best!
  log?.info(`best grid point: ${configSummary(chosen.config)} (validation ${chosen.validationScore.toFixed(4)})`)

  const perSplit: Trained[] = [chosen]
  for (const [i, split] of splits.slice(1).entries()) {
    const label = `split ${i + 2} of ${splits.length}`
    const result = await train(split, chosen.config, label)
    log?.info(`${label} (test ${split.test.join('|')}): validation ${result.validationScore.toFixed(4)} at epoch ${result.epoch}`)
    perSplit.push({...result, config: chosen.config})
  }

  const scores: {[key: string]: PyJson} = {}
  const testScores: {split: string; score: number}[] = []
  try {
    for (const [i, split] of splits.entries()) {
      const key = split.test.join('|')
      const testData = prepare(split).test
      const trained = perSplit[i]
      const {probabilities, loss} = await predictHearMlp(trained.model, testData)
      const values = metrics.map((m) => hearScore(m, probabilities, testData.targets, testData.n, k))
      const entry: {[key: string]: PyJson} = {test_loss: loss, test_score: values[0]}
      metrics.forEach((m, j) => (entry[`test_${m}`] = values[j]))
      entry.validation_score = trained.validationScore
      entry.epoch = BigInt(trained.epoch)
      entry.time_in_min = trained.minutes
      scores[key] = entry
      testScores.push({split: key, score: values[0]})
      log?.info(`test ${key}: ${primary} ${values[0].toFixed(4)}`)
    }
  } finally {
    perSplit.forEach((t) => disposeHearMlp(t.model as HearMlpModel))
  }
  if (splits.length > 1) {
    const aggregated: {[key: string]: PyJson} = {}
    const rows = Object.values(scores) as {[key: string]: PyJson}[]
    for (const column of Object.keys(rows[0])) {
      const [mean, std] = meanStd(rows.map((r) => Number(r[column] as number | bigint)))
      aggregated[`${column}_mean`] = mean
      aggregated[`${column}_std`] = std
    }
    scores.aggregated_scores = aggregated
  }
  const hparams: {[key: string]: PyJson} = {}
  for (const [key, value] of Object.entries(hparamsJson(chosen.config))) {
    hparams[key] = typeof value === 'number' && key !== 'lr' && key !== 'dropout' ? BigInt(value) : value
  }
  scores.hparams = hparams
  scores.postprocessing = []
  scores.score_mode = monitor.mode
  scores.embedding_path = options.embeddingPath ?? ''
  return {scores, primaryMetric: primary, testScores, config: chosen.config}
}
