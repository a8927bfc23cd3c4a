// The MLP fast path (src/evaluate/mlp-fast.ts) computes what the tfjs reference path computes: weights after
// N Adam steps are bit-identical on the native engine, predictions and cross-validation results identical. Real
// features: per-clip summaries of auDeep's ESC-10 spectrograms (../shared/reference/audeep).

import assert from 'node:assert/strict'
import {before, test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import type {DataSet} from '../../src/data/dataset.js'
import {crossValidate} from '../../src/evaluate/evaluation.js'
import {mlpLearner} from '../../src/evaluate/learners.js'
import {disposeMlp, MLP_DEFAULTS, type MlpOptions, predictMlp, selectMlpBackend, trainMlp} from '../../src/evaluate/mlp.js'
import {trainMlpFast} from '../../src/evaluate/mlp-fast.js'
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
