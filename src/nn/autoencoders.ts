// The three recurrent autoencoders of auDeep (audeep-reference.md §4.3-4.5), written once on the engine's
// rnn op so that they run on every backend. Tensors are time-major [T, B, F] inside; batches arrive as
// stored, [B, T, F].

import * as tf from './tf.js'
import {withNativeBuffers} from './engine/heap.js'

import {UserError} from '../core/errors.js'
import {Random} from '../core/random.js'
import {type CellType, nativeHeadAddon, nativeTanhLinearRmse} from './engine/index.js'
import {type DecoderVariant, LEGACY_DECODER_VARIANT} from './options.js'
import {applyLinear, type Linear, ParamStore} from './params.js'
import {FeedPreviousDecoder, frameNoise, type RnnArchitecture, RnnStack, shiftRight, stateSize} from './rnn-stack.js'

export type AutoencoderKind = 't-rae' | 'f-rae' | 'ft-rae'

// The decoder variants (which of auDeep's bidirectional t-rae decoders) are declared in options.ts.
export {architecture, DECODER_VARIANTS, type DecoderVariant, LEGACY_DECODER_VARIANT} from './options.js'

export interface FrequencyWindows {
  width: number
  overlap: number
}

export interface TimeAutoencoderConfig {
  kind: 't-rae'
  numFeatures: number
  encoder: RnnArchitecture
  decoder: RnnArchitecture
  maskSilence: boolean
  /** Absent in checkpoints written before the option existed: LEGACY_DECODER_VARIANT. */
  decoderVariant?: DecoderVariant
}

export interface FrequencyAutoencoderConfig {
  kind: 'f-rae'
  numFeatures: number
  encoder: RnnArchitecture
  decoder: RnnArchitecture
  windows: FrequencyWindows
}

export interface FrequencyTimeAutoencoderConfig {
  kind: 'ft-rae'
  numFeatures: number
  freqEncoder: RnnArchitecture
  freqDecoder: RnnArchitecture
  timeEncoder: RnnArchitecture
  timeDecoder: RnnArchitecture
  windows: FrequencyWindows
}

export type AutoencoderConfig = TimeAutoencoderConfig | FrequencyAutoencoderConfig | FrequencyTimeAutoencoderConfig

/** Regularisation applied while training; generation uses NO_NOISE. */
export interface TrainingNoise {
  keepProb: number
  /** t-rae/f-rae encoder noise, or ft-rae's [frequency, time] encoder noise. */
  encoderNoise: number
  timeEncoderNoise?: number
  feedPreviousProb: number
  timeFeedPreviousProb?: number
}

export const NO_NOISE: TrainingNoise = {keepProb: 1, encoderNoise: 0, timeEncoderNoise: 0, feedPreviousProb: 0, timeFeedPreviousProb: 0}

export interface ForwardResult {
  loss: tf.Scalar
  /** [B, T, F] in the targets' (reversed) order. */
  targets: tf.Tensor3D
  reconstruction: tf.Tensor3D
  /** The batch's representations (what `generate` writes), for TensorBoard summaries. */
  representation: tf.Tensor
}

export interface Autoencoder {
  readonly config: AutoencoderConfig
  readonly params: ParamStore
  forward(batch: tf.Tensor3D, noise: TrainingNoise, random: Random): ForwardResult
  /** The learned representation of a batch [B, T, F]: [B, D], or [B, T, S] for f-rae. */
  represent(batch: tf.Tensor3D): tf.Tensor
  /** Feature dimensions of the generated data set for inputs with T frames. */
  representationLayout(frames: number): {dims: string[]; shape: number[]}
}

function rmse(targets: tf.Tensor, reconstruction: tf.Tensor): tf.Scalar {
  return tf.sqrt(meanAll(tf.squaredDifference(targets, reconstruction))) as tf.Scalar
}

/**
 * The reconstruction tanh(x W + b) of targets [..., F] from decoder outputs x [..., D], and its RMSE: with the
 * native engine one op for the head and the loss (src/nn/engine/head.ts, the same bits), else the tfjs ops.
 */
function tanhLinearRmse(layer: Linear, x: tf.Tensor, targets: tf.Tensor): {loss: tf.Scalar; reconstruction: tf.Tensor} {
  const addon = nativeHeadAddon()
  if (addon) {
    const [D, F] = layer.weights.shape
    const N = targets.size / F
    const r = nativeTanhLinearRmse(x.reshape([N, D]), layer.weights, layer.bias, targets.reshape([N, F]), addon)
    return {loss: r.loss, reconstruction: r.reconstruction.reshape(targets.shape)}
  }
  const reconstruction = tf.tanh(applyLinear(layer, x))
  return {loss: rmse(targets, reconstruction), reconstruction}
}

// tf.mean over every element, with the gradient tfjs' own Mean gradient computes, (dy * ones(x.shape)) / n,
// built without its ones tensor: dy * 1 is dy, so every element is the float32 dy / n, which tfjs divides
// here as before and which is then copied into the whole output. tfjs fills that ones tensor (a batch's
// size) in JavaScript and copies it into the wasm heap every step; its Tile kernel is slower still.
export const meanAll = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = a[0] as tf.Tensor
  const ones = x.shape.map(() => 1)
  return {
    value: tf.mean(x),
    gradFunc: (dy: tf.Tensor) => {
      const q = tf.div(tf.reshape(dy, ones), x.size)
      return withNativeBuffers([q], [x.shape], ([v], [out]) => out.fill(v![0]))[0]
    },
  }
}) as (x: tf.Tensor) => tf.Scalar

function timeMajor(batch: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(batch, [1, 0, 2])
}

// -----------------------------------------------------------------------------------------------------
// t-rae

export class TimeAutoencoder implements Autoencoder {
  readonly params: ParamStore
  private readonly encoder: RnnStack
  private readonly toRepresentation: Linear
  private readonly standardDecoder?: RnnStack
  private readonly feedPreviousDecoder?: FeedPreviousDecoder
  private readonly toReconstruction: Linear

  constructor(
    readonly config: TimeAutoencoderConfig,
    random: Random,
  ) {
    const {numFeatures: F, encoder, decoder} = config
    this.params = new ParamStore(random)
    this.encoder = new RnnStack(this.params, 'encoder', encoder, F)
    this.toRepresentation = this.params.linear('representation', stateSize(encoder), stateSize(decoder))
    let decoderOutput: number
    if (decoder.bidirectional && (config.decoderVariant ?? LEGACY_DECODER_VARIANT) === '2018') {
      this.standardDecoder = new RnnStack(this.params, 'decoder', decoder, F)
      decoderOutput = 2 * decoder.units
    } else {
      // Unidirectional, or the 2017 bidirectional decoder: one FeedPreviousRNN per direction.
      this.feedPreviousDecoder = new FeedPreviousDecoder(this.params, 'decoder', decoder, F, 'processing')
      decoderOutput = F * (decoder.bidirectional ? 2 : 1)
    }
    this.toReconstruction = this.params.linear('reconstruction', decoderOutput, F)
  }

  private encode(x: tf.Tensor3D, noise: TrainingNoise, random: Random): tf.Tensor2D {
    const finalState = this.encoder.finalState(
      frameNoise(x, noise.encoderNoise, random),
      undefined,
      {keepProb: noise.keepProb, random},
      true,
    )
    return tf.tanh(applyLinear(this.toRepresentation, finalState)) as tf.Tensor2D
  }

  forward(batch: tf.Tensor3D, noise: TrainingNoise, random: Random): ForwardResult {
    const x = timeMajor(batch)
    const targets = tf.reverse(x, 0) as tf.Tensor3D
    const representation = this.encode(x, noise, random)
    if (this.config.maskSilence) {
      const reconstruction = this.decode(targets, representation, noise, random)
      return {loss: rmse(targets, reconstruction), targets: timeMajor(targets), reconstruction: timeMajor(reconstruction), representation}
    }
    const decoded = this.decoderOutput(targets, representation, noise, random)
    const {loss, reconstruction} = tanhLinearRmse(this.toReconstruction, decoded, targets)
    return {loss, targets: timeMajor(targets), reconstruction: timeMajor(reconstruction as tf.Tensor3D), representation}
  }

  /**
   * The decoder half: the reconstruction [T, B, F] of time-major targets (the input reversed in time)
   * from a representation. The decoder reads the targets only through its teacher-forcing inputs, which
   * is what the leak tests perturb.
   */
  decode(targets: tf.Tensor3D, representation: tf.Tensor2D, noise: TrainingNoise, random: Random): tf.Tensor3D {
    const decoded = this.decoderOutput(targets, representation, noise, random)
    let reconstruction = tf.tanh(applyLinear(this.toReconstruction, decoded)) as tf.Tensor3D
    if (this.config.maskSilence) {
      reconstruction = tf.where(tf.equal(targets, -1), tf.fill(targets.shape, -1), reconstruction) as tf.Tensor3D
    }
    return reconstruction
  }

  /** The decoder's outputs [T, B, D] before the reconstruction layer. */
  private decoderOutput(targets: tf.Tensor3D, representation: tf.Tensor2D, noise: TrainingNoise, random: Random): tf.Tensor3D {
    const decoderInputs = shiftRight(targets)
    const randomness = {keepProb: noise.keepProb, random}
    // The 2018 bidirectional decoder is a StandardRNN: auDeep ignores feed-previous for it.
    return this.standardDecoder
      ? this.standardDecoder.output(decoderInputs, representation, randomness, true)
      : this.feedPreviousDecoder!.run(decoderInputs, representation, noise.feedPreviousProb, randomness, true)
  }

  represent(batch: tf.Tensor3D): tf.Tensor {
    return this.encode(timeMajor(batch), NO_NOISE, new Random(0))
  }

  representationLayout(): {dims: string[]; shape: number[]} {
    return {dims: ['generated'], shape: [stateSize(this.config.decoder)]}
  }
}

// -----------------------------------------------------------------------------------------------------
// Frequency windows shared by f-rae and ft-rae

export function numWindows(numFeatures: number, windows: FrequencyWindows): number {
  const step = windows.width - windows.overlap
  if (step <= 0)
    throw new UserError(`--freq-window-overlap (${windows.overlap}) must be smaller than --freq-window-width (${windows.width})`)
  if (windows.width > numFeatures)
    throw new UserError(`--freq-window-width (${windows.width}) exceeds the ${numFeatures} frequency bands of the input`)
  return Math.floor((numFeatures - windows.width) / step) + 1
}

/** [N, F] frames -> [numWindows, N, width] window sequences along frequency. */
function frequencyWindows(frames: tf.Tensor2D, windows: FrequencyWindows): tf.Tensor3D {
  const count = numWindows(frames.shape[1], windows)
  const step = windows.width - windows.overlap
  const parts = Array.from({length: count}, (_, i) => frames.slice([0, i * step], [-1, windows.width]))
  return tf.stack(parts, 0) as tf.Tensor3D
}

/** Decoder outputs [W, N, out] -> reconstruction [N, F] through tanh(linear). */
function windowsToFrames(decoded: tf.Tensor3D, layer: Linear): tf.Tensor2D {
  const [W, N, out] = decoded.shape
  const flat = tf.transpose(decoded, [1, 0, 2]).reshape([N, W * out])
  return tf.tanh(applyLinear(layer, flat)) as tf.Tensor2D
}

// -----------------------------------------------------------------------------------------------------
// f-rae

export class FrequencyAutoencoder implements Autoencoder {
  readonly params: ParamStore
  private readonly encoder: RnnStack
  private readonly toRepresentation: Linear
  private readonly decoder: FeedPreviousDecoder
  private readonly toReconstruction: Linear

  constructor(
    readonly config: FrequencyAutoencoderConfig,
    random: Random,
  ) {
    const {numFeatures: F, encoder, decoder, windows} = config
    const W = numWindows(F, windows)
    this.params = new ParamStore(random)
    this.encoder = new RnnStack(this.params, 'encoder', encoder, windows.width)
    this.toRepresentation = this.params.linear('representation', stateSize(encoder), stateSize(decoder))
    this.decoder = new FeedPreviousDecoder(this.params, 'decoder', decoder, windows.width)
    this.toReconstruction = this.params.linear('reconstruction', W * windows.width * (decoder.bidirectional ? 2 : 1), F)
  }

  private encode(frames: tf.Tensor2D, noise: TrainingNoise, random: Random): {windows: tf.Tensor3D; representation: tf.Tensor2D} {
    const windows = frequencyWindows(frames, this.config.windows)
    const finalState = this.encoder.finalState(
      frameNoise(windows, noise.encoderNoise, random),
      undefined,
      {keepProb: noise.keepProb, random},
      true,
    )
    return {windows, representation: tf.tanh(applyLinear(this.toRepresentation, finalState)) as tf.Tensor2D}
  }

  forward(batch: tf.Tensor3D, noise: TrainingNoise, random: Random): ForwardResult {
    const [B, T, F] = batch.shape
    const frames = batch.reshape([B * T, F]) as tf.Tensor2D
    const targets = tf.reverse(frames, 1)
    const {windows, representation} = this.encode(frames, noise, random)
    const reconstruction = this.decode(windows, representation, noise, random)
    return {
      loss: rmse(targets, reconstruction),
      targets: targets.reshape([B, T, F]),
      reconstruction: reconstruction.reshape([B, T, F]),
      representation,
    }
  }

  /**
   * The decoder half: the reconstruction [N, F] (frequency reversed) from the encoder's frequency windows
   * [W, N, width], which the decoder reads (reversed in window order, shifted) as its teacher-forcing inputs.
   */
  decode(windows: tf.Tensor3D, representation: tf.Tensor2D, noise: TrainingNoise, random: Random): tf.Tensor2D {
    const decoderInputs = shiftRight(tf.reverse(windows, 0) as tf.Tensor3D)
    const decoded = this.decoder.run(decoderInputs, representation, noise.feedPreviousProb, {keepProb: noise.keepProb, random}, true)
    return windowsToFrames(decoded, this.toReconstruction)
  }

  represent(batch: tf.Tensor3D): tf.Tensor {
    const [B, T, F] = batch.shape
    const {representation} = this.encode(batch.reshape([B * T, F]) as tf.Tensor2D, NO_NOISE, new Random(0))
    return representation.reshape([B, T, -1])
  }

  representationLayout(frames: number): {dims: string[]; shape: number[]} {
    // auDeep built these dimensions from the input's shape, which fails unless N == T and F == S (§4.8).
    return {dims: ['generated_0', 'generated_1'], shape: [frames, stateSize(this.config.decoder)]}
  }
}

// -----------------------------------------------------------------------------------------------------
// ft-rae

export class FrequencyTimeAutoencoder implements Autoencoder {
  readonly params: ParamStore
  private readonly freqEncoder: RnnStack
  private readonly timeEncoder: RnnStack
  private readonly toRepresentation: Linear
  private readonly timeDecoder: FeedPreviousDecoder
  private readonly toFreqDecoderState: Linear
  private readonly freqDecoder: FeedPreviousDecoder
  private readonly toReconstruction: Linear

  constructor(
    readonly config: FrequencyTimeAutoencoderConfig,
    random: Random,
  ) {
    const {numFeatures: F, freqEncoder, freqDecoder, timeEncoder, timeDecoder, windows} = config
    const W = numWindows(F, windows)
    const fEncState = stateSize(freqEncoder)
    this.params = new ParamStore(random)
    this.freqEncoder = new RnnStack(this.params, 'f_encoder', freqEncoder, windows.width)
    this.timeEncoder = new RnnStack(this.params, 't_encoder', timeEncoder, fEncState)
    this.toRepresentation = this.params.linear('representation', stateSize(timeEncoder), stateSize(timeDecoder))
    this.timeDecoder = new FeedPreviousDecoder(this.params, 't_decoder', timeDecoder, fEncState)
    const timeDecoderOutput = fEncState * (timeDecoder.bidirectional ? 2 : 1)
    this.toFreqDecoderState = this.params.linear('f_decoder_state', timeDecoderOutput, stateSize(freqDecoder))
    this.freqDecoder = new FeedPreviousDecoder(this.params, 'f_decoder', freqDecoder, windows.width)
    this.toReconstruction = this.params.linear('reconstruction', W * windows.width * (freqDecoder.bidirectional ? 2 : 1), F)
  }

  private encode(x: tf.Tensor3D, noise: TrainingNoise, random: Random): {freqStates: tf.Tensor3D; representation: tf.Tensor2D} {
    const [T, B, F] = x.shape
    const windows = frequencyWindows(x.reshape([T * B, F]) as tf.Tensor2D, this.config.windows)
    const randomness = {keepProb: noise.keepProb, random}
    const finalState = this.freqEncoder.finalState(frameNoise(windows, noise.encoderNoise, random), undefined, randomness, true)
    const freqStates = finalState.reshape([T, B, -1]) as tf.Tensor3D
    const timeFinal = this.timeEncoder.finalState(frameNoise(freqStates, noise.timeEncoderNoise ?? 0, random), undefined, randomness)
    return {freqStates, representation: tf.tanh(applyLinear(this.toRepresentation, timeFinal)) as tf.Tensor2D}
  }

  forward(batch: tf.Tensor3D, noise: TrainingNoise, random: Random): ForwardResult {
    const x = timeMajor(batch)
    const {freqStates, representation} = this.encode(x, noise, random)
    const targets = tf.reverse(x, [0, 2]) as tf.Tensor3D
    const reconstruction = this.decode(freqStates, targets, representation, noise, random)
    return {loss: rmse(targets, reconstruction), targets: timeMajor(targets), reconstruction: timeMajor(reconstruction), representation}
  }

  /**
   * The decoder half: the reconstruction [T, B, F] of the targets (x reversed in time and frequency) from
   * a representation. The time decoder reads the frequency encoder's states [T, B, S] (reversed, shifted),
   * the frequency decoder windows of the targets (shifted): its teacher-forcing inputs.
   */
  decode(freqStates: tf.Tensor3D, targets: tf.Tensor3D, representation: tf.Tensor2D, noise: TrainingNoise, random: Random): tf.Tensor3D {
    const [T, B, F] = targets.shape
    const randomness = {keepProb: noise.keepProb, random}
    // The time decoder reconstructs the frequency encoder's states; no loss is placed on that directly.
    const timeInputs = shiftRight(tf.reverse(freqStates, 0) as tf.Tensor3D)
    const timeDecoded = this.timeDecoder.run(timeInputs, representation, noise.timeFeedPreviousProb ?? 0, randomness)
    const freqInitial = tf.tanh(applyLinear(this.toFreqDecoderState, timeDecoded)).reshape([T * B, -1]) as tf.Tensor2D
    const targetWindows = frequencyWindows(targets.reshape([T * B, F]) as tf.Tensor2D, this.config.windows)
    const decoded = this.freqDecoder.run(shiftRight(targetWindows), freqInitial, noise.feedPreviousProb, randomness, true)
    return windowsToFrames(decoded, this.toReconstruction).reshape([T, B, F]) as tf.Tensor3D
  }

  represent(batch: tf.Tensor3D): tf.Tensor {
    return this.encode(timeMajor(batch), NO_NOISE, new Random(0)).representation
  }

  representationLayout(): {dims: string[]; shape: number[]} {
    return {dims: ['generated'], shape: [stateSize(this.config.timeDecoder)]}
  }
}

export function createAutoencoder(config: AutoencoderConfig, random: Random): Autoencoder {
  switch (config.kind) {
    case 't-rae':
      return new TimeAutoencoder(config, random)
    case 'f-rae':
      return new FrequencyAutoencoder(config, random)
    case 'ft-rae':
      return new FrequencyTimeAutoencoder(config, random)
  }
}

/** A log line naming the decoder variant where it matters (a bidirectional t-rae decoder), else ''. */
export function describeModel(config: AutoencoderConfig): string {
  if (config.kind !== 't-rae' || !config.decoder.bidirectional) return ''
  const variant = config.decoderVariant ?? LEGACY_DECODER_VARIANT
  const legacy = config.decoderVariant === undefined ? ' (the run predates the option: what it was trained with)' : ''
  return `bidirectional decoder: auDeep's ${variant} variant${legacy}`
}
