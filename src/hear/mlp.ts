// heareval's downstream predictor on TensorFlow.js, trained the way its PyTorch Lightning loop does:
//   hidden_layers x [Linear(hidden_dim) -> norm -> Dropout -> ReLU] (norm after the ReLU with
//   norm_after_activation) -> Linear(n_labels); softmax + cross-entropy (multiclass) or sigmoid + binary
//   cross-entropy (multilabel); no input normalisation.
// - Weights: Xavier uniform/normal with gain 1 for a layer fed by the embedding and sqrt(2) for one fed by
//   a ReLU; biases keep torch.nn.Linear's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// - BatchNorm1d: batch statistics in training (biased variance for normalising, unbiased for the running
//   estimate, momentum 0.1, eps 1e-5), running statistics in evaluation. LayerNorm: eps 1e-5, affine.
// - Adam with torch's defaults (betas 0.9/0.999, eps 1e-8), minibatches in the fixed row order (heareval
//   never shuffles its training loader, because it passes split lists, not the string "train").
// - Validation every check_val_every_n_epoch epochs. The first validation is always checkpointed, later
//   ones only if strictly better; early stopping after `patience` checks without a strict improvement,
//   or at once when the monitored value is not finite (Lightning's check_finite).
// All random draws (initialisation, dropout masks) come from the caller's seeded generator.

import * as tf from '../nn/tf.js'

import {currentEngine, selectBackend} from '../nn/engine/index.js'
import type {Random} from '../core/random.js'
import type {HearMlpConfig} from './grid.js'

export type PredictionType = 'multiclass' | 'multilabel'

export interface HearMatrix {
  /** Row-major [n, d] embeddings. */
  readonly x: Float32Array
  readonly n: number
  readonly d: number
  /** Row-major [n, classes] multi-hot targets. */
  readonly targets: Uint8Array
}

/** Scores a model's output on the validation set: larger is better for 'max'. */
export interface ValidationMonitor {
  readonly mode: 'max' | 'min'
  /** From probabilities [n, classes] and the mean loss. */
  score(probabilities: Float32Array, loss: number): number
}

interface Layer {
  w: tf.Variable
  b: tf.Variable
  gamma: tf.Variable | null
  beta: tf.Variable | null
  runningMean: Float32Array | null
  runningVar: Float32Array | null
}

export interface HearMlpModel {
  readonly config: HearMlpConfig
  readonly predictionType: PredictionType
  readonly classes: number
  readonly layers: Layer[]
}

export interface TrainResult {
  /** The checkpoint with the best validation value. */
  readonly model: HearMlpModel
  /** 0-based epoch after which that validation ran (Lightning's checkpoint 'epoch'). */
  readonly epoch: number
  readonly validationScore: number
  /** Epochs actually trained. */
  readonly epochsRun: number
}

const BN_EPS = 1e-5
const BN_MOMENTUM = 0.1

function xavier(fanIn: number, fanOut: number, gain: number, kind: HearMlpConfig['initialization'], random: Random): Float32Array {
  const out = new Float32Array(fanIn * fanOut)
  if (kind === 'xavier_uniform') {
    const a = gain * Math.sqrt(6 / (fanIn + fanOut))
    for (let i = 0; i < out.length; i++) out[i] = (2 * random.next() - 1) * a
  } else {
    const std = gain * Math.sqrt(2 / (fanIn + fanOut))
    for (let i = 0; i < out.length; i++) out[i] = random.normal() * std
  }
  return out
}

function linearBias(fanIn: number, size: number, random: Random): Float32Array {
  const bound = 1 / Math.sqrt(fanIn)
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) out[i] = (2 * random.next() - 1) * bound
  return out
}

function createModel(d: number, classes: number, config: HearMlpConfig, predictionType: PredictionType, random: Random): HearMlpModel {
  const layers: Layer[] = []
  let fanIn = d
  let gain = 1
  const sizes = [...new Array<number>(config.hidden_layers).fill(config.hidden_dim), classes]
  for (const [l, size] of sizes.entries()) {
    const hidden = l < config.hidden_layers
    const norm = hidden && config.hidden_norm !== 'Identity'
    // Bias first: torch.nn.Linear initialises weight and bias, then heareval re-draws the weight.
    const bias = linearBias(fanIn, size, random)
    const weight = xavier(fanIn, size, gain, config.initialization, random)
    layers.push({
      w: tf.variable(tf.tensor2d(weight, [fanIn, size]), true),
      b: tf.variable(tf.tensor1d(bias), true),
      gamma: norm ? tf.variable(tf.ones([size]), true) : null,
      beta: norm ? tf.variable(tf.zeros([size]), true) : null,
      runningMean: norm && config.hidden_norm === 'BatchNorm1d' ? new Float32Array(size) : null,
      runningVar: norm && config.hidden_norm === 'BatchNorm1d' ? new Float32Array(size).fill(1) : null,
    })
    fanIn = size
    gain = Math.SQRT2
  }
  return {config, predictionType, classes, layers}
}

interface BatchStats {
  layer: number
  mean: tf.Tensor1D
  variance: tf.Tensor1D
}

/** Logits; in training mode with dropout and batch statistics (kept in `stats` for the running update). */
function forward(model: HearMlpModel, x: tf.Tensor2D, training: {random: Random; stats: BatchStats[]} | null): tf.Tensor2D {
  const {config, layers} = model
  let h: tf.Tensor2D = x
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]
    h = tf.add(tf.matMul(h, layer.w), layer.b)
    if (l === layers.length - 1) break
    const normalise = (t: tf.Tensor2D): tf.Tensor2D => {
      if (layer.gamma === null || layer.beta === null) return t
      let mean: tf.Tensor
      let variance: tf.Tensor
      if (config.hidden_norm === 'LayerNorm') {
        ;({mean, variance} = tf.moments(t, 1, true))
      } else if (training !== null) {
        ;({mean, variance} = tf.moments(t, 0))
        training.stats.push({layer: l, mean: tf.keep(mean as tf.Tensor1D), variance: tf.keep(variance as tf.Tensor1D)})
      } else {
        mean = tf.tensor1d(layer.runningMean!)
        variance = tf.tensor1d(layer.runningVar!)
      }
      const scaled = tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, BN_EPS)))
      return tf.add(tf.mul(scaled, layer.gamma), layer.beta) as tf.Tensor2D
    }
    if (!config.norm_after_activation) h = normalise(h)
    if (training !== null && config.dropout > 0) h = tf.dropout(h, config.dropout, undefined, training.random.nextUint32()) as tf.Tensor2D
    h = tf.relu(h)
    if (config.norm_after_activation) h = normalise(h)
  }
  return h
}

function lossOf(model: HearMlpModel, logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return model.predictionType === 'multiclass'
    ? (tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar)
    : (tf.losses.sigmoidCrossEntropy(targets, logits) as tf.Scalar)
}

function updateRunningStats(model: HearMlpModel, stats: BatchStats[], batch: number): void {
  const correction = batch > 1 ? batch / (batch - 1) : 1
  for (const {layer, mean, variance} of stats) {
    const l = model.layers[layer]
    const m = mean.dataSync()
    const v = variance.dataSync()
    const rm = l.runningMean!
    const rv = l.runningVar!
    for (let j = 0; j < rm.length; j++) {
      rm[j] = (1 - BN_MOMENTUM) * rm[j] + BN_MOMENTUM * m[j]
      rv[j] = (1 - BN_MOMENTUM) * rv[j] + BN_MOMENTUM * v[j] * correction
    }
    mean.dispose()
    variance.dispose()
  }
}

/** Class probabilities and the mean loss of `n` rows, in evaluation mode, in chunks of `batch` rows. */
export async function predictHearMlp(
  model: HearMlpModel,
  data: HearMatrix,
  batch = 4096,
): Promise<{probabilities: Float32Array; loss: number}> {
  const k = model.classes
  const probabilities = new Float32Array(data.n * k)
  let lossSum = 0
  for (let start = 0; start < data.n; start += batch) {
    const size = Math.min(batch, data.n - start)
    const [probs, loss] = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * data.d, (start + size) * data.d), [size, data.d])
      const y = tf.tensor2d(Float32Array.from(data.targets.subarray(start * k, (start + size) * k)), [size, k])
      const logits = forward(model, x, null)
      const p = model.predictionType === 'multiclass' ? tf.softmax(logits) : tf.sigmoid(logits)
      return [p, tf.mul(lossOf(model, logits, y), size)]
    })
    probabilities.set((await probs.data()) as Float32Array, start * k)
    lossSum += (await loss.data())[0]
    probs.dispose()
    loss.dispose()
  }
  return {probabilities, loss: lossSum / data.n}
}

interface Snapshot {
  values: Float32Array[]
  running: (Float32Array | null)[]
}

function variables(model: HearMlpModel): tf.Variable[] {
  return model.layers.flatMap((l) => [l.w, l.b, ...(l.gamma ? [l.gamma] : []), ...(l.beta ? [l.beta] : [])])
}

function snapshot(model: HearMlpModel): Snapshot {
  return {
    values: variables(model).map((v) => v.dataSync().slice() as Float32Array),
    running: model.layers.flatMap((l) => [l.runningMean?.slice() ?? null, l.runningVar?.slice() ?? null]),
  }
}

function restore(model: HearMlpModel, snap: Snapshot): void {
  variables(model).forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(snap.values[i], v.shape))))
  model.layers.forEach((l, i) => {
    if (l.runningMean) l.runningMean.set(snap.running[2 * i]!)
    if (l.runningVar) l.runningVar.set(snap.running[2 * i + 1]!)
  })
}

export function disposeHearMlp(model: HearMlpModel): void {
  variables(model).forEach((v) => v.dispose())
}

/** Trains one grid point on `train`, monitoring `valid`; returns the best checkpoint. */
export async function trainHearMlp(
  train: HearMatrix,
  valid: HearMatrix,
  classes: number,
  predictionType: PredictionType,
  config: HearMlpConfig,
  monitor: ValidationMonitor,
  random: Random,
  onCheck?: (epoch: number, value: number) => void,
): Promise<TrainResult> {
  if (currentEngine() === null) await selectBackend('auto')
  if (train.n === 0) throw new Error('no training rows')
  const model = createModel(train.d, classes, config, predictionType, random)
  const vars = variables(model)
  const optimizer = tf.train.adam(config.lr, 0.9, 0.999, 1e-8)
  const batch = Math.max(1, config.batch_size)
  const batches: {x: tf.Tensor2D; y: tf.Tensor2D; size: number}[] = []
  for (let start = 0; start < train.n; start += batch) {
    const size = Math.min(batch, train.n - start)
    batches.push({
      x: tf.tensor2d(train.x.subarray(start * train.d, (start + size) * train.d), [size, train.d]),
      y: tf.tensor2d(Float32Array.from(train.targets.subarray(start * classes, (start + size) * classes)), [size, classes]),
      size,
    })
  }
  const better = (a: number, b: number): boolean => (monitor.mode === 'max' ? a > b : a < b)
  let best: Snapshot | null = null
  let bestValue = NaN
  let bestEpoch = -1
  let wait = 0
  let epoch = 0
  try {
    for (; epoch < config.max_epochs; epoch++) {
      for (const b of batches) {
        const stats: BatchStats[] = []
        const loss = optimizer.minimize(() => lossOf(model, forward(model, b.x, {random, stats}), b.y), true, vars)
        loss?.dispose()
        if (stats.length > 0) updateRunningStats(model, stats, b.size)
      }
      const lastEpoch = epoch + 1 === config.max_epochs
      // A grid whose max_epochs is below its validation interval would never validate (Lightning then
      // fails); validating once after the last epoch keeps such custom grids usable.
      const due = (epoch + 1) % config.check_val_every_n_epoch === 0 || (lastEpoch && best === null)
      if (!due) continue
      const {probabilities, loss} = await predictHearMlp(model, valid)
      const value = monitor.score(probabilities, loss)
      onCheck?.(epoch, value)
      if (best === null || (!Number.isNaN(value) && (Number.isNaN(bestValue) || better(value, bestValue)))) {
        best = snapshot(model)
        bestValue = value
        bestEpoch = epoch
        wait = 0
      } else {
        wait++
      }
      if (!Number.isFinite(value) || wait >= config.patience) {
        epoch++
        break
      }
    }
  } catch (error) {
    disposeHearMlp(model)
    throw error
  } finally {
    batches.forEach((b) => (b.x.dispose(), b.y.dispose()))
    optimizer.dispose()
  }
  restore(model, best!)
  return {model, epoch: bestEpoch, validationScore: bestValue, epochsRun: epoch}
}
