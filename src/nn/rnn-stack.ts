// auDeep's recurrent building blocks (audeep-reference.md §4.2) on top of the engine's fused rnn op:
// a StandardRNN stack (uni- or bidirectional) and the FeedPreviousRNN decoder.

import * as tf from './tf.js'

import {Random} from '../core/random.js'
import {withNativeBuffers} from './engine/heap.js'
import {
  blockDiagonalMatMul,
  type CellType,
  rnn,
  type RnnArgs,
  rnnFinalState,
  type RnnLayerParams,
  rnnOutput,
  rnnStateSize,
  stateBlockOffset,
} from './engine/index.js'
import type {RnnArchitecture} from './options.js'
import {applyLinear, type Linear, type ParamStore} from './params.js'

export type {RnnArchitecture} from './options.js'

export function directions(arch: RnnArchitecture): 1 | 2 {
  return arch.bidirectional ? 2 : 1
}

/** units x layers x (2 for LSTM) x (2 if bidirectional), auDeep's flat state size. */
export function stateSize(arch: RnnArchitecture): number {
  return rnnStateSize(arch.cell, arch.units, arch.layers, directions(arch))
}

/** Per-call randomness: dropout keep probability and seeds drawn from the run's generator. */
export interface StepRandomness {
  keepProb: number
  random: Random
}

/** Zeroes the whole feature vector of each (time, batch) element with probability p (encoder noise). */
export function frameNoise(x: tf.Tensor3D, p: number, random: Random): tf.Tensor3D {
  if (p <= 0) return x
  const [T, B] = x.shape
  const keep = new Float32Array(T * B)
  for (let i = 0; i < keep.length; i++) keep[i] = random.next() <= p ? 0 : 1
  return tf.mul(x, tf.tensor3d(keep, [T, B, 1])) as tf.Tensor3D
}

/** [0, x[0], ..., x[T-2]]: the sequence delayed by one step with a zero first frame. */
export function shiftRight(x: tf.Tensor3D): tf.Tensor3D {
  const [T, B, F] = x.shape
  if (T <= 1) return tf.zerosLike(x)
  return tf.concat([tf.zeros([1, B, F]), x.slice([0, 0, 0], [T - 1, B, F])], 0) as tf.Tensor3D
}

/**
 * Both directions' teacher-forcing inputs side by side: [T, B, 2F] with x[t] = [y[t-1] | y[t+1]] (zeros
 * past either end). The first half is shiftRight(y); the second is the backward direction's shiftRight of
 * the reversed y, stored back in time order: reverse(shiftRight(reverse(y))). On the wasm heap this is
 * one pass of copies instead of two shifts, two reversals and a concatenation.
 */
export function shiftBothWays(y: tf.Tensor3D): tf.Tensor3D {
  const [T, B, F] = y.shape
  if (tf.getBackend() !== 'wasm')
    return tf.tidy(() => tf.concat([shiftRight(y), tf.reverse(shiftRight(tf.reverse(y, 0) as tf.Tensor3D), 0)], 2) as tf.Tensor3D)
  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [out] = withNativeBuffers([a[0] as tf.Tensor], [[T, B, 2 * F]], ([v], [o]) => {
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++) {
          const dst = (t * B + b) * 2 * F
          if (t > 0) o.set(v!.subarray(((t - 1) * B + b) * F, ((t - 1) * B + b + 1) * F), dst)
          else o.fill(0, dst, dst + F)
          if (t < T - 1) o.set(v!.subarray(((t + 1) * B + b) * F, ((t + 1) * B + b + 1) * F), dst + F)
          else o.fill(0, dst + F, dst + 2 * F)
        }
    })
    return {
      value: out,
      // dy[t] = dx[t+1][first half] + dx[t-1][second half].
      gradFunc: (dx: tf.Tensor) =>
        withNativeBuffers([dx], [[T, B, F]], ([g], [d]) => {
          for (let t = 0; t < T; t++)
            for (let b = 0; b < B; b++)
              for (let k = 0; k < F; k++) {
                const fromFw = t < T - 1 ? g![((t + 1) * B + b) * 2 * F + k] : 0
                const fromBw = t > 0 ? g![((t - 1) * B + b) * 2 * F + F + k] : 0
                d[(t * B + b) * F + k] = fromFw + fromBw
              }
        })[0],
    }
  })
  return op(y) as tf.Tensor3D
}

export class RnnStack {
  /** [direction][layer] */
  readonly params: RnnLayerParams[][]

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly arch: RnnArchitecture,
    readonly inputSize: number,
  ) {
    this.params = []
    for (let d = 0; d < directions(arch); d++) {
      const dir = d === 0 ? 'fw' : 'bw'
      this.params.push(
        Array.from({length: arch.layers}, (_, l) =>
          store.rnnLayer(`${name}/${dir}/layer${l}`, arch.cell, l === 0 ? inputSize : arch.units, arch.units),
        ),
      )
    }
  }

  /**
   * StandardRNN: top-layer outputs [T, B, dirs*units] and final states [B, stateSize]. `xIsData` says that
   * no gradient flows into x (input frames, shifted targets), which saves the backward input product.
   */
  run(
    x: tf.Tensor3D,
    initialState: tf.Tensor2D | undefined,
    randomness: StepRandomness,
    xIsData = false,
  ): {output: tf.Tensor3D; finalState: tf.Tensor2D} {
    return rnn(this.rnnArgs(x, initialState, randomness, xIsData))
  }

  /** run(...).output alone (a decoder's): the same outputs, masks and randomness, without the final states. */
  output(x: tf.Tensor3D, initialState: tf.Tensor2D | undefined, randomness: StepRandomness, xIsData = false): tf.Tensor3D {
    return rnnOutput(this.rnnArgs(x, initialState, randomness, xIsData))
  }

  /** run(...).finalState alone (an encoder's): the same states, masks and randomness, without the outputs. */
  finalState(x: tf.Tensor3D, initialState: tf.Tensor2D | undefined, randomness: StepRandomness, xIsData = false): tf.Tensor2D {
    return rnnFinalState(this.rnnArgs(x, initialState, randomness, xIsData))
  }

  /** The op's arguments for one run; draws the run's dropout seed from `randomness`. */
  private rnnArgs(x: tf.Tensor3D, initialState: tf.Tensor2D | undefined, randomness: StepRandomness, xIsData: boolean): RnnArgs {
    const dropoutSeed = {keepProb: randomness.keepProb, seed: randomness.random.nextUint32()}
    return {cell: this.arch.cell, x, layers: this.params, initialState, dropoutSeed, inputGradient: !xIsData}
  }
}

/** The flat state of one direction, cut out of a state in `arch`'s (possibly bidirectional) layout. */
export function directionState(arch: RnnArchitecture, state: tf.Tensor2D, direction: number): tf.Tensor2D {
  if (!arch.bidirectional) return state
  const {cell, units, layers} = arch
  const block = units * (cell === 'lstm' ? 2 : 1)
  const parts = Array.from({length: layers}, (_, l) => state.slice([0, stateBlockOffset(cell, units, 2, l, direction)], [-1, block]))
  return tf.concat(parts, 1) as tf.Tensor2D
}

/**
 * auDeep's FeedPreviousRNN decoder. Per direction, the input at step 0 is zeros and at step t either the
 * previous step's projected output tanh(W h[t-1] + b) (with probability feedPreviousProb per element)
 * or inputSequence[t-1]; the output at every step is that projection. The backward direction runs on
 * the time-reversed input. Its outputs are reversed back into time order (backwardOutputs 'time', what
 * f-rae and ft-rae have always done here), or left in processing order as auDeep's FeedPreviousRNN
 * leaves them ('processing': output t of the backward direction is its t-th step, which has read
 * the reversed input's first t-1 elements). Output: [T, B, dirs*F].
 */
export class FeedPreviousDecoder {
  readonly stacks: RnnStack[]
  readonly projections: Linear[]

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly arch: RnnArchitecture,
    readonly numFeatures: number,
    readonly backwardOutputs: 'time' | 'processing' = 'time',
  ) {
    const uni = {...arch, bidirectional: false}
    this.stacks = []
    this.projections = []
    for (let d = 0; d < directions(arch); d++) {
      const dir = d === 0 ? 'fw' : 'bw'
      this.stacks.push(new RnnStack(store, `${name}/${dir}`, uni, numFeatures))
      this.projections.push(store.linear(`${name}/${dir}/projection`, arch.units, numFeatures))
    }
  }

  run(
    inputSequence: tf.Tensor3D,
    initialState: tf.Tensor2D,
    feedPreviousProb: number,
    randomness: StepRandomness,
    inputIsData = false,
  ): tf.Tensor3D {
    if (this.stacks.length === 2 && feedPreviousProb <= 0 && this.backwardOutputs === 'processing')
      return this.runBothDirections(inputSequence, initialState, randomness, inputIsData)
    const outputs = this.stacks.map((stack, d) => {
      const state = directionState(this.arch, initialState, d)
      const input = d === 0 ? inputSequence : (tf.reverse(inputSequence, 0) as tf.Tensor3D)
      const out = this.runDirection(stack, this.projections[d], input, state, feedPreviousProb, randomness, inputIsData)
      return d === 0 || this.backwardOutputs === 'processing' ? out : (tf.reverse(out, 0) as tf.Tensor3D)
    })
    return outputs.length === 1 ? outputs[0] : (tf.concat(outputs, 2) as tf.Tensor3D)
  }

  /**
   * Teacher forcing in both directions as one fused bidirectional call (what a StandardRNN costs). The
   * directions read different sequences: the op's input is [forward's | backward's] features and each
   * direction's first layer reads only its half (splitInput), the backward half stored time-reversed
   * since the op reads it from the end (shiftBothWays). The op leaves the backward outputs in processing order, as
   * auDeep's FeedPreviousRNN does.
   */
  private runBothDirections(
    inputSequence: tf.Tensor3D,
    initialState: tf.Tensor2D,
    randomness: StepRandomness,
    inputIsData: boolean,
  ): tf.Tensor3D {
    const {cell, units: H} = this.arch
    const x = shiftBothWays(inputSequence)
    const args = {cell, x, layers: this.stacks.map((stack) => stack.params[0]), splitInput: true}
    const dropoutSeed = {keepProb: randomness.keepProb, seed: randomness.random.nextUint32()}
    const output = rnnOutput({...args, initialState, dropoutSeed, inputGradient: !inputIsData, backwardOutputOrder: 'processing'})
    // Each direction's projection tanh(W_d h + b_d), both from the [fw | bw] output in one block-diagonal
    // product: what projecting the two halves separately and concatenating computes, without the copies.
    const [T, B] = output.shape
    const F = this.numFeatures
    const z = blockDiagonalMatMul(
      output.reshape([T * B, 2 * H]) as tf.Tensor2D,
      this.projections.map((p) => p.weights),
    )
    const bias = tf.concat(this.projections.map((p) => p.bias))
    return tf.tanh(tf.add(z, bias)).reshape([T, B, 2 * F]) as tf.Tensor3D
  }

  private runDirection(
    stack: RnnStack,
    projection: Linear,
    input: tf.Tensor3D,
    state: tf.Tensor2D,
    p: number,
    randomness: StepRandomness,
    inputIsData: boolean,
  ): tf.Tensor3D {
    if (p <= 0) {
      // Pure teacher forcing: the whole sequence is known up front, so one fused call does it.
      const {output} = stack.run(shiftRight(input), state, randomness, inputIsData)
      return tf.tanh(applyLinear(projection, output)) as tf.Tensor3D
    }
    // With feed-previous the input of step t depends on the output of step t-1: run step by step.
    const [T, B, F] = input.shape
    const steps: tf.Tensor3D[] = []
    let previous: tf.Tensor2D = tf.zeros([B, F])
    let h = state
    for (let t = 0; t < T; t++) {
      let x: tf.Tensor2D
      if (t === 0) {
        x = tf.zeros([B, F])
      } else {
        const choose = new Float32Array(B)
        let fed = 0
        for (let b = 0; b < B; b++) fed += choose[b] = randomness.random.next() < p ? 1 : 0
        if (fed === B) {
          // Every element takes the previous output (always so with p = 1): the mix below would give
          // exactly `previous`; skipping its ops and their gradients made f-rae's p = 1 epochs ~15% faster.
          x = previous
        } else {
          const mask = tf.tensor2d(choose, [B, 1])
          const teacher = input.slice([t - 1, 0, 0], [1, B, F]).reshape([B, F]) as tf.Tensor2D
          x = tf.add(tf.mul(mask, previous), tf.mul(tf.sub(1, mask), teacher)) as tf.Tensor2D
        }
      }
      const step = stack.run(x.reshape([1, B, F]) as tf.Tensor3D, h, randomness)
      h = step.finalState
      const projected = tf.tanh(applyLinear(projection, step.output)) as tf.Tensor3D
      previous = projected.reshape([B, F]) as tf.Tensor2D
      steps.push(projected)
    }
    return tf.concat(steps, 0) as tf.Tensor3D
  }
}
