// The loss' mean (src/nn/autoencoders.ts meanAll) must give exactly tfjs' tf.mean value and gradient: it only
// builds the gradient without tfjs' JavaScript-filled ones tensor.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {meanAll} from '../../src/nn/autoencoders.js'
import {loadNative, selectBackend} from '../../src/nn/engine/index.js'
import {randTensor, rng} from './engine-helpers.js'

function bytes(t: tf.Tensor): Buffer {
  const d = t.dataSync() as Float32Array
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength)
}

for (const backend of [loadNative() ? 'native' : 'wasm', 'cpu'] as const) {
  test(`meanAll's value and gradient are bit-identical to tf.mean's (${backend})`, async () => {
    await selectBackend(backend)
    const r = rng(5)
    for (const shape of [
      [64, 124, 128],
      [3, 5, 7],
      [1, 1, 1],
    ]) {
      const a = randTensor(shape, r, 3)
      const b = randTensor(shape, r, 0.5)
      // The autoencoders' loss: sqrt(mean((a - b)^2)), differentiated with respect to b.
      const ours = tf.valueAndGrad((y: tf.Tensor) => tf.sqrt(meanAll(tf.squaredDifference(a, y))))(b)
      const theirs = tf.valueAndGrad((y: tf.Tensor) => tf.sqrt(tf.mean(tf.squaredDifference(a, y))))(b)
      assert.ok(bytes(ours.value).equals(bytes(theirs.value)), `value differs for ${shape}`)
      assert.deepEqual(ours.grad.shape, shape)
      assert.ok(bytes(ours.grad).equals(bytes(theirs.grad)), `gradient differs for ${shape}`)
      tf.dispose([a, b, ours.value, ours.grad, theirs.value, theirs.grad])
    }
  })
}
