// The MLP fast path (src/evaluate/mlp-fast.ts) computes what the tfjs reference path computes: weights after
// N Adam steps are bit-identical on the native engine, predictions and cross-validation results identical.
// trainMlp's fast path is the native whole fit (native/mlp.cc mlpTrain), so the reference comparisons check
// it; the per-step path (trainMlpFast) is checked against it too, and folds run concurrently. Real
// features: per-clip summaries of auDeep's ESC-10 spectrograms (../shared/reference/audeep).

import assert from 'node:assert/strict'
import {before, test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import type {DataSet} from '../../src/data/dataset.js'
import {crossValidate} from '../../src/evaluate/evaluation.js'
import {mlpLearner} from '../../src/evaluate/learners.js'
import {disposeMlp, MLP_DEFAULTS, mlpParallelFits, type MlpOptions, predictMlp, selectMlpBackend, trainMlp} from '../../src/evaluate/mlp.js'
import {trainMlpFast, trainMlpNative} from '../../src/evaluate/mlp-fast.js'
import {interrupt, InterruptedError, resetInterrupt} from '../../src/core/interrupt.js'
import {fitStandardiser, standardise} from '../../src/evaluate/standardise.js'
import {loadNative} from '../../src/nn/engine/index.js'
import {Random} from '../../src/core/random.js'
import {needsShared, reference, sharedMissing} from '../helpers.js'

const skip = sharedMissing ?? (loadNative() === null ? 'the native addon is not built' : false)

let ds: DataSet
let x: Float32Array
let labels: Int32Array
const D = 256
const classes = Int32Array.from({length: 10}, (_, k) => k)

before(async () => {
  if (skip) return
  await selectMlpBackend('auto')
  // Mean and standard deviation over time of each of the 128 mel bands: 400 x 256 real features.
  const spectrograms = await readDataSet(reference('esc10-full-0.08-0.04-128-60.nc'))
  const [T, F] = spectrograms.featureShape
  const features = new Float32Array(spectrograms.numInstances * D)
  for (let i = 0; i < spectrograms.numInstances; i++) {
    const s = spectrograms.features.subarray(i * T * F, (i + 1) * T * F)
    for (let f = 0; f < F; f++) {
      let sum = 0
      let sq = 0
      for (let t = 0; t < T; t++) {
        sum += s[t * F + f]
        sq += s[t * F + f] ** 2
      }
      features[i * D + f] = sum / T
      features[i * D + F + f] = Math.sqrt(Math.max(0, sq / T - (sum / T) ** 2))
    }
  }
  ds = spectrograms.withFeatures(['summary'], [D], features)
  labels = Int32Array.from(ds.instances, (m) => m.labelNumeric!)
  const rows = Array.from({length: ds.numInstances}, (_, i) => i)
  x = standardise(fitStandardiser(features, D, rows), features, undefined, (k) => new Float32Array(k))
})

/** Trains on the first 320 rows with both implementations, same seed. */
async function both(options: Partial<MlpOptions>, seed: number) {
  const n = 320
  const fit = (impl: 'fast' | 'reference') =>
    trainMlp(x.subarray(0, n * D), n, D, labels.subarray(0, n), classes, {...MLP_DEFAULTS, ...options, impl}, new Random(seed))
  const fast = await fit('fast')
  const ref = await fit('reference')
  try {
    const predictions = await Promise.all([fast, ref].map((m) => predictMlp(m, x.subarray(n * D), 400 - n)))
    const params = (m: typeof fast) => [...m.weights, ...m.biases].map((v) => v.dataSync() as Float32Array)
    return {fast: params(fast), ref: params(ref), predictions, losses: [fast.finalLoss, ref.finalLoss]}
  } finally {
    disposeMlp(fast)
    disposeMlp(ref)
  }
}

/** Largest |a - b| relative to the largest |b| of each parameter array. */
function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0
  a.forEach((p, k) => {
    let diff = 0
    let scale = 0
    p.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - b[k][i]))
      scale = Math.max(scale, Math.abs(b[k][i]))
    })
    worst = Math.max(worst, scale > 0 ? diff / scale : diff)
  })
  return worst
}

for (const [name, options, steps] of [
  ['full batch, dropout (auDeep defaults)', {}, 60],
  ['minibatches of 64 with shuffle', {batchSize: 64, shuffle: true}, 4],
  ['minibatches of 100 without shuffle, ReLU logits', {batchSize: 100, reluLogits: true}, 5],
  ['one hidden layer of 40 units, no dropout', {numLayers: 1, numUnits: 40, keepProb: 1}, 60],
  ['no hidden layer', {numLayers: 0}, 30],
] as const) {
  test(`fast path equals the tfjs reference: ${name}`, {skip}, async () => {
    const r = await both({...options, numEpochs: steps}, 17)
    const diff = maxRelativeDifference(r.fast, r.ref)
    assert.ok(diff < 1e-4, `weights differ by ${diff} (relative)`)
    // On the native engine both paths make the same sgemm calls and round every other operation alike.
    assert.deepEqual(r.fast, r.ref, `weights not bit-identical (largest relative difference ${diff})`)
    assert.deepEqual(r.predictions[0], r.predictions[1])
    assert.equal(r.losses[0], r.losses[1])
  })
}

test('fast path: cross-validation on ESC-10 summaries gives the reference results', {...needsShared, skip}, async () => {
  const run = (impl: 'fast' | 'reference') =>
    crossValidate(ds, mlpLearner({...MLP_DEFAULTS, numEpochs: 100, impl}), {
      repeat: 1,
      upsample: false,
      majorityVote: false,
      random: new Random(5),
    })
  const fast = await run('fast')
  const ref = await run('reference')
  assert.ok(ref.accuracy > 0.5, `reference accuracy ${ref.accuracy}`)
  assert.equal(fast.accuracy, ref.accuracy)
  assert.equal(fast.uar, ref.uar)
  assert.deepEqual(fast.confusion, ref.confusion)
})

test('fast path: the JavaScript Adam and dropout masks (addons without them) equal the native ones bit for bit', {skip}, () => {
  const addon = loadNative()!
  const n = 320
  const targets = labels.subarray(0, n)
  const options = {sizes: [D, 64, 64, 10], keepProb: 0.6, learningRate: 0.001, numEpochs: 20, batch: n, shuffle: false, reluLogits: false}
  const native = trainMlpFast(addon, x.subarray(0, n * D), n, targets, options, new Random(8))
  const js = trainMlpFast(
    {...addon, adamStep: undefined, aleaDropoutMask: undefined},
    x.subarray(0, n * D),
    n,
    targets,
    options,
    new Random(8),
  )
  assert.deepEqual(js.weights, native.weights)
  assert.deepEqual(js.biases, native.biases)
  assert.equal(js.finalLoss, native.finalLoss)
})

test('native whole fit (mlpTrain) equals the per-step fast path bit for bit, minibatches and full batch', {skip}, async () => {
  const addon = loadNative()!
  assert.ok(addon.mlpTrain !== undefined, 'the addon has mlpTrain')
  const n = 320
  const targets = labels.subarray(0, n)
  for (const extra of [
    {batch: n, shuffle: false, keepProb: 0.4, reluLogits: true},
    {batch: 50, shuffle: true, keepProb: 0.6, reluLogits: false},
    {batch: 100, shuffle: false, keepProb: 1, reluLogits: false},
  ]) {
    const options = {sizes: [D, 150, 150, 10], learningRate: 0.001, numEpochs: 15, ...extra}
    const perStep = trainMlpFast(addon, x.subarray(0, n * D), n, targets, options, new Random(21))
    const whole = await trainMlpNative({...addon, mlpTrain: addon.mlpTrain!.bind(addon)}, x, n, targets, options, new Random(21))
    assert.deepEqual(whole.weights, perStep.weights, JSON.stringify(extra))
    assert.deepEqual(whole.biases, perStep.biases)
    assert.equal(whole.finalLoss, perStep.finalLoss)
  }
})

test('cross-validation results do not depend on how many fits run at once', {skip}, async () => {
  const addon = loadNative()!
  const threads = addon.numThreads()
  const run = async (t: number) => {
    addon.setNumThreads(t)
    try {
      const learner = mlpLearner({...MLP_DEFAULTS, numEpochs: 40})
      assert.equal(learner.parallelFits?.(), t)
      return await crossValidate(ds, learner, {repeat: 2, upsample: false, majorityVote: false, random: new Random(9)})
    } finally {
      addon.setNumThreads(threads)
    }
  }
  const serial = await run(1)
  const parallel = await run(3)
  assert.deepEqual(parallel.repeats, serial.repeats)
  assert.equal(parallel.accuracy, serial.accuracy)
})

test('AUDEEP_MLP_NATIVE_FIT=0 (the per-step path, as with an addon without mlpTrain) gives the same model', {skip}, async () => {
  const n = 320
  const fit = () =>
    trainMlp(x.subarray(0, n * D), n, D, labels.subarray(0, n), classes, {...MLP_DEFAULTS, numEpochs: 20, impl: 'fast'}, new Random(4))
  const whole = await fit()
  process.env.AUDEEP_MLP_NATIVE_FIT = '0'
  let perStep
  try {
    assert.equal(mlpParallelFits({...MLP_DEFAULTS, impl: 'fast'}), 1)
    perStep = await fit()
  } finally {
    delete process.env.AUDEEP_MLP_NATIVE_FIT
  }
  try {
    const params = (m: typeof whole) => [...m.weights, ...m.biases].map((v) => v.dataSync() as Float32Array)
    assert.deepEqual(params(whole), params(perStep))
  } finally {
    disposeMlp(whole)
    disposeMlp(perStep)
  }
})

// 20 000 epochs take about 20 s per fit: the test ends in well under that only if the fits stop.
test('an interrupted cross-validation stops its native fits and reports InterruptedError', {skip}, async () => {
  const learner = mlpLearner({...MLP_DEFAULTS, numEpochs: 20_000})
  const running = crossValidate(ds, learner, {repeat: 1, upsample: false, majorityVote: false, random: new Random(2)})
  setTimeout(interrupt, 300)
  try {
    await assert.rejects(running, InterruptedError)
  } finally {
    resetInterrupt()
  }
})
