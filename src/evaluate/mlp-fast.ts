// Fast paths of trainMlp (mlp.ts): the same computation without tfjs' per-op dispatch and allocation.
// trainMlpNative hands a whole fit to the addon (native/mlp.cc mlpTrain, off the JavaScript thread, so
// several fits run at once); trainMlpFast is the per-step version (JavaScript loops around the native sgemm),
// used when the addon predates mlpTrain or with AUDEEP_MLP_NATIVE_FIT=0. The tfjs implementation in mlp.ts is
// the reference both are tested against (test/evaluate/mlp-fast.test.ts); what is identical and why:
// - initialisation: the same tf.initializers.glorotUniform calls with the same seeds (3 small tensors per
//   fit), zero biases;
// - random draws from the caller's generator in the same order (initialiser seeds, then per epoch the
//   batch order when shuffling, then per step one dropout seed per hidden layer);
// - dropout masks: tfjs' Alea stream for tf.dropout's seed (src/core/alea.ts), the same float32 arithmetic;
// - loss: mean softmax cross-entropy over the batch (tf.losses.softmaxCrossEntropy's default reduction),
//   gradient (softmax - onehot) / batch size;
// - Adam: tfjs' AdamOptimizer update with TF1's constants, every operation rounded to float32 as tfjs does.
// The GEMMs are the same native sgemm calls tfjs makes on the native engine and the reductions sum in tfjs'
// order, so on that engine the weights come out identical bit for bit (checked by the test).

import * as tf from '../nn/tf.js'

import {aleaState, tfDropoutMultipliers} from '../core/alea.js'
import {checkInterrupted, interruptSignal} from '../core/interrupt.js'
import type {Random} from '../core/random.js'
import type {NativeAddon} from '../nn/engine/index.js'

export interface FastMlpOptions {
  sizes: number[]
  keepProb: number
  learningRate: number
  numEpochs: number
  batch: number
  shuffle: boolean
  reluLogits: boolean
}

export interface FastMlpResult {
  weights: Float32Array[]
  biases: Float32Array[]
  finalLoss: number
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPSILON = 1e-8

class Adam {
  private readonly m: Float32Array[]
  private readonly v: Float32Array[]
  private accBeta1 = Math.fround(BETA1)
  private accBeta2 = Math.fround(BETA2)
  private readonly b1 = Math.fround(BETA1)
  private readonly b2 = Math.fround(BETA2)
  private readonly oneMinusB1 = Math.fround(1 - BETA1)
  private readonly oneMinusB2 = Math.fround(1 - BETA2)
  private readonly eps = Math.fround(EPSILON)
  private readonly negLr: number

  private readonly constants = new Float32Array(8)

  constructor(
    private readonly params: Float32Array[],
    learningRate: number,
    private readonly addon: NativeAddon,
  ) {
    this.m = params.map((p) => new Float32Array(p.length))
    this.v = params.map((p) => new Float32Array(p.length))
    this.negLr = Math.fround(-learningRate)
  }

  step(grads: Float32Array[]): void {
    const f = Math.fround
    const omab1 = f(1 - this.accBeta1)
    const omab2 = f(1 - this.accBeta2)
    const {b1, b2, oneMinusB1, oneMinusB2, eps, negLr} = this
    if (this.addon.adamStep !== undefined) {
      // The same float32 operations in C++ (about 20x faster than this loop in JavaScript).
      this.constants.set([omab1, omab2, b1, b2, oneMinusB1, oneMinusB2, eps, negLr])
      for (let k = 0; k < this.params.length; k++) this.addon.adamStep(this.params[k], grads[k], this.m[k], this.v[k], this.constants)
    } else
      for (let k = 0; k < this.params.length; k++) {
        const p = this.params[k],
          g = grads[k],
          m = this.m[k],
          v = this.v[k]
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]
          const mi = f(f(m[i] * b1) + f(gi * oneMinusB1))
          const vi = f(f(v[i] * b2) + f(f(gi * gi) * oneMinusB2))
          m[i] = mi
          v[i] = vi
          const update = f(f(f(mi / omab1) / f(f(Math.sqrt(f(vi / omab2))) + eps)) * negLr)
          p[i] = f(update + p[i])
        }
      }
    this.accBeta1 = f(this.accBeta1 * b1)
    this.accBeta2 = f(this.accBeta2 * b2)
  }
}

/** An elementwise tfjs op on a Float32Array, on the active backend. */
function tfUnary(op: (x: tf.Tensor) => tf.Tensor, values: Float32Array): Float32Array {
  // Not through tf.tidy: tidy would walk every element of the returned array looking for tensors.
  const input = tf.tensor1d(values)
  const output = op(input)
  input.dispose()
  const result = output.dataSync() as Float32Array
  output.dispose()
  return result
}

/** Glorot-uniform weights drawn by tfjs as the reference path draws them, and zero biases. */
function initialParameters(sizes: number[], random: Random): {weights: Float32Array[]; biases: Float32Array[]} {
  const weights: Float32Array[] = []
  const biases: Float32Array[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const init = tf.initializers.glorotUniform({seed: random.nextUint32()})
    const w = tf.tidy(() => init.apply([sizes[l], sizes[l + 1]]))
    weights.push(w.dataSync() as Float32Array)
    w.dispose()
    biases.push(new Float32Array(sizes[l + 1]))
  }
  return {weights, biases}
}

/**
 * trainMlpFast as one native call off the JavaScript thread (addon.mlpTrain, native/mlp.cc), so that several
 * fits can run at once, one per core. The random draws trainMlpFast makes while it trains (per epoch the row
 * order when shuffling minibatches, per step one dropout seed per hidden layer) are made here up front in
 * the same order, so the weights are bit-identical to trainMlpFast's (test/evaluate/mlp-fast.test.ts).
 * Throws InterruptedError if the command is interrupted while the fit runs.
 */
export async function trainMlpNative(
  addon: NativeAddon & Required<Pick<NativeAddon, 'mlpTrain'>>,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  options: FastMlpOptions,
  random: Random,
): Promise<FastMlpResult> {
  const {sizes, batch} = options
  const {weights, biases} = initialParameters(sizes, random)
  const hidden = sizes.length - 2
  const dropout = options.keepProb < 1
  const steps = Math.ceil(n / batch)
  const shuffle = batch < n && options.shuffle
  const masks = dropout ? options.numEpochs * steps * hidden : 0
  const states = new Float64Array(masks * 4)
  const orders = shuffle ? new Int32Array(options.numEpochs * n) : null
  let k = 0
  for (let epoch = 0; epoch < options.numEpochs; epoch++) {
    if (orders !== null) orders.set(random.permutation(n), epoch * n)
    if (dropout) for (let i = 0; i < steps * hidden; i++, k++) states.set(aleaState(random.nextUint32()), k * 4)
  }
  const keep = Math.fround(1 - (1 - options.keepProb))
  const cancel = new Int32Array(1)
  const signal = interruptSignal()
  const stop = (): void => {
    cancel[0] = 1
  }
  signal.addEventListener('abort', stop)
  try {
    checkInterrupted()
    const result = await addon.mlpTrain({
      x: x.subarray(0, n * sizes[0]),
      targets: targets.subarray(0, n),
      sizes: Int32Array.from(sizes),
      weights,
      biases,
      n,
      batch: Math.min(batch, n),
      epochs: options.numEpochs,
      keep,
      scale: Math.fround(1 / keep),
      dropout,
      reluLogits: options.reluLogits,
      learningRate: options.learningRate,
      states,
      orders,
      cancel,
    })
    checkInterrupted()
    if (result.cancelled) throw new Error('native MLP fit cancelled')
    return {weights, biases, finalLoss: result.finalLoss}
  } finally {
    signal.removeEventListener('abort', stop)
  }
}

/** Trains the MLP of mlp.ts on `n` rows of `x` (n x d) with targets given as output-unit indices. */
export function trainMlpFast(
  addon: NativeAddon,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  options: FastMlpOptions,
  random: Random,
): FastMlpResult {
  const {sizes, batch} = options
  const layers = sizes.length - 1
  const {weights, biases} = initialParameters(sizes, random)
  const gradW = weights.map((w) => new Float32Array(w.length))
  const gradB = biases.map((b) => new Float32Array(b.length))
  const adam = new Adam([...weights, ...biases], options.learningRate, addon)
  const grads = [...gradW, ...gradB]

  const d = sizes[0]
  const classes = sizes[layers]
  const dropout = options.keepProb < 1
  const nativeMask = addon.aleaDropoutMask?.bind(addon)
  const scale = dropout ? Math.fround(1 / Math.fround(1 - (1 - options.keepProb))) : 1
  // Activations per layer input: acts[0] is the batch input, acts[l] the output of hidden layer l-1.
  const acts: Float32Array[] = [batch === n ? x : new Float32Array(batch * d)]
  for (let l = 1; l < layers; l++) acts.push(new Float32Array(batch * sizes[l]))
  const masks = sizes.slice(1, layers).map((u) => new Float32Array(batch * u))
  const logits = new Float32Array(batch * classes)
  const shifted = new Float32Array(batch * classes)
  const delta = sizes.map((u) => new Float32Array(batch * u)) // dLoss/d(pre-activation) per layer output
  const batchTargets = new Int32Array(batch)

  let order = Int32Array.from({length: n}, (_, i) => i)
  let finalLoss = NaN
  for (let epoch = 0; epoch < options.numEpochs; epoch++) {
    if (batch < n && options.shuffle) order = Int32Array.from(random.permutation(n))
    let lossSum = 0
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start)
      if (batch === n) batchTargets.set(targets)
      else {
        for (let r = 0; r < m; r++) {
          const row = order[start + r]
          acts[0].set(x.subarray(row * d, (row + 1) * d), r * d)
          batchTargets[r] = targets[row]
        }
      }
      // Forward.
      for (let l = 0; l < layers; l++) {
        const inU = sizes[l],
          outU = sizes[l + 1]
        const out = l + 1 < layers ? acts[l + 1] : logits
        addon.sgemm(false, false, m, outU, inU, acts[l], inU, weights[l], outU, out, outU, false)
        const b = biases[l]
        const relu = l + 1 < layers || options.reluLogits
        for (let r = 0; r < m; r++) {
          const o = r * outU
          for (let j = 0; j < outU; j++) {
            const z = Math.fround(out[o + j] + b[j])
            out[o + j] = relu ? Math.max(z, 0) : z
          }
        }
        if (l + 1 < layers && dropout) {
          const mask = masks[l].subarray(0, m * outU)
          tfDropoutMultipliers(mask, options.keepProb, random.nextUint32(), nativeMask)
          for (let i = 0; i < m * outU; i++) out[i] = Math.fround(out[i] * mask[i])
        }
      }
      // Softmax cross-entropy (mean over the batch) and its gradient, operation by operation as
      // tf.losses.softmaxCrossEntropy does them in float32; exp and log through tfjs' own kernels, whose
      // results differ from Math.exp/Math.log in the last bit for a fraction of inputs.
      const size = m * classes
      const rowMax = new Float32Array(m)
      for (let r = 0; r < m; r++) {
        let max = -Infinity
        for (let j = 0; j < classes; j++) max = Math.max(max, logits[r * classes + j])
        rowMax[r] = max
        for (let j = 0; j < classes; j++) shifted[r * classes + j] = Math.fround(logits[r * classes + j] - max)
      }
      const expShifted = tfUnary(tf.exp, shifted.subarray(0, size))
      const sums = new Float32Array(m)
      for (let r = 0; r < m; r++) for (let j = 0; j < classes; j++) sums[r] += expShifted[r * classes + j]
      const logSums = tfUnary(tf.log, sums)
      let loss = 0
      for (let r = 0; r < m; r++) {
        const lse = Math.fround(rowMax[r] + logSums[r])
        for (let j = 0; j < classes; j++) shifted[r * classes + j] = Math.fround(logits[r * classes + j] - lse)
        loss = Math.fround(loss - shifted[r * classes + batchTargets[r]])
      }
      const probs = tfUnary(tf.exp, shifted.subarray(0, size))
      const top = delta[layers]
      const invM = Math.fround(1 / m)
      for (let r = 0; r < m; r++) {
        const o = r * classes
        const t = batchTargets[r]
        for (let j = 0; j < classes; j++) {
          const g = Math.fround(invM * Math.fround(j === t ? probs[o + j] - 1 : probs[o + j]))
          top[o + j] = options.reluLogits && !(logits[o + j] > 0) ? 0 : g
        }
      }
      lossSum = Math.fround(lossSum + Math.fround(Math.fround(loss / m) * Math.fround(m / n)))
      // Backward.
      for (let l = layers - 1; l >= 0; l--) {
        const inU = sizes[l],
          outU = sizes[l + 1]
        const dz = delta[l + 1]
        addon.sgemm(true, false, inU, outU, m, acts[l], inU, dz, outU, gradW[l], outU, false)
        const db = gradB[l]
        db.fill(0)
        for (let r = 0; r < m; r++) {
          const o = r * outU
          for (let j = 0; j < outU; j++) db[j] += dz[o + j]
        }
        if (l > 0) {
          const da = delta[l]
          addon.sgemm(false, true, m, inU, outU, dz, outU, weights[l], outU, da, inU, false)
          // Through dropout (x multiplier) and the ReLU: a unit passes gradient iff its output is > 0.
          const a = acts[l]
          // ceil(min(a, 1)) is 1 for a > 0, else 0 (branch-free: the pattern is random).
          for (let i = 0; i < m * inU; i++) da[i] = Math.fround(da[i] * scale) * Math.ceil(Math.min(a[i], 1))
        }
      }
      adam.step(grads)
    }
    if (epoch === options.numEpochs - 1) finalLoss = Math.fround(lossSum)
  }
  return {weights, biases, finalLoss}
}
