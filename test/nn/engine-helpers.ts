// Shared helpers for the engine tests: deterministic random tensors and error measures.
import * as tf from '@tensorflow/tfjs'
import {rnnStateSize, type CellType, type RnnArgs, type RnnDims, type RnnLayerParams} from '../../src/nn/engine/index.js'

export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randTensor(shape: number[], r: () => number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(
    Float32Array.from({length: n}, () => (r() * 2 - 1) * scale),
    shape,
  )
}

export function maskTensor(shape: number[], r: () => number, keep: number): tf.Tensor3D {
  const n = shape.reduce((a, b) => a * b, 1)
  return tf.tensor3d(
    Float32Array.from({length: n}, () => (r() < keep ? 1 / keep : 0)),
    shape as [number, number, number],
  )
}

export interface Problem {
  args: RnnArgs
  /** Fixed random projections defining a scalar loss of (output, finalState). */
  wy: tf.Tensor
  ws: tf.Tensor
}

/** The engine's dimensions of a test problem (RnnDims without the flags, which come from the options below). */
export interface ProblemShape extends Omit<RnnDims, 'splitInput' | 'backwardProcessingOrder'> {
  init?: boolean
  dropout?: boolean
  /** RnnArgs.splitInput (dirs 2, even I): layer-0 kernels have I/2 + H rows. */
  split?: boolean
  /** RnnArgs.backwardOutputOrder 'processing'. */
  processingOrder?: boolean
}

export function makeProblem(o: ProblemShape, seed = 1): Problem {
  const r = rng(seed)
  const G = o.cell === 'gru' ? 3 : 4
  const layers: RnnLayerParams[][] = []
  for (let d = 0; d < o.dirs; d++) {
    layers.push([])
    for (let l = 0; l < o.L; l++) {
      const inSize = l === 0 ? (o.split ? o.I / 2 : o.I) : o.H
      layers[d].push({
        kernel: randTensor([inSize + o.H, G * o.H], r, 0.6) as tf.Tensor2D,
        bias: randTensor([G * o.H], r, 0.5) as tf.Tensor1D,
      })
    }
  }
  const S = rnnStateSize(o.cell, o.H, o.L, o.dirs)
  const args: RnnArgs = {
    cell: o.cell,
    x: randTensor([o.T, o.B, o.I], r) as tf.Tensor3D,
    layers,
    initialState: o.init ? (randTensor([o.B, S], r, 0.8) as tf.Tensor2D) : undefined,
  }
  if (o.split) args.splitInput = true
  if (o.processingOrder) args.backwardOutputOrder = 'processing'
  if (o.dropout) {
    args.dropout = {input: [], output: []}
    for (let d = 0; d < o.dirs; d++) {
      args.dropout.input!.push([])
      args.dropout.output!.push([])
      for (let l = 0; l < o.L; l++) {
        args.dropout.input![d].push(maskTensor([o.T, o.B, l === 0 ? o.I : o.H], r, 0.8))
        args.dropout.output![d].push(l === 1 ? null : maskTensor([o.T, o.B, o.H], r, 0.7))
      }
    }
  }
  return {args, wy: randTensor([o.T, o.B, o.dirs * o.H], r), ws: randTensor([o.B, S], r)}
}

/** Tensors the loss is differentiated against, in a fixed order. */
export function params(p: Problem): tf.Tensor[] {
  return [
    p.args.x,
    ...(p.args.initialState ? [p.args.initialState] : []),
    ...p.args.layers.flatMap((d) => d.flatMap((l) => [l.kernel, l.bias])),
  ]
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync(),
    y = b.dataSync()
  if (x.length !== y.length) throw new Error(`size mismatch ${a.shape} vs ${b.shape}`)
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]))
  return m
}

export function maxAbs(a: tf.Tensor): number {
  const x = a.dataSync()
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]))
  return m
}
