// The linear SVM against scikit-learn's LinearSVC: a committed fixture (scripts/make-sklearn-fixture.py)
// and, where Debian's python3-sklearn is installed, a live comparison on a larger problem.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import type {DataSet} from '../../src/data/dataset.js'
import {crossValidate} from '../../src/evaluate/evaluation.js'
import {svmLearner} from '../../src/evaluate/learners.js'
import {gramMatrix, predictLinearSvm, trainBinarySvm, trainLinearSvm} from '../../src/evaluate/linear-svm.js'
import {fitStandardiser, standardise} from '../../src/evaluate/standardise.js'
import {trainLinearSvmParallel} from '../../src/evaluate/svm-parallel.js'
import {gaussianClasses} from '../../src/evaluate/synthetic.js'
import {Random} from '../../src/core/random.js'
import {fixture, tempDir} from '../helpers.js'
import {makeDataSet} from './datasets.js'

interface FixtureFit {
  C: number
  coef: number[][]
  intercept: number[]
  iterations: number
  trainPredictions: number[]
  cvPredictions: number[]
  cvAccuracy: number
}

interface FixtureProblem {
  name: string
  n: number
  d: number
  features: string
  labels: number[]
  folds: number[]
  fits: FixtureFit[]
}

const sklearnFixture = JSON.parse(readFileSync(fixture('sklearn-linearsvc.json'), 'utf8')) as {problems: FixtureProblem[]}

function featuresOf(p: FixtureProblem): Float32Array {
  const values = Float32Array.from(p.features.split(' ').map(Number))
  assert.equal(values.length, p.n * p.d)
  return values
}

function asDataSet(features: Float32Array, labels: ArrayLike<number>, folds: ArrayLike<number>, d: number): DataSet {
  return makeDataSet({features, d, labels, folds})
}

for (const problem of sklearnFixture.problems) {
  for (const fit of problem.fits) {
    test(`linear SVM matches LinearSVC: ${problem.name}, C=${fit.C}`, async () => {
      const features = featuresOf(problem)
      const labels = Int32Array.from(problem.labels)
      const scaler = fitStandardiser(features, problem.d)
      const x = standardise(scaler, features, undefined, (k) => new Float64Array(k))
      const model = trainLinearSvm(x, problem.n, problem.d, labels, {complexity: fit.C}, new Random(7))
      assert.ok(model.fits.every((f) => f.converged))
      // The primal optimum is unique, so the weights agree up to the solvers' tolerance whatever the
      // coordinate order.
      const scale = Math.max(...fit.coef.flat().map(Math.abs), ...fit.intercept.map(Math.abs))
      fit.coef.forEach((row, k) => {
        row.forEach((c, j) =>
          assert.ok(
            Math.abs(model.weights[k * problem.d + j] - c) <= 1e-3 * scale,
            `coef[${k}][${j}] ${model.weights[k * problem.d + j]} vs ${c}`,
          ),
        )
        assert.ok(
          Math.abs(model.intercepts[k] - fit.intercept[k]) <= 1e-3 * scale,
          `intercept[${k}] ${model.intercepts[k]} vs ${fit.intercept[k]}`,
        )
      })
      const predictions = predictLinearSvm(model, x, problem.n)
      const agree = predictions.filter((p, i) => p === fit.trainPredictions[i]).length
      assert.ok(agree >= problem.n - 1, `${problem.n - agree} of ${problem.n} training predictions differ from sklearn's`)

      // The whole evaluation protocol (per-fold standardisation, shuffling, prediction).
      const ds = asDataSet(features, problem.labels, problem.folds, problem.d)
      const result = await crossValidate(ds, svmLearner({complexity: fit.C}), {
        repeat: 1,
        upsample: false,
        majorityVote: false,
        random: new Random(3),
      })
      assert.ok(
        Math.abs(result.accuracy - fit.cvAccuracy) <= 2 / problem.n + 1e-9,
        `CV accuracy ${result.accuracy} vs sklearn ${fit.cvAccuracy}`,
      )
    })
  }
}

test('the Gram-matrix and weight-vector solvers take the same steps', () => {
  const data = gaussianClasses({n: 42, d: 60, classes: 2, separation: 0.3, seed: 5, constantColumns: 2})
  const x = standardise(fitStandardiser(data.features, 60), data.features, undefined, (k) => new Float64Array(k))
  // Through trainLinearSvm the Gram solver is used (n <= d); trainBinarySvm always keeps w.
  const viaGram = trainLinearSvm(x, 42, 60, data.labels, {complexity: 0.5}, new Random(11))
  const w = new Float64Array(60)
  const y = Int8Array.from(data.labels, (l) => (l === 1 ? 1 : -1))
  const direct = trainBinarySvm(x, 42, 60, y, {complexity: 0.5}, new Random(11).fork(), w)
  assert.equal(viaGram.fits[0].iterations, direct.iterations)
  w.forEach((v, j) => assert.ok(Math.abs(v - viaGram.weights[j]) < 1e-9))
  assert.ok(Math.abs(direct.intercept - viaGram.intercepts[0]) < 1e-9)
  const gram = gramMatrix(x, 42, 60, 1)
  let xx = 1
  for (let j = 0; j < 60; j++) xx += x[40 * 60 + j] * x[17 * 60 + j]
  assert.ok(Math.abs(gram[40 * 42 + 17] - xx) < 1e-9 && gram[17 * 42 + 40] === gram[40 * 42 + 17])
})

test('the same seed gives the same model', () => {
  const data = gaussianClasses({n: 100, d: 20, classes: 3, separation: 0.4, seed: 9})
  const x = standardise(fitStandardiser(data.features, 20), data.features, undefined, (k) => new Float64Array(k))
  const a = trainLinearSvm(x, 100, 20, data.labels, {complexity: 0.1}, new Random(4))
  const b = trainLinearSvm(x, 100, 20, data.labels, {complexity: 0.1}, new Random(4))
  assert.deepEqual(a.weights, b.weights)
})

// A live comparison on a 600 x 300 problem, where python3-sklearn is installed (Debian's /usr/bin/python3).
const python = '/usr/bin/python3'
const hasSklearn = existsSync(python) && spawnSync(python, ['-c', 'import sklearn'], {encoding: 'utf8'}).status === 0

test('5-fold CV accuracy matches live scikit-learn', {skip: hasSklearn ? false : 'python3-sklearn is not installed'}, async () => {
  const n = 600
  const d = 300
  const data = gaussianClasses({n, d, classes: 6, separation: 0.15, seed: 21, constantColumns: 4})
  const folds = Int32Array.from({length: n}, (_, i) => Math.floor(i / 6) % 5)
  const dir = tempDir()
  writeFileSync(join(dir, 'x.f32'), data.features)
  writeFileSync(join(dir, 'y.i32'), data.labels)
  writeFileSync(join(dir, 'folds.i32'), folds)
  const script = `
import numpy as np, sys
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
d = sys.argv[1]
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(${n}, ${d})
y = np.fromfile(d + '/y.i32', dtype=np.int32)
folds = np.fromfile(d + '/folds.i32', dtype=np.int32)
correct = 0
for k in range(5):
    v = folds == k
    s = StandardScaler().fit(x[~v])
    m = LinearSVC(C=0.01).fit(s.transform(x[~v]), y[~v])
    correct += int((m.predict(s.transform(x[v])) == y[v]).sum())
print(correct / ${n})
`
  const run = spawnSync(python, ['-c', script, dir], {encoding: 'utf8'})
  assert.equal(run.status, 0, run.stderr)
  const sklearnAccuracy = Number(run.stdout.trim())
  const ds = asDataSet(data.features, data.labels, folds, d)
  const result = await crossValidate(ds, svmLearner({complexity: 0.01}), {
    repeat: 1,
    upsample: false,
    majorityVote: false,
    random: new Random(1),
  })
  assert.ok(sklearnAccuracy > 0.3 && sklearnAccuracy < 0.95, `the problem should be neither trivial nor hopeless (${sklearnAccuracy})`)
  assert.ok(Math.abs(result.accuracy - sklearnAccuracy) <= 0.01, `ours ${result.accuracy} vs sklearn ${sklearnAccuracy}`)
})

test('splitting the one-vs-rest problems over a worker thread gives the identical model', async () => {
  for (const [n, d] of [
    [120, 30],
    [30, 50],
  ]) {
    const data = gaussianClasses({n, d, classes: 5, separation: 0.5, seed: n})
    const x = standardise(fitStandardiser(data.features, d), data.features, undefined, (k) => new Float64Array(k))
    const sequential = trainLinearSvm(x, n, d, data.labels, {complexity: 0.1}, new Random(8))
    const parallel = await trainLinearSvmParallel(x, n, d, data.labels, {complexity: 0.1}, new Random(8), 0)
    assert.deepEqual(Array.from(parallel.weights), Array.from(sequential.weights))
    assert.deepEqual(Array.from(parallel.intercepts), Array.from(sequential.intercepts))
    assert.deepEqual(parallel.fits, sequential.fits)
  }
})
