import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Random} from '../../src/core/random.js'

test('fillSymmetric gives exactly the values of (2 next() - 1) * limit drawn one by one, and leaves the generator where they would', () => {
  for (const seed of [0, 1, 7, 123456789, 2 ** 32 - 1]) {
    for (const [size, limit] of [
      [0, 0.5],
      [1, 0.07],
      [5, 1],
      [100003, Math.sqrt(6 / (384 + 512))],
    ]) {
      const oneByOne = new Random(seed)
      const expected = new Float32Array(size)
      for (let i = 0; i < size; i++) expected[i] = (2 * oneByOne.next() - 1) * limit
      const filled = new Random(seed)
      const actual = new Float32Array(size)
      filled.fillSymmetric(actual, limit)
      assert.deepEqual(Buffer.from(actual.buffer), Buffer.from(expected.buffer), `seed ${seed}, ${size} values`)
      assert.equal(filled.nextUint32(), oneByOne.nextUint32(), `seed ${seed}: the generator's state after ${size} values`)
    }
  }
})
