import type * as tf from '../tf.js'

export type CellType = 'gru' | 'lstm'

/**
 * One layer of one direction.
 * GRU:  kernel [inputSize + units, 3*units], columns [r | u | c]; bias [3*units].
 *       = TF1 GRUCell: concat([gates/kernel, candidate/kernel], axis 1), likewise the biases.
 * LSTM: kernel [inputSize + units, 4*units], columns [i | j | f | o]; bias [4*units] (= TF1 LSTMCell).
 * Rows 0..inputSize-1 multiply the layer input, the last `units` rows multiply h_prev.
 * inputSize is the sequence's feature count for layer 0 (half of it with RnnArgs.splitInput) and `units`
 * above (each direction's stack reads only its own lower layer, as in auDeep).
 */
export interface RnnLayerParams {
  kernel: tf.Tensor2D
  bias: tf.Tensor1D
}

/**
 * Dropout multipliers (0 or 1/keepProb), time-major in *original* time order ([T, B, n]), indexed
 * [direction][layer]; null or a missing array means no dropout there. `input` multiplies the layer's
 * input ([T, B, inputSize of that layer]); `output` multiplies the layer's output ([T, B, units]), as
 * TF1 DropoutWrapper(input_keep_prob, output_keep_prob). States passed along time are never masked.
 * With RnnArgs.splitInput, layer-0 input masks still cover all of x ([T, B, x features]); direction d
 * uses only the columns it reads.
 */
export interface RnnDropoutMasks {
  input?: (tf.Tensor3D | null)[][]
  output?: (tf.Tensor3D | null)[][]
}

export interface RnnArgs {
  cell: CellType
  /** [T, B, inputSize], time-major. */
  x: tf.Tensor3D
  /** [directions][layers]; directions = 1 (forward) or 2 ([forward, backward]). */
  layers: RnnLayerParams[][]
  /** [B, stateSize] in auDeep's flat layout (see rnnStateSize); zeros when omitted. */
  initialState?: tf.Tensor2D
  dropout?: RnnDropoutMasks
  /**
   * The masks rnnDropoutMasks(args, keepProb, seed) makes, given by their seed instead (not with
   * `dropout`): the native op then makes each mask where its forward pass reads it, and no mask tensor
   * (86 MB for the tutorial t-rae's batch) is written and read back. Other paths make the tensors.
   */
  dropoutSeed?: {keepProb: number; seed: number}
  /** LSTM only; TF1 default 1.0. */
  forgetBias?: number
  /**
   * false when nothing upstream of x needs a gradient (x is data, e.g. the spectrogram frames or the
   * shifted targets): the native backward pass then skips the input-gradient GEMM and returns zeros
   * for x. Default true (ft-rae's time encoder reads trained frequency-encoder states).
   */
  inputGradient?: boolean
  /**
   * Bidirectional only: x holds [forward's | backward's] features and direction d's layer 0 reads only
   * its half, x[:, :, d*I/2 .. (d+1)*I/2), with a kernel of I/2 + units rows. Two directions reading
   * different sequences (the 2017 decoder's teacher forcing) then cost what one sequence does, with no
   * zero-padded kernel rows. Default false (both directions read all of x).
   */
  splitInput?: boolean
  /**
   * Bidirectional only: 'processing' leaves the backward direction's half of `output` in its processing
   * order (row s is its s-th step, which has read x[T-1-s]) instead of reversing it back into time order.
   * Default 'time'.
   */
  backwardOutputOrder?: 'time' | 'processing'
  /** 'auto' = native fused kernels when the native backend is active, else the reference. */
  impl?: 'auto' | 'native' | 'reference'
}

export interface RnnResult {
  /**
   * [T, B, directions*units]: top layer outputs (after its output dropout), [fw | bw], original time order
   * (the backward half in its processing order with backwardOutputOrder 'processing').
   */
  output: tf.Tensor3D
  /** [B, stateSize]: every layer's final state in auDeep's flat layout, no dropout. */
  finalState: tf.Tensor2D
}

export interface RnnDims {
  cell: CellType
  T: number
  B: number
  I: number
  H: number
  L: number
  dirs: 1 | 2
  /** RnnArgs.splitInput: layer 0 of direction d reads x's features [d*I/2, (d+1)*I/2). */
  splitInput: boolean
  /** RnnArgs.backwardOutputOrder === 'processing'. */
  backwardProcessingOrder: boolean
}

/**
 * Size of the flat state: units * layers * (2 if LSTM) * directions. Layout: one block per layer;
 * within a layer [fw | bw]; within a direction [c | h] for LSTM (auDeep's layout).
 */
export function rnnStateSize(cell: CellType, units: number, layers: number, directions: 1 | 2): number {
  return units * layers * (cell === 'lstm' ? 2 : 1) * directions
}

/** Offset of (layer, direction)'s block in the flat state; LSTM blocks are [c | h]. */
export function stateBlockOffset(cell: CellType, units: number, directions: 1 | 2, layer: number, direction: number): number {
  return (layer * directions + direction) * units * (cell === 'lstm' ? 2 : 1)
}

export function rnnDims(args: RnnArgs): RnnDims {
  const [T, B, I] = args.x.shape
  const dirs = args.layers.length
  if (dirs !== 1 && dirs !== 2) throw new RangeError('rnn: layers must have 1 or 2 directions')
  const L = args.layers[0].length
  if (L < 1 || args.layers.some((d) => d.length !== L)) throw new RangeError('rnn: every direction needs the same number of layers')
  const G = args.cell === 'gru' ? 3 : 4
  const H = args.layers[0][0].bias.shape[0] / G
  if (!Number.isInteger(H) || H < 1) throw new RangeError(`rnn: bias length must be ${G} * units`)
  const splitInput = args.splitInput ?? false
  const backwardProcessingOrder = args.backwardOutputOrder === 'processing'
  if (splitInput && (dirs !== 2 || I % 2 !== 0)) throw new RangeError('rnn: splitInput needs two directions and an even feature count')
  if (backwardProcessingOrder && dirs !== 2) throw new RangeError("rnn: backwardOutputOrder 'processing' needs two directions")
  for (const d of args.layers)
    d.forEach((p, l) => {
      const inSize = l === 0 ? (splitInput ? I / 2 : I) : H
      if (p.kernel.shape[0] !== inSize + H || p.kernel.shape[1] !== G * H || p.bias.shape[0] !== G * H)
        throw new RangeError(
          `rnn: layer ${l} expects kernel [${inSize + H}, ${G * H}] and bias [${G * H}], got [${p.kernel.shape}] and [${p.bias.shape}]`,
        )
    })
  if (args.initialState) {
    const S = rnnStateSize(args.cell, H, L, dirs as 1 | 2)
    if (args.initialState.shape[0] !== B || args.initialState.shape[1] !== S)
      throw new RangeError(`rnn: initialState must be [${B}, ${S}], got [${args.initialState.shape}]`)
  }
  return {cell: args.cell, T, B, I, H, L, dirs: dirs as 1 | 2, splitInput, backwardProcessingOrder}
}

/**
 * The seed of one dropout mask of a stack: masks are drawn [direction][layer], input before output, the
 * k-th from seed + 7919 k (rnnDropoutMasks and the native op's seeded masks agree through this).
 */
export function dropoutMaskSeed(seed: number, L: number, d: number, l: number, which: 'input' | 'output'): number {
  return seed + 7919 * (2 * (d * L + l) + (which === 'output' ? 1 : 0))
}
