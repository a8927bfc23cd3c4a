// Native sgemm and the native BatchMatMul/_FusedMatMul kernels registered on tfjs' wasm backend.
import * as tf from '@tensorflow/tfjs'
import assert from 'node:assert/strict'
import {before, test} from 'node:test'
import {loadNative, nativeMatMulRegistered, selectBackend} from '../../src/nn/engine/index.js'
import {maxAbs, maxAbsDiff, rng} from './engine-helpers.js'

const addon = loadNative()
const skip = addon ? false : 'native addon not built'

before(async () => {
  if (addon) await selectBackend('native')
})

function refGemm(
  ta: boolean,
  tb: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
): Float64Array {
  const C = new Float64Array(M * N)
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const a = ta ? A[k * lda + i] : A[i * lda + k]
      for (let j = 0; j < N; j++) C[i * N + j] += a * (tb ? B[j * ldb + k] : B[k * ldb + j])
    }
  return C
}

for (const isa of addon?.supportedIsas() ?? ['portable']) {
  test(`sgemm matches a float64 reference on ${isa} (all transposes, edge sizes, accumulate, threads)`, {skip}, () => {
    assert.equal(addon!.setIsa(isa), true)
    const r = rng(7)
    const shapes = [
      [1, 1, 1],
      [7, 13, 5],
      [17, 50, 33],
      [64, 97, 300],
      [9, 49, 260],
      [130, 70, 600],
      [8, 48, 0],
      [10, 256, 70], // a width the main AVX-512 tile (48 columns) would pad: the narrower tile
      [19, 100, 2100], // a deep, row-major B is read in place, its partial last panel packed
      [16, 96, 2060],
    ]
    for (const threads of [1, addon!.numThreads()]) {
      const saved = addon!.numThreads()
      addon!.setNumThreads(threads)
      for (const [M, N, K] of shapes)
        for (const ta of [false, true])
          for (const tb of [false, true])
            for (const acc of [false, true]) {
              const lda = (ta ? M : K) + 3,
                ldb = (tb ? K : N) + 1,
                ldc = N + 2
              const A = Float32Array.from({length: (ta ? K : M) * lda}, () => r() - 0.5)
              const B = Float32Array.from({length: (tb ? N : K) * ldb}, () => r() - 0.5)
              const C0 = Float32Array.from({length: M * ldc}, () => r() - 0.5)
              const C = C0.slice()
              addon!.sgemm(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, acc)
              const R = refGemm(ta, tb, M, N, K, A, lda, B, ldb)
              let err = 0
              for (let i = 0; i < M; i++) {
                for (let j = 0; j < N; j++) err = Math.max(err, Math.abs(C[i * ldc + j] - (R[i * N + j] + (acc ? C0[i * ldc + j] : 0))))
                // Padding columns of C must be untouched.
                for (let j = N; j < ldc; j++) assert.equal(C[i * ldc + j], C0[i * ldc + j])
              }
              assert.ok(err < 1e-5 * Math.max(1, Math.sqrt(K)), `${isa} t${threads} ${M}x${N}x${K} ta=${ta} tb=${tb} acc=${acc}: ${err}`)
            }
      addon!.setNumThreads(saved)
    }
  })
}

// The register tile (chosen from N) and where the operands are read from (B packed, or in place when it is
// deep and not transposed; A in place unless transposed, packed otherwise) only change speed: every
// element is the same sum in the same order, so the bits agree.
for (const isa of addon?.supportedIsas() ?? ['portable']) {
  test(`sgemm gives the same bits whichever tile and B source it uses, on ${isa}`, {skip}, () => {
    assert.equal(addon!.setIsa(isa), true)
    const r = rng(11)
    for (const [M, N, K] of [
      [13, 256, 300],
      [19, 512, 260],
      [9, 250, 2100],
      [24, 96, 2304],
    ]) {
      const A = Float32Array.from({length: M * K}, () => r() - 0.5)
      const B = Float32Array.from({length: K * N}, () => r() - 0.5)
      const Bt = new Float32Array(N * K)
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Bt[j * K + k] = B[k * N + j]
      const C = new Float32Array(M * N),
        Ct = new Float32Array(M * N)
      addon!.sgemm(false, false, M, N, K, A, K, B, N, C, N, false) // in place when K is deep
      addon!.sgemm(false, true, M, N, K, A, K, Bt, K, Ct, N, false) // always packed
      assert.deepEqual(C, Ct, `${isa} ${M}x${N}x${K}: B read in place vs packed`)
      // A's last rows, short of a register tile, are packed; with rows added below them (to a multiple of 24,
      // whole tiles for every ISA's 6 or 8 rows) they are read in place, row by row (A) or column by column
      // (A transposed).
      const M2 = (Math.floor(M / 24) + 1) * 24,
        A2 = Float32Array.from({length: M2 * K}, (_, i) => (i < M * K ? A[i] : r() - 0.5)),
        A2t = new Float32Array(K * M2)
      for (let i = 0; i < M2; i++) for (let k = 0; k < K; k++) A2t[k * M2 + i] = A2[i * K + k]
      const C2 = new Float32Array(M2 * N),
        C2t = new Float32Array(M2 * N)
      addon!.sgemm(false, true, M2, N, K, A2, K, Bt, K, C2, N, false)
      addon!.sgemm(true, true, M2, N, K, A2t, M2, Bt, K, C2t, N, false)
      assert.deepEqual(C2.subarray(0, M * N), Ct, `${isa} ${M}x${N}x${K}: A read in place vs packed`)
      assert.deepEqual(C2t, C2, `${isa} ${M}x${N}x${K}: A transposed, read in place`)
      if (N < 240) continue
      // The first 240 columns alone (a multiple of every tile width) against the same columns of N.
      const n = 240,
        Cn = new Float32Array(M * n)
      addon!.sgemm(false, true, M, n, K, A, K, Bt, K, Cn, n, false)
      for (let i = 0; i < M; i++)
        assert.deepEqual(Cn.subarray(i * n, (i + 1) * n), Ct.subarray(i * N, i * N + n), `${isa} ${M}x${N}x${K} row ${i}`)
    }
    addon!.setIsa(addon!.supportedIsas()[0])
  })
}

test('sgemm validates buffer sizes instead of reading out of bounds', {skip}, () => {
  const a = new Float32Array(6),
    b = new Float32Array(6),
    c = new Float32Array(3)
  assert.throws(() => addon!.sgemm(false, false, 2, 2, 3, a, 3, b, 2, c, 2, false), /C: expected at least 4/)
  assert.throws(() => addon!.sgemm(false, false, 2, 2, 4, a, 4, b, 2, new Float32Array(4), 2, false), /A/)
})

// The reference is tfjs' cpu backend: the stock wasm _FusedMatMul gives wrong results with a bias and
// both transposes (tfjs 4.22), which this test would otherwise flag against the native kernel.
test('native BatchMatMul/_FusedMatMul on wasm agree with the tfjs cpu backend (values and gradients)', {skip}, async () => {
  addon!.setIsa(addon!.supportedIsas()[0])
  assert.ok(nativeMatMulRegistered())
  const r = rng(3)
  const cases: {a: number[]; b: number[]; ta: boolean; tb: boolean; act: 'relu' | 'linear' | 'sigmoid'}[] = [
    {a: [5, 7], b: [7, 3], ta: false, tb: false, act: 'relu'},
    {a: [7, 5], b: [3, 7], ta: true, tb: true, act: 'relu'},
    {a: [7, 5], b: [7, 3], ta: true, tb: false, act: 'linear'},
    {a: [2, 4, 6], b: [2, 6, 5], ta: false, tb: false, act: 'sigmoid'},
    {a: [3, 6, 4], b: [3, 5, 6], ta: true, tb: true, act: 'linear'},
    {a: [33, 70], b: [50, 70], ta: false, tb: true, act: 'relu'},
  ]
  const arr = (shape: number[]) => Float32Array.from({length: shape.reduce((x, y) => x * y, 1)}, () => r() * 2 - 1)
  for (const c of cases) {
    const N = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1]
    const av = arr(c.a),
      bv = arr(c.b),
      zv = arr([N])
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor(av, c.a),
          b = tf.tensor(bv, c.b),
          bias = tf.tensor(zv, [N])
        const g = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.fused.matMul({a: x, b: y, transposeA: c.ta, transposeB: c.tb, bias: z, activation: c.act})
        const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(g(x, y, z))))([a, b, bias])
        return [tf.matMul(a, b, c.ta, c.tb), g(a, b, bias), ...grads].map((t) => t.dataSync() as Float32Array)
      })
    const nat = run()
    await tf.setBackend('cpu')
    const ref = run()
    await selectBackend('native')
    const tag = JSON.stringify(c)
    nat.forEach((v, i) => {
      const scale = Math.max(1, maxAbs(tf.tensor(ref[i])))
      assert.ok(maxAbsDiff(tf.tensor(v), tf.tensor(ref[i])) < 1e-5 * scale, `result ${i} ${tag}`)
    })
  }
})

test('selecting a non-native backend restores the stock matMul kernels', {skip}, async () => {
  await selectBackend('wasm')
  assert.equal(nativeMatMulRegistered(), false)
  await selectBackend('native')
  assert.equal(nativeMatMulRegistered(), true)
})

test('native Tanh/Sigmoid kernels on wasm agree with Math.tanh and the logistic function on every ISA', {skip}, () => {
  const r = rng(11)
  const vals = Float32Array.from({length: 300_001}, (_, i) =>
    i < 12 ? [0, -0, 1e-7, -1e-7, 3e-3, -5e-3, 20, -20, 100, -100, 88.5, -90][i] : (r() * 2 - 1) * 12,
  )
  for (const isa of addon!.supportedIsas()) {
    addon!.setIsa(isa)
    tf.tidy(() => {
      const x = tf.tensor(vals)
      const t = tf.tanh(x).dataSync(),
        s = tf.sigmoid(x).dataSync()
      let et = 0,
        es = 0
      for (let i = 0; i < vals.length; i++) {
        const v = vals[i]
        // Relative for tanh (it keeps precision near 0), absolute for sigmoid.
        et = Math.max(et, Math.abs(t[i] - Math.tanh(v)) / Math.max(1e-30, Math.abs(Math.tanh(v)) || 1))
        es = Math.max(es, Math.abs(s[i] - 1 / (1 + Math.exp(-v))))
      }
      assert.ok(et < 1e-6, `${isa} tanh relative error ${et}`)
      assert.ok(es < 1e-6, `${isa} sigmoid error ${es}`)
    })
  }
  addon!.setIsa(addon!.supportedIsas()[0])
})

test('Reverse kernel on wasm: leading-axis fast path and other axes agree with the cpu backend', {skip}, async () => {
  const r = rng(12)
  const shape = [5, 3, 4]
  const vals = Float32Array.from({length: 60}, () => r())
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor(vals, shape)
      const g = tf.grads((y: tf.Tensor) => tf.sum(tf.mul(tf.reverse(y, 0), tf.range(0, 60).reshape(shape))))([x])[0]
      return [tf.reverse(x, 0), tf.reverse(x, [0, 2]), tf.reverse(x, -1), tf.reverse(x.reshape([5, 1, 12]), [0, 1]), g].map((t) =>
        Array.from(t.dataSync()),
      )
    })
  const nat = run()
  await tf.setBackend('cpu')
  const ref = run()
  await selectBackend('native')
  assert.deepEqual(nat, ref)
})

test('Slice, SplitV and Identity kernels on wasm agree with the cpu backend (ranks 1-5, int32, gradients)', {skip}, async () => {
  const r = rng(13)
  const shape = [3, 4, 5, 2, 3]
  const vals = Float32Array.from({length: 360}, () => r())
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor(vals, shape)
      const outs: tf.Tensor[] = [
        tf.slice(x, [1, 0, 2, 0, 1], [2, 4, 3, 2, 2]),
        tf.slice(x, [0, 1, 0, 0, 0], [-1, 2, -1, -1, -1]),
        tf.slice(x.reshape([360]), 17, 100),
        tf.slice(x.reshape([12, 30]), [3, 5], [4, 0]),
        tf.slice(x.reshape([12, 30]), [11, 29], [1, 1]),
        tf.slice(
          tf.tensor(
            Int32Array.from({length: 60}, (_, i) => i),
            [5, 12],
            'int32',
          ),
          [1, 3],
          [3, 5],
        ),
        ...tf.split(x, [1, 2], 0),
        ...tf.split(x, [2, 3], 2),
        ...tf.split(x.reshape([6, 60]), 3, 1),
        tf.clone(x),
        tf.grads((y: tf.Tensor) => tf.sum(tf.mul(tf.slice(y, [0, 1, 1, 0, 0], [2, 2, 3, 2, 3]), 3)))([x])[0],
        tf.grads((y: tf.Tensor) => tf.sum(tf.mul(tf.split(y, [3, 2], 2)[1], tf.split(y, [3, 2], 2)[1])))([x])[0],
      ]
      return outs.map((t) => [t.shape, t.dtype, Array.from(t.dataSync())])
    })
  const nat = run()
  await tf.setBackend('cpu')
  const ref = run()
  await selectBackend('native')
  assert.deepEqual(nat, ref)
  // A clone shares the data until both are disposed: disposing one leaves the other readable.
  const a = tf.tensor([1, 2, 3])
  const b = tf.clone(a)
  a.dispose()
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3])
  b.dispose()
})
