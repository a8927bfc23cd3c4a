// auDeep's MLP classifier (reference §5.4) on TensorFlow.js: `numLayers` hidden ReLU layers of `numUnits`
// with dropout, a softmax output, sparse softmax cross-entropy and Adam. Deliberate differences from
// auDeep (documented in docs/evaluation.md):
// - the logits are linear; auDeep applied a ReLU to them, available as `reluLogits` for comparisons;
// - biases start at zero (auDeep used Glorot-uniform biases); weights are Glorot-uniform as in auDeep;
// - every random draw (initialisation, dropout, batch order) comes from the caller's seeded generator;
// - `shuffle` has an effect: with minibatches (`batchSize`) the order is redrawn every epoch. In auDeep it
//   permuted the full batch, which cannot change a mean loss.
// Full-batch training (the default, as auDeep) takes one Adam step per epoch.

import * as tf from '../nn/tf.js'

import type {Logger} from '../core/log.js'
import {type BackendChoice, currentEngine, type EngineInfo, selectBackend} from '../nn/engine/index.js'
import type {Random} from '../core/random.js'
import {loadNative} from '../nn/engine/index.js'
import {trainMlpFast, trainMlpNative} from './mlp-fast.js'

export interface MlpOptions {
  numLayers: number
  numUnits: number
  /** Probability of keeping a hidden unit during training (1 disables dropout). */
  keepProb: number
  learningRate: number
  numEpochs: number
  /** Minibatch size; undefined or >= the number of instances means full-batch training. */
  batchSize?: number
  /** Redraw the minibatch order every epoch (only meaningful with minibatches). */
  shuffle: boolean
  /** auDeep's ReLU on the output logits (off by default: it is a defect of the original). */
  reluLogits: boolean
  /**
   * 'fast' trains natively (mlp-fast.ts: a whole fit per addon call, or per step with AUDEEP_MLP_NATIVE_FIT=0),
   * 'reference' on tfjs ops; 'auto' (default) takes 'fast' when the native engine is active, unless
   * AUDEEP_MLP_REFERENCE=1 is set. Both give the same weights bit for bit.
   */
  impl?: 'auto' | 'fast' | 'reference'
}

export const MLP_DEFAULTS: MlpOptions = {
  numLayers: 2,
  numUnits: 150,
  keepProb: 0.6,
  learningRate: 0.001,
  numEpochs: 400,
  shuffle: false,
  reluLogits: false,
}

/**
 * Activates a compute backend through the engine (src/nn/engine): 'auto' prefers the native kernels and
 * falls back to tfjs' wasm backend. Logs what was picked and any warning.
 */
export async function selectMlpBackend(choice: BackendChoice = 'auto', logger?: Logger): Promise<EngineInfo> {
  const info = await selectBackend(choice)
  info.warnings.forEach((w) => logger?.warn(w))
  logger?.info(`compute backend: ${info.description}`)
  return info
}

export interface MlpModel {
  /** Output unit k stands for label classes[k]. */
  readonly classes: Int32Array
  readonly weights: tf.Variable[]
  readonly biases: tf.Variable[]
  readonly reluLogits: boolean
  /** Mean training loss of the last epoch. */
  readonly finalLoss: number
}

function forward(
  model: Pick<MlpModel, 'weights' | 'biases' | 'reluLogits'>,
  x: tf.Tensor2D,
  dropout: {keepProb: number; random: Random} | null,
): tf.Tensor2D {
  let h: tf.Tensor2D = x
  const last = model.weights.length - 1
  for (let l = 0; l < last; l++) {
    h = tf.relu(tf.add(tf.matMul(h, model.weights[l]), model.biases[l]))
    if (dropout !== null && dropout.keepProb < 1)
      h = tf.dropout(h, 1 - dropout.keepProb, undefined, dropout.random.nextUint32()) as tf.Tensor2D
  }
  const logits = tf.add(tf.matMul(h, model.weights[last]), model.biases[last]) as tf.Tensor2D
  return model.reluLogits ? tf.relu(logits) : logits
}

/**
 * Trains on `n` standardised rows of `x` (row-major n x d). `labels` must all occur in `classes`, which
 * fixes the output units (auDeep: one per entry of the label map).
 */
export async function trainMlp(
  x: Float32Array,
  n: number,
  d: number,
  labels: Int32Array,
  classes: Int32Array,
  options: MlpOptions,
  random: Random,
): Promise<MlpModel> {
  if (currentEngine() === null) await selectBackend('auto')
  const index = new Map(Array.from(classes, (c, k) => [c, k]))
  const targets = Int32Array.from(labels, (l) => {
    const k = index.get(l)
    if (k === undefined) throw new Error(`label ${l} is not one of the classes ${classes.join(', ')}`)
    return k
  })
  const sizes = [d, ...new Array<number>(options.numLayers).fill(options.numUnits), classes.length]
  const batch = options.batchSize === undefined || options.batchSize >= n ? n : Math.max(1, options.batchSize)
  const addon = fastPathAddon(options)
  if (addon !== null) {
    const fastOptions = {...options, sizes, batch}
    const fast =
      addon.mlpTrain !== undefined && process.env.AUDEEP_MLP_NATIVE_FIT !== '0'
        ? await trainMlpNative({...addon, mlpTrain: addon.mlpTrain.bind(addon)}, x, n, targets, fastOptions, random)
        : trainMlpFast(addon, x.subarray(0, n * d), n, targets, fastOptions, random)
    const weights = fast.weights.map((w, l) => tf.tidy(() => tf.variable(tf.tensor2d(w, [sizes[l], sizes[l + 1]]), true)))
    const biases = fast.biases.map((b) => tf.tidy(() => tf.variable(tf.tensor1d(b), true)))
    return {classes: Int32Array.from(classes), weights, biases, reluLogits: options.reluLogits, finalLoss: fast.finalLoss}
  }
  const weights: tf.Variable[] = []
  const biases: tf.Variable[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const init = tf.initializers.glorotUniform({seed: random.nextUint32()})
    // Inside tidy so that the initial-value tensors are released once the variables hold their data.
    weights.push(tf.tidy(() => tf.variable(init.apply([sizes[l], sizes[l + 1]]), true, `w${l}`)))
    biases.push(tf.tidy(() => tf.variable(tf.zeros([sizes[l + 1]]), true, `b${l}`)))
  }
  const model = {weights, biases, reluLogits: options.reluLogits}
  const variables = [...weights, ...biases]
  // TF1's AdamOptimizer defaults (tfjs would otherwise use its own epsilon).
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.999, 1e-8)
  const xs = tf.tensor2d(x, [n, d])
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(targets, 'int32'), classes.length)) as tf.Tensor2D
  const dropout = {keepProb: options.keepProb, random}
  let order = Int32Array.from({length: n}, (_, i) => i)
  let finalLoss = NaN
  try {
    for (let epoch = 0; epoch < options.numEpochs; epoch++) {
      if (batch < n && options.shuffle) order = Int32Array.from(random.permutation(n))
      let lossSum: tf.Scalar | null = null
      for (let start = 0; start < n; start += batch) {
        const size = Math.min(batch, n - start)
        const lossValue = optimizer.minimize(
          () => {
            const [bx, by] = batch === n ? [xs, ys] : gatherRows(xs, ys, order, start, size)
            return tf.losses.softmaxCrossEntropy(by, forward(model, bx, dropout)) as tf.Scalar
          },
          true,
          variables,
        )!
        const weighted = tf.mul(lossValue, size / n) as tf.Scalar
        lossValue.dispose()
        if (lossSum === null) lossSum = weighted
        else {
          const next = tf.add(lossSum, weighted) as tf.Scalar
          lossSum.dispose()
          weighted.dispose()
          lossSum = next
        }
      }
      if (epoch === options.numEpochs - 1 && lossSum !== null) finalLoss = (await lossSum.data())[0]
      lossSum?.dispose()
    }
  } catch (error) {
    variables.forEach((v) => v.dispose())
    throw error
  } finally {
    xs.dispose()
    ys.dispose()
    optimizer.dispose()
  }
  return {classes: Int32Array.from(classes), weights, biases, reluLogits: options.reluLogits, finalLoss}
}

/**
 * How many fits of `options` can usefully run at once: one per thread of the native engine's pool
 * (AUDEEP_NUM_THREADS, else the usable CPUs) when whole fits run natively off the JavaScript thread
 * (trainMlpNative), at most one less than libuv's worker threads; else 1 (tfjs work is serial). Call after
 * the backend has been selected.
 */
export function mlpParallelFits(options: MlpOptions): number {
  const addon = fastPathAddon(options)
  if (addon === null || addon.mlpTrain === undefined || process.env.AUDEEP_MLP_NATIVE_FIT === '0') return 1
  // Native fits occupy libuv's worker threads (UV_THREADPOOL_SIZE, default 4): leave one for file I/O.
  const libuvThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4
  return Math.max(1, Math.min(addon.numThreads(), libuvThreads - 1))
}

function fastPathAddon(options: MlpOptions): ReturnType<typeof loadNative> {
  const impl = options.impl ?? (process.env.AUDEEP_MLP_REFERENCE === '1' ? 'reference' : 'auto')
  // keepProb <= 0 is rejected by tf.dropout: leave that error to the reference path.
  if (impl === 'reference' || options.keepProb <= 0) return null
  if (impl === 'fast') {
    const addon = loadNative()
    if (addon === null) throw new Error('the MLP fast path needs the native addon, which is not available')
    return addon
  }
  return currentEngine()?.backend === 'native' ? loadNative() : null
}

function gatherRows(xs: tf.Tensor2D, ys: tf.Tensor2D, order: Int32Array, start: number, size: number): [tf.Tensor2D, tf.Tensor2D] {
  const indices = tf.tensor1d(order.subarray(start, start + size), 'int32')
  return [tf.gather(xs, indices) as tf.Tensor2D, tf.gather(ys, indices) as tf.Tensor2D]
}

/** Predicted labels (argmax of the logits, without dropout) for `n` standardised rows. */
export async function predictMlp(model: MlpModel, x: Float32Array, n: number): Promise<Int32Array> {
  const d = model.weights[0].shape[0]
  const best = tf.tidy(() => tf.argMax(forward(model, tf.tensor2d(x, [n, d]), null), 1))
  const indices = (await best.data()) as Int32Array
  best.dispose()
  return Int32Array.from(indices, (k) => model.classes[k])
}

export function disposeMlp(model: MlpModel): void {
  model.weights.forEach((v) => v.dispose())
  model.biases.forEach((v) => v.dispose())
}
