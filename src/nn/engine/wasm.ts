// Initialises tfjs' wasm backend from the package's own .wasm files (no network: setWasmPaths gets a
// file path, which the Node build reads with fs).
import * as tf from '../tf.js'
import {createRequire} from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
// require(), not import: see ../tf.ts (an ES import of this CommonJS bundle lexes it and tfjs-core again).
const {setWasmPaths} = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')

let pathsSet = false

export function wasmDistDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))
}

/** Makes 'wasm' the active tfjs backend. */
export async function activateWasm(): Promise<void> {
  if (!pathsSet) {
    setWasmPaths(wasmDistDir() + path.sep)
    pathsSet = true
  }
  if (tf.getBackend() === 'wasm') return
  const ok = await tf.setBackend('wasm')
  if (!ok) throw new Error('could not initialise the tfjs wasm backend')
  await tf.ready()
}
