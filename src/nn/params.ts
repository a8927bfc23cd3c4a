// Named trainable parameters with TF1's default initialisers, created from our seeded generator so that
// `--seed` reproduces the initial weights on every backend.

import * as tf from './tf.js'

import {Random} from '../core/random.js'
import type {CellType, RnnLayerParams} from './engine/index.js'

// tfjs registers variables globally by name; a counter keeps names unique across models in one process.
let variableCounter = 0

/** Every trainable variable of a model, by a stable path name (used by checkpoints). */
export class ParamStore {
  readonly variables = new Map<string, tf.Variable>()

  constructor(private readonly random: Random) {}

  add(name: string, values: Float32Array, shape: number[]): tf.Variable {
    if (this.variables.has(name)) throw new Error(`duplicate parameter ${name}`)
    const v = tf.variable(tf.tensor(values, shape, 'float32'), true, `${name}__${variableCounter++}`)
    this.variables.set(name, v)
    return v
  }

  /** Glorot (Xavier) uniform: TF1's default for get_variable, which auDeep also uses for bias vectors. */
  glorot(shape: number[]): Float32Array {
    const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : shape[0]
    const fanOut = shape.length > 1 ? shape[shape.length - 1] : shape[0]
    const limit = Math.sqrt(6 / (fanIn + fanOut))
    const size = shape.reduce((a, b) => a * b, 1)
    const out = new Float32Array(size)
    this.random.fillSymmetric(out, limit)
    return out
  }

  /** A dense layer y = xW + b with glorot-initialised W [inSize, outSize] and b [outSize]. */
  linear(name: string, inSize: number, outSize: number): Linear {
    return {
      weights: this.add(`${name}/weights`, this.glorot([inSize, outSize]), [inSize, outSize]) as tf.Variable<tf.Rank.R2>,
      bias: this.add(`${name}/bias`, this.glorot([outSize]), [outSize]) as tf.Variable<tf.Rank.R1>,
    }
  }

  /**
   * One recurrent layer. GRU as TF1's GRUCell: gate kernel [in+units, 2*units] and candidate kernel
   * [in+units, units] initialised separately, gate bias 1, candidate bias 0. LSTM as TF1's LSTMCell:
   * one glorot kernel [in+units, 4*units] and zero bias (the forget bias of 1 is added by the cell).
   */
  rnnLayer(name: string, cell: CellType, inSize: number, units: number): RnnLayerParams {
    const rows = inSize + units
    if (cell === 'gru') {
      const gates = this.glorot([rows, 2 * units])
      const candidate = this.glorot([rows, units])
      const kernel = new Float32Array(rows * 3 * units)
      for (let r = 0; r < rows; r++) {
        kernel.set(gates.subarray(r * 2 * units, (r + 1) * 2 * units), r * 3 * units)
        kernel.set(candidate.subarray(r * units, (r + 1) * units), r * 3 * units + 2 * units)
      }
      const bias = new Float32Array(3 * units)
      bias.fill(1, 0, 2 * units)
      return {
        kernel: this.add(`${name}/kernel`, kernel, [rows, 3 * units]) as tf.Variable<tf.Rank.R2>,
        bias: this.add(`${name}/bias`, bias, [3 * units]) as tf.Variable<tf.Rank.R1>,
      }
    }
    return {
      kernel: this.add(`${name}/kernel`, this.glorot([rows, 4 * units]), [rows, 4 * units]) as tf.Variable<tf.Rank.R2>,
      bias: this.add(`${name}/bias`, new Float32Array(4 * units), [4 * units]) as tf.Variable<tf.Rank.R1>,
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose()
    this.variables.clear()
  }
}

export interface Linear {
  weights: tf.Variable<tf.Rank.R2>
  bias: tf.Variable<tf.Rank.R1>
}

/** Applies a linear layer to the last axis of x. */
export function applyLinear(layer: Linear, x: tf.Tensor): tf.Tensor {
  const [inSize, outSize] = layer.weights.shape
  const flat = x.reshape([-1, inSize]) as tf.Tensor2D
  const y = tf.add(tf.matMul(flat, layer.weights), layer.bias)
  return y.reshape([...x.shape.slice(0, -1), outSize])
}
