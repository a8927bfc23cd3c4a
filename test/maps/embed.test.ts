// PCA against a full eigendecomposition, and the embeddings' class separation on real ESC-10 features
// against the separation in the original space.

import assert from 'node:assert/strict'
import {test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {knnAccuracy, reduceDimensions, tsne2d, umap2d} from '../../src/maps/embed.js'
import {jacobiEigen, pca} from '../../src/maps/pca.js'
import {Random} from '../../src/core/random.js'
import {needsShared, reference} from '../helpers.js'

test('jacobiEigen recovers a matrix built from known eigenpairs', () => {
  // Q diag(5, 2, 1) Q^T with Q a rotation about the z axis by 30 degrees.
  const c = Math.cos(Math.PI / 6)
  const s = Math.sin(Math.PI / 6)
  const q = [c, -s, 0, s, c, 0, 0, 0, 1]
  const d = [2, 5, 1]
  const a = new Float64Array(9)
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) a[i * 3 + j] += q[i * 3 + k] * d[k] * q[j * 3 + k]
  const {values, vectors} = jacobiEigen(a, 3)
  assert.deepEqual(
    [...values].map((v) => +v.toFixed(10)),
    [5, 2, 1],
  )
  // The top eigenvector is Q's second column, up to sign.
  assert.ok(Math.abs(Math.abs(vectors[0 * 3] * -s + vectors[1 * 3] * c) - 1) < 1e-10)
})

/** Data with a planted spectrum: column j scaled by 1/(j+1), then mixed by a random orthogonal-ish map. */
function planted(rows: number, cols: number, seed: number): Float32Array {
  const random = new Random(seed)
  const data = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) data[r * cols + j] = (random.normal() * 10) / (j + 1) + 3
  return data
}

function covarianceEigenvalues(data: Float32Array, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols)
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) mean[j] += data[r * cols + j] / rows
  const cov = new Float64Array(cols * cols)
  for (let r = 0; r < rows; r++)
    for (let a = 0; a < cols; a++)
      for (let b = 0; b < cols; b++) cov[a * cols + b] += ((data[r * cols + a] - mean[a]) * (data[r * cols + b] - mean[b])) / (rows - 1)
  return jacobiEigen(cov, cols).values
}

test('pca variances match a full eigendecomposition (covariance and Gram paths)', async () => {
  for (const [rows, cols] of [
    [300, 90],
    [70, 90],
  ]) {
    const data = planted(rows, cols, rows)
    const expected = covarianceEigenvalues(data, rows, cols)
    const result = await pca(data, rows, cols, 10, 7)
    assert.equal(result.k, 10)
    for (let j = 0; j < 10; j++) {
      assert.ok(
        Math.abs(result.variances[j] - expected[j]) / expected[j] < 1e-6,
        `${rows}x${cols} component ${j}: ${result.variances[j]} vs ${expected[j]}`,
      )
      // Scores along a component have that component's variance.
      let sum = 0
      let squares = 0
      for (let r = 0; r < rows; r++) {
        sum += result.scores[r * 10 + j]
        squares += result.scores[r * 10 + j] ** 2
      }
      assert.ok(Math.abs(sum / rows) < 1e-6 * Math.sqrt(expected[0]))
      assert.ok(Math.abs(squares / (rows - 1) - expected[j]) / expected[j] < 1e-6)
    }
    assert.ok(Math.abs(result.totalVariance - expected.reduce((a, b) => a + b, 0)) / result.totalVariance < 1e-9)
  }
})

test('t-SNE and UMAP keep ESC-10 classes apart about as well as the features themselves', needsShared, async () => {
  // Per-band mean and standard deviation over time of the full ESC-10 spectrograms: 400 x 256 real features.
  const ds = await readDataSet(reference('esc10-full-0.08-0.04-128-60.nc'))
  const [frames, bands] = ds.featureShape
  const rows = ds.numInstances
  const cols = 2 * bands
  const features = new Float32Array(rows * cols)
  for (let i = 0; i < rows; i++) {
    const x = ds.instanceFeatures(i)
    for (let b = 0; b < bands; b++) {
      let sum = 0
      let squares = 0
      for (let t = 0; t < frames; t++) {
        sum += x[t * bands + b]
        squares += x[t * bands + b] ** 2
      }
      const mean = sum / frames
      features[i * cols + b] = mean
      features[i * cols + bands + b] = Math.sqrt(Math.max(0, squares / frames - mean * mean))
    }
  }
  const labels = ds.instances.map((i) => i.labelNominal)
  const reduced = await reduceDimensions(features, rows, cols, 1)
  assert.equal(reduced.cols, 50)
  assert.ok(reduced.explainedVariance! > 0.95)

  // 5-NN accuracy in the (PCA-reduced) feature space, computed directly.
  let correct = 0
  for (let i = 0; i < rows; i++) {
    const order = Array.from({length: rows}, (_, j) => j).filter((j) => j !== i)
    const dist = (j: number) => {
      let d = 0
      for (let c = 0; c < reduced.cols; c++) d += (reduced.data[i * reduced.cols + c] - reduced.data[j * reduced.cols + c]) ** 2
      return d
    }
    const near = order
      .map((j) => [dist(j), j])
      .sort((a, b) => a[0] - b[0])
      .slice(0, 5)
    const votes = new Map<string, number>()
    for (const [, j] of near) votes.set(labels[j]!, (votes.get(labels[j]!) ?? 0) + 1)
    const best = [...votes].sort((a, b) => b[1] - a[1])[0][0]
    if (best === labels[i]) correct++
  }
  const baseline = correct / rows
  assert.ok(baseline > 0.6, `baseline ${baseline}`)

  const tsne = await tsne2d(reduced.data, rows, reduced.cols, {perplexity: 30, learningRate: 1000, iterations: 500, seed: 1})
  const umap = await umap2d(reduced.data, rows, reduced.cols, {neighbors: 15, minDist: 0.1, seed: 1})
  const tsneScore = knnAccuracy(tsne, labels)
  const umapScore = knnAccuracy(umap, labels)
  assert.ok(tsneScore > 0.8 * baseline, `t-SNE 5-NN ${tsneScore} vs ${baseline} in feature space`)
  assert.ok(umapScore > 0.75 * baseline, `UMAP 5-NN ${umapScore} vs ${baseline} in feature space`)
  // Chance is 0.1 for ten balanced classes.
  assert.ok(Math.min(tsneScore, umapScore) > 0.4)

  // The same seed gives the same map.
  const again = await umap2d(reduced.data, rows, reduced.cols, {neighbors: 15, minDist: 0.1, seed: 1})
  assert.deepEqual(again, umap)
})
