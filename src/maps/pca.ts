// Principal component analysis for the embedding commands: project rows onto the top-k principal axes.
//
// Works on whichever of the Gram matrix (N x N) or the covariance matrix (D x D) is smaller, and finds the
// top eigenvectors by subspace iteration with Rayleigh-Ritz refinement, which is accurate to well below
// plotting precision for the k <= 50 components t-SNE/UMAP need, and much cheaper than a full
// eigendecomposition of a large matrix.

import {pauseForInterrupt} from '../core/interrupt.js'
import {Random} from '../core/random.js'
import {dot} from '../linalg.js'

export interface PcaResult {
  /** Row-major [rows, k] projections (principal component scores). */
  scores: Float64Array
  k: number
  /** Variance along each component (descending). */
  variances: Float64Array
  /** Total variance of the centred data, for the explained-variance ratio. */
  totalVariance: number
}

/** Symmetric eigendecomposition by cyclic Jacobi rotations; for the small projected matrices only. */
export function jacobiEigen(matrix: Float64Array, n: number): {values: Float64Array; vectors: Float64Array} {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2
    if (off < 1e-30) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]
        if (Math.abs(apq) < 1e-300) continue
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]
          const akq = a[k * n + q]
          a[k * n + p] = c * akp - s * akq
          a[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]
          const aqk = a[q * n + k]
          a[p * n + k] = c * apk - s * aqk
          a[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]
          const vkq = v[k * n + q]
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  // Sort descending; vectors are the columns of v.
  const order = Array.from({length: n}, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i])
  const values = Float64Array.from(order, (i) => a[i * n + i])
  const vectors = new Float64Array(n * n)
  for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) vectors[r * n + c] = v[r * n + order[c]]
  return {values, vectors}
}

/** Orthonormalises the columns of a row-major [m, c] matrix in place (modified Gram-Schmidt). */
function orthonormalise(q: Float64Array, m: number, c: number): void {
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0
      for (let r = 0; r < m; r++) dot += q[r * c + i] * q[r * c + j]
      for (let r = 0; r < m; r++) q[r * c + j] -= dot * q[r * c + i]
    }
    let norm = 0
    for (let r = 0; r < m; r++) norm += q[r * c + j] ** 2
    norm = Math.sqrt(norm) || 1
    for (let r = 0; r < m; r++) q[r * c + j] /= norm
  }
}

/** out[m, c] = s[m, m] * q[m, c] */
function symTimes(s: Float64Array, q: Float64Array, m: number, c: number, out: Float64Array): void {
  out.fill(0)
  for (let r = 0; r < m; r++) {
    const o = r * c
    for (let t = 0; t < m; t++) {
      const srt = s[r * m + t]
      if (srt === 0) continue
      const qt = t * c
      for (let j = 0; j < c; j++) out[o + j] += srt * q[qt + j]
    }
  }
}

/** Top `k` eigenpairs of a symmetric m x m matrix. */
async function topEigen(s: Float64Array, m: number, k: number, seed: number): Promise<{values: Float64Array; vectors: Float64Array}> {
  // Jacobi costs O(m^3) per sweep: only worth it for small matrices.
  if (m <= 64) {
    const full = jacobiEigen(s, m)
    const vectors = new Float64Array(m * k)
    for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) vectors[r * k + j] = full.vectors[r * m + j]
    return {values: full.values.subarray(0, k), vectors}
  }
  const c = Math.min(m, k + 10)
  const random = new Random(seed)
  let q = Float64Array.from({length: m * c}, () => random.next() - 0.5)
  let next = new Float64Array(m * c)
  orthonormalise(q, m, c)
  // With 10 extra columns the top k converge quickly; a dozen rounds is ample at plotting precision.
  for (let iter = 0; iter < 12; iter++) {
    symTimes(s, q, m, c, next)
    ;[q, next] = [next, q]
    orthonormalise(q, m, c)
    await pauseForInterrupt()
  }
  // Rayleigh-Ritz: eigendecompose Q^T S Q and rotate Q accordingly.
  symTimes(s, q, m, c, next)
  const small = new Float64Array(c * c)
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      let dot = 0
      for (let r = 0; r < m; r++) dot += q[r * c + i] * next[r * c + j]
      small[i * c + j] = dot
    }
  }
  for (let i = 0; i < c; i++)
    for (let j = i + 1; j < c; j++) small[i * c + j] = small[j * c + i] = (small[i * c + j] + small[j * c + i]) / 2
  const ritz = jacobiEigen(small, c)
  const vectors = new Float64Array(m * k)
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0
      for (let t = 0; t < c; t++) sum += q[r * c + t] * ritz.vectors[t * c + j]
      vectors[r * k + j] = sum
    }
  }
  return {values: ritz.values.subarray(0, k), vectors}
}

/** Projects `rows` x `cols` data (row-major) onto its top `k` principal components. */
export async function pca(data: Float32Array | Float64Array, rows: number, cols: number, k: number, seed = 0): Promise<PcaResult> {
  k = Math.min(k, rows, cols)
  const centred = new Float64Array(rows * cols)
  const mean = new Float64Array(cols)
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) mean[j] += data[r * cols + j]
  for (let j = 0; j < cols; j++) mean[j] /= rows
  let totalSquares = 0
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const v = data[r * cols + j] - mean[j]
      centred[r * cols + j] = v
      totalSquares += v * v
    }
  }
  const denom = Math.max(1, rows - 1)
  const useGram = rows <= cols
  const m = useGram ? rows : cols
  // Gram: X X^T (its eigenvectors are the normalised scores); covariance: X^T X (eigenvectors = axes).
  const s = new Float64Array(m * m)
  if (useGram) {
    for (let a = 0; a < rows; a++) {
      for (let b = a; b < rows; b++) {
        s[a * m + b] = s[b * m + a] = dot(centred, a * cols, centred, b * cols, cols)
      }
      if (a % 64 === 63) await pauseForInterrupt()
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = r * cols
      for (let a = 0; a < cols; a++) {
        const xa = centred[o + a]
        if (xa === 0) continue
        for (let b = a; b < cols; b++) s[a * m + b] += xa * centred[o + b]
      }
      if (r % 256 === 255) await pauseForInterrupt()
    }
    for (let a = 0; a < cols; a++) for (let b = a + 1; b < cols; b++) s[b * m + a] = s[a * m + b]
  }
  const {values, vectors} = await topEigen(s, m, k, seed)
  const scores = new Float64Array(rows * k)
  if (useGram) {
    for (let j = 0; j < k; j++) {
      const scale = Math.sqrt(Math.max(0, values[j]))
      for (let r = 0; r < rows; r++) scores[r * k + j] = vectors[r * k + j] * scale
    }
  } else {
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) {
        let sum = 0
        for (let a = 0; a < cols; a++) sum += centred[r * cols + a] * vectors[a * k + j]
        scores[r * k + j] = sum
      }
    }
  }
  // Eigenvector signs are arbitrary; fix them so that results do not depend on iteration details.
  for (let j = 0; j < k; j++) {
    let largest = 0
    for (let r = 0; r < rows; r++) if (Math.abs(scores[r * k + j]) > Math.abs(largest)) largest = scores[r * k + j]
    if (largest < 0) for (let r = 0; r < rows; r++) scores[r * k + j] = -scores[r * k + j]
  }
  return {scores, k, variances: Float64Array.from(values, (v) => Math.max(0, v) / denom), totalVariance: totalSquares / denom}
}
