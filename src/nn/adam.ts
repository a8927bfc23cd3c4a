// Adam as TensorFlow 1.x's AdamOptimizer computes it (the "epsilon hat" form auDeep trained with):
//   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);  w -= lr_t * m / (sqrt(v) + epsilon)
// Written here rather than using tf.train.adam so that its whole state (moments and step count) is ours to
// checkpoint and restore exactly, which `--continue` needs.
// On the native backend one fused pass per variable (native/adam.cc) replaces the ten tfjs ops; it computes
// the same float32 operations in the same order, so weights and moments are bit-identical to the tfjs path,
// which other backends use and which test/nn/adam.test.ts holds the native one to.

import * as tf from './tf.js'
import {withNativeBuffers} from './engine/heap.js'
import {loadNative, type NativeAddon} from './engine/native.js'
import {nativeFusedActive} from './engine/backend.js'

export class Adam {
  readonly beta1 = 0.9
  readonly beta2 = 0.999
  readonly epsilon = 1e-8
  step = 0
  readonly moments = new Map<string, {m: tf.Variable; v: tf.Variable}>()
  /** Use the fused native step when the native backend is active (false: always the tfjs ops). */
  useNative = true

  constructor(public learningRate: number) {}

  /** Applies one update; `gradients` are by parameter name, like `params`. */
  apply(params: ReadonlyMap<string, tf.Variable>, gradients: Readonly<Record<string, tf.Tensor>>): void {
    this.step++
    const t = this.step
    const lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t)
    const addon = this.useNative && nativeFusedActive() ? loadNative() : null
    const fused = addon?.adamTf1Step ? addon : null
    // The scalars as tfjs rounds them when it turns a number into a float32 tensor.
    const constants = Float32Array.of(this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, this.epsilon, lrT)
    tf.tidy(() => {
      for (const [name, variable] of params) {
        const g = gradients[name]
        if (g === undefined) continue
        let state = this.moments.get(name)
        if (!state) {
          state = {m: tf.variable(tf.zerosLike(variable), false), v: tf.variable(tf.zerosLike(variable), false)}
          this.moments.set(name, state)
        }
        if (fused && g.dtype === 'float32' && variable.dtype === 'float32') {
          this.applyNative(fused, variable, g, state, constants)
          continue
        }
        const m = tf.add(tf.mul(state.m, this.beta1), tf.mul(g, 1 - this.beta1))
        const v = tf.add(tf.mul(state.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2))
        state.m.assign(m)
        state.v.assign(v)
        variable.assign(tf.sub(variable, tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), this.epsilon)))))
      }
    })
  }

  // New output tensors rather than in-place writes: tfjs tensors are immutable and their data may be
  // shared (Identity kernels share dataIds), so the variables are pointed at fresh data instead.
  private applyNative(
    addon: NativeAddon,
    variable: tf.Variable,
    g: tf.Tensor,
    state: {m: tf.Variable; v: tf.Variable},
    constants: Float32Array,
  ): void {
    const shape = variable.shape
    const [w, m, v] = withNativeBuffers([variable, g, state.m, state.v], [shape, shape, shape], (ins, outs) =>
      addon.adamTf1Step!(ins[0]!, ins[1]!, ins[2]!, ins[3]!, outs[0], outs[1], outs[2], constants),
    )
    state.m.assign(m)
    state.v.assign(v)
    variable.assign(w)
  }

  dispose(): void {
    for (const {m, v} of this.moments.values()) {
      m.dispose()
      v.dispose()
    }
    this.moments.clear()
  }
}
