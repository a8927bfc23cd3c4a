// blockDiagonalMatMul (the 2017 decoder's two projections from one [fw | bw] output): the native op must
// give exactly the bits of the stock path it replaces (slices, tf.matMul on the native GEMM, concat), in
// values and gradients, and both must equal a float64 product.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {before, test} from 'node:test'
import {blockDiagonalMatMul, loadNative, nativeMatMulRegistered, selectBackend} from '../../src/nn/engine/index.js'
import {maxAbs, maxAbsDiff, randTensor, rng} from './engine-helpers.js'

const addon = loadNative()
const skip = addon ? false : 'native addon not built'

before(async () => {
  if (addon) await selectBackend('native')
})

/** float64 x @ blockdiag(weights). */
function expected(x: Float32Array, rows: number, ws: Float32Array[], K: number, N: number): Float64Array {
  const D = ws.length
  const out = new Float64Array(rows * D * N)
  for (let r = 0; r < rows; r++)
    for (let d = 0; d < D; d++)
      for (let k = 0; k < K; k++) {
        const a = x[r * D * K + d * K + k]
        for (let j = 0; j < N; j++) out[r * D * N + d * N + j] += a * ws[d][k * N + j]
      }
  return out
}

for (const [rows, K, N, D] of [
  [7, 5, 3, 2],
  [130, 33, 17, 2],
  [64, 300, 20, 2], // K over the GEMM's K-block (256)
  [9, 4, 6, 1],
  [5, 3, 4, 3],
])
  test(
    `blockDiagonalMatMul ${rows} x ${D}*${K} -> ${D}*${N}: native equals the stock path bit for bit, and a float64 product`,
    {skip},
    () => {
      assert.ok(nativeMatMulRegistered())
      tf.tidy(() => {
        const r = rng(rows + K)
        const x = randTensor([rows, D * K], r) as tf.Tensor2D
        const ws = Array.from({length: D}, () => randTensor([K, N], r) as tf.Tensor2D)
        const dy = randTensor([rows, D * N], r)
        const run = (impl: 'auto' | 'reference') => {
          const f = (...a: tf.Tensor[]) => tf.sum(tf.mul(blockDiagonalMatMul(a[0] as tf.Tensor2D, a.slice(1) as tf.Tensor2D[], impl), dy))
          const value = blockDiagonalMatMul(x, ws, impl)
          return {value, grads: tf.grads(f)([x, ...ws])}
        }
        const native = run('auto'),
          stock = run('reference')
        assert.deepEqual(native.value.shape, [rows, D * N])
        assert.equal(maxAbsDiff(native.value, stock.value), 0, 'values')
        native.grads.forEach((g, i) => assert.equal(maxAbsDiff(g, stock.grads[i]), 0, `gradient ${i}`))
        // Against float64: values, dx = dy blockdiag(W)^T, dW_d = x_d^T dy_d.
        const want = expected(
          x.dataSync() as Float32Array,
          rows,
          ws.map((w) => w.dataSync() as Float32Array),
          K,
          N,
        )
        const got = native.value.dataSync()
        let err = 0
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]))
        assert.ok(err < 1e-5 * Math.sqrt(K) * Math.max(1, maxAbs(native.value)), `value error ${err}`)
        const dx = tf.concat(
          ws.map((w, d) => tf.matMul(tf.slice(dy, [0, d * N], [rows, N]), w, false, true)),
          1,
        )
        assert.ok(maxAbsDiff(native.grads[0], dx) < 1e-4 * Math.max(1, maxAbs(dx)), 'dx')
        ws.forEach((_, d) => {
          const dw = tf.matMul(tf.slice(x, [0, d * K], [rows, K]), tf.slice(dy, [0, d * N], [rows, N]), true, false)
          assert.ok(maxAbsDiff(native.grads[1 + d], dw) < 1e-4 * Math.max(1, maxAbs(dw)), `dW ${d}`)
        })
      })
    },
  )

test('blockDiagonalMatMul rejects mismatched shapes', () => {
  const x = tf.zeros([4, 6]) as tf.Tensor2D
  assert.throws(() => blockDiagonalMatMul(x, [tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D]), /blockDiagonalMatMul/)
  assert.throws(() => blockDiagonalMatMul(x, [tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D]), /blockDiagonalMatMul/)
})
