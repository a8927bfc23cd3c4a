import * as tf from '../tf.js'
import {nativeFusedActive} from './backend.js'
import {nativeRnn, nativeRnnFinalState, nativeRnnOutput} from './fused.js'
import {withNativeBuffers} from './heap.js'
import {loadNative, type NativeAddon} from './native.js'
import {referenceRnn} from './reference.js'
import {dropoutMaskSeed, rnnDims, type RnnArgs, type RnnDropoutMasks, type RnnResult} from './types.js'

/**
 * Runs a (possibly multi-layer, possibly bidirectional) GRU or LSTM over a whole sequence.
 * Differentiable w.r.t. x, initialState and every kernel/bias. With the native backend this is two
 * native calls per training step (forward, BPTT); elsewhere it is the pure-tfjs reference.
 */
export function rnn(args: RnnArgs): RnnResult {
  const addon = nativeFor(args)
  if (addon) return nativeRnn(withSeedsFor(args, addon), addon)
  return referenceRnn(withMaskTensors(args))
}

/**
 * rnn(args).finalState, for callers that use nothing else (an encoder): natively the per-step output
 * ([T, B, dirs*units], 8 MB for the tutorial's encoder) is then neither written nor its zero gradient read.
 */
export function rnnFinalState(args: RnnArgs): tf.Tensor2D {
  const addon = nativeFor(args)
  if (addon) return nativeRnnFinalState(withSeedsFor(args, addon), addon)
  return tf.tidy(() => referenceRnn(withMaskTensors(args)).finalState)
}

/**
 * rnn(args).output, for callers that use nothing else (a decoder): natively the op's result is the output
 * itself, with no copy out of a result that also holds the final states, and no zero gradient for them.
 */
export function rnnOutput(args: RnnArgs): tf.Tensor3D {
  const addon = nativeFor(args)
  if (addon) return nativeRnnOutput(withSeedsFor(args, addon), addon)
  return tf.tidy(() => referenceRnn(withMaskTensors(args)).output)
}

/** The addon when args run natively (see rnn), else null. */
function nativeFor(args: RnnArgs): NativeAddon | null {
  if (args.dropout && args.dropoutSeed) throw new Error('rnn: give dropout masks or dropoutSeed, not both')
  const impl = args.impl ?? 'auto'
  const addon = loadNative()
  if (impl === 'native' && !addon) throw new Error('rnn: impl "native" requested but the native addon is not available')
  return addon && (impl === 'native' || (impl === 'auto' && nativeFusedActive())) ? addon : null
}

/** An addon built before seeded masks gets the same masks as tensors. */
function withSeedsFor(args: RnnArgs, addon: NativeAddon): RnnArgs {
  return addon.rnnFeatures?.includes('seededDropout') ? args : withMaskTensors(args)
}

/** args with dropoutSeed turned into the mask tensors it stands for. */
function withMaskTensors(args: RnnArgs): RnnArgs {
  if (!args.dropoutSeed) return args
  const {keepProb, seed} = args.dropoutSeed
  return {...args, dropoutSeed: undefined, dropout: rnnDropoutMasks(args, keepProb, seed)}
}

/**
 * A dropout multiplier tensor: 1/keepProb with probability keepProb, else 0. With the native backend
 * the values come from the addon's generator (tfjs' randomUniform is JavaScript and would cost about
 * as much as the native RNN itself for the tutorial model's masks). Either way a seed reproduces them.
 */
export function dropoutMask(shape: number[], keepProb: number, seed?: number): tf.Tensor {
  const addon = loadNative()
  if (addon && nativeFusedActive()) {
    const s = seed ?? Math.floor(Math.random() * 2 ** 31)
    return withNativeBuffers([], [shape], (_, [out]) => addon.fillDropoutMask(out, keepProb, s))[0]
  }
  return tf.tidy(() => tf.mul(tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), keepProb), 'float32'), 1 / keepProb))
}

/**
 * Fresh masks for auDeep's DropoutWrapper (same keep probability on every layer's input and output).
 * Returns undefined for keepProb >= 1 (no dropout, e.g. at inference). seed makes them reproducible.
 */
export function rnnDropoutMasks(
  args: Pick<RnnArgs, 'x' | 'layers' | 'cell' | 'splitInput'>,
  keepProb: number,
  seed?: number,
): RnnDropoutMasks | undefined {
  if (keepProb >= 1) return undefined
  const {T, B, I, H, L, dirs} = rnnDims({...args})
  const seedOf = (d: number, l: number, which: 'input' | 'output') =>
    seed === undefined ? undefined : dropoutMaskSeed(seed, L, d, l, which)
  const input: tf.Tensor3D[][] = [],
    output: tf.Tensor3D[][] = []
  for (let d = 0; d < dirs; d++) {
    input.push([])
    output.push([])
    for (let l = 0; l < L; l++) {
      // Layer 0's input masks span all of x also with splitInput, so the mask stream does not depend on it.
      input[d].push(dropoutMask([T, B, l === 0 ? I : H], keepProb, seedOf(d, l, 'input')) as tf.Tensor3D)
      output[d].push(dropoutMask([T, B, H], keepProb, seedOf(d, l, 'output')) as tf.Tensor3D)
    }
  }
  return {input, output}
}
