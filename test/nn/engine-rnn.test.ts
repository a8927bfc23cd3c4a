// Native fused GRU/LSTM kernels against the pure-tfjs reference (outputs and gradients) and against
// finite differences, on every instruction-set path this CPU supports.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {after, before, test} from 'node:test'
import {
  dropoutMask,
  loadNative,
  rnnDropoutMasks,
  rnnFinalState,
  rnnOutput,
  nativeRnn,
  nativeWorkspaceStats,
  rnn,
  referenceRnn,
  registerNativeMatMul,
  selectBackend,
  unregisterNativeMatMul,
  type CellType,
  type RnnArgs,
  type RnnResult,
} from '../../src/nn/engine/index.js'
import {makeProblem, maxAbs, maxAbsDiff, params, rng, type Problem, type ProblemShape} from './engine-helpers.js'

const addon = loadNative()
const skip = addon ? false : 'native addon not built'

before(async () => {
  if (addon) await selectBackend('native')
})
after(() => {
  if (addon) addon.setIsa(addon.supportedIsas()[0])
})

function loss(p: Problem, run: (a: RnnArgs) => RnnResult, a: RnnArgs): tf.Scalar {
  const {output, finalState} = run(a)
  return tf.add(tf.sum(tf.mul(tf.tanh(output), p.wy)), tf.sum(tf.mul(finalState, p.ws))) as tf.Scalar
}

/** Rebuilds args with the differentiated tensors replaced by xs (same order as params()). */
function withParams(p: Problem, xs: tf.Tensor[]): RnnArgs {
  let i = 0
  const x = xs[i++] as tf.Tensor3D
  const initialState = p.args.initialState ? (xs[i++] as tf.Tensor2D) : undefined
  const layers = p.args.layers.map((d) => d.map(() => ({kernel: xs[i++] as tf.Tensor2D, bias: xs[i++] as tf.Tensor1D})))
  return {...p.args, x, initialState, layers}
}

function gradsOf(p: Problem, run: (a: RnnArgs) => RnnResult): {value: number; grads: tf.Tensor[]} {
  const ps = params(p)
  const f = (...xs: tf.Tensor[]) => loss(p, run, withParams(p, xs))
  const {value, grads} = tf.valueAndGrads(f)(ps)
  return {value: value.dataSync()[0], grads}
}

const native = (a: RnnArgs) => nativeRnn(a, addon!)
// The reference runs with the stock wasm kernels so no native code is involved in it.
function reference<T>(fn: () => T): T {
  unregisterNativeMatMul()
  try {
    return fn()
  } finally {
    registerNativeMatMul(addon!)
  }
}

const cases: ProblemShape[] = [
  {cell: 'gru', T: 5, B: 3, I: 4, H: 6, L: 1, dirs: 1},
  {cell: 'gru', T: 6, B: 20, I: 5, H: 9, L: 2, dirs: 1, init: true, dropout: true},
  {cell: 'gru', T: 4, B: 5, I: 3, H: 17, L: 2, dirs: 2, init: true, dropout: true},
  {cell: 'lstm', T: 5, B: 3, I: 4, H: 6, L: 1, dirs: 1},
  {cell: 'lstm', T: 6, B: 20, I: 5, H: 9, L: 2, dirs: 1, init: true, dropout: true},
  {cell: 'lstm', T: 4, B: 5, I: 3, H: 17, L: 2, dirs: 2, init: true, dropout: true},
  {cell: 'gru', T: 1, B: 1, I: 1, H: 1, L: 1, dirs: 2, init: true},
  {cell: 'lstm', T: 1, B: 1, I: 2, H: 3, L: 3, dirs: 1, init: true, dropout: true},
  // splitInput (each direction reads its own half of x) and backward outputs in processing order.
  {cell: 'gru', T: 5, B: 3, I: 6, H: 7, L: 1, dirs: 2, split: true},
  {cell: 'gru', T: 4, B: 11, I: 8, H: 9, L: 2, dirs: 2, init: true, dropout: true, split: true},
  {cell: 'gru', T: 6, B: 5, I: 4, H: 6, L: 2, dirs: 2, dropout: true, split: true, processingOrder: true},
  {cell: 'lstm', T: 5, B: 3, I: 6, H: 7, L: 1, dirs: 2, init: true, split: true, processingOrder: true},
  {cell: 'lstm', T: 4, B: 11, I: 8, H: 9, L: 2, dirs: 2, init: true, dropout: true, split: true},
  {cell: 'lstm', T: 3, B: 2, I: 4, H: 5, L: 2, dirs: 2, dropout: true, processingOrder: true},
]

for (const isa of addon?.supportedIsas() ?? ['portable']) {
  test(`native RNN matches the reference (outputs and gradients) on ${isa}`, {skip}, () => {
    assert.equal(addon!.setIsa(isa), true)
    assert.equal(addon!.isa(), isa)
    cases.forEach((c, ci) => {
      tf.tidy(() => {
        const p = makeProblem(c, 10 + ci)
        const rn = native(p.args)
        const rr = reference(() => referenceRnn(p.args))
        const tag = `${isa} ${JSON.stringify(c)}`
        assert.deepEqual(rn.output.shape, rr.output.shape, tag)
        assert.deepEqual(rn.finalState.shape, rr.finalState.shape, tag)
        assert.ok(maxAbsDiff(rn.output, rr.output) < 2e-5, `output ${tag}: ${maxAbsDiff(rn.output, rr.output)}`)
        assert.ok(maxAbsDiff(rn.finalState, rr.finalState) < 2e-5, `state ${tag}`)
        const gn = gradsOf(p, native)
        const gr = reference(() => gradsOf(p, (a) => referenceRnn(a)))
        assert.ok(Math.abs(gn.value - gr.value) < 1e-3 * Math.max(1, Math.abs(gr.value)), `loss ${tag}`)
        gn.grads.forEach((g, i) => {
          const scale = Math.max(1, maxAbs(gr.grads[i]))
          const err = maxAbsDiff(g, gr.grads[i]) / scale
          assert.ok(err < 1e-4, `gradient ${i} ${tag}: relative error ${err}`)
        })
      })
    })
  })

  test(`native RNN gradients match finite differences on ${isa}`, {skip}, () => {
    assert.equal(addon!.setIsa(isa), true)
    for (const [cell, split] of [
      ['gru', false],
      ['lstm', false],
      ['gru', true],
      ['lstm', true],
    ] as const) {
      tf.tidy(() => {
        const shape = {
          cell,
          T: 4,
          B: 3,
          I: split ? 6 : 3,
          H: 5,
          L: 2,
          dirs: 2 as const,
          init: true,
          dropout: true,
          split,
          processingOrder: split,
        }
        const p = makeProblem(shape, 99)
        const {grads} = gradsOf(p, native)
        const ps = params(p)
        const r = rng(5)
        // Directional derivatives along random directions: sum over many coordinates averages out
        // float32 round-off, so a loose tolerance still catches any wrong gradient term.
        for (let trial = 0; trial < 3; trial++) {
          const dirs = ps.map((t) =>
            tf.tensor(
              Float32Array.from({length: t.size}, () => r() * 2 - 1),
              t.shape,
            ),
          )
          const eps = 1e-2
          const at = (sgn: number) =>
            loss(
              p,
              native,
              withParams(
                p,
                ps.map((t, i) => tf.add(t, tf.mul(dirs[i], sgn * eps))),
              ),
            ).dataSync()[0]
          const fd = (at(1) - at(-1)) / (2 * eps)
          const an = grads.reduce((acc, g, i) => acc + tf.sum(tf.mul(g, dirs[i])).dataSync()[0], 0)
          const rel = Math.abs(fd - an) / Math.max(1, Math.abs(an))
          assert.ok(rel < 2e-3, `${cell} split ${split} trial ${trial}: finite difference ${fd} vs analytic ${an} (rel ${rel})`)
        }
      })
    }
  })
}

// splitInput must compute exactly what the zero-padded construction it replaced computed (the 2017
// decoder's training stays bit-identical): direction d's layer-0 kernel with zero rows on the other half
// of x, both directions reading all of x. backwardOutputOrder 'processing' is the time-order output with
// its backward half reversed. Native results must agree bit for bit, reference ones to round-off.
for (const cell of ['gru', 'lstm'] as const)
  for (const L of [1, 2])
    test(
      `splitInput equals zero-padded kernels, processing order equals reversed time order (${cell}, ${L} layer${L > 1 ? 's' : ''})`,
      {skip},
      () => {
        addon!.setIsa(addon!.supportedIsas()[0])
        tf.tidy(() => {
          const F = 5,
            H = 6,
            T = 4,
            B = 9
          const p = makeProblem(
            {cell, T, B, I: 2 * F, H, L, dirs: 2, init: true, dropout: true, split: true, processingOrder: true},
            40 + L,
          )
          const G = p.args.layers[0][0].bias.shape[0]
          const pad = (k: tf.Tensor2D, d: number): tf.Tensor2D => {
            const own = tf.slice(k, [0, 0], [F, G]),
              rec = tf.slice(k, [F, 0], [H, G]),
              zeros = tf.zeros([F, G])
            return tf.concat(d === 0 ? [own, zeros, rec] : [zeros, own, rec], 0) as tf.Tensor2D
          }
          // The padded problem: same tensors, layer-0 kernels padded, time-order outputs.
          const toPadded = (a: RnnArgs): RnnArgs => ({
            ...a,
            splitInput: false,
            backwardOutputOrder: 'time',
            layers: a.layers.map((d, di) => d.map((l, li) => (li === 0 ? {kernel: pad(l.kernel, di), bias: l.bias} : l))),
          })
          const reorder = (y: tf.Tensor3D): tf.Tensor3D =>
            tf.concat([tf.slice(y, [0, 0, 0], [T, B, H]), tf.reverse(tf.slice(y, [0, 0, H], [T, B, H]), 0)], 2) as tf.Tensor3D
          // Loss of the padded run with its output brought into the split run's order, so gradients compare.
          const padded = (run: (a: RnnArgs) => RnnResult) => (a: RnnArgs) => {
            const r = run(toPadded(a))
            return {output: reorder(r.output), finalState: r.finalState}
          }
          for (const [name, run, exact] of [
            ['native', native, true],
            ['reference', (a: RnnArgs) => reference(() => referenceRnn(a)), false],
          ] as const) {
            const split = run(p.args),
              pad0 = padded(run)(p.args)
            const tol = (t: tf.Tensor) => (exact ? 0 : 1e-5 * Math.max(1, maxAbs(t)))
            assert.ok(maxAbsDiff(split.output, pad0.output) <= tol(pad0.output), `${name} output`)
            assert.ok(maxAbsDiff(split.finalState, pad0.finalState) <= tol(pad0.finalState), `${name} final state`)
            const gs = gradsOf(p, run),
              gp = gradsOf(p, padded(run))
            gs.grads.forEach((g, i) =>
              assert.ok(maxAbsDiff(g, gp.grads[i]) <= tol(gp.grads[i]), `${name} gradient ${i}: ${maxAbsDiff(g, gp.grads[i])}`),
            )
          }
        })
      },
    )

test('splitInput and backwardOutputOrder are rejected where they do not apply', {skip}, () => {
  const uni = makeProblem({cell: 'gru', T: 3, B: 2, I: 4, H: 4, L: 1, dirs: 1}, 4)
  assert.throws(() => native({...uni.args, splitInput: true}), /splitInput/)
  assert.throws(() => referenceRnn({...uni.args, backwardOutputOrder: 'processing'}), /backwardOutputOrder/)
  const bi = makeProblem({cell: 'gru', T: 3, B: 2, I: 4, H: 4, L: 1, dirs: 2}, 4)
  // Layer-0 kernels sized for all of x are wrong once each direction reads half of it.
  assert.throws(() => native({...bi.args, splitInput: true}), /kernel \[6, 12\]/)
})

test('native RNN forward without gradient recording leaks no tensors and reuses buffers', {skip}, () => {
  addon!.setIsa(addon!.supportedIsas()[0])
  const p = makeProblem({cell: 'gru', T: 5, B: 4, I: 3, H: 8, L: 2, dirs: 2, init: true, dropout: true}, 3)
  const before = tf.memory().numTensors
  let first: Float32Array | null = null
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => {
      const r = native(p.args)
      const v = r.output.dataSync() as Float32Array
      if (!first) first = v.slice()
      else assert.equal(maxAbsDiff(tf.tensor(first), tf.tensor(v)), 0, 'repeated calls must give identical results')
    })
    tf.tidy(() => {
      gradsOf(p, native)
    })
  }
  assert.equal(tf.memory().numTensors, before)
  // Steady state: every forward/backward pair reuses a pooled native workspace.
  const created = nativeWorkspaceStats().created
  for (let i = 0; i < 3; i++) tf.tidy(() => void gradsOf(p, native))
  assert.equal(nativeWorkspaceStats().created, created)
})

/** This process's mappings the kernel marks as advised for transparent huge pages (VmFlags "hg"). */
function hugePageAdvisedMappings(): {start: bigint; bytes: bigint}[] {
  const out: {start: bigint; bytes: bigint}[] = []
  let current: {start: bigint; bytes: bigint} | null = null
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line)
    if (range) current = {start: BigInt('0x' + range[1]), bytes: BigInt('0x' + range[2]) - BigInt('0x' + range[1])}
    else if (line.startsWith('VmFlags:') && / hg\b/.test(line) && current) out.push(current)
  }
  return out
}

const thpSkip =
  skip ||
  (process.platform !== 'linux'
    ? 'Linux only'
    : !existsSync('/sys/kernel/mm/transparent_hugepage')
      ? 'kernel without transparent huge pages'
      : false)

test('workspace buffers of 2 MiB and more are 2 MiB-aligned mappings advised for huge pages (Linux)', {skip: thpSkip}, () => {
  addon!.setIsa(addon!.supportedIsas()[0])
  const total = (m: {bytes: bigint}[]) => m.reduce((a, b) => a + b.bytes, 0n)
  const before = total(hugePageAdvisedMappings())
  // Gates alone: 64 x 32 x 3 x 128 floats = 3 MiB.
  const p = makeProblem({cell: 'gru', T: 64, B: 32, I: 64, H: 128, L: 1, dirs: 1, init: false, dropout: false}, 5)
  tf.tidy(() => void gradsOf(p, native))
  const after = hugePageAdvisedMappings()
  const twoMiB = 2n << 20n
  assert.ok(total(after) - before >= twoMiB, `advised bytes grew by ${total(after) - before}`)
  assert.ok(
    after.some((m) => m.start % twoMiB === 0n && m.bytes >= twoMiB),
    'no advised mapping starts on a 2 MiB boundary',
  )
})

test('a step that holds many workspaces at once (single-step calls, then another shape) reuses them all next time', {skip}, () => {
  // A decoder fed its own outputs makes one single-step call per step of its sequence, each holding a
  // workspace until backward, then the encoder's call of another shape is released last: the pool kept
  // six and dropped the older shape, so every batch allocated the single-step workspaces again.
  const single = makeProblem({cell: 'gru', T: 1, B: 9, I: 4, H: 5, L: 1, dirs: 1, init: true, dropout: true}, 60)
  const whole = makeProblem({cell: 'gru', T: 7, B: 9, I: 4, H: 5, L: 1, dirs: 1, init: true, dropout: true}, 61)
  const batch = () =>
    tf.tidy(() => {
      const f = (...ws: tf.Tensor[]) => {
        let h = native({...whole.args, layers: [[{kernel: ws[0] as tf.Tensor2D, bias: ws[1] as tf.Tensor1D}]]}).finalState
        let total = tf.scalar(0)
        for (let t = 0; t < 10; t++) {
          const step = native({...single.args, initialState: h, layers: [[{kernel: ws[2] as tf.Tensor2D, bias: ws[3] as tf.Tensor1D}]]})
          h = step.finalState
          total = tf.add(total, tf.sum(step.output))
        }
        return total as tf.Scalar
      }
      const w = [whole.args.layers[0][0], single.args.layers[0][0]].flatMap((l) => [l.kernel, l.bias])
      tf.grads(f)(w)
    })
  batch()
  const created = nativeWorkspaceStats().created
  for (let i = 0; i < 3; i++) batch()
  assert.equal(nativeWorkspaceStats().created, created)
})

test('inputGradient: false gives zero dx and unchanged weight gradients (native and reference)', {skip}, () => {
  tf.tidy(() => {
    const p = makeProblem({cell: 'lstm', T: 4, B: 3, I: 3, H: 5, L: 2, dirs: 2, init: true, dropout: true}, 31)
    const full = gradsOf(p, native)
    for (const run of [native, (a: RnnArgs) => reference(() => referenceRnn(a))]) {
      const g = gradsOf(p, (a) => run({...a, inputGradient: false}))
      assert.equal(maxAbs(g.grads[0]), 0)
      for (let i = 1; i < g.grads.length; i++) assert.ok(maxAbsDiff(g.grads[i], full.grads[i]) < 1e-4 * Math.max(1, maxAbs(full.grads[i])))
    }
  })
})

test('rnn rejects wrongly shaped weights, state and masks', {skip}, () => {
  const p = makeProblem({cell: 'gru', T: 3, B: 2, I: 3, H: 4, L: 1, dirs: 1}, 4)
  assert.throws(() => native({...p.args, initialState: tf.zeros([2, 5]) as tf.Tensor2D}), /initialState/)
  assert.throws(() => native({...p.args, cell: 'lstm'}), /bias|kernel/)
  assert.throws(() => native({...p.args, dropout: {input: [[tf.ones([3, 2, 4]) as tf.Tensor3D]]}}), /dropout/)
})

test('dropout masks: keep rate, scale, reproducible from a seed, on native and tfjs generators', {skip}, async () => {
  for (const backend of ['native', 'wasm'] as const) {
    await selectBackend(backend)
    const a = dropoutMask([50, 40, 30], 0.8, 123).dataSync()
    const b = dropoutMask([50, 40, 30], 0.8, 123).dataSync()
    const c = dropoutMask([50, 40, 30], 0.8, 124).dataSync()
    let zeros = 0,
      same = true,
      differ = false
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0) zeros++
      else assert.ok(Math.abs(a[i] - 1.25) < 1e-6)
      if (a[i] !== b[i]) same = false
      if (a[i] !== c[i]) differ = true
    }
    assert.ok(Math.abs(zeros / a.length - 0.2) < 0.01, `${backend}: drop rate ${zeros / a.length}`)
    assert.ok(same, `${backend}: same seed, same mask`)
    assert.ok(differ, `${backend}: other seed, other mask`)
  }
  await selectBackend('native')
})

/** Outputs and gradients of one run as bytes, for bit-for-bit comparisons. */
function bitsOf(p: Problem, run: (a: RnnArgs) => RnnResult): Buffer[] {
  const {output, finalState} = run(p.args)
  const {grads} = gradsOf(p, run)
  return [output, finalState, ...grads].map((t) => Buffer.from((t.dataSync() as Float32Array).buffer))
}

test('seeded dropout: the masks the native op makes are the tensors rnnDropoutMasks makes, bit for bit', {skip}, () => {
  const shapes: ProblemShape[] = [
    {cell: 'gru', T: 5, B: 20, I: 6, H: 9, L: 2, dirs: 1, init: true},
    {cell: 'gru', T: 4, B: 11, I: 8, H: 9, L: 2, dirs: 2, init: true, split: true, processingOrder: true},
    {cell: 'lstm', T: 4, B: 5, I: 3, H: 17, L: 3, dirs: 2},
  ]
  shapes.forEach((c, ci) =>
    tf.tidy(() => {
      const p = makeProblem(c, 40 + ci)
      for (const [keepProb, seed] of [
        [0.8, 7],
        [0.5, 2 ** 32 - 1],
        [1, 3],
      ]) {
        const masks = rnnDropoutMasks(p.args, keepProb, seed)
        const viaTensors = bitsOf(p, (a) => native({...a, dropout: masks}))
        const viaSeed = bitsOf(p, (a) => native({...a, dropoutSeed: {keepProb, seed}}))
        const tag = `${JSON.stringify(c)} keep ${keepProb} seed ${seed}`
        viaSeed.forEach((b, i) => assert.ok(b.equals(viaTensors[i]), `${tag}: result ${i} differs`))
        // The reference path makes the tensors from the seed.
        const ref = reference(() => referenceRnn({...p.args, dropout: masks}).output)
        const refSeeded = reference(() => rnn({...p.args, impl: 'reference', dropoutSeed: {keepProb, seed}}).output)
        assert.equal(maxAbsDiff(ref, refSeeded), 0, tag)
      }
      assert.throws(() => rnn({...p.args, dropout: rnnDropoutMasks(p.args, 0.8, 1), dropoutSeed: {keepProb: 0.8, seed: 1}}), /not both/)
    }),
  )
})

test('rnnFinalState and rnnOutput: the final states, the outputs and their gradients of rnn(), bit for bit', {skip}, () => {
  const shapes: ProblemShape[] = [
    {cell: 'gru', T: 6, B: 20, I: 5, H: 9, L: 2, dirs: 1, init: true},
    {cell: 'lstm', T: 4, B: 5, I: 4, H: 17, L: 2, dirs: 2, init: true, split: true, processingOrder: true},
  ]
  shapes.forEach((c, ci) =>
    tf.tidy(() => {
      const p = makeProblem(c, 60 + ci)
      const dropoutSeed = {keepProb: 0.7, seed: 9}
      for (const impl of ['native', 'reference'] as const)
        for (const part of ['finalState', 'output'] as const) {
          const run = (alone: boolean) =>
            (impl === 'reference' ? reference : <T>(f: () => T) => f())(() => {
              const f = (...xs: tf.Tensor[]) => {
                const a = {...withParams(p, xs), dropoutSeed, impl}
                const t =
                  part === 'finalState'
                    ? tf.mul(alone ? rnnFinalState(a) : rnn(a).finalState, p.ws)
                    : tf.mul(tf.tanh(alone ? rnnOutput(a) : rnn(a).output), p.wy)
                return tf.sum(t) as tf.Scalar
              }
              const {value, grads} = tf.valueAndGrads(f)(params(p))
              return [value, ...grads].map((t) => Buffer.from((t.dataSync() as Float32Array).buffer))
            })
          const full = run(false)
          run(true).forEach((b, i) => assert.ok(b.equals(full[i]), `${impl} ${c.cell} ${part}: result ${i} differs`))
        }
    }),
  )
})

test('rnnBackward refuses an output gradient for a forward pass that wrote no output', {skip}, () => {
  // Without y the forward pass makes no output dropout masks, so BPTT could not apply them to a dy.
  const [T, B, I, H] = [3, 2, 4, 5]
  const cfg = {cell: 'gru' as const, T, B, I, H, L: 1, dirs: 1 as const, splitInput: false, backwardProcessingOrder: false}
  const r = rng(31)
  const vals = (n: number) => Float32Array.from({length: n}, () => r() - 0.5)
  const kernel = vals((I + H) * 3 * H),
    bias = vals(3 * H)
  const ws = addon!.createWorkspace()
  const fin = new Float32Array(B * H)
  assert.equal(addon!.rnnForward(ws, cfg, vals(T * B * I), null, [kernel], [bias], [null], [null], null, fin, true), true)
  const back = (dy: Float32Array | null) =>
    addon!.rnnBackward(ws, dy, vals(B * H), null, null, [new Float32Array(kernel.length)], [new Float32Array(bias.length)])
  assert.throws(() => back(vals(T * B * H)), /dy given for a forward pass that wrote no y/)
  assert.equal(back(null), true)
})

test('native RNN results do not depend on the thread count (bias gradients summed in fixed 8-row blocks)', {skip}, () => {
  const saved = addon!.numThreads()
  try {
    for (const c of [
      {cell: 'gru', T: 6, B: 37, I: 5, H: 9, L: 2, dirs: 1, init: true, dropout: true},
      {cell: 'lstm', T: 5, B: 20, I: 4, H: 7, L: 2, dirs: 2, init: true, dropout: true},
    ] as ProblemShape[])
      tf.tidy(() => {
        const p = makeProblem(c, 50)
        const runs = [1, 2, 3].map((threads) => {
          addon!.setNumThreads(threads)
          return bitsOf(p, native)
        })
        for (const r of runs.slice(1)) r.forEach((b, i) => assert.ok(b.equals(runs[0][i]), `${c.cell}: result ${i}`))
      })
  } finally {
    addon!.setNumThreads(saved)
  }
})

test('training through rnn() with Adam: native and reference follow the same loss curve', {skip}, () => {
  const run = (impl: 'native' | 'reference') =>
    tf.tidy(() => {
      const p = makeProblem({cell: 'gru', T: 6, B: 4, I: 3, H: 5, L: 2, dirs: 2, init: false}, 21)
      const vars = p.args.layers.flat().flatMap((l) => [tf.variable(l.kernel), tf.variable(l.bias)])
      const layers = p.args.layers.map((d, di) =>
        d.map((_, li) => {
          const k = 2 * (di * d.length + li)
          return {kernel: vars[k] as unknown as tf.Tensor2D, bias: vars[k + 1] as unknown as tf.Tensor1D}
        }),
      )
      const target = tf.reverse(p.args.x, 0)
      const opt = tf.train.adam(0.05)
      const losses: number[] = []
      const step = () => {
        const {output} = rnn({cell: 'gru', x: p.args.x, layers, impl})
        const recon = tf.slice(output, [0, 0, 0], [6, 4, 3])
        return tf.sqrt(tf.mean(tf.squaredDifference(recon, target))) as tf.Scalar
      }
      if (impl === 'reference') unregisterNativeMatMul()
      try {
        for (let i = 0; i < 15; i++) losses.push(opt.minimize(step, true)!.dataSync()[0])
      } finally {
        if (impl === 'reference') registerNativeMatMul(addon!)
      }
      opt.dispose()
      vars.forEach((v) => v.dispose())
      return losses
    })
  const ln = run('native'),
    lr = run('reference')
  assert.ok(ln[14] < ln[0] * 0.9, `loss should fall: ${ln[0]} -> ${ln[14]}`)
  ln.forEach((v, i) => assert.ok(Math.abs(v - lr[i]) < 1e-3 * Math.max(1, Math.abs(lr[i])), `step ${i}: ${v} vs ${lr[i]}`))
})
