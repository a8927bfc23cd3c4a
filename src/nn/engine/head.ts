// The t-rae's reconstruction head and loss, tanh(x W + b) and sqrt(mean((t - y)^2)), as one native op
// (native/head.cc): forward and backward in two calls instead of eleven tfjs kernels over batch-sized
// tensors run one after the other on the JavaScript thread, with the same float32 results bit for bit.
import * as tf from '../tf.js'
import {nativeFusedActive} from './backend.js'
import {withNativeBuffers} from './heap.js'
import {loadNative, type NativeAddon} from './native.js'
import {take} from './fused.js'

/** The addon when the head should run natively (the native engine is active and the addon has the op), else null. */
export function nativeHeadAddon(): NativeAddon | null {
  const addon = loadNative()
  return addon?.headRmseForward && addon.headRmseBackward && nativeFusedActive() ? addon : null
}

/**
 * x [N, D], weights [D, F], bias [F], targets [N, F]: the reconstruction tanh(x W + b) [N, F] and the loss
 * sqrt(mean((targets - reconstruction)^2)), differentiable w.r.t. x, weights and bias (targets are data:
 * their gradient is zeros). The reconstruction's own gradient, if it is used elsewhere, is added to the
 * loss's at its pre-activation.
 */
export function nativeTanhLinearRmse(
  x: tf.Tensor2D,
  weights: tf.Tensor2D,
  bias: tf.Tensor1D,
  targets: tf.Tensor2D,
  addon: NativeAddon,
): {loss: tf.Scalar; reconstruction: tf.Tensor2D} {
  const [N, D] = x.shape
  const F = weights.shape[1]
  if (weights.shape[0] !== D || bias.shape[0] !== F || targets.shape[0] !== N || targets.shape[1] !== F)
    throw new Error(
      `tanhLinearRmse: shapes x ${x.shape}, weights ${weights.shape}, bias ${bias.shape}, targets ${targets.shape} do not fit`,
    )
  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, ws, bs, ts] = a as tf.Tensor[]
    const save = a[4] as tf.GradSaveFunc
    // [loss, reconstruction...] in one tensor (see fused.ts' take)
    const [packed] = withNativeBuffers([xs, ws, bs, ts], [[1 + N * F]], ([xv, wv, bv, tv], [out]) => {
      out[0] = addon.headRmseForward!(xv!, wv!, bv!, tv!, out.subarray(1), N, D, F)
    })
    save([xs, ws, ts, packed])
    return {
      value: packed,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        withNativeBuffers([dy, ...saved], [[N, D], [D, F], [F], [N, F]], ([g, xv, wv, tv, p], [dx, dw, db, dt]) => {
          addon.headRmseBackward!(xv!, wv!, p!.subarray(1), tv!, g!.subarray(1), g![0], p![0], dx, dw, db, N, D, F)
          dt.fill(0)
        }),
    }
  })
  return tf.tidy(() => {
    const packed = op(x, weights, bias, targets)
    return {loss: take(packed, 0, []) as tf.Scalar, reconstruction: take(packed, 1, [N, F]) as tf.Tensor2D}
  })
}
