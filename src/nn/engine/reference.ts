// Pure-tfjs recurrent ops: a time loop of ordinary tf ops, differentiated by tfjs. This is the
// definition the native kernels are tested against, and what runs on backends without the addon
// (tensorflow, gpu, wasm, cpu).
import * as tf from '../tf.js'
import {rnnDims, stateBlockOffset, type RnnArgs, type RnnResult} from './types.js'

/** TF1 GRUCell step. x [B, in], h [B, H], kernel [in+H, 3H] ([r|u|c]), bias [3H]. Returns h'. */
export function gruCell(x: tf.Tensor2D, h: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const H = h.shape[1]
    const rows = kernel.shape[0]
    const gates = tf.sigmoid(tf.add(tf.matMul(tf.concat([x, h], 1), tf.slice(kernel, [0, 0], [rows, 2 * H])), tf.slice(bias, 0, 2 * H)))
    const r = tf.slice(gates, [0, 0], [-1, H])
    const u = tf.slice(gates, [0, H], [-1, H])
    const c = tf.tanh(tf.add(tf.matMul(tf.concat([x, tf.mul(r, h)], 1), tf.slice(kernel, [0, 2 * H], [rows, H])), tf.slice(bias, 2 * H, H)))
    return tf.add(tf.mul(u, h), tf.mul(tf.sub(1, u), c)) as tf.Tensor2D
  })
}

/** TF1 LSTMCell step (no peepholes/projection). kernel [in+H, 4H] ([i|j|f|o]). Returns [c', h']. */
export function lstmCell(
  x: tf.Tensor2D,
  c: tf.Tensor2D,
  h: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  forgetBias = 1.0,
): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => {
    const z = tf.add(tf.matMul(tf.concat([x, h], 1), kernel), bias)
    const [i, j, f, o] = tf.split(z, 4, 1)
    const cn = tf.add(tf.mul(tf.sigmoid(tf.add(f, forgetBias)), c), tf.mul(tf.sigmoid(i), tf.tanh(j))) as tf.Tensor2D
    const hn = tf.mul(tf.sigmoid(o), tf.tanh(cn)) as tf.Tensor2D
    return [cn, hn]
  })
}

/** Identity whose gradient is zero (tfjs has no stop_gradient). */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(a[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }))(x)
}

// tf.unstack/tf.stack over a time axis of length 1 break tfjs' gradient of Unpack (4.22: the single
// gradient arrives as a tensor, not an array), so length-1 sequences use reshapes instead.
function timeSteps(t: tf.Tensor3D): tf.Tensor2D[] {
  const [T, B, F] = t.shape
  return T === 1 ? [tf.reshape(t, [B, F]) as tf.Tensor2D] : (tf.unstack(t) as tf.Tensor2D[])
}
function stackTime(steps: tf.Tensor2D[]): tf.Tensor3D {
  return (steps.length === 1 ? tf.expandDims(steps[0], 0) : tf.stack(steps)) as tf.Tensor3D
}

/**
 * Reference implementation of rnn() (same arguments, layouts and results). Each layer computes its
 * input projection [x_t]W_x for all steps in one matMul, then loops over time with h_prev W_h; that is
 * the same arithmetic as concat([x, h]) W, but keeps per-step tensors small (weight-sized per-step
 * tensors exhaust the wasm heap at the tutorial's size) and is what other backends run fastest.
 */
export function referenceRnn(args: RnnArgs): RnnResult {
  const {cell, T, B, I, H, L, dirs, splitInput, backwardProcessingOrder} = rnnDims(args)
  const forgetBias = args.forgetBias ?? 1.0
  return tf.tidy(() => {
    const blocks: tf.Tensor2D[] = new Array(L * dirs)
    const dirOutputs: tf.Tensor3D[] = []
    const block = (l: number, d: number, width: number): tf.Tensor2D => {
      if (!args.initialState) return tf.zeros([B, width])
      return tf.slice(args.initialState, [0, stateBlockOffset(cell, H, dirs, l, d)], [B, width])
    }
    for (let d = 0; d < dirs; d++) {
      // Everything below is in processing order: the backward direction works on reversed time.
      const toProc = (t: tf.Tensor3D) => (d === 1 ? (tf.reverse(t, 0) as tf.Tensor3D) : t)
      // inputGradient false: x is data; stopping the gradient here matches the native op.
      const x = args.inputGradient === false ? (stopGradient(args.x) as tf.Tensor3D) : args.x
      // splitInput: this direction's layer 0 reads its own half of the features (and of their masks).
      const own = (t: tf.Tensor3D) => (splitInput ? (tf.slice(t, [0, 0, (d * I) / 2], [T, B, I / 2]) as tf.Tensor3D) : t)
      let seq = toProc(own(x))
      for (let l = 0; l < L; l++) {
        const {kernel, bias} = args.layers[d][l]
        const inSize = seq.shape[2]
        const mask = args.dropout?.input?.[d]?.[l]
        const inMask = mask && l === 0 ? own(mask) : mask
        const outMask = args.dropout?.output?.[d]?.[l]
        const inp = inMask ? (tf.mul(seq, toProc(inMask)) as tf.Tensor3D) : seq
        const G = cell === 'gru' ? 3 : 4
        const wx = tf.slice(kernel, [0, 0], [inSize, G * H])
        const wh = tf.slice(kernel, [inSize, 0], [H, G * H])
        const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(inp, [T * B, inSize]), wx), bias), [T, B, G * H]) as tf.Tensor3D
        const outs: tf.Tensor2D[] = []
        let h: tf.Tensor2D,
          c: tf.Tensor2D | null = null
        if (cell === 'gru') {
          h = block(l, d, H)
          const xRu = timeSteps(tf.slice(xw, [0, 0, 0], [T, B, 2 * H]))
          const xC = timeSteps(tf.slice(xw, [0, 0, 2 * H], [T, B, H]))
          const whRu = tf.slice(wh, [0, 0], [H, 2 * H])
          const whC = tf.slice(wh, [0, 2 * H], [H, H])
          for (let s = 0; s < T; s++) {
            const ru = tf.sigmoid(tf.add(xRu[s], tf.matMul(h, whRu)))
            const r = tf.slice(ru, [0, 0], [B, H])
            const u = tf.slice(ru, [0, H], [B, H])
            const cand = tf.tanh(tf.add(xC[s], tf.matMul(tf.mul(r, h), whC)))
            h = tf.add(tf.mul(u, h), tf.mul(tf.sub(1, u), cand)) as tf.Tensor2D
            outs.push(h)
          }
        } else {
          const init = block(l, d, 2 * H)
          c = tf.slice(init, [0, 0], [B, H])
          h = tf.slice(init, [0, H], [B, H])
          const xs = timeSteps(xw)
          for (let s = 0; s < T; s++) {
            const [i, j, f, o] = tf.split(tf.add(xs[s], tf.matMul(h, wh)), 4, 1)
            c = tf.add(tf.mul(tf.sigmoid(tf.add(f, forgetBias)), c), tf.mul(tf.sigmoid(i), tf.tanh(j))) as tf.Tensor2D
            h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D
            outs.push(h)
          }
        }
        blocks[l * dirs + d] = cell === 'lstm' ? (tf.concat([c!, h], 1) as tf.Tensor2D) : h
        const states = stackTime(outs)
        seq = outMask ? (tf.mul(states, toProc(outMask)) as tf.Tensor3D) : states
      }
      dirOutputs.push(backwardProcessingOrder ? seq : toProc(seq))
    }
    const output = (dirs === 1 ? dirOutputs[0] : tf.concat(dirOutputs, 2)) as tf.Tensor3D
    const finalState = (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 1)) as tf.Tensor2D
    return {output, finalState}
  })
}
