// Backend selection, the wasm fallback without the addon, forcing dispatch paths through the
// environment, and Ctrl-C during native calls (in child processes).
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import path from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {loadNative, selectBackend} from '../../src/nn/engine/index.js'

const addon = loadNative()
const skip = addon ? false : 'native addon not built'
const here = path.dirname(fileURLToPath(import.meta.url))
const engineUrl = new URL('../../src/nn/engine/index.js', import.meta.url).href
// The package root, so that children resolve @tensorflow/* like the tests do.
const root = path.resolve(here, '..', '..', '..')

function runChild(code: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    env: {...process.env, ...env},
    encoding: 'utf8',
    timeout: 60_000,
  })
}

test('auto selects the native engine when the addon is built and says so', {skip}, async () => {
  const info = await selectBackend('auto')
  assert.equal(info.backend, 'native')
  assert.equal(info.tfBackend, 'wasm')
  assert.match(info.description, /native/)
  assert.match(info.description, /auto/)
})

test('an unavailable explicit backend is a clear error', async () => {
  let installed = true
  try {
    await import('@tensorflow/tfjs-node' as string)
  } catch {
    installed = false
  }
  if (installed) return
  await assert.rejects(selectBackend('tensorflow'), /tfjs-node is not installed/)
  await selectBackend(addon ? 'native' : 'wasm')
})

test('without the addon, auto falls back to wasm with a warning and rnn still works', () => {
  const code = `
    import * as E from ${JSON.stringify(engineUrl)};
    import * as tf from '@tensorflow/tfjs';
    const info = await E.selectBackend('auto');
    const x = tf.ones([3, 2, 4]);
    const layers = [[{ kernel: tf.fill([4 + 5, 15], 0.1), bias: tf.zeros([15]) }]];
    const r = E.rnn({ cell: 'gru', x, layers });
    console.log(JSON.stringify({ backend: info.backend, warn: info.warnings.join(' '), shape: r.output.shape, finite: r.output.dataSync().every(Number.isFinite) }));
  `
  const res = runChild(code, {AUDEEP_DISABLE_NATIVE: '1'})
  assert.equal(res.status, 0, res.stderr)
  const out = JSON.parse(res.stdout.trim().split('\n').pop()!)
  assert.equal(out.backend, 'wasm')
  assert.match(out.warn, /native compute engine not available/)
  assert.deepEqual(out.shape, [3, 2, 5])
  assert.equal(out.finite, true)
})

test('AUDEEP_NATIVE_ISA forces each supported dispatch path', {skip}, () => {
  for (const isa of addon!.supportedIsas()) {
    const res = runChild(`import * as E from ${JSON.stringify(engineUrl)}; console.log(E.loadNative().isa());`, {AUDEEP_NATIVE_ISA: isa})
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stdout.trim().split('\n').pop(), isa)
  }
})

// A child that keeps the native kernels busy (each call tens of ms) and reports when it is running.
const busyChild = (withHandler: boolean) => `
  import * as E from ${JSON.stringify(engineUrl)};
  import * as tf from '@tensorflow/tfjs';
  await E.selectBackend('native');
  ${withHandler ? "process.on('SIGINT', () => { console.log('handled'); process.exit(130); });" : ''}
  const T = 100, B = 64, I = 64, H = 256;
  const x = tf.randomUniform([T, B, I]);
  const layers = [0, 1].map(() => [{ kernel: tf.variable(tf.randomUniform([I + H, 3 * H], -0.1, 0.1)), bias: tf.variable(tf.zeros([3 * H])) }]);
  let first = true;
  for (;;) {
    tf.tidy(() => {
      tf.variableGrads(() => tf.sum(E.rnn({ cell: 'gru', x, layers }).output));
    });
    if (first) { console.log('ready'); first = false; }
    await new Promise((r) => setImmediate(r));
  }
`

async function interruptChild(code: string): Promise<{code: number | null; signal: NodeJS.Signals | null; out: string; err: string}> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']})
  let out = '',
    err = ''
  child.stderr.on('data', (d) => (err += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child never became ready: ' + err)), 60_000)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  // Land the signal while a native call is running (the loop is almost entirely native time).
  await new Promise((r) => setTimeout(r, 250))
  child.kill('SIGINT')
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('exit', (code, signal) => {
      clearTimeout(killer)
      resolve({code, signal, out, err})
    })
  })
}

test('Ctrl-C during native calls ends the process normally (default handler)', {skip}, async () => {
  const r = await interruptChild(busyChild(false))
  assert.equal(r.signal, 'SIGINT', `expected death by SIGINT, got code ${r.code} signal ${r.signal}: ${r.err}`)
})

test('Ctrl-C during native calls reaches a JavaScript SIGINT handler, which can exit cleanly', {skip}, async () => {
  const r = await interruptChild(busyChild(true))
  assert.equal(r.code, 130, `code ${r.code} signal ${r.signal}: ${r.err}`)
  assert.match(r.out, /handled/)
  assert.doesNotMatch(r.err, /terminate|Aborted|core dumped|Segmentation/)
})

test('addon.abort() from another thread stops a running native call with NativeAbortedError', {skip}, async () => {
  const {Worker} = await import('node:worker_threads')
  const tf = await import('@tensorflow/tfjs')
  const {rnn, NativeAbortedError} = await import('../../src/nn/engine/index.js')
  await selectBackend('native')
  const flag = new Int32Array(new SharedArrayBuffer(4))
  const addonPath = process.env.AUDEEP_NATIVE_ADDON
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const { createRequire } = require('node:module');
     const addon = createRequire(workerData.base)(workerData.addon);
     parentPort.postMessage('loaded');
     Atomics.wait(workerData.flag, 0, 0);
     setInterval(() => addon.abort(), 50);`,
    {eval: true, workerData: {flag, base: import.meta.url, addon: addonPath ?? findAddonPath()}},
  )
  await new Promise<void>((resolve) => worker.once('message', () => resolve()))
  // ~0.5 s of work (100 MFLOP per step) against an abort every 50 ms: repeated, because on a loaded machine
  // the first one can land before the call has started (each call starts with the abort flag cleared).
  const T = 800,
    B = 32,
    H = 512
  const x = tf.zeros([T, B, 8]) as import('@tensorflow/tfjs').Tensor3D
  const layers = [
    [
      {
        kernel: tf.zeros([8 + H, 3 * H]) as import('@tensorflow/tfjs').Tensor2D,
        bias: tf.zeros([3 * H]) as import('@tensorflow/tfjs').Tensor1D,
      },
    ],
  ]
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
  const t0 = performance.now()
  assert.throws(() => rnn({cell: 'gru', x, layers}), NativeAbortedError)
  const elapsed = performance.now() - t0
  await worker.terminate()
  tf.dispose([x, layers[0][0].kernel, layers[0][0].bias])
  // The same kind of call still works afterwards.
  const ok = rnn({
    cell: 'gru',
    x: tf.ones([2, 1, 8]) as import('@tensorflow/tfjs').Tensor3D,
    layers: [
      [{kernel: tf.zeros([8 + 4, 12]) as import('@tensorflow/tfjs').Tensor2D, bias: tf.zeros([12]) as import('@tensorflow/tfjs').Tensor1D}],
    ],
  })
  assert.deepEqual(ok.output.shape, [2, 1, 4])
  assert.ok(elapsed < 60_000)
})

function findAddonPath(): string {
  return path.resolve(root, 'build', 'Release', 'audeep_native.node')
}

test('native vs reference outputs and gradients with each path forced by AUDEEP_NATIVE_ISA', {skip}, () => {
  const helpersUrl = new URL('./engine-helpers.js', import.meta.url).href
  const code = `
    import * as tf from '@tensorflow/tfjs';
    import * as E from ${JSON.stringify(engineUrl)};
    import { makeProblem, params, maxAbsDiff, maxAbs } from ${JSON.stringify(helpersUrl)};
    await E.selectBackend('native');
    const addon = E.loadNative();
    let worst = 0;
    for (const cell of ['gru', 'lstm']) {
      const p = makeProblem({ cell, T: 5, B: 11, I: 4, H: 13, L: 2, dirs: 2, init: true, dropout: true }, 5);
      const lossOf = (run) => (...xs) => {
        let i = 0;
        const a = { ...p.args, x: xs[i++], initialState: xs[i++], layers: p.args.layers.map((d) => d.map(() => ({ kernel: xs[i++], bias: xs[i++] }))) };
        const r = run(a);
        return tf.add(tf.sum(tf.mul(tf.tanh(r.output), p.wy)), tf.sum(tf.mul(r.finalState, p.ws)));
      };
      const gn = tf.grads(lossOf((a) => E.nativeRnn(a, addon)))(params(p));
      E.unregisterNativeMatMul();
      const gr = tf.grads(lossOf((a) => E.referenceRnn(a)))(params(p));
      E.registerNativeMatMul(addon);
      gn.forEach((g, i) => { worst = Math.max(worst, maxAbsDiff(g, gr[i]) / Math.max(1, maxAbs(gr[i]))); });
    }
    console.log(JSON.stringify({ isa: addon.isa(), worst }));
  `
  for (const isa of addon!.supportedIsas()) {
    const res = runChild(code, {AUDEEP_NATIVE_ISA: isa})
    assert.equal(res.status, 0, res.stderr)
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!)
    assert.equal(out.isa, isa)
    assert.ok(out.worst < 1e-4, `${isa}: relative gradient error ${out.worst}`)
  }
})
