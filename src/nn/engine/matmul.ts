// Native BatchMatMul / _FusedMatMul (and Tanh / Sigmoid / Reverse) kernels for tfjs' wasm backend. The stock wasm kernel is fast only
// without transposes; backward passes use transposed products, where it falls to a scalar loop
// (1.5-1.9 GFLOP/s, see docs). Shapes or options the native path does not cover go to the stock kernel.
import * as tf from '@tensorflow/tfjs'
import type {NativeAddon} from './native.js'

type KernelFunc = tf.KernelConfig['kernelFunc']
const stock = new Map<string, tf.KernelConfig>()
const NAMES = ['BatchMatMul', '_FusedMatMul', 'Tanh', 'Sigmoid', 'Reverse'] as const

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i])

function activate(out: Float32Array, activation: string, alpha: number): boolean {
  switch (activation) {
    case 'linear':
      return true
    case 'relu':
      for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0
      return true
    case 'relu6':
      for (let i = 0; i < out.length; i++) out[i] = Math.min(6, Math.max(0, out[i]))
      return true
    case 'sigmoid':
      for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]))
      return true
    case 'elu':
      for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = Math.expm1(out[i])
      return true
    case 'leakyrelu':
      for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] *= alpha
      return true
    default:
      return false
  }
}

function makeKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>
    const attrs = (args.attrs ?? {}) as Record<string, unknown>
    const a = inputs.a!,
      b = inputs.b!,
      bias = inputs.bias
    const transA = !!attrs.transposeA,
      transB = !!attrs.transposeB
    const activation = (attrs.activation as string | undefined) ?? 'linear'
    const alpha = (attrs.leakyreluAlpha as number | undefined) ?? 0.2
    const supportedAct = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'].includes(activation)
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || inputs.preluActivationWeights || !supportedAct) return fallback(args)
    const ra = a.shape.length,
      rb = b.shape.length
    if (ra < 2 || rb < 2) return fallback(args)
    const M = transA ? a.shape[ra - 1] : a.shape[ra - 2]
    const K = transA ? a.shape[ra - 2] : a.shape[ra - 1]
    const N = transB ? b.shape[rb - 2] : b.shape[rb - 1]
    const batchShapeA = a.shape.slice(0, -2),
      batchShapeB = b.shape.slice(0, -2)
    const batchA = size(batchShapeA),
      batchB = size(batchShapeB)
    let outBatch: number[]
    if (sameShape(batchShapeA, batchShapeB)) outBatch = batchShapeA
    else if (batchA === 1 && batchShapeA.length <= batchShapeB.length) outBatch = batchShapeB
    else if (batchB === 1 && batchShapeB.length <= batchShapeA.length) outBatch = batchShapeA
    else return fallback(args)
    const batch = size(outBatch)
    const outShape = [...outBatch, M, N]
    if (bias && bias.dtype !== 'float32') return fallback(args)
    const biasSize = bias ? size(bias.shape) : 0
    if (bias && !(biasSize === 1 || (biasSize === N && bias.shape[bias.shape.length - 1] === N) || sameShape(bias.shape, outShape)))
      return fallback(args)

    const backend = args.backend as unknown as WasmBackendLike
    const out = backend.makeOutput(outShape, 'float32')
    const A = backend.typedArrayFromHeap(a),
      B = backend.typedArrayFromHeap(b),
      C = backend.typedArrayFromHeap(out)
    const lda = transA ? M : K,
      ldb = transB ? K : N
    const strideA = batchA === 1 ? 0 : M * K,
      strideB = batchB === 1 ? 0 : K * N
    for (let i = 0; i < batch; i++) {
      addon.sgemm(
        transA,
        transB,
        M,
        N,
        K,
        strideA ? A.subarray(i * strideA, (i + 1) * strideA) : A,
        lda,
        strideB ? B.subarray(i * strideB, (i + 1) * strideB) : B,
        ldb,
        batch > 1 ? C.subarray(i * M * N, (i + 1) * M * N) : C,
        N,
        false,
      )
    }
    if (bias) {
      const bv = backend.typedArrayFromHeap(bias)
      if (biasSize === 1) for (let i = 0; i < C.length; i++) C[i] += bv[0]
      else if (biasSize === N) for (let i = 0; i < C.length; i += N) for (let j = 0; j < N; j++) C[i + j] += bv[j]
      else for (let i = 0; i < C.length; i++) C[i] += bv[i]
    }
    activate(C, activation, alpha)
    return out
  }
}

// Tanh and Sigmoid: the stock wasm kernels are scalar (~30 ns per value); the autoencoders apply tanh
// to every reconstructed frame.
function makeUnary(addon: NativeAddon, kind: 0 | 1, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x
    if (x.dtype !== 'float32') return fallback(args)
    const backend = args.backend as unknown as WasmBackendLike
    const out = backend.makeOutput(x.shape, 'float32')
    addon.unary(kind, backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out))
    return out
  }
}

// Reverse along the leading axis (time reversal of [T, B, F], done every t-rae batch) is a copy of
// contiguous blocks; the stock wasm kernel takes ~40 ms for the tutorial batch. Other axes: stock.
function makeReverse(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x
    const raw = (args.attrs as {dims?: number | number[]}).dims
    const dims = (Array.isArray(raw) ? raw : [raw ?? 0]).map((d) => (d < 0 ? d + x.shape.length : d))
    const leading = x.shape.length >= 1 && dims.every((d) => d === 0 || x.shape[d] === 1) && dims.includes(0)
    if (!leading || x.dtype !== 'float32') return fallback(args)
    const backend = args.backend as unknown as WasmBackendLike
    const out = backend.makeOutput(x.shape, 'float32')
    const src = backend.typedArrayFromHeap(x),
      dst = backend.typedArrayFromHeap(out)
    const T = x.shape[0],
      block = T ? src.length / T : 0
    for (let t = 0; t < T; t++) dst.set(src.subarray((T - 1 - t) * block, (T - t) * block), t * block)
    return out
  }
}

/**
 * Replaces the wasm backend's BatchMatMul, _FusedMatMul, Tanh, Sigmoid and Reverse kernels with native ones
 * (idempotent). Gradients are unchanged: tfjs defines them with other ops.
 */
export function registerNativeMatMul(addon: NativeAddon): void {
  for (const name of NAMES) {
    if (stock.has(name)) continue
    const k = tf.getKernel(name, 'wasm')
    if (!k) throw new Error(`tfjs wasm backend has no ${name} kernel`)
    stock.set(name, k)
    tf.unregisterKernel(name, 'wasm')
    const kernelFunc =
      name === 'Tanh'
        ? makeUnary(addon, 0, k.kernelFunc)
        : name === 'Sigmoid'
          ? makeUnary(addon, 1, k.kernelFunc)
          : name === 'Reverse'
            ? makeReverse(k.kernelFunc)
            : makeKernel(addon, k.kernelFunc)
    tf.registerKernel({...k, kernelFunc})
  }
}

/** Restores the stock wasm kernels. */
export function unregisterNativeMatMul(): void {
  for (const name of NAMES) {
    const k = stock.get(name)
    if (!k) continue
    tf.unregisterKernel(name, 'wasm')
    tf.registerKernel(k)
    stock.delete(name)
  }
}

export function nativeMatMulRegistered(): boolean {
  return stock.size > 0
}
