// A block-diagonal product: column block d of the result is column block d of x times weights[d]. The
// 2017 decoder projects each direction's half of the fused RNN's output with its own layer; this does
// both products from the [rows, D*K] output in place (strided GEMMs) instead of slicing the halves out,
// multiplying them separately and concatenating the results, in the forward and the backward pass.
import * as tf from '../tf.js'
import {nativeFusedActive} from './backend.js'
import {withNativeBuffers} from './heap.js'
import {nativeMatMulRegistered} from './matmul.js'
import {loadNative, type NativeAddon} from './native.js'

/**
 * x [rows, D*K], weights D x [K, N] -> [rows, D*N] with result[:, d*N:(d+1)*N] = x[:, d*K:(d+1)*K] @ weights[d].
 * Differentiable w.r.t. x and every weight. With the native engine the products are the native GEMMs
 * the stock path would run on the slices (same arithmetic, so the same bits); elsewhere it is that path.
 */
export function blockDiagonalMatMul(x: tf.Tensor2D, weights: tf.Tensor2D[], impl: 'auto' | 'reference' = 'auto'): tf.Tensor2D {
  const D = weights.length
  const [K, N] = weights[0].shape
  if (D < 1 || weights.some((w) => w.shape[0] !== K || w.shape[1] !== N) || x.shape[1] !== D * K)
    throw new RangeError(
      `blockDiagonalMatMul: x [rows, ${D} * K] and ${D} weights [K, N] expected, got [${x.shape}] and ${weights.map((w) => `[${w.shape}]`).join(' ')}`,
    )
  const addon = impl === 'auto' && nativeFusedActive() && nativeMatMulRegistered() ? loadNative() : null
  if (!addon) return referenceBlockMatMul(x, weights)
  return nativeBlockMatMul(x, weights, addon)
}

function referenceBlockMatMul(x: tf.Tensor2D, weights: tf.Tensor2D[]): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows] = x.shape
    const K = weights[0].shape[0]
    const parts = weights.map((w, d) => tf.matMul(tf.slice(x, [0, d * K], [rows, K]), w))
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D
  })
}

function nativeBlockMatMul(x: tf.Tensor2D, weights: tf.Tensor2D[], addon: NativeAddon): tf.Tensor2D {
  const D = weights.length
  const [rows] = x.shape
  const [K, N] = weights[0].shape
  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = a[0] as tf.Tensor2D
    const ws = a.slice(1, 1 + D) as tf.Tensor2D[]
    const save = a[1 + D] as tf.GradSaveFunc
    save([xs, ...ws])
    // The forward GEMMs of tf.matMul(slice, w): C = A B, no transposes, written into column block d.
    const [out] = withNativeBuffers([xs, ...ws], [[rows, D * N]], ([xv, ...wv], [c]) => {
      for (let d = 0; d < D; d++)
        addon.sgemm(false, false, rows, N, K, xv!.subarray(d * K), D * K, wv[d]!, N, c.subarray(d * N), D * N, false)
    })
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, ...sw] = saved
        // tf.matMul's gradients: dA = dC B^T and dB = A^T dC, per block; dx's blocks are disjoint.
        return withNativeBuffers([dy, sx, ...sw], [[rows, D * K], ...sw.map(() => [K, N])], ([g, xv, ...wv], [dx, ...dw]) => {
          for (let d = 0; d < D; d++) {
            addon.sgemm(false, true, rows, K, N, g!.subarray(d * N), D * N, wv[d]!, N, dx.subarray(d * K), D * K, false)
            addon.sgemm(true, false, K, N, rows, xv!.subarray(d * K), D * K, g!.subarray(d * N), D * N, dw[d], N, false)
          }
        })
      },
    }
  })
  return op(x, ...weights) as tf.Tensor2D
}
