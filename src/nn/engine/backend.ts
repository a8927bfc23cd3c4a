// Backend selection: which tfjs backend runs the models and whether the native kernels are active.
//   native     = tfjs 'wasm' backend + native sgemm for BatchMatMul/_FusedMatMul + fused native RNN ops
//   wasm, cpu  = stock tfjs backends (RNNs use the pure-tfjs reference ops)
//   tensorflow = @tensorflow/tfjs-node (libtensorflow, CPU), if the user installed it
//   gpu        = @tensorflow/tfjs-node-gpu (libtensorflow with CUDA), if the user installed it
import * as tf from '../tf.js'
import {existsSync} from 'node:fs'
import {registerNativeMatMul, unregisterNativeMatMul} from './matmul.js'
import {loadNative, nativeLoadError} from './native.js'
import {activateWasm} from './wasm.js'
import type {BackendChoice} from '../options.js'

export {BACKEND_CHOICES, type BackendChoice} from '../options.js'
export type BackendName = Exclude<BackendChoice, 'auto'>

export interface EngineInfo {
  backend: BackendName
  /** The tfjs backend underneath ('wasm' for native). */
  tfBackend: string
  /** Native instruction set in use, for 'native'. */
  isa?: string
  threads?: number
  /** One line saying what was picked and why (for the log). */
  description: string
  warnings: string[]
}

let current: EngineInfo | null = null
let fusedActive = false

/** True when rnn() should use the native fused kernels. */
export function nativeFusedActive(): boolean {
  return fusedActive && tf.getBackend() === 'wasm'
}

export function currentEngine(): EngineInfo | null {
  return current
}

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name)
    return true
  } catch {
    return false
  }
}

async function useTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<void> {
  try {
    await import(pkg)
  } catch (e) {
    throw new Error(`${pkg} is not installed or cannot load (${(e as Error).message.split('\n')[0]}). See docs/backends.md.`)
  }
  if (!(await tf.setBackend('tensorflow')))
    throw new Error(`${pkg} loaded but its 'tensorflow' backend did not initialise (is it the same version as @tensorflow/tfjs?)`)
}

/**
 * Activates a backend. 'auto' prefers gpu (tfjs-node-gpu installed and, on Linux, an NVIDIA device) > native > tensorflow (tfjs-node)
 * > wasm: on CPUs the fused native kernels do a whole sequence per call, while tfjs-node dispatches a
 * dozen small libtensorflow ops per time step. If the addon is missing, auto warns and uses wasm.
 * Throws for an explicit choice that is unavailable.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<EngineInfo> {
  const warnings: string[] = []
  let picked: BackendName
  let why = ''
  if (choice === 'auto') {
    const gpuDevice = process.platform !== 'linux' || existsSync('/dev/nvidia0')
    const gpuPackage = await tryImport('@tensorflow/tfjs-node-gpu')
    if (gpuPackage && !gpuDevice) warnings.push('@tensorflow/tfjs-node-gpu is installed but no NVIDIA device was found; not using it.')
    if (gpuPackage && gpuDevice) {
      picked = 'gpu'
      why = '@tensorflow/tfjs-node-gpu is installed'
    } else if (loadNative()) {
      picked = 'native'
      why = 'native engine available'
    } else if (await tryImport('@tensorflow/tfjs-node')) {
      picked = 'tensorflow'
      why = '@tensorflow/tfjs-node is installed, native engine is not'
    } else {
      picked = 'wasm'
      why = 'native engine unavailable'
      warnings.push(
        `native compute engine not available (${nativeLoadError()}); falling back to wasm, which trains RNNs much more slowly. ` +
          'Rebuild it with `node scripts/build-native.mjs`.',
      )
    }
  } else {
    picked = choice
  }

  unregisterNativeMatMul()
  fusedActive = false
  let info: EngineInfo
  switch (picked) {
    case 'native': {
      const addon = loadNative()
      if (!addon) throw new Error(`backend native: the native addon is not available (${nativeLoadError()})`)
      await activateWasm()
      registerNativeMatMul(addon)
      fusedActive = true
      info = {
        backend: 'native',
        tfBackend: 'wasm',
        isa: addon.isa(),
        threads: addon.numThreads(),
        warnings,
        description: `native (fused RNN kernels, ${addon.isa()}, ${addon.numThreads()} threads, on tfjs wasm)`,
      }
      break
    }
    case 'wasm':
      await activateWasm()
      info = {backend: 'wasm', tfBackend: 'wasm', warnings, description: 'wasm (tfjs WebAssembly backend)'}
      break
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('could not initialise the tfjs cpu backend')
      info = {backend: 'cpu', tfBackend: 'cpu', warnings, description: 'cpu (tfjs plain JavaScript backend)'}
      break
    case 'tensorflow':
      await useTfjsNode('@tensorflow/tfjs-node')
      info = {backend: 'tensorflow', tfBackend: 'tensorflow', warnings, description: 'tensorflow (@tensorflow/tfjs-node, CPU)'}
      break
    case 'gpu':
      await useTfjsNode('@tensorflow/tfjs-node-gpu')
      info = {backend: 'gpu', tfBackend: 'tensorflow', warnings, description: 'gpu (@tensorflow/tfjs-node-gpu)'}
      break
  }
  await tf.ready()
  if (choice === 'auto') info.description += ` [auto: ${why}]`
  current = info
  return info
}
