// Moving tensor data between tfjs and the addon without copies where the backend allows it.
// On 'wasm', inputs are read as views into the wasm heap and outputs are allocated in the heap and
// written in place. Views are created only after every allocation of the call, because a heap growth
// detaches earlier views; the addon call that follows is synchronous, so nothing can grow the heap
// while native code holds the pointers.
import * as tf from '../tf.js'

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
  dataIdMap: {has(dataId: object): boolean}
}

function wasmBackend(): WasmBackendLike | null {
  return tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackendLike) : null
}

/**
 * Allocates float32 outputs of the given shapes, then calls fn with Float32Array views of the inputs
 * (null stays null) and of the outputs, and returns the outputs as tensors. fn must fill every output
 * element it needs and must not call into tfjs.
 */
export function withNativeBuffers(
  inputs: readonly (tf.Tensor | null)[],
  outShapes: readonly number[][],
  fn: (ins: (Float32Array | null)[], outs: Float32Array[]) => void,
): tf.Tensor[] {
  for (const t of inputs) if (t && t.dtype !== 'float32') throw new TypeError(`native engine: expected float32 tensors, got ${t.dtype}`)
  const wb = wasmBackend()
  if (wb) {
    // A tensor created under another backend is not in the wasm heap: read a copy of it (inputs are
    // only read). Copies first, views after every allocation.
    const foreign = inputs.map((t) => (t && !wb.dataIdMap.has(t.dataId) ? (t.dataSync() as Float32Array) : null))
    const infos = outShapes.map((s) => wb.makeOutput(s, 'float32'))
    const ins = inputs.map((t, i) => (t ? (foreign[i] ?? wb.typedArrayFromHeap(t)) : null))
    const outs = infos.map((i) => wb.typedArrayFromHeap(i))
    fn(ins, outs)
    return infos.map((i) => tf.engine().makeTensorFromTensorInfo(i))
  }
  // Other backends: read copies (dataSync), build outputs from fresh arrays.
  const ins = inputs.map((t) => (t ? (t.dataSync() as Float32Array) : null))
  const outs = outShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)))
  fn(ins, outs)
  return outs.map((o, i) => tf.tensor(o, outShapes[i], 'float32'))
}
