// Native BatchMatMul / _FusedMatMul (and Tanh / Sigmoid / Reverse, and a sharing Identity) kernels for tfjs' wasm backend. The stock wasm kernel is fast only
// without transposes; backward passes use transposed products, where it falls to a scalar loop
// (1.5-1.9 GFLOP/s, see docs). Shapes or options the native path does not cover go to the stock kernel.
import * as tf from '../tf.js'
import type {NativeAddon} from './native.js'

type KernelFunc = tf.KernelConfig['kernelFunc']
const stock = new Map<string, tf.KernelConfig>()
const NAMES = ['BatchMatMul', '_FusedMatMul', 'Tanh', 'Sigmoid', 'Reverse', 'Identity', 'Slice', 'SplitV'] as const

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
  incRef(dataId: object): void
}

// The stock wasm Slice (and SplitV, which calls it) first reads the whole input out of the heap as a
// copy; the t-rae's slices of [T, B, 2H] activations made that ~50 ms of a tutorial step. These read
// through a view of the heap and copy only the slice, in runs of contiguous elements.
function copySlice(
  src: Float32Array,
  shape: readonly number[],
  begin: readonly number[],
  sizes: readonly number[],
  dst: Float32Array,
): void {
  const rank = shape.length
  // The innermost dims that are taken whole fold into one contiguous run.
  let k = rank - 1
  let run = 1
  while (k > 0 && sizes[k] === shape[k]) run *= shape[k--]
  run *= sizes[k] ?? 1
  const strides = new Array<number>(rank).fill(1)
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1]
  const index = new Array<number>(k).fill(0)
  const runs = sizes.slice(0, k).reduce((a, b) => a * b, 1)
  let out = 0
  for (let r = 0; r < runs; r++) {
    let offset = (begin[k] ?? 0) * (strides[k] ?? 1)
    for (let d = 0; d < k; d++) offset += (begin[d] + index[d]) * strides[d]
    dst.set(src.subarray(offset, offset + run), out)
    out += run
    for (let d = k - 1; d >= 0 && ++index[d] === sizes[d]; d--) index[d] = 0
  }
}

function sliceOf(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], sizes: number[]): tf.TensorInfo {
  const out = backend.makeOutput(sizes, x.dtype)
  if (size(sizes) > 0) copySlice(backend.typedArrayFromHeap(x), x.shape, begin, sizes, backend.typedArrayFromHeap(out))
  return out
}

function makeSlice(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x
    if (x.dtype === 'string' || x.shape.length === 0) return fallback(args)
    const {begin, size: sizes} = args.attrs as {begin: number | number[]; size?: number | number[]}
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, sizes)
    return sliceOf(args.backend as unknown as WasmBackendLike, x, b, s)
  }
}

function makeSplitV(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x
    if (x.dtype === 'string' || x.shape.length === 0) return fallback(args)
    const {numOrSizeSplits, axis} = args.attrs as {numOrSizeSplits: number | number[]; axis: number}
    const dim = tf.util.parseAxisParam(axis, x.shape)[0]
    const splits = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, dim)
    const begin = new Array<number>(x.shape.length).fill(0)
    return splits.map((n) => {
      const sizes = x.shape.slice()
      sizes[dim] = n
      const out = sliceOf(args.backend as unknown as WasmBackendLike, x, begin.slice(), sizes)
      begin[dim] += n
      return out
    })
  }
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

// Identity (tf.clone, and the engine's copies of every tensor a gradient needs) shares the data and
// counts a reference, as the stock Reshape and the cpu backend's Identity do: tensors are immutable, and
// nothing writes into a tensor's heap memory after the kernel that made it. The stock wasm kernel copies,
// which cost about a tenth of a tutorial training step (the saved activations and dropout masks).
function makeIdentity(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x
    if (x.dtype === 'string') return fallback(args)
    ;(args.backend as unknown as WasmBackendLike).incRef(x.dataId)
    return {dataId: x.dataId, shape: x.shape, dtype: x.dtype}
  }
}

/**
 * Replaces the wasm backend's BatchMatMul, _FusedMatMul, Tanh, Sigmoid, Reverse, Identity, Slice and SplitV
 * kernels with native ones (idempotent). Gradients are unchanged: tfjs defines them with other ops.
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
            : name === 'Identity'
              ? makeIdentity(k.kernelFunc)
              : name === 'Slice'
                ? makeSlice(k.kernelFunc)
                : name === 'SplitV'
                  ? makeSplitV(k.kernelFunc)
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
