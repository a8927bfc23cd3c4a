// Compute-engine benchmark: one training batch of the auDeep tutorial t-rae (batch 64, 125 steps,
// 128 features, 2x256 GRU encoder, bidirectional 2x256 GRU decoder, RMSE, Adam, clipping to [-2, 2],
// keep_prob 0.8) on the native engine and on plain tfjs wasm; inference throughput; sgemm GFLOP/s. The native
// figure paired with the peer is `t-rae train`'s own step (the product's model, loss and Adam, 2018 decoder
// like the peer); the wasm and LSTM rows use the bench's own compact model with tfjs' Adam.
// The PyTorch peer (../shared/peers/trae_torch.py at its best CPU setting) runs in turn with our batches in
// the same run and the ratio is taken pair by pair. Prints a report; it asserts nothing.
import * as tf from '@tensorflow/tfjs'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os, {tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  type CellType,
  loadNative,
  referenceRnn,
  rnn,
  rnnDropoutMasks,
  rnnStateSize,
  selectBackend,
  type RnnArgs,
  type RnnLayerParams,
  type RnnResult,
} from '../src/nn/engine/index.js'
import {Random} from '../src/core/random.js'
import {Adam} from '../src/nn/adam.js'
import {createAutoencoder, NO_NOISE} from '../src/nn/autoencoders.js'
import {NO_PEER, cpuModel, peerCommand, ratios} from './peers.js'

const F = 128,
  UNITS = 256,
  LAYERS = 2,
  BATCH = 64

interface TRae {
  cell: CellType
  enc: RnnLayerParams[][]
  dec: RnnLayerParams[][]
  wRep: tf.Variable
  bRep: tf.Variable
  wOut: tf.Variable
  bOut: tf.Variable
  vars: tf.Variable[]
}

function glorot(shape: number[], seed: number): tf.Variable {
  const fanIn = shape.length === 1 ? shape[0] : shape[0],
    fanOut = shape.length === 1 ? 0 : shape[1]
  const lim = Math.sqrt(6 / (fanIn + fanOut))
  return tf.variable(tf.randomUniform(shape, -lim, lim, 'float32', seed))
}

export function buildTRae(cell: CellType = 'gru'): TRae {
  let seed = 1
  const G = cell === 'gru' ? 3 : 4
  const stack = (dirs: number): RnnLayerParams[][] =>
    Array.from({length: dirs}, () =>
      Array.from({length: LAYERS}, (_, l) => ({
        kernel: glorot([(l === 0 ? F : UNITS) + UNITS, G * UNITS], seed++) as unknown as tf.Tensor2D,
        bias: tf.variable(
          cell === 'gru' ? tf.concat([tf.ones([2 * UNITS]), tf.zeros([UNITS])]) : tf.zeros([4 * UNITS]),
        ) as unknown as tf.Tensor1D,
      })),
    )
  const enc = stack(1),
    dec = stack(2)
  const encState = rnnStateSize(cell, UNITS, LAYERS, 1),
    decState = rnnStateSize(cell, UNITS, LAYERS, 2)
  const wRep = glorot([encState, decState], seed++),
    bRep = glorot([decState], seed++)
  const wOut = glorot([2 * UNITS, F], seed++),
    bOut = glorot([F], seed++)
  const vars = [...enc.flat(), ...dec.flat()].flatMap((p) => [p.kernel, p.bias] as unknown as tf.Variable[])
  vars.push(wRep, bRep, wOut, bOut)
  return {cell, enc, dec, wRep, bRep, wOut, bOut, vars}
}

type RnnFn = (a: RnnArgs) => RnnResult

/** Loss of one batch. x: [T, B, F] time-major. */
function tRaeLoss(m: TRae, x: tf.Tensor3D, run: RnnFn, keepProb: number, seed: number): tf.Scalar {
  const [T, B] = x.shape
  const targets = tf.reverse(x, 0)
  const encArgs: RnnArgs = {cell: m.cell, x, layers: m.enc, inputGradient: false}
  encArgs.dropout = rnnDropoutMasks(encArgs, keepProb, seed)
  const enc = run(encArgs)
  const rep = tf.tanh(tf.add(tf.matMul(enc.finalState, m.wRep), m.bRep)) as tf.Tensor2D
  const decInput = tf.concat([tf.zeros([1, B, F]), tf.slice(targets, [0, 0, 0], [T - 1, B, F])], 0) as tf.Tensor3D
  const decArgs: RnnArgs = {cell: m.cell, x: decInput, layers: m.dec, initialState: rep, inputGradient: false}
  decArgs.dropout = rnnDropoutMasks(decArgs, keepProb, seed + 1)
  const dec = run(decArgs)
  const flat = tf.reshape(dec.output, [T * B, 2 * UNITS])
  const recon = tf.reshape(tf.tanh(tf.add(tf.matMul(flat, m.wOut), m.bOut)), [T, B, F])
  return tf.sqrt(tf.mean(tf.squaredDifference(targets, recon))) as tf.Scalar
}

export function trainStep(m: TRae, opt: tf.Optimizer, x: tf.Tensor3D, run: RnnFn, seed: number): number {
  return tf.tidy(() => {
    const {value, grads} = tf.variableGrads(() => tRaeLoss(m, x, run, 0.8, seed), m.vars)
    const clipped: tf.NamedTensorMap = {}
    for (const k of Object.keys(grads)) clipped[k] = tf.clipByValue(grads[k], -2, 2)
    opt.applyGradients(clipped)
    return value.dataSync()[0]
  })
}

/**
 * One training step exactly as `t-rae train` takes it (src/nn/autoencoders.ts' model, gradients clipped to
 * [-2, 2], src/nn/adam.ts), for the tutorial model with the 2018 decoder, which is the PyTorch peer's model.
 * Returns the step function; its input is a fixed random batch of T frames.
 */
function productStep(T: number): {step: (seed: number) => void; dispose: () => void} {
  const random = new Random(1)
  const batch = tf.tensor3d(
    Float32Array.from({length: BATCH * T * F}, () => 2 * random.next() - 1),
    [BATCH, T, F],
  )
  const arch = {layers: LAYERS, units: UNITS, cell: 'gru' as const}
  const model = createAutoencoder(
    {
      kind: 't-rae',
      numFeatures: F,
      encoder: {...arch, bidirectional: false},
      decoder: {...arch, bidirectional: true},
      maskSilence: false,
      decoderVariant: '2018',
    },
    new Random(2),
  )
  const adam = new Adam(0.001)
  const noise = {...NO_NOISE, keepProb: 0.8}
  const vars = [...model.params.variables.values()]
  const names = [...model.params.variables.keys()]
  const step = (seed: number): void => {
    const {value, grads} = tf.variableGrads(() => model.forward(batch, noise, new Random(seed)).loss, vars)
    const named: Record<string, tf.Tensor> = {}
    vars.forEach((v, k) => (named[names[k]] = tf.clipByValue(grads[v.name], -2, 2)))
    adam.apply(model.params.variables, named)
    value.dataSync()
    tf.dispose([value, ...Object.values(grads), ...Object.values(named)])
  }
  return {
    step,
    dispose: () => {
      batch.dispose()
      model.params.dispose()
      adam.dispose()
    },
  }
}

/** GEMM FLOPs of one training batch (forward + 2x for backward), which is what the GFLOP/s figures use. */
function trainFlops(T: number, B: number, cell: CellType = 'gru'): number {
  const G = cell === 'gru' ? 3 : 4
  const layer = (inSize: number) => 2 * T * B * (inSize + UNITS) * G * UNITS
  const rnnFwd = (layer(F) + layer(UNITS)) * 3 // encoder (1 dir) + decoder (2 dirs)
  const dense = 2 * T * B * 2 * UNITS * F + 2 * B * rnnStateSize(cell, UNITS, LAYERS, 1) * rnnStateSize(cell, UNITS, LAYERS, 2)
  return 3 * (rnnFwd + dense)
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
const fmt = (v: number, d = 2) => v.toFixed(d)

function timeIt(fn: () => void, reps: number): number[] {
  const out: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    fn()
    out.push((performance.now() - t0) / 1000)
  }
  return out
}

export function frames(T: number, seed: number): tf.Tensor3D {
  return tf.randomUniform([T, BATCH, F], -1, 1, 'float32', seed) as tf.Tensor3D
}

/** The peer's best CPU setting on this machine kind (one intra-op thread, two BLAS threads). */
const TORCH_SETTING = ['--threads', '1', '--blas-threads', '2']

/** Median seconds per batch of one run of the PyTorch t-rae (tutorial configuration). */
function torchBatch(argv: string[], steps: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-torch-'))
  try {
    const json = join(dir, 'out.json')
    const args = ['--bidirectional-decoder', ...TORCH_SETTING, '--no-infer', '--no-quiet-wait', '--warmup', '1', '--steps', String(steps)]
    const run = spawnSync(argv[0], [...argv.slice(1), ...args, '--json', json], {encoding: 'utf8'})
    if (run.status !== 0) throw new Error(`trae_torch.py failed: ${run.stderr.trim().split('\n').pop()}`)
    return (JSON.parse(readFileSync(json, 'utf8')) as {train: {s_per_batch_median: number}}).train.s_per_batch_median
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

let peerLine = ''

async function benchTraining(): Promise<{rows: string[]; after: string[]; native?: number}> {
  const rows: string[] = [],
    after: string[] = []
  let native: number | undefined
  const addon = loadNative()
  const T = 125
  const reps = Number(process.env.AUDEEP_BENCH_REPS ?? 5)
  // Plain wasm first, on a fresh wasm heap (stock kernels, reference RNN ops): T=64 peaks at ~2.5 GB of
  // the 4 GiB wasm heap, the full length does not fit, so it is scaled to T=125 by the FLOP ratio.
  const Tw = Number(process.env.AUDEEP_BENCH_WASM_T ?? 64)
  await selectBackend('wasm')
  const m = buildTRae()
  const opt = tf.train.adam(0.001, 0.9, 0.999, 1e-8)
  const x = frames(Tw, 43)
  const t = timeIt(() => trainStep(m, opt, x, referenceRnn, 1), 1)[0]
  const scaled = (t * trainFlops(125, BATCH)) / trainFlops(Tw, BATCH)
  const wasmRow = `| plain tfjs wasm (reference ops, stock kernels) | ${Tw} | ${fmt(t)} (~${fmt(scaled, 1)} scaled to T=125) | - | ${fmt(trainFlops(Tw, BATCH) / 1e9 / t, 1)} | 1 batch, no warm-up; T=125 not run (see note) |`
  tf.dispose([x, ...m.vars])
  opt.dispose()

  if (addon) {
    const info = await selectBackend('native')
    const mn = buildTRae()
    const optn = tf.train.adam(0.001, 0.9, 0.999, 1e-8)
    const xn = frames(T, 42)
    // The product's own step (what `t-rae train` runs) is what is timed against the peer.
    const product = productStep(T)
    let seed = 1
    timeIt(() => product.step(seed++), 2) // warm-up: workspaces, packing buffers, wasm heap growth
    // Paired with the PyTorch peer: a set of our batches, then a run of the peer, in turn.
    const peer = peerCommand('trae_torch.py', ['torch'])
    const pairs = Number(process.env.AUDEEP_BENCH_PAIRS ?? 3)
    const ourSets: number[][] = []
    const peerMedians: number[] = []
    for (let i = 0; i < ('missing' in peer ? 1 : pairs); i++) {
      // One untimed batch before each set, as the peer discards one per run (--warmup 1): the batch right
      // after the peer's process has held both cores is 10-15% slower, and the peer never times its own.
      if (i > 0) product.step(seed++)
      ourSets.push(timeIt(() => product.step(seed++), reps))
      if (!('missing' in peer)) peerMedians.push(torchBatch(peer.argv, reps))
    }
    const times = ourSets.flat()
    native = median(times)
    const gf = trainFlops(T, BATCH) / 1e9
    rows.push(
      `| native (${info.isa}, ${info.threads} threads): \`t-rae train\`'s own step, 2018 decoder | ${T} | ${fmt(native)} | ${fmt(Math.min(...times))} | ${fmt(gf / native, 1)} | ${ourSets.length} x ${reps} batches, each set after 1 warm-up (2 before the first) |`,
    )
    if ('missing' in peer) peerLine = `PyTorch t-rae (../shared/peers/trae_torch.py): ${NO_PEER} (${peer.missing})`
    else {
      const ourMedians = ourSets.map(median)
      rows.push(
        `| PyTorch ${TORCH_SETTING.join(' ')} (peer, same run) | ${T} | ${fmt(median(peerMedians))} | ${fmt(Math.min(...peerMedians))} | ${fmt(gf / median(peerMedians), 1)} | ${pairs} runs x ${reps} batches after 1 warm-up, in turn with ours |`,
      )
      peerLine =
        `Ratio PyTorch / native per batch, pair by pair (${pairs} pairs, each the median of ${reps} batches): ` +
        `${ratios(ourMedians, peerMedians)}x (target >= 2.0x)`
    }
    // Inference: the encoder + representation (what \`generate\` computes), and the whole autoencoder.
    const encOnly = () =>
      tf.tidy(() => {
        const e = rnn({cell: mn.cell, x: xn, layers: mn.enc})
        tf.tanh(tf.add(tf.matMul(e.finalState, mn.wRep), mn.bRep)).dataSync()
      })
    const full = () => {
      tf.tidy(() => {
        tRaeLoss(mn, xn, rnn, 1, 0).dataSync()
      })
    }
    encOnly()
    full()
    const te = median(timeIt(encOnly, 5)),
      tfull = median(timeIt(full, 5))
    after.push('Inference (native, no dropout, T=125, batch 64, median of 5):', '')
    after.push('| what | s/batch | sequences/s |', '| --- | --- | --- |')
    after.push(`| encoder + representation (what generate computes) | ${fmt(te, 3)} | ${fmt(BATCH / te, 0)} |`)
    after.push(`| whole autoencoder forward + loss | ${fmt(tfull, 3)} | ${fmt(BATCH / tfull, 0)} |`, '')
    tf.dispose([xn, ...mn.vars])
    product.dispose()
    optn.dispose()
    if (process.env.AUDEEP_BENCH_LSTM !== '0') {
      // Same architecture with LSTM cells (auDeep's --cell LSTM), for reference.
      const ml = buildTRae('lstm')
      const optl = tf.train.adam(0.001, 0.9, 0.999, 1e-8)
      const xl = frames(T, 44)
      timeIt(() => trainStep(ml, optl, xl, rnn, 1), 1)
      const tl = timeIt(() => trainStep(ml, optl, xl, rnn, 1), 3)
      const gfl = trainFlops(T, BATCH, 'lstm') / 1e9
      rows.push(
        `| native, LSTM cells instead of GRU | ${T} | ${fmt(median(tl))} | ${fmt(Math.min(...tl))} | ${fmt(gfl / median(tl), 1)} | 3 batches after 1 warm-up |`,
      )
      tf.dispose([xl, ...ml.vars])
      optl.dispose()
    }
  } else {
    rows.push('| native | - | - | - | - | addon not built |')
  }

  rows.push(wasmRow)
  if (native !== undefined)
    rows.push(
      '',
      `Native is ${fmt(scaled / native, 1)}x faster than plain wasm (wasm measured at T=${Tw}, scaled to T=125 by FLOPs; ` +
        'plain wasm cannot train the full-length model in reasonable time/memory).',
    )
  return {rows, after, native}
}

function benchSgemm(lines: string[]): void {
  const addon = loadNative()
  if (!addon) return
  const shapes: [string, boolean, boolean, number, number, number][] = [
    ['step h@W_h[r|u] (64x256 @ 256x512)', false, false, 64, 512, 256],
    ['step h@W_h (64x256 @ 256x768)', false, false, 64, 768, 256],
    ['BPTT dA@W_h^T (64x768 @ (256x768)^T; includes packing B, which the RNN does once per sequence)', false, true, 64, 256, 768],
    ['input projection (8000x384 @ 384x768)', false, false, 8000, 768, 384],
    ['weight grad (8000x256)^T @ 8000x768', true, false, 256, 768, 8000],
    ['input grad 8000x768 @ (256x768)^T', false, true, 8000, 256, 768],
    ['square 1024', false, false, 1024, 1024, 1024],
  ]
  const threadsAll = addon.numThreads()
  lines.push('sgemm (native, GFLOP/s; 1 thread / all threads; the RNN calls per-step products on one thread):', '')
  lines.push(`| shape | 1 thread | ${threadsAll} threads |`, '| --- | --- | --- |')
  for (const [name, ta, tb, M, N, K] of shapes) {
    const A = new Float32Array(M * K).map((_, i) => ((i * 7) % 13) / 13 - 0.5)
    const B = new Float32Array(K * N).map((_, i) => ((i * 5) % 11) / 11 - 0.5)
    const C = new Float32Array(M * N)
    const lda = ta ? M : K,
      ldb = tb ? K : N
    const rate = (threads: number) => {
      addon.setNumThreads(threads)
      addon.sgemm(ta, tb, M, N, K, A, lda, B, ldb, C, N, false)
      const t0 = performance.now()
      let reps = 0
      while (performance.now() - t0 < 400) {
        addon.sgemm(ta, tb, M, N, K, A, lda, B, ldb, C, N, false)
        reps++
      }
      return (2 * M * N * K * reps) / ((performance.now() - t0) / 1000) / 1e9
    }
    lines.push(`| ${name} | ${fmt(rate(1), 0)} | ${fmt(rate(threadsAll), 0)} |`)
  }
  addon.setNumThreads(threadsAll)
  lines.push('')
}

export async function run(): Promise<void> {
  const lines: string[] = []
  const addon = loadNative()
  const cpu = cpuModel()
  lines.push('## Compute engine benchmark', '')
  lines.push(
    `Machine: ${cpu}, ${os.cpus().length} logical CPUs, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}` +
      (addon ? `, native ISA ${addon.isa()} (supported: ${addon.supportedIsas().join(', ')})` : ', native addon NOT built') +
      `. Load average at start: ${os
        .loadavg()
        .map((v) => fmt(v, 1))
        .join(' / ')} (1/5/15 min; above ~0.5 the timings are inflated by other processes).`,
    '',
  )
  lines.push('t-rae training batch (batch 64, 128 features, 2x256 GRU encoder, bidirectional 2x256 GRU decoder, keep 0.8, Adam):', '')
  lines.push('| engine | T | median s/batch | best s/batch | GFLOP/s (median) | note |', '| --- | --- | --- | --- | --- | --- |')
  const r = await benchTraining()
  lines.push(...r.rows, '', ...r.after)
  benchSgemm(lines)
  if (peerLine !== '') lines.push(peerLine)
  console.log(lines.join('\n'))
}

// Allow `node dist/bench/engine.bench.js` directly.
if (import.meta.url === `file://${process.argv[1]}`) await run()
