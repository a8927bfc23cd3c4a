// Builds the optional native compute engine (build/Release/audeep_native.node) with node-gyp.
// Runs from `npm ci` / `npm install` ("install" script). A failed build is not fatal: it prints a
// warning and exits 0, and audeep then runs on the wasm backend.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

if (process.env.AUDEEP_SKIP_NATIVE) {
  console.warn('audeep: AUDEEP_SKIP_NATIVE is set, not building the native engine (wasm backend will be used).')
  process.exit(0)
}

let gypBin
try {
  gypBin = require.resolve('node-gyp/bin/node-gyp.js')
} catch {
  console.warn('audeep: node-gyp is not installed; skipping the native engine (wasm backend will be used).')
  process.exit(0)
}

const args = [gypBin, 'rebuild']
// Offline machines cannot download Node's headers; when this Node ships them, point node-gyp at them.
const prefix = path.resolve(path.dirname(process.execPath), '..')
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`)
if (process.env.AUDEEP_NATIVE_JOBS) args.push(`--jobs=${process.env.AUDEEP_NATIVE_JOBS}`)
else args.push('--jobs=max')

const res = spawnSync(process.execPath, args, {cwd: root, stdio: 'inherit'})
if (res.status !== 0) {
  console.warn(
    '\naudeep: WARNING: building the native compute engine failed (see above). Everything still works on the ' +
      'wasm backend, but training is much slower. Install a C++20 compiler, make and python3, then run ' +
      '`node scripts/build-native.mjs`.',
  )
}
process.exit(0)
