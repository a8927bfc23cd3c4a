// The evaluation protocol: per-file aggregation, cross-validation and partitions, repeats, error cases.

import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import type {Logger} from '../../src/core/log.js'
import {DataSet, Partition} from '../../src/data/dataset.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {crossValidate, evaluatePartitions, predictFiles, predictionsPerFile} from '../../src/evaluate/evaluation.js'
import {type Learner, svmLearner} from '../../src/evaluate/learners.js'
import {fitStandardiser} from '../../src/evaluate/standardise.js'
import {gaussianClasses} from '../../src/evaluate/synthetic.js'
import {Random} from '../../src/core/random.js'
import {needsShared, reference} from '../helpers.js'
import {makeDataSet, nominal} from './datasets.js'

const svm = svmLearner({complexity: 0.1})

function options(seed = 1, extra: Partial<{repeat: number; upsample: boolean; majorityVote: boolean; logger: Logger}> = {}) {
  return {repeat: 1, upsample: false, majorityVote: false, random: new Random(seed), ...extra}
}

/** A logger that records warnings. */
function recordingLogger(): {logger: Logger; warnings: string[]; infos: string[]} {
  const warnings: string[] = []
  const infos: string[] = []
  const logger = {
    warn: (m: string) => warnings.push(m),
    info: (m: string) => infos.push(m),
    debug: () => {},
    error: () => {},
  } as unknown as Logger
  return {logger, warnings, infos}
}

test('per-file predictions: majority vote with ties to the smallest label, else the last chunk', () => {
  const files = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c']
  const instances = files.map((filename, i) => ({
    filename,
    chunkNr: i,
    labelNominal: null,
    labelNumeric: null,
    cvFolds: [],
    partition: null,
  }))
  const predictions = Int32Array.from([2, 1, 2, 5, 3, 4, 1, 1, 4])
  assert.deepEqual(
    predictionsPerFile(instances, predictions, true),
    new Map([
      ['a', 2],
      ['b', 3],
      ['c', 1],
    ]),
  )
  assert.deepEqual(
    predictionsPerFile(instances, predictions, false),
    new Map([
      ['a', 2],
      ['b', 3],
      ['c', 4],
    ]),
  )
})

test('standardisation: population std, constant columns left unscaled', () => {
  const s = fitStandardiser(Float32Array.from([1, -1, 5, 3, -1, 5, 5, -1, 5]), 3)
  assert.deepEqual(Array.from(s.mean), [3, -1, 5])
  assert.ok(Math.abs(s.scale[0] - Math.sqrt(8 / 3)) < 1e-12)
  assert.deepEqual(Array.from(s.scale.subarray(1)), [1, 1])
  // Only the selected rows count.
  assert.deepEqual(Array.from(fitStandardiser(Float32Array.from([1, 2, 3, 4, 100, 100]), 2, [0, 1]).mean), [2, 3])
})

test('cross-validation on a separable problem: per-fold figures, sums and repeat reproducibility', async () => {
  const data = gaussianClasses({n: 200, d: 16, classes: 4, separation: 3, seed: 2})
  const ds = makeDataSet({
    features: data.features,
    d: 16,
    labels: data.labels,
    folds: Int32Array.from({length: 200}, (_, i) => Math.floor(i / 4) % 5),
  })
  const {logger, infos} = recordingLogger()
  const result = await crossValidate(ds, svm, options(5, {repeat: 2, logger}))
  assert.equal(result.repeats.length, 2)
  assert.equal(result.repeats[0].splits.length, 5)
  assert.ok(result.accuracy > 0.97, `accuracy ${result.accuracy}`)
  assert.deepEqual(
    result.labels.map((l) => l.nominal),
    [0, 1, 2, 3].map(nominal),
  )
  // Every file is evaluated once per repeat.
  assert.equal(
    result.confusion.flat().reduce((a, b) => a + b, 0),
    400,
  )
  assert.equal(result.repeats[0].splits[0].trainInstances, 160)
  assert.ok(infos.includes('processing cross validation fold 1...'))
  assert.ok(infos.some((l) => /^fold 3 accuracy is \d+\.\d\d% \(UAR \d+\.\d\d%\)$/.test(l)))
  assert.ok(infos.some((l) => l.startsWith('cross validation accuracy: ')))
  const again = await crossValidate(ds, svm, options(5, {repeat: 2}))
  assert.deepEqual(again, result)
})

test('confusion-matrix order is alphabetical by nominal label', async () => {
  // Numeric labels whose nominal order differs: 0 -> "zebra", 1 -> "ant", 2 -> "moose".
  const data = gaussianClasses({n: 60, d: 8, classes: 3, separation: 4, seed: 3})
  const base = makeDataSet({
    features: data.features,
    d: 8,
    labels: data.labels,
    folds: Int32Array.from({length: 60}, (_, i) => Math.floor(i / 3) % 2),
    numFolds: 2,
  })
  const names = ['zebra', 'ant', 'moose']
  const relabelled = new DataSet({
    featureDims: base.featureDims,
    featureShape: base.featureShape,
    numFolds: base.numFolds,
    labelMap: new Map(names.map((n, i) => [n, i])),
    instances: base.instances.map((inst) => ({...inst, labelNominal: names[inst.labelNumeric!]})),
    features: base.features,
  })
  const result = await crossValidate(relabelled, svm, options())
  assert.deepEqual(
    result.labels.map((l) => `${l.nominal}=${l.numeric}`),
    ['ant=1', 'moose=2', 'zebra=0'],
  )
  // Separable: all counts on the diagonal, 20 per class.
  assert.deepEqual(result.confusion, [
    [20, 0, 0],
    [0, 20, 0],
    [0, 0, 20],
  ])
})

test('partitioned evaluation trains on the union and reports no interval', async () => {
  const data = gaussianClasses({n: 90, d: 10, classes: 3, separation: 3, seed: 4})
  const partitions = Array.from({length: 90}, (_, i) => [Partition.TRAIN, Partition.DEVEL, Partition.TEST][Math.floor(i / 3) % 3])
  const ds = makeDataSet({features: data.features, d: 10, labels: data.labels, partitions})
  const {logger, infos} = recordingLogger()
  const result = await evaluatePartitions(ds, svm, [Partition.TRAIN, Partition.DEVEL], [Partition.TEST], options(1, {logger}))
  assert.equal(result.mode, 'partitions')
  assert.equal(result.accuracyInterval, null)
  assert.equal(result.repeats[0].splits[0].trainInstances, 60)
  assert.equal(result.repeats[0].splits[0].evalFiles, 30)
  assert.ok(result.accuracy > 0.95)
  assert.ok(infos.some((l) => /^accuracy on TEST: /.test(l)))
})

test('chunked files: majority vote, and a warning when the last chunk decides', async () => {
  // 3 chunks per file; within each file two chunks carry the class signal and one is noise.
  const n = 180
  const d = 6
  const data = gaussianClasses({n, d, classes: 2, separation: 3, seed: 8})
  const labels = Int32Array.from({length: n}, (_, i) => Math.floor(i / 3) % 2)
  const features = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    // Take a row of the right class for chunks 0 and 1, of the other class for chunk 2.
    const wanted = i % 3 === 2 ? 1 - labels[i] : labels[i]
    const source = 2 * Math.floor(i / 2) + wanted
    features.set(data.features.subarray(source * d, (source + 1) * d), i * d)
  }
  const folds = Int32Array.from({length: n}, (_, i) => Math.floor(i / 6) % 3)
  const ds = makeDataSet({features, d, labels, folds, numFolds: 3, chunks: 3})
  const voted = await crossValidate(ds, svm, options(1, {majorityVote: true}))
  const {logger, warnings} = recordingLogger()
  const last = await crossValidate(ds, svm, options(1, {logger}))
  assert.equal(
    voted.confusion.flat().reduce((a, b) => a + b, 0),
    60,
  )
  assert.ok(voted.accuracy > last.accuracy, `vote ${voted.accuracy} vs last chunk ${last.accuracy}`)
  assert.equal(warnings.length, 1)
  assert.match(warnings[0], /last chunk of each file decides/)
})

test('--upsample repeats minority classes in the training split', async () => {
  // Class 0: 40 instances, class 1: 10.
  const data = gaussianClasses({n: 80, d: 5, classes: 2, separation: 3, seed: 6})
  const rows = [...Array.from({length: 40}, (_, k) => 2 * k), ...Array.from({length: 10}, (_, k) => 2 * k + 1)]
  const features = new Float32Array(50 * 5)
  rows.forEach((r, i) => features.set(data.features.subarray(r * 5, r * 5 + 5), i * 5))
  const labels = rows.map((r) => r % 2)
  const folds = rows.map((_, i) => i % 2)
  const ds = makeDataSet({features, d: 5, labels, folds, numFolds: 2})
  const result = await crossValidate(ds, svm, options(1, {upsample: true}))
  // Fold 1 trains on 20 + 5 instances; class 1 is repeated 20 // 5 = 4 times.
  assert.equal(result.repeats[0].splits[0].trainInstances, 40)
})

test('prediction: sorted by filename with nominal labels', async () => {
  const data = gaussianClasses({n: 40, d: 4, classes: 2, separation: 4, seed: 7})
  const train = makeDataSet({features: data.features, d: 4, labels: data.labels})
  const target = makeDataSet({features: data.features.slice(0, 10 * 4), d: 4, labels: new Array(10).fill(null)})
  const predictions = await predictFiles(train, target, svm, {train: null, eval: null}, options())
  assert.deepEqual(
    predictions.map((p) => p.filename),
    Array.from({length: 10}, (_, i) => `file-0000${i}.wav`),
  )
  assert.deepEqual(
    predictions.map((p) => p.nominal),
    Array.from({length: 10}, (_, i) => nominal(i % 2)),
  )
})

test('clear errors: unlabelled training data, one class, empty fold, features of rank 2', needsShared, async () => {
  const data = gaussianClasses({n: 20, d: 3, classes: 2, separation: 1, seed: 1})
  const folds = Int32Array.from({length: 20}, (_, i) => Math.floor(i / 2) % 2)
  const unlabelled = makeDataSet({
    features: data.features,
    d: 3,
    labels: Array.from(data.labels, (l, i) => (i === 2 ? null : l)),
    folds,
    numFolds: 2,
  })
  await assert.rejects(
    crossValidate(unlabelled, svm, options()),
    (e: Error) => e instanceof UserError && /training split of cross-validation fold \d has 1 unlabelled/.test(e.message),
  )
  const oneClass = makeDataSet({features: data.features, d: 3, labels: new Array(20).fill(1), folds, numFolds: 2})
  await assert.rejects(
    crossValidate(oneClass, svm, options()),
    /training split of cross-validation fold 1 has a single class \('class 01'\); a classifier needs at least two/,
  )
  const emptyFold = makeDataSet({features: data.features, d: 3, labels: data.labels, folds, numFolds: 3})
  await assert.rejects(crossValidate(emptyFold, svm, options()), /fold 3 has no validation instances/)
  const noFolds = makeDataSet({features: data.features, d: 3, labels: data.labels})
  await assert.rejects(crossValidate(noFolds, svm, options()), /no cross-validation folds/)
  await assert.rejects(evaluatePartitions(noFolds, svm, [Partition.TRAIN], [Partition.DEVEL], options()), /no partition information/)
  const spectrograms = await readDataSet(reference('esc10-sample.nc'))
  await assert.rejects(crossValidate(spectrograms, svm, options()), /shape \[124, 128\].*'audeep export' followed by 'audeep import'/)
})

test('learners see standardised training data in a shuffled order', async () => {
  const seen: number[][] = []
  const spy: Learner = {
    name: 'spy',
    precision: 'float64',
    async fitPredict(problem) {
      seen.push(Array.from(problem.trainLabels))
      const d = problem.d
      const n = problem.trainLabels.length
      for (let j = 0; j < d; j++) {
        let sum = 0
        let sq = 0
        for (let i = 0; i < n; i++) {
          sum += problem.trainX[i * d + j]
          sq += problem.trainX[i * d + j] ** 2
        }
        assert.ok(Math.abs(sum / n) < 1e-9 && Math.abs(sq / n - 1) < 1e-9)
      }
      return new Int32Array(problem.evalN)
    },
  }
  const data = gaussianClasses({n: 40, d: 3, classes: 2, separation: 1, seed: 1})
  const ds = makeDataSet({
    features: data.features,
    d: 3,
    labels: data.labels,
    folds: Int32Array.from({length: 40}, (_, i) => Math.floor(i / 2) % 2),
    numFolds: 2,
  })
  await crossValidate(ds, spy, options(9))
  assert.notDeepEqual(seen[0], [...seen[0]].sort())
})
