// src/core/alea.ts reproduces tfjs' seeded uniform stream and tf.dropout's multipliers exactly.

import assert from 'node:assert/strict'
import {before, test} from 'node:test'

import * as tf from '@tensorflow/tfjs'

import {alea, tfDropoutMultipliers} from '../../src/core/alea.js'
import {loadNative, selectBackend} from '../../src/nn/engine/index.js'

before(async () => {
  await selectBackend('auto')
})

test('alea matches tf.randomUniform for numeric seeds', () => {
  for (const seed of [0, 1, 42, 4294967295, 123456789]) {
    const expected = tf.tidy(() => tf.randomUniform([1000], 0, 1, 'float32', seed).dataSync())
    const next = alea(seed)
    const ours = Float32Array.from({length: 1000}, () => next())
    assert.deepEqual(ours, expected, `seed ${seed}`)
  }
})

test('tfDropoutMultipliers equals tf.dropout applied to ones', () => {
  for (const [keepProb, seed] of [
    [0.6, 7],
    [0.5, 3141592653],
    [0.9, 11],
    [0.3, 0],
  ]) {
    const expected = tf.tidy(() => tf.dropout(tf.ones([40, 75]), 1 - keepProb, undefined, seed).dataSync())
    const ours = tfDropoutMultipliers(new Float32Array(40 * 75), keepProb, seed)
    assert.deepEqual(ours, expected, `keepProb ${keepProb}, seed ${seed}`)
    const addon = loadNative()
    if (addon?.aleaDropoutMask !== undefined) {
      const native = tfDropoutMultipliers(new Float32Array(40 * 75), keepProb, seed, addon.aleaDropoutMask.bind(addon))
      assert.deepEqual(native, expected, `native, keepProb ${keepProb}, seed ${seed}`)
    }
    const kept = ours.filter((v) => v > 0).length / ours.length
    assert.ok(Math.abs(kept - keepProb) < 0.05, `kept fraction ${kept}`)
  }
})
