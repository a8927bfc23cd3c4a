// Loads the optional C++ addon (build/Release/audeep_native.node, built by `npm ci` through
// scripts/build-native.mjs). Absence is not an error: callers fall back to the wasm backend.
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {RnnDims} from './types.js'

export type NativeIsa = 'avx512' | 'avx2' | 'portable'

/** Shape description shared by rnnForward/rnnBackward. See docs in ./rnn.ts for layouts. */
export interface NativeRnnConfig extends RnnDims {
  forgetBias?: number
  /** keepProb of the masks given as seeds in rnnForward's inMasks/outMasks ('seededDropout'). */
  dropoutKeepProb?: number
}

/** Opaque handle to native buffers that keep a forward pass for its backward pass. */
export type NativeWorkspace = {readonly __brand: 'NativeWorkspace'}

/** One MLP fit for NativeAddon.mlpTrain. Every typed array must stay untouched until the promise settles. */
export interface NativeMlpJob {
  /** n x sizes[0], row-major. */
  x: Float32Array
  /** Output-unit index per row. */
  targets: Int32Array
  /** Layer widths, input first. */
  sizes: Int32Array
  /** Per layer, in x out row-major; initial values in, trained values out. */
  weights: Float32Array[]
  biases: Float32Array[]
  n: number
  batch: number
  epochs: number
  /** tf.dropout's float32 keep probability and 1 / keep. */
  keep: number
  scale: number
  dropout: boolean
  reluLogits: boolean
  learningRate: number
  /** Alea states [s0, s1, s2, c], one per dropout mask in draw order (step, then hidden layer). */
  states: Float64Array
  /** Row order per epoch (epochs x n) for shuffled minibatches, else null. */
  orders: Int32Array | null
  /** Set cancel[0] to 1 to stop the fit; it then resolves with cancelled: true. */
  cancel: Int32Array
}

/** The raw addon. Every array argument is a Float32Array (or null where stated). */
export interface NativeAddon {
  isa(): NativeIsa
  /** Returns false if this CPU cannot run the path. */
  setIsa(isa: NativeIsa): boolean
  supportedIsas(): NativeIsa[]
  numThreads(): number
  setNumThreads(n: number): void
  /** Asks running kernels to return early (they then report false). */
  abort(): void
  /** Row-major C[M,N] (+)= op(A) op(B). */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    C: Float32Array,
    ldc: number,
    accumulate: boolean,
  ): void
  /** kind 0: out = tanh(in); kind 1: out = sigmoid(in). */
  unary(kind: 0 | 1, input: Float32Array, out: Float32Array): void
  /** out[i] = 1/keepProb with probability keepProb, else 0; reproducible from seed. */
  fillDropoutMask(out: Float32Array, keepProb: number, seed: number): void
  /**
   * tfjs' Adam update in float32, in place (native/mlp.cc). constants: [1 - b1^t, 1 - b2^t, b1, b2, 1 - b1,
   * 1 - b2, epsilon, -learningRate]. Absent from addons built before it existed.
   */
  adamStep?(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, constants: Float32Array): void
  /**
   * The autoencoder's Adam step (src/nn/adam.ts, native/adam.cc) in float32, bit-identical to its tfjs ops:
   * m' = m*b1 + g*(1-b1); v' = v*b2 + g*g*(1-b2); w' = w - lrT * (m' / (sqrt(v') + eps)). Outputs must not
   * overlap inputs. constants: [b1, 1 - b1, b2, 1 - b2, epsilon, lrT]. Absent from addons built before it existed.
   */
  adamTf1Step?(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    wOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    constants: Float32Array,
  ): void
  /**
   * tf.dropout's multipliers from an Alea state [s0, s1, s2, c] (advanced in place): see src/core/alea.ts.
   * Absent from addons built before it existed.
   */
  aleaDropoutMask?(out: Float32Array, keep: number, scale: number, state: Float64Array): void
  /**
   * A whole MLP fit off the JavaScript thread (native/mlp.cc; see src/evaluate/mlp-fast.ts, trainMlpNative).
   * Weights and biases are updated in place. Absent from addons built before it existed.
   */
  mlpTrain?(job: NativeMlpJob): Promise<{finalLoss: number; cancelled: boolean}>
  /**
   * The t-rae's reconstruction head and loss (native/head.cc): y = tanh(x W + b) written to y, returns
   * sqrt(mean((t - y)^2)); x [N, D], W [D, F], b [F], t and y [N, F]. Bit-identical to the tfjs ops it
   * replaces. Absent from addons built before it existed.
   */
  headRmseForward?(
    x: Float32Array,
    W: Float32Array,
    b: Float32Array,
    t: Float32Array,
    y: Float32Array,
    N: number,
    D: number,
    F: number,
  ): number
  /** Its gradients, given the forward's y and loss, the loss's gradient dLoss and a gradient dy arriving at y directly. */
  headRmseBackward?(
    x: Float32Array,
    W: Float32Array,
    y: Float32Array,
    t: Float32Array,
    dy: Float32Array,
    dLoss: number,
    loss: number,
    dx: Float32Array,
    dW: Float32Array,
    db: Float32Array,
    N: number,
    D: number,
    F: number,
  ): void
  /** RNN options this build understands ('splitInput', 'backwardProcessingOrder', 'seededDropout'); absent before them. */
  readonly rnnFeatures?: readonly string[]
  createWorkspace(): NativeWorkspace
  rnnForward(
    ws: NativeWorkspace,
    cfg: NativeRnnConfig,
    x: Float32Array,
    init: Float32Array | null,
    kernels: Float32Array[],
    biases: Float32Array[],
    /** A mask, null (none), or with 'seededDropout' the seed fillDropoutMask would fill it from. */
    inMasks: (Float32Array | number | null)[],
    outMasks: (Float32Array | number | null)[],
    y: Float32Array | null,
    finalState: Float32Array | null,
    save: boolean,
  ): boolean
  rnnBackward(
    ws: NativeWorkspace,
    dy: Float32Array | null,
    dFinal: Float32Array | null,
    dx: Float32Array | null,
    dInit: Float32Array | null,
    dKernels: Float32Array[],
    dBiases: Float32Array[],
  ): boolean
}

let cached: {addon: NativeAddon | null; error: string | null} | undefined

function findAddon(): string | null {
  if (process.env.AUDEEP_NATIVE_ADDON) return process.env.AUDEEP_NATIVE_ADDON
  // This file runs from dist/src/nn/engine (or src/nn/engine under a TS loader): walk up to the package root.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 7; i++) {
    const candidate = path.join(dir, 'build', 'Release', 'audeep_native.node')
    if (existsSync(candidate)) return candidate
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return null
}

/** The addon, or null when it was not built / cannot load (see nativeLoadError()). Cached. */
export function loadNative(): NativeAddon | null {
  if (cached) return cached.addon
  if (process.env.AUDEEP_DISABLE_NATIVE) {
    cached = {addon: null, error: 'disabled by AUDEEP_DISABLE_NATIVE'}
    return null
  }
  const file = findAddon()
  if (!file) {
    cached = {addon: null, error: 'build/Release/audeep_native.node not found (native build skipped or failed)'}
    return null
  }
  try {
    const require = createRequire(import.meta.url)
    cached = {addon: require(file) as NativeAddon, error: null}
  } catch (e) {
    cached = {addon: null, error: `cannot load ${file}: ${(e as Error).message}`}
  }
  return cached.addon
}

export function nativeLoadError(): string | null {
  loadNative()
  return cached?.error ?? null
}
