// The fused recurrent op: one native call for the forward pass over all layers and directions, one
// for BPTT, wired into tfjs autodiff with tf.customGrad. customGrad ops have one output, so the op
// returns [output | finalState] packed in a 1-D tensor that is sliced back apart (slices are
// differentiable, so gradients of either part reach the op).
import * as tf from '../tf.js'
import {withNativeBuffers} from './heap.js'
import type {NativeAddon, NativeRnnConfig, NativeWorkspace} from './native.js'
import {dropoutMaskSeed, rnnDims, rnnStateSize, type RnnArgs, type RnnResult} from './types.js'

/** Thrown when a native call was cut short by NativeAddon.abort(). */
export class NativeAbortedError extends Error {
  constructor() {
    super('native RNN call aborted')
    this.name = 'NativeAbortedError'
  }
}

// Workspaces keep the forward pass for BPTT. They are pooled per shape so steady-state training
// reuses the same native buffers every batch; one is held from forward until its backward runs.
interface Pooled {
  ws: NativeWorkspace
  bytes: number
}
const pool = new Map<string, Pooled[]>()
let created = 0
let pooledBytes = 0
let largestBytes = 0
const acquire = (addon: NativeAddon, key: string, bytes: number) => {
  largestBytes = Math.max(largestBytes, bytes)
  const entry = pool.get(key)?.pop()
  if (entry) {
    pooledBytes -= entry.bytes
    return entry.ws
  }
  created++
  return addon.createWorkspace()
}

/** How many native workspaces were ever created, and how many sit in the pool (for tests/diagnostics). */
export function nativeWorkspaceStats(): {created: number; pooled: number} {
  let pooled = 0
  for (const l of pool.values()) pooled += l.length
  return {created, pooled}
}

// The pool keeps what one training step used: a t-rae tutorial step holds two workspaces (~380 MB), a
// decoder fed its own outputs one per step of its sequence (13 single-step calls for f-rae's tutorial
// windows). A count cap of six dropped those every batch (re-allocating them: ~25K page faults per f-rae
// batch in the training step measured alone). The cap, 1.5 GiB or twice the largest workspace if more (a large t-rae's encoder and
// decoder), is about what such a step holds during its forward pass anyway; beyond it the least recently
// released shapes go first (GC frees them; the addon reports them to V8 as external memory).
const poolCap = () => Math.max(1.5 * 2 ** 30, 2 * largestBytes)

/** Bytes a workspace of this configuration holds after a training step (native/engine.h RnnWorkspace). */
function workspaceBytes(cfg: NativeRnnConfig): number {
  const {T, B, I, H, L, dirs, cell} = cfg
  const GH = (cell === 'gru' ? 3 : 4) * H
  let floats = 0
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? (cfg.splitInput ? I / dirs : I) : H
    // weights and packed copies; per row: input, its mask, gates, states (two for LSTM)
    floats += dirs * (3 * (inSize + H) * GH + T * B * (2 * inSize + GH + 2 * H) + B * H)
  }
  return 4 * (floats + dirs * T * B * (2 * H + I))
}

function release(key: string, ws: NativeWorkspace, bytes: number): void {
  const list = pool.get(key) ?? []
  pool.delete(key) // re-insert: Map order is the recency order
  list.push({ws, bytes})
  pool.set(key, list)
  pooledBytes += bytes
  for (const [k, l] of pool) {
    if (pooledBytes <= poolCap()) break
    if (k === key) continue
    for (const e of l) pooledBytes -= e.bytes
    pool.delete(k)
  }
  // One shape alone over the cap keeps what fits.
  while (pooledBytes > poolCap() && list.length > 1) pooledBytes -= list.shift()!.bytes
}

/** Drops pooled native buffers (they are also freed by GC). */
export function clearNativeWorkspaces(): void {
  pool.clear()
  pooledBytes = 0
}

function checkMask(m: tf.Tensor | null | undefined, shape: number[], what: string): tf.Tensor | null {
  if (!m) return null
  if (m.shape.length !== 3 || m.shape.some((v, i) => v !== shape[i]))
    throw new RangeError(`rnn: ${what} must be [${shape}], got [${m.shape}]`)
  return m
}

export function nativeRnn(args: RnnArgs, addon: NativeAddon): RnnResult {
  const {output, finalState} = nativeRnnParts(args, addon, 'both')
  return {output: output!, finalState: finalState!}
}

/** The final states alone: no per-step output is written, and none of its gradient read. */
export function nativeRnnFinalState(args: RnnArgs, addon: NativeAddon): tf.Tensor2D {
  return nativeRnnParts(args, addon, 'finalState').finalState!
}

/** The per-step output alone: it is the op's result as it stands, with no copy out of it or into its gradient. */
export function nativeRnnOutput(args: RnnArgs, addon: NativeAddon): tf.Tensor3D {
  return nativeRnnParts(args, addon, 'output').output!
}

function nativeRnnParts(
  args: RnnArgs,
  addon: NativeAddon,
  want: 'both' | 'output' | 'finalState',
): {output?: tf.Tensor3D; finalState?: tf.Tensor2D} {
  const dims = rnnDims(args)
  const {cell, T, B, I, H, L, dirs} = dims
  // Seeded masks (keepProb < 1) are made by the forward pass itself; keepProb >= 1 means no dropout.
  const seeded = args.dropoutSeed && args.dropoutSeed.keepProb < 1 ? args.dropoutSeed : undefined
  for (const [option, on] of [
    ['splitInput', dims.splitInput],
    ['backwardProcessingOrder', dims.backwardProcessingOrder],
    ['seededDropout', seeded !== undefined],
  ] as const)
    if (on && !addon.rnnFeatures?.includes(option))
      throw new Error(`rnn: the native addon predates the ${option} option; rebuild it (npm ci or npm rebuild)`)
  const S = rnnStateSize(cell, H, L, dirs)
  const cfg: NativeRnnConfig = {...dims, forgetBias: args.forgetBias ?? 1.0}
  const key = JSON.stringify(cfg)
  const bytes = workspaceBytes(cfg)
  if (seeded) {
    if (!(seeded.keepProb > 0)) throw new RangeError(`rnn: dropoutSeed.keepProb must be in (0, 1], got ${seeded.keepProb}`)
    cfg.dropoutKeepProb = seeded.keepProb
  }
  const n = dirs * L
  const kernels = args.layers.flatMap((d) => d.map((p) => p.kernel as tf.Tensor))
  const biases = args.layers.flatMap((d) => d.map((p) => p.bias as tf.Tensor))
  const inMasks: (tf.Tensor | null)[] = [],
    outMasks: (tf.Tensor | null)[] = [],
    inSeeds: (number | null)[] = [],
    outSeeds: (number | null)[] = []
  for (let d = 0; d < dirs; d++)
    for (let l = 0; l < L; l++) {
      // Layer-0 masks span all of x, also with splitInput (each direction then uses its own columns).
      inMasks.push(checkMask(args.dropout?.input?.[d]?.[l], [T, B, l === 0 ? I : H], `dropout.input[${d}][${l}]`))
      outMasks.push(checkMask(args.dropout?.output?.[d]?.[l], [T, B, H], `dropout.output[${d}][${l}]`))
      inSeeds.push(seeded ? dropoutMaskSeed(seeded.seed, L, d, l, 'input') : null)
      outSeeds.push(seeded ? dropoutMaskSeed(seeded.seed, L, d, l, 'output') : null)
    }
  const init = args.initialState ?? null
  const withOutput = want !== 'finalState',
    withFinal = want !== 'output'
  const yLen = withOutput ? T * B * dirs * H : 0,
    sLen = withFinal ? B * S : 0
  const inputs: tf.Tensor[] = [args.x, ...(init ? [init] : []), ...kernels, ...biases]
  const k0 = init ? 2 : 1

  const op = tf.customGrad((...fargs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ins = fargs.slice(0, inputs.length) as tf.Tensor[]
    // Only keep the forward pass when tfjs is recording for a gradient.
    const save = tf.engine().state.gradientDepth > 0
    const ws = acquire(addon, key, bytes)
    let ok = false
    const [packed] = withNativeBuffers([...ins, ...inMasks, ...outMasks], [[yLen + sLen]], (v, [out]) => {
      ok = addon.rnnForward(
        ws,
        cfg,
        v[0]!,
        init ? v[1] : null,
        v.slice(k0, k0 + n) as Float32Array[],
        v.slice(k0 + n, k0 + 2 * n) as Float32Array[],
        v.slice(k0 + 2 * n, k0 + 3 * n).map((m, i) => m ?? inSeeds[i]),
        v.slice(k0 + 3 * n, k0 + 4 * n).map((m, i) => m ?? outSeeds[i]),
        withOutput ? out.subarray(0, yLen) : null,
        withFinal ? out.subarray(yLen) : null,
        save,
      )
    })
    if (!save || !ok) release(key, ws, bytes)
    if (!ok) {
      packed.dispose()
      throw new NativeAbortedError()
    }
    return {
      value: packed,
      gradFunc: (dy: tf.Tensor) => {
        if (!save) throw new Error('rnn: backward requested for a forward pass that was not recorded')
        const wantDx = args.inputGradient !== false
        const shapes = [[T, B, I], ...(init ? [[B, S]] : []), ...kernels.map((k) => k.shape), ...biases.map((b) => b.shape)]
        let bok = false
        const grads = withNativeBuffers([dy], shapes, ([g], o) => {
          // x is data: its gradient is zeros, written in place (a tf.zeros is a fresh JavaScript array
          // copied into the heap: 4 MB and a thousand page faults per tutorial batch).
          if (!wantDx) o[0].fill(0)
          bok = addon.rnnBackward(
            ws,
            withOutput ? g!.subarray(0, yLen) : null,
            withFinal ? g!.subarray(yLen) : null,
            wantDx ? o[0] : null,
            init ? o[1] : null,
            o.slice(k0, k0 + n),
            o.slice(k0 + n, k0 + 2 * n),
          )
        })
        release(key, ws, bytes)
        if (!bok) {
          tf.dispose(grads)
          throw new NativeAbortedError()
        }
        return grads
      },
    }
  })

  return tf.tidy(() => {
    const packed = op(...inputs)
    if (!withOutput) return {finalState: packed.reshape([B, S]) as tf.Tensor2D}
    if (!withFinal) return {output: packed.reshape([T, B, dirs * H]) as tf.Tensor3D}
    const output = take(packed, 0, [T, B, dirs * H]) as tf.Tensor3D
    const finalState = take(packed, yLen, [B, S]) as tf.Tensor2D
    return {output, finalState}
  })
}

/**
 * A contiguous part of a 1-D tensor as a new tensor of the given shape, differentiable. Does what
 * slice+reshape would, but the stock wasm Slice reads the whole input through a copy of it first.
 */
export function take(packed: tf.Tensor, offset: number, shape: number[]): tf.Tensor {
  const len = shape.reduce((a, b) => a * b, 1)
  const total = packed.size
  const op = tf.customGrad((...a: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [out] = withNativeBuffers([a[0] as tf.Tensor], [shape], ([p], [o]) => o.set(p!.subarray(offset, offset + len)))
    return {
      value: out,
      gradFunc: (dy: tf.Tensor) =>
        withNativeBuffers([dy], [[total]], ([d], [g]) => {
          g.fill(0, 0, offset)
          g.set(d!, offset)
          g.fill(0, offset + len)
        })[0],
    }
  })
  return op(packed)
}
