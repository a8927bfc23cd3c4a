// 2-D embeddings of feature vectors for `visualize tsne|umap`: PCA to at most 50 dimensions (auDeep used a
// fixed 200, which fails on small data sets), then t-SNE or UMAP from druidjs. Both are driven step by
// step so that Ctrl-C in the interactive shell stops them and progress can be reported.

import {UserError} from '../core/errors.js'
import {pauseForInterrupt} from '../core/interrupt.js'
import {pca} from './pca.js'

/** PCA target dimensionality before t-SNE/UMAP (and the most dimensions kept without PCA). */
export const PCA_COMPONENTS = 50

export interface ReducedData {
  /** Row-major [rows, cols]. */
  data: Float64Array
  cols: number
  /** Fraction of the variance kept by PCA, or null when no PCA was needed. */
  explainedVariance: number | null
}

/** PCA to min(50, rows, cols) components when the data have more than 50 features; a copy otherwise. */
export async function reduceDimensions(features: Float32Array, rows: number, cols: number, seed: number): Promise<ReducedData> {
  if (cols <= PCA_COMPONENTS) return {data: Float64Array.from(features), cols, explainedVariance: null}
  const result = await pca(features, rows, cols, Math.min(PCA_COMPONENTS, rows, cols), seed)
  const kept = result.variances.reduce((a, b) => a + b, 0)
  return {data: result.scores, cols: result.k, explainedVariance: result.totalVariance > 0 ? kept / result.totalVariance : 1}
}

export interface EmbeddingProgress {
  (done: number, total: number): void
}

export interface TsneOptions {
  perplexity: number
  /** druidjs's epsilon; sklearn's learning_rate plays the same role (auDeep: 1000). */
  learningRate: number
  /** Gradient steps (sklearn's default max_iter is 1000). */
  iterations?: number
  seed: number
  onProgress?: EmbeddingProgress
}

export interface UmapOptions {
  neighbors: number
  minDist: number
  epochs?: number
  seed: number
  onProgress?: EmbeddingProgress
}

type DruidMatrix = {values: Float64Array; shape: [number, number]}

async function toMatrix(data: Float64Array, rows: number, cols: number): Promise<DruidMatrix> {
  const {Matrix} = await import('@saehrimnir/druidjs')
  const m = new Matrix(rows, cols, 0) as unknown as DruidMatrix
  m.values.set(data.subarray(0, rows * cols))
  return m
}

/** Runs an iterative druidjs method, yielding to the event loop about every 100 ms for Ctrl-C and progress. */
async function drive(steps: Generator<unknown, unknown, void>, total: number, onProgress?: EmbeddingProgress): Promise<void> {
  let done = 0
  let lastPause = performance.now()
  for (const _ of steps) {
    done++
    const now = performance.now()
    if (now - lastPause > 100) {
      onProgress?.(done, total)
      await pauseForInterrupt()
      lastPause = performance.now()
    }
  }
  onProgress?.(total, total)
}

function projection(matrix: DruidMatrix, rows: number): Float64Array {
  const out = new Float64Array(rows * 2)
  const cols = matrix.shape[1]
  for (let r = 0; r < rows; r++) {
    out[r * 2] = matrix.values[r * cols]
    out[r * 2 + 1] = matrix.values[r * cols + 1]
  }
  return out
}

/** Row-major [rows, 2] t-SNE embedding. */
export async function tsne2d(data: Float64Array, rows: number, cols: number, opts: TsneOptions): Promise<Float64Array> {
  if (!(opts.perplexity > 0)) throw new UserError(`--perplexity must be positive (got ${opts.perplexity})`)
  // Calibrating a perplexity needs more neighbours than that; sklearn rejects perplexity >= n_samples.
  if (opts.perplexity >= rows) {
    throw new UserError(
      `--perplexity ${opts.perplexity} must be less than the number of instances (${rows}); try --perplexity ${Math.max(1, Math.floor((rows - 1) / 3))}`,
    )
  }
  const {TSNE} = await import('@saehrimnir/druidjs')
  const iterations = opts.iterations ?? 1000
  const tsne = new TSNE((await toMatrix(data, rows, cols)) as never, {
    perplexity: opts.perplexity,
    epsilon: opts.learningRate,
    d: 2,
    seed: opts.seed,
  })
  await drive(tsne.generator(iterations), iterations, opts.onProgress)
  const result = projection(tsne.projection as unknown as DruidMatrix, rows)
  assertFinite(result, 't-SNE')
  return result
}

/** Row-major [rows, 2] UMAP embedding. */
export async function umap2d(data: Float64Array, rows: number, cols: number, opts: UmapOptions): Promise<Float64Array> {
  if (!Number.isInteger(opts.neighbors) || opts.neighbors < 2)
    throw new UserError(`--neighbors must be an integer of at least 2 (got ${opts.neighbors})`)
  if (opts.neighbors >= rows) {
    throw new UserError(
      `--neighbors ${opts.neighbors} must be less than the number of instances (${rows}); try --neighbors ${Math.max(2, rows - 1)}`,
    )
  }
  if (!(opts.minDist >= 0)) throw new UserError(`--min-dist must be at least 0 (got ${opts.minDist})`)
  const {UMAP} = await import('@saehrimnir/druidjs')
  const epochs = opts.epochs ?? 350
  const umap = new UMAP((await toMatrix(data, rows, cols)) as never, {
    n_neighbors: opts.neighbors,
    min_dist: opts.minDist,
    d: 2,
    seed: opts.seed,
  })
  await drive(umap.generator(epochs), epochs, opts.onProgress)
  const result = projection(umap.projection as unknown as DruidMatrix, rows)
  assertFinite(result, 'UMAP')
  return result
}

function assertFinite(values: Float64Array, method: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new UserError(`${method} diverged (non-finite coordinates); try a smaller learning rate or check the features for NaN`)
    }
  }
}

/**
 * Fraction of points whose k nearest neighbours (in 2-D) mostly share their label: a quick, independent
 * measure of how well an embedding separates classes, used by the tests.
 */
export function knnAccuracy(points: Float64Array, labels: readonly (string | null)[], k = 5): number {
  const n = labels.length
  let correct = 0
  let counted = 0
  const dist = new Float64Array(n)
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    if (labels[i] === null) continue
    for (let j = 0; j < n; j++) {
      dist[j] = j === i ? Infinity : (points[2 * i] - points[2 * j]) ** 2 + (points[2 * i + 1] - points[2 * j + 1]) ** 2
      order[j] = j
    }
    order.sort((a, b) => dist[a] - dist[b])
    const votes = new Map<string, number>()
    for (let t = 0; t < k; t++) {
      const l = labels[order[t]]
      if (l !== null) votes.set(l, (votes.get(l) ?? 0) + 1)
    }
    let best: string | null = null
    let bestVotes = -1
    for (const [l, v] of votes) if (v > bestVotes) [best, bestVotes] = [l, v]
    if (best === labels[i]) correct++
    counted++
  }
  return counted > 0 ? correct / counted : 0
}
