// The native reconstruction head and loss (src/nn/engine/head.ts, native/head.cc) must give the tfjs ops it
// replaces bit for bit: tanh(x W + b), sqrt(mean((t - y)^2)) and every gradient, alone and inside a t-rae
// training step of either bidirectional decoder.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {Random} from '../../src/core/random.js'
import {createAutoencoder, meanAll, NO_NOISE} from '../../src/nn/autoencoders.js'
import {loadNative, nativeHeadAddon, nativeTanhLinearRmse, selectBackend} from '../../src/nn/engine/index.js'
import {randTensor, rng} from './engine-helpers.js'

const addon = loadNative()
const skip = addon?.headRmseForward ? false : 'the native addon (with headRmseForward) is not built'

function bytes(t: tf.Tensor): Buffer {
  const d = t.dataSync() as Float32Array
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength)
}

/** Runs fn with the native head switched off (the tfjs ops then run), restoring it afterwards. */
function withoutNativeHead<T>(fn: () => T): T {
  const a = addon!
  const saved = [a.headRmseForward, a.headRmseBackward] as const
  a.headRmseForward = undefined
  a.headRmseBackward = undefined
  try {
    return fn()
  } finally {
    ;[a.headRmseForward, a.headRmseBackward] = saved
  }
}

test('the native head gives the tfjs ops bit for bit: loss, reconstruction and gradients', {skip}, async () => {
  await selectBackend('native')
  assert.ok(nativeHeadAddon(), 'the native head is used with the native engine')
  const r = rng(11)
  for (const [N, D, F] of [
    [1000, 96, 40],
    [7, 5, 3],
  ]) {
    const x = randTensor([N, D], r, 2) as tf.Tensor2D
    const w = randTensor([D, F], r, 0.3) as tf.Tensor2D
    const b = randTensor([F], r, 0.5) as tf.Tensor1D
    const t = randTensor([N, F], r, 1) as tf.Tensor2D
    const reference = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => {
      const y = tf.tanh(tf.add(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), bs))
      return {y, loss: tf.sqrt(meanAll(tf.squaredDifference(t, y))) as tf.Scalar}
    }
    const ours = nativeTanhLinearRmse(x, w, b, t, addon!)
    const theirs = reference(x, w, b)
    assert.ok(bytes(ours.loss).equals(bytes(theirs.loss)), `loss ${ours.loss.dataSync()[0]} vs ${theirs.loss.dataSync()[0]}`)
    assert.ok(bytes(ours.reconstruction).equals(bytes(theirs.y)), 'reconstruction differs')
    const g1 = tf.grads(
      (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        nativeTanhLinearRmse(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D, t, addon!).loss,
    )([x, w, b])
    const g2 = tf.grads((xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => reference(xs, ws, bs).loss)([x, w, b])
    for (const [i, name] of ['x', 'W', 'b'].entries()) {
      assert.deepEqual(g1[i].shape, g2[i].shape)
      assert.ok(bytes(g1[i]).equals(bytes(g2[i])), `gradient of ${name} differs (${N}x${D}x${F})`)
    }
  }
  assert.throws(
    () =>
      nativeTanhLinearRmse(
        tf.zeros([4, 3]) as tf.Tensor2D,
        tf.zeros([2, 5]) as tf.Tensor2D,
        tf.zeros([5]) as tf.Tensor1D,
        tf.zeros([4, 5]) as tf.Tensor2D,
        addon!,
      ),
    /do not fit/,
  )
})

test('a t-rae training step gives the same loss and gradients with the native head as with the tfjs ops', {skip}, async () => {
  await selectBackend('native')
  const F = 16,
    T = 9,
    B = 5
  const r = rng(3)
  const batch = randTensor([B, T, F], r, 1) as tf.Tensor3D
  for (const decoderVariant of ['2018', '2017'] as const) {
    const step = () => {
      const arch = {layers: 2, units: 12, cell: 'gru' as const}
      const model = createAutoencoder(
        {
          kind: 't-rae',
          numFeatures: F,
          encoder: {...arch, bidirectional: false},
          decoder: {...arch, bidirectional: true},
          maskSilence: false,
          decoderVariant,
        },
        new Random(2),
      )
      const vars = [...model.params.variables.values()]
      const {value, grads} = tf.variableGrads(() => model.forward(batch, {...NO_NOISE, keepProb: 0.8}, new Random(5)).loss, vars)
      return [value, ...vars.map((v) => grads[v.name])].map(bytes)
    }
    const ours = step()
    const theirs = withoutNativeHead(step)
    assert.equal(ours.length, theirs.length)
    ours.forEach((o, i) => assert.ok(o.equals(theirs[i]), `${decoderVariant} decoder: ${i === 0 ? 'loss' : `gradient ${i - 1}`} differs`))
  }
})
