// The fused native Adam step (native/adam.cc) against the tfjs ops of src/nn/adam.ts, which stay the
// reference: weights and both moments must be bit-identical after several steps on real-sized data.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {before, test} from 'node:test'
import {Adam} from '../../src/nn/adam.js'
import {loadNative, nativeFusedActive, selectBackend} from '../../src/nn/engine/index.js'
import {rng} from './engine-helpers.js'

const addon = loadNative()
const skip = !addon ? 'native addon not built' : !addon.adamTf1Step ? 'native addon predates adamTf1Step' : false

before(async () => {
  if (!skip) await selectBackend('native')
})

// Values over a wide range of magnitudes, with exact zeros; every 37th value is tiny, so that those
// elements' squared gradients and second moments are subnormal (flush-to-zero anywhere would show).
function values(n: number, r: () => number, scale: number): Float32Array {
  return Float32Array.from({length: n}, (_, i) => {
    const sign = r() < 0.5 ? -1 : 1
    if (i % 37 === 0) return sign * 10 ** (-20 - 4 * r())
    const u = r()
    if (u < 0.02) return 0
    return sign * scale * 10 ** (-6 * r())
  })
}

function bytes(t: tf.Tensor): Buffer {
  const d = t.dataSync() as Float32Array
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength)
}

test('native Adam step is bit-identical to the tfjs ops over several steps (tutorial-sized variables)', {skip}, () => {
  assert.ok(nativeFusedActive())
  // The tutorial t-rae's largest kernel, a bias, a small kernel and sizes that are no multiple of a vector.
  const shapes = [[1152, 1536], [1536], [129, 256], [7], [3, 5, 67]]
  const r = rng(15)
  const init = shapes.map((s) =>
    values(
      s.reduce((a, b) => a * b, 1),
      r,
      0.3,
    ),
  )
  const make = () => new Map(shapes.map((s, i) => [`p${i}`, tf.variable(tf.tensor(init[i], s), true, `adam-test-${Math.random()}`)]))
  const native = make()
  const reference = make()
  const adamNative = new Adam(0.001)
  const adamRef = new Adam(0.001)
  adamRef.useNative = false
  let calls = 0
  const original = addon!.adamTf1Step!
  addon!.adamTf1Step = (...args) => {
    calls++
    original(...args)
  }
  try {
    for (let step = 0; step < 6; step++) {
      // A variable without a gradient is left alone by both.
      const grads: Record<string, tf.Tensor> = {}
      shapes.forEach((s, i) => {
        if (step === 2 && i === 1) return
        grads[`p${i}`] = tf.tensor(
          values(
            s.reduce((a, b) => a * b, 1),
            r,
            step === 4 ? 50 : 2,
          ),
          s,
        )
      })
      adamNative.apply(native, grads)
      adamRef.apply(reference, grads)
      for (const g of Object.values(grads)) g.dispose()
    }
  } finally {
    addon!.adamTf1Step = original
  }
  assert.equal(calls, 6 * shapes.length - 1)
  for (const [name, w] of native) {
    assert.ok(bytes(w).equals(bytes(reference.get(name)!)), `${name}: weights differ`)
    const a = adamNative.moments.get(name)!,
      b = adamRef.moments.get(name)!
    assert.ok(bytes(a.m).equals(bytes(b.m)), `${name}: first moments differ`)
    assert.ok(bytes(a.v).equals(bytes(b.v)), `${name}: second moments differ`)
  }
  // The data really reached subnormal second moments, and the weights moved.
  const v0 = adamNative.moments.get('p0')!.v.dataSync() as Float32Array
  assert.ok(
    v0.some((x) => x !== 0 && x < 1.1754944e-38),
    'no subnormal second moment in the test data',
  )
  assert.ok(!bytes(native.get('p0')!).equals(Buffer.from(init[0].buffer)))
  for (const w of [...native.values(), ...reference.values()]) w.dispose()
  adamNative.dispose()
  adamRef.dispose()
})

test('native Adam step leaves tensors sharing the old data untouched', {skip}, () => {
  const w = tf.variable(tf.tensor([1, 2, 3, 4]), true, 'adam-share-test')
  const alias = tf.clone(w) // shares w's data (clone/Identity share dataIds)
  const adam = new Adam(0.1)
  const g = tf.tensor([0.5, -0.5, 1, 0])
  adam.apply(new Map([['w', w]]), {w: g})
  assert.deepEqual(Array.from(alias.dataSync()), [1, 2, 3, 4])
  assert.notDeepEqual(Array.from(w.dataSync()), [1, 2, 3, 4])
  for (const t of [w, alias, g]) t.dispose()
  adam.dispose()
})
