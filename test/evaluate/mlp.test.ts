// The MLP learns, is reproducible with a seed, and releases its tensors.

import assert from 'node:assert/strict'
import {before, test} from 'node:test'

import * as tf from '@tensorflow/tfjs'

import {disposeMlp, MLP_DEFAULTS, type MlpOptions, predictMlp, selectMlpBackend, trainMlp} from '../../src/evaluate/mlp.js'
import {fitStandardiser, standardise} from '../../src/evaluate/standardise.js'
import {gaussianClasses} from '../../src/evaluate/synthetic.js'
import {Random} from '../../src/core/random.js'

const n = 240
const d = 20
const trainN = 180
const data = gaussianClasses({n, d, classes: 3, separation: 1.2, seed: 12})
const scaler = fitStandardiser(
  data.features,
  d,
  Array.from({length: trainN}, (_, i) => i),
)
const x = standardise(scaler, data.features, undefined, (k) => new Float32Array(k))
// Non-contiguous numeric labels, to check the mapping to output units.
const classes = Int32Array.from([0, 1, 2])

before(async () => {
  await selectMlpBackend('auto')
})

async function fitAndScore(options: Partial<MlpOptions>, seed: number): Promise<{accuracy: number; loss: number; predictions: Int32Array}> {
  const model = await trainMlp(
    x.subarray(0, trainN * d),
    trainN,
    d,
    data.labels.subarray(0, trainN),
    classes,
    {...MLP_DEFAULTS, numUnits: 32, numEpochs: 150, ...options},
    new Random(seed),
  )
  try {
    const predictions = await predictMlp(model, x.subarray(trainN * d), n - trainN)
    const correct = predictions.filter((p, i) => p === data.labels[trainN + i]).length
    return {accuracy: correct / (n - trainN), loss: model.finalLoss, predictions}
  } finally {
    disposeMlp(model)
  }
}

test('full-batch MLP learns a separable problem and is reproducible with a seed', async () => {
  const before = tf.memory().numTensors
  const a = await fitAndScore({}, 3)
  assert.ok(a.accuracy >= 0.95, `accuracy ${a.accuracy}`)
  assert.ok(a.loss < 0.3, `final loss ${a.loss}`)
  const b = await fitAndScore({}, 3)
  assert.equal(b.loss, a.loss)
  assert.deepEqual(b.predictions, a.predictions)
  const c = await fitAndScore({}, 4)
  assert.notEqual(c.loss, a.loss)
  assert.equal(tf.memory().numTensors, before, 'tensors leaked')
})

test('minibatches with --shuffle learn and are reproducible; ReLU logits still train', async () => {
  const a = await fitAndScore({batchSize: 32, shuffle: true, numEpochs: 25}, 5)
  assert.ok(a.accuracy >= 0.95, `accuracy ${a.accuracy}`)
  const b = await fitAndScore({batchSize: 32, shuffle: true, numEpochs: 25}, 5)
  assert.equal(b.loss, a.loss)
  // Without shuffling the batch order is fixed, so the run differs from the shuffled one.
  const fixed = await fitAndScore({batchSize: 32, shuffle: false, numEpochs: 25}, 5)
  assert.notEqual(fixed.loss, a.loss)
  const relu = await fitAndScore({reluLogits: true}, 3)
  assert.ok(relu.accuracy >= 0.8, `accuracy with ReLU logits ${relu.accuracy}`)
})

test('output units follow the given classes, including labels that never occur in training', async () => {
  const labels = Int32Array.from(data.labels.subarray(0, trainN), (l) => [3, 7, 9][l])
  const model = await trainMlp(
    x.subarray(0, trainN * d),
    trainN,
    d,
    labels,
    Int32Array.from([3, 5, 7, 9]),
    {...MLP_DEFAULTS, numUnits: 16, numEpochs: 60},
    new Random(1),
  )
  try {
    assert.equal(model.weights.at(-1)!.shape[1], 4)
    const predictions = await predictMlp(model, x.subarray(trainN * d), n - trainN)
    assert.ok(predictions.every((p) => [3, 5, 7, 9].includes(p)))
  } finally {
    disposeMlp(model)
  }
})
