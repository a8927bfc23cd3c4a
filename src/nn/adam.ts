// Adam as TensorFlow 1.x's AdamOptimizer computes it (the "epsilon hat" form auDeep trained with):
//   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);  w -= lr_t * m / (sqrt(v) + epsilon)
// Written here rather than using tf.train.adam so that its whole state (moments and step count) is ours to
// checkpoint and restore exactly, which `--continue` needs.

import * as tf from './tf.js'

export class Adam {
  readonly beta1 = 0.9
  readonly beta2 = 0.999
  readonly epsilon = 1e-8
  step = 0
  readonly moments = new Map<string, {m: tf.Variable; v: tf.Variable}>()

  constructor(public learningRate: number) {}

  /** Applies one update; `gradients` are by parameter name, like `params`. */
  apply(params: ReadonlyMap<string, tf.Variable>, gradients: Readonly<Record<string, tf.Tensor>>): void {
    this.step++
    const t = this.step
    const lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t)
    tf.tidy(() => {
      for (const [name, variable] of params) {
        const g = gradients[name]
        if (g === undefined) continue
        let state = this.moments.get(name)
        if (!state) {
          state = {m: tf.variable(tf.zerosLike(variable), false), v: tf.variable(tf.zerosLike(variable), false)}
          this.moments.set(name, state)
        }
        const m = tf.add(tf.mul(state.m, this.beta1), tf.mul(g, 1 - this.beta1))
        const v = tf.add(tf.mul(state.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2))
        state.m.assign(m)
        state.v.assign(v)
        variable.assign(tf.sub(variable, tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), this.epsilon)))))
      }
    })
  }

  dispose(): void {
    for (const {m, v} of this.moments.values()) {
      m.dispose()
      v.dispose()
    }
    this.moments.clear()
  }
}
