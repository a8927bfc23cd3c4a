// The t-rae decoder variants (--decoder-variant): the 2017 bidirectional decoder against a float64
// transcription of auDeep 12b52f8's FeedPreviousRNN loop, native against the reference engine and finite
// differences; and, for every decoder that reads its own targets, which outputs move when one target is
// perturbed (what a decoder can copy instead of reconstructing from the representation).

import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import * as tf from '@tensorflow/tfjs'

import {Random} from '../../src/core/random.js'
import {
  createAutoencoder,
  type DecoderVariant,
  FrequencyAutoencoder,
  FrequencyTimeAutoencoder,
  NO_NOISE,
  TimeAutoencoder,
  type TimeAutoencoderConfig,
} from '../../src/nn/autoencoders.js'
import {loadNative, selectBackend} from '../../src/nn/engine/index.js'
import {FeedPreviousDecoder, shiftBothWays, shiftRight} from '../../src/nn/rnn-stack.js'
import {ParamStore} from '../../src/nn/params.js'
import {rng} from './engine-helpers.js'

const addon = loadNative()
const nativeSkip = addon ? false : 'native addon not built'

before(async () => {
  await selectBackend(addon ? 'native' : 'auto')
})
after(async () => {
  await selectBackend('auto')
})

const T = 9
const B = 2
const F = 3

function randomArray(n: number, r: () => number, scale = 1): Float32Array {
  return Float32Array.from({length: n}, () => (r() * 2 - 1) * scale)
}

function trae(variant: DecoderVariant | undefined, cell: 'gru' | 'lstm' = 'gru', layers = 2, bidirectional = true): TimeAutoencoder {
  const config: TimeAutoencoderConfig = {
    kind: 't-rae',
    numFeatures: F,
    encoder: {layers, units: 4, bidirectional: false, cell},
    decoder: {layers, units: 5, bidirectional, cell},
    maskSilence: false,
    ...(variant ? {decoderVariant: variant} : {}),
  }
  return createAutoencoder(config, new Random(3)) as TimeAutoencoder
}

function inputsFor(model: TimeAutoencoder, seed: number): {targets: tf.Tensor3D; representation: tf.Tensor2D} {
  const r = rng(seed)
  const S = model.params.variables.get('representation/bias')!.shape[0]
  return {
    targets: tf.tensor3d(randomArray(T * B * F, r), [T, B, F]),
    representation: tf.tensor2d(randomArray(B * S, r, 0.9), [B, S]),
  }
}

// ---------------------------------------------------------------------------------------------------
// A float64 transcription of auDeep 12b52f8 (audeep/backend/models/rnn_base.py, FeedPreviousRNN, and
// time_autoencoder.py): per direction, input_sequence = inputs (fw) or reversed inputs (bw); step 0 reads
// zeros, step t reads input_sequence[t-1]; every step's output is tanh(h W + b) with the direction's own
// W, b; fw and bw outputs are concatenated as produced (bw not reversed back); the reconstruction is
// tanh(output Wr + br). inputs = targets shifted by one with a zero first frame.

type Mat = Float64Array

function values(model: TimeAutoencoder, name: string): {data: Mat; shape: number[]} {
  const v = model.params.variables.get(name)
  assert.ok(v, `parameter ${name}`)
  return {data: Float64Array.from(v.dataSync()), shape: v.shape}
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** xh [in+H] times kernel [in+H, cols] plus bias, columns [from, from+count). */
function affine(xh: number[], kernel: {data: Mat; shape: number[]}, bias: Mat, from: number, count: number): number[] {
  const cols = kernel.shape[1]
  const out = new Array<number>(count).fill(0)
  for (let c = 0; c < count; c++) {
    let s = bias[from + c]
    for (let i = 0; i < xh.length; i++) s += xh[i] * kernel.data[i * cols + from + c]
    out[c] = s
  }
  return out
}

function transcription2017(model: TimeAutoencoder, targets: Float32Array, representation: Float32Array): Float64Array {
  const {decoder} = model.config
  const {layers: L, units: H, cell} = decoder
  const S = representation.length / B
  const block = H * (cell === 'lstm' ? 2 : 1)
  const dirOut: number[][][][] = [] // [d][t][b][F]
  for (let d = 0; d < 2; d++) {
    const dir = d === 0 ? 'fw' : 'bw'
    const W = values(model, `decoder/${dir}/projection/weights`)
    const bW = values(model, `decoder/${dir}/projection/bias`).data
    const perStep: number[][][] = []
    for (let b = 0; b < B; b++) {
      // auDeep's initial_states_tuple: split into layers, each layer [fw | bw], LSTM [c | h].
      const c: number[][] = [],
        h: number[][] = []
      for (let l = 0; l < L; l++) {
        const off = b * S + l * 2 * block + d * block
        const s = Array.from(representation.subarray(off, off + block))
        if (cell === 'lstm') {
          c.push(s.slice(0, H))
          h.push(s.slice(H))
        } else h.push(s)
      }
      const inputAt = (t: number): number[] => {
        // inputs[s] = targets[s-1] (zero at 0); input_sequence = inputs or reverse(inputs); step t reads input_sequence[t-1].
        if (t === 0) return new Array<number>(F).fill(0)
        const s = d === 0 ? t - 1 : T - 1 - (t - 1)
        if (s === 0) return new Array<number>(F).fill(0)
        return Array.from(targets.subarray(((s - 1) * B + b) * F, ((s - 1) * B + b + 1) * F))
      }
      for (let t = 0; t < T; t++) {
        let x = inputAt(t)
        for (let l = 0; l < L; l++) {
          const kernel = values(model, `decoder/${dir}/fw/layer${l}/kernel`)
          const bias = values(model, `decoder/${dir}/fw/layer${l}/bias`).data
          if (cell === 'gru') {
            const ru = affine([...x, ...h[l]], kernel, bias, 0, 2 * H).map(sigmoid)
            const r = ru.slice(0, H),
              u = ru.slice(H)
            const cand = affine([...x, ...h[l].map((v, i) => v * r[i])], kernel, bias, 2 * H, H).map(Math.tanh)
            h[l] = h[l].map((v, i) => u[i] * v + (1 - u[i]) * cand[i])
          } else {
            const z = affine([...x, ...h[l]], kernel, bias, 0, 4 * H)
            const cn = c[l].map((v, i) => sigmoid(z[2 * H + i] + 1) * v + sigmoid(z[i]) * Math.tanh(z[H + i]))
            c[l] = cn
            h[l] = cn.map((v, i) => sigmoid(z[3 * H + i]) * Math.tanh(v))
          }
          x = h[l]
        }
        const projected = affine(x, W, bW, 0, F).map(Math.tanh)
        perStep[t] ??= []
        perStep[t][b] = projected
      }
    }
    dirOut.push(perStep)
  }
  const Wr = values(model, 'reconstruction/weights')
  const br = values(model, 'reconstruction/bias').data
  const out = new Float64Array(T * B * F)
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) {
      const y = affine([...dirOut[0][t][b], ...dirOut[1][t][b]], Wr, br, 0, F).map(Math.tanh)
      out.set(y, (t * B + b) * F)
    }
  return out
}

for (const cell of ['gru', 'lstm'] as const) {
  test(`2017 bidirectional decoder (${cell}) equals a float64 transcription of auDeep 12b52f8's FeedPreviousRNN`, () => {
    const model = trae('2017', cell)
    const {targets, representation} = inputsFor(model, 7)
    const ours = model.decode(targets, representation, NO_NOISE, new Random(1)).dataSync()
    const expected = transcription2017(model, targets.dataSync() as Float32Array, representation.dataSync() as Float32Array)
    let worst = 0
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - expected[i]))
    assert.ok(worst < 1e-5, `max abs difference ${worst}`)
    // Parameters: one FeedPreviousRNN stack and projection per direction, reconstruction from 2F.
    assert.deepEqual(model.params.variables.get('reconstruction/weights')!.shape, [2 * F, F])
    assert.ok(model.params.variables.has('decoder/bw/projection/weights'))
    tf.dispose([targets, representation])
    model.params.dispose()
  })
}

test('a t-rae config without decoderVariant (older checkpoints) builds the 2018 decoder it was trained with', () => {
  const legacy = trae(undefined)
  const explicit2018 = trae('2018')
  assert.deepEqual([...legacy.params.variables.keys()], [...explicit2018.params.variables.keys()])
  assert.deepEqual(legacy.params.variables.get('reconstruction/weights')!.shape, [10, F]) // 2 x 5 units
  const {targets, representation} = inputsFor(legacy, 2)
  const a = legacy.decode(targets, representation, NO_NOISE, new Random(1)).dataSync()
  const b = explicit2018.decode(targets, representation, NO_NOISE, new Random(1)).dataSync()
  assert.deepEqual(Array.from(a), Array.from(b))
  legacy.params.dispose()
  explicit2018.params.dispose()
})

// ---------------------------------------------------------------------------------------------------
// Native (fused op, one call per direction) against the pure-tfjs reference engine, and finite differences.

function decodeLoss(model: TimeAutoencoder, targets: tf.Tensor3D, representation: tf.Tensor2D, weights: tf.Tensor3D): tf.Scalar {
  return tf.sum(tf.mul(model.decode(targets, representation, NO_NOISE, new Random(1)), weights)) as tf.Scalar
}

function gradients(model: TimeAutoencoder, targets: tf.Tensor3D, representation: tf.Tensor2D, weights: tf.Tensor3D) {
  // The decoder's parameters (the encoder and representation layer take no part in decode()).
  const names = [...model.params.variables.keys()].filter((k) => k.startsWith('decoder/') || k.startsWith('reconstruction/'))
  const vars = names.map((k) => model.params.variables.get(k)!)
  const {value, grads} = tf.variableGrads(() => decodeLoss(model, targets, representation, weights), vars)
  const byName = new Map(names.map((k, i) => [k, grads[vars[i].name].dataSync().slice()]))
  const v = value.dataSync()[0]
  tf.dispose([value, ...Object.values(grads)])
  return {value: v, grads: byName}
}

test('2017 decoder: native and reference engines agree on values and gradients', {skip: nativeSkip}, async () => {
  for (const cell of ['gru', 'lstm'] as const) {
    const model = trae('2017', cell)
    const {targets, representation} = inputsFor(model, 11)
    const weights = tf.tensor3d(randomArray(T * B * F, rng(4)), [T, B, F])
    await selectBackend('native')
    const native = gradients(model, targets, representation, weights)
    await selectBackend('wasm')
    const reference = gradients(model, targets, representation, weights)
    await selectBackend('native')
    assert.ok(Math.abs(native.value - reference.value) < 1e-4 * Math.max(1, Math.abs(reference.value)), `${cell} loss`)
    for (const [name, g] of reference.grads) {
      const n = native.grads.get(name)!
      let diff = 0,
        scale = 0
      for (let i = 0; i < g.length; i++) {
        diff = Math.max(diff, Math.abs(g[i] - n[i]))
        scale = Math.max(scale, Math.abs(g[i]))
      }
      assert.ok(diff <= 1e-4 * Math.max(1, scale), `${cell} ${name}: gradient difference ${diff} (scale ${scale})`)
    }
    tf.dispose([targets, representation, weights])
    model.params.dispose()
  }
})

test('2017 decoder: gradients match finite differences (random directions over every parameter)', () => {
  const model = trae('2017', 'gru')
  const {targets, representation} = inputsFor(model, 13)
  const weights = tf.tensor3d(randomArray(T * B * F, rng(6)), [T, B, F])
  const {grads} = gradients(model, targets, representation, weights)
  const r = rng(8)
  for (let trial = 0; trial < 3; trial++) {
    const directions = new Map([...model.params.variables].map(([name, v]) => [name, randomArray(v.size, r)]))
    for (const name of directions.keys()) if (!grads.has(name)) directions.set(name, new Float32Array(directions.get(name)!.length))
    const eps = 1e-2
    const at = (sign: number): number => {
      const saved = new Map([...model.params.variables].map(([name, v]) => [name, v.dataSync().slice()]))
      for (const [name, v] of model.params.variables) {
        const d = directions.get(name)!
        v.assign(
          tf.tensor(
            Float32Array.from(saved.get(name)!, (x, i) => x + sign * eps * d[i]),
            v.shape,
          ),
        )
      }
      const value = tf.tidy(() => decodeLoss(model, targets, representation, weights).dataSync()[0])
      for (const [name, v] of model.params.variables) v.assign(tf.tensor(saved.get(name)!, v.shape))
      return value
    }
    const fd = (at(1) - at(-1)) / (2 * eps)
    let analytic = 0
    for (const [name, g] of grads) {
      const d = directions.get(name)!
      for (let i = 0; i < g.length; i++) analytic += g[i] * d[i]
    }
    const rel = Math.abs(fd - analytic) / Math.max(1, Math.abs(analytic))
    assert.ok(rel < 2e-3, `trial ${trial}: finite difference ${fd} vs analytic ${analytic} (rel ${rel})`)
  }
  tf.dispose([targets, representation, weights])
  model.params.dispose()
})

// ---------------------------------------------------------------------------------------------------
// Leak tests: perturb target j (only where the decoder reads it, the representation fixed) and record
// which reconstruction positions t move.

/** moved[t] = the sorted target positions j whose perturbation changes output position t. */
function dependence(run: (targets: tf.Tensor3D) => tf.Tensor, targets: tf.Tensor3D, positions: number): number[][] {
  const base = tf.tidy(() => run(targets).dataSync().slice())
  const per = base.length / positions
  const moved: number[][] = Array.from({length: positions}, () => [])
  const [n] = targets.shape
  for (let j = 0; j < n; j++) {
    const changed = tf.tidy(() => {
      const bump = tf.oneHot(tf.tensor1d([j], 'int32'), n).reshape([n, 1, 1])
      return run(tf.add(targets, tf.mul(bump, 0.5)) as tf.Tensor3D)
        .dataSync()
        .slice()
    })
    for (let t = 0; t < positions; t++) {
      let d = 0
      for (let i = t * per; i < (t + 1) * per; i++) d = Math.max(d, Math.abs(changed[i] - base[i]))
      if (d > 1e-6) moved[t].push(j)
    }
  }
  return moved
}

const range = (from: number, to: number): number[] => Array.from({length: Math.max(0, to - from + 1)}, (_, i) => from + i)
const union = (a: number[], b: number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y)

test('leak: the 2018 bidirectional t-rae decoder reads target t one step before it outputs position t', () => {
  const model = trae('2018', 'gru', 1)
  const {targets, representation} = inputsFor(model, 21)
  const moved = dependence((x) => model.decode(x, representation, NO_NOISE, new Random(1)), targets, T)
  for (let t = 0; t < T; t++) {
    // forward: shifted targets up to t-1; backward (reads from the end, outputs in time order): t-1 .. T-2.
    assert.deepEqual(moved[t], union(range(0, t - 1), range(Math.max(0, t - 1), T - 2)), `position ${t}`)
    if (t <= T - 2) assert.ok(moved[t].includes(t), `position ${t} depends on its own target (the copy path)`)
  }
  model.params.dispose()
})

test('leak: the 2017 bidirectional t-rae decoder: forward never sees target >= t-1; backward sees its own target only after the middle', () => {
  for (const p of [0, 0.5]) {
    const model = trae('2017', 'gru', 1)
    const {targets, representation} = inputsFor(model, 22)
    const noise = {...NO_NOISE, feedPreviousProb: p}
    // The same random stream for every perturbation, so the feed-previous choices are the same.
    const moved = dependence((x) => model.decode(x, representation, noise, new Random(5)), targets, T)
    for (let t = 0; t < T; t++) {
      // Forward: step t reads inputs[t-1] = targets[t-2] (auDeep's double shift). Backward, outputs in
      // processing order: step t has read reversed inputs 0..t-1 = targets T-2 down to T-1-t.
      const reachable = union(range(0, t - 2), t >= 1 ? range(T - 1 - t, T - 2) : [])
      if (p === 0) assert.deepEqual(moved[t], reachable, `position ${t}`)
      // With feed-previous some teacher inputs are replaced by the decoder's own outputs: a subset.
      else
        assert.ok(
          moved[t].every((j) => reachable.includes(j)),
          `p ${p} position ${t}: ${moved[t]}`,
        )
      // Its own target t is readable only by the backward direction and only for t >= (T-1)/2, read
      // 2t-(T-1) steps earlier (at the middle of an odd-length sequence, in the same step).
      if (p === 0) assert.equal(moved[t].includes(t), t >= (T - 1) / 2 && t <= T - 2, `position ${t}`)
    }
    model.params.dispose()
  }
})

test('leak: the unidirectional t-rae decoder (both variants) never sees target >= t-1', () => {
  for (const p of [0, 0.5]) {
    const model = trae('2017', 'lstm', 1, false)
    const {targets, representation} = inputsFor(model, 23)
    const moved = dependence((x) => model.decode(x, representation, {...NO_NOISE, feedPreviousProb: p}, new Random(5)), targets, T)
    for (let t = 0; t < T; t++)
      assert.ok(
        moved[t].every((j) => j <= t - 2),
        `p ${p} position ${t}: ${moved[t]}`,
      )
    model.params.dispose()
  }
})

test("leak: a bidirectional FeedPreviousDecoder in time order (f-rae's, ft-rae's): each direction reads only its own past", () => {
  const store = new ParamStore(new Random(4))
  const decoder = new FeedPreviousDecoder(store, 'd', {layers: 1, units: 4, bidirectional: true, cell: 'gru'}, F)
  const r = rng(30)
  const inputs = tf.tensor3d(randomArray(T * B * F, r), [T, B, F])
  const state = tf.tensor2d(randomArray(B * 8, r), [B, 8])
  for (const d of [0, 1]) {
    const moved = dependence(
      (x) => decoder.run(x, state, 0, {keepProb: 1, random: new Random(1)}).slice([0, 0, d * F], [T, B, F]),
      inputs,
      T,
    )
    // Forward output t reads input 0..t-1; backward (reversed back into time order) reads T-1 down to t+1.
    for (let t = 0; t < T; t++) assert.deepEqual(moved[t], d === 0 ? range(0, t - 1) : range(t + 1, T - 1), `direction ${d} position ${t}`)
  }
  store.dispose()
})

test('leak: f-rae and ft-rae reconstruct a frame through a dense layer over all decoder steps, so teacher forcing reaches the targets', () => {
  const bands = 12
  const windows = {width: 4, overlap: 2} // 5 windows: [0,4) [2,6) [4,8) [6,10) [8,12)
  const frae = createAutoencoder(
    {
      kind: 'f-rae',
      numFeatures: bands,
      encoder: {layers: 1, units: 4, bidirectional: false, cell: 'gru'},
      decoder: {layers: 1, units: 4, bidirectional: false, cell: 'gru'},
      windows,
    },
    new Random(5),
  ) as FrequencyAutoencoder
  const r = rng(40)
  const N = 2
  const frames = tf.tensor2d(randomArray(N * bands, r), [N, bands])
  const representation = tf.tensor2d(randomArray(N * 4, r), [N, 4])
  const windowsOf = (f: tf.Tensor2D) =>
    tf.stack(
      [0, 1, 2, 3, 4].map((i) => f.slice([0, 2 * i], [-1, 4])),
      0,
    ) as tf.Tensor3D
  // Perturb one input band in the decoder's teacher-forcing windows only; the reconstruction is of the
  // frequency-reversed frame, so band f is reconstructed at position bands-1-f.
  const leaks = (p: number): number[] => {
    const base = tf.tidy(() => frae.decode(windowsOf(frames), representation, {...NO_NOISE, feedPreviousProb: p}, new Random(2)).dataSync())
    const out: number[] = []
    for (let f = 0; f < bands; f++) {
      const moved = tf.tidy(() => {
        const bumped = tf.add(frames, tf.mul(tf.oneHot(tf.tensor1d([f], 'int32'), bands), 0.5)) as tf.Tensor2D
        const y = frae.decode(windowsOf(bumped), representation, {...NO_NOISE, feedPreviousProb: p}, new Random(2)).dataSync()
        let d = 0
        for (let n = 0; n < N; n++) d = Math.max(d, Math.abs(y[n * bands + bands - 1 - f] - base[n * bands + bands - 1 - f]))
        return d
      })
      if (moved > 1e-6) out.push(f)
    }
    return out
  }
  // Teacher forcing: the decoder reads the windows in reverse order with auDeep's double shift, so all
  // but the two lowest windows ([0,4), [2,6)) reach it: the reconstruction of bands 4..11 reads them.
  assert.deepEqual(leaks(0), range(4, 11))
  // Always feeding its own outputs, the decoder reads no target band: only the representation remains.
  assert.deepEqual(leaks(1), [])
  frae.params.dispose()

  // ft-rae: the frequency decoder of frame t reads the windows of frame t's own targets the same way.
  const ftrae = createAutoencoder(
    {
      kind: 'ft-rae',
      numFeatures: bands,
      freqEncoder: {layers: 1, units: 3, bidirectional: false, cell: 'gru'},
      freqDecoder: {layers: 1, units: 3, bidirectional: false, cell: 'gru'},
      timeEncoder: {layers: 1, units: 4, bidirectional: false, cell: 'gru'},
      timeDecoder: {layers: 1, units: 4, bidirectional: false, cell: 'gru'},
      windows,
    },
    new Random(6),
  ) as FrequencyTimeAutoencoder
  const freqStates = tf.tensor3d(randomArray(T * B * 3, r), [T, B, 3])
  const targets = tf.tensor3d(randomArray(T * B * bands, r), [T, B, bands])
  const rep = tf.tensor2d(randomArray(B * 4, r), [B, 4])
  const base = ftrae.decode(freqStates, targets, rep, NO_NOISE, new Random(2)).dataSync()
  const bumped = tf.add(targets, tf.mul(tf.oneHot(tf.tensor1d([0], 'int32'), bands), 0.5)) as tf.Tensor3D
  const moved = ftrae.decode(freqStates, bumped, rep, NO_NOISE, new Random(2)).dataSync()
  // Target band 0 (windows are taken of the targets, first windows read) of every frame moves that
  // frame's reconstruction of band 0: no other frame's targets are involved.
  for (let i = 0; i < base.length; i += bands) assert.ok(Math.abs(moved[i] - base[i]) > 1e-6, `element ${i}`)
  ftrae.params.dispose()
})

test('shiftBothWays: [y[t-1] | y[t+1]] is the two shifted sequences it replaces, values and gradients bit for bit', async () => {
  for (const backend of addon ? (['native', 'cpu'] as const) : (['cpu'] as const)) {
    await selectBackend(backend)
    for (const steps of [1, 2, 7]) {
      tf.tidy(() => {
        const r = rng(50 + steps)
        const y = tf.tensor3d(randomArray(steps * 3 * 4, r), [steps, 3, 4])
        const w = tf.tensor3d(randomArray(steps * 3 * 8, r), [steps, 3, 8])
        const composed = (v: tf.Tensor3D) => tf.concat([shiftRight(v), tf.reverse(shiftRight(tf.reverse(v, 0) as tf.Tensor3D), 0)], 2)
        const got = shiftBothWays(y),
          want = composed(y)
        assert.deepEqual(got.shape, [steps, 3, 8])
        assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()), `${backend} T=${steps} values`)
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(shiftBothWays(v as tf.Tensor3D), w)))(y)
        const gw = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(composed(v as tf.Tensor3D), w)))(y)
        assert.deepEqual(Array.from(g.dataSync()), Array.from(gw.dataSync()), `${backend} T=${steps} gradient`)
      })
    }
  }
  await selectBackend(addon ? 'native' : 'auto')
})
