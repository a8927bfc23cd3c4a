// Linear SVM equivalent to scikit-learn's LinearSVC defaults (what auDeep's `svm` uses, reference §5.3):
// L2-regularised squared-hinge loss solved in the dual by coordinate descent with shrinking (Hsieh et al.
// 2008, the LIBLINEAR solver L2R_L2LOSS_SVC_DUAL), one-vs-rest over the sorted class labels, and an
// intercept modelled as an extra constant feature (intercept_scaling) that is regularised like the
// weights, as LIBLINEAR does.

import {Random} from '../core/random.js'
import {dot} from '../linalg.js'

export interface LinearSvmOptions {
  /** Penalty parameter C (auDeep's --complexity). */
  complexity: number
  /** Stopping tolerance on the projected-gradient spread (sklearn's tol). */
  tolerance?: number
  /** Maximum passes over the data per binary problem (sklearn's max_iter). */
  maxIterations?: number
  /** Value of the constant feature that carries the intercept (sklearn's intercept_scaling). */
  interceptScaling?: number
}

export interface BinaryFitResult {
  /** Passes over the data. */
  iterations: number
  converged: boolean
}

/**
 * What the coordinate descent needs from the data: x_i . x_i, the current margin value w . x_i (bias
 * included) and the update w += step * x_i. Two implementations give the same iterates: one keeps w
 * (O(d) per step, best when n > d), the other keeps w . x_j for all j through the Gram matrix (O(n) per
 * step after an O(n^2 d) set-up shared by all one-vs-rest problems, best when n <= d).
 */
interface DualView {
  squaredNorm(i: number): number
  margin(i: number): number
  update(i: number, step: number): void
  reset(): void
}

class PrimalView implements DualView {
  readonly w: Float64Array
  wb = 0

  constructor(
    private readonly x: Float64Array,
    private readonly d: number,
    private readonly bias: number,
  ) {
    this.w = new Float64Array(d)
  }

  reset(): void {
    this.w.fill(0)
    this.wb = 0
  }

  squaredNorm(i: number): number {
    return dot(this.x, i * this.d, this.x, i * this.d, this.d) + this.bias * this.bias
  }

  margin(i: number): number {
    return dot(this.w, 0, this.x, i * this.d, this.d) + this.wb * this.bias
  }

  update(i: number, step: number): void {
    const {x, w, d} = this
    const offset = i * d
    for (let j = 0; j < d; j++) w[j] += step * x[offset + j]
    this.wb += step * this.bias
  }
}

class GramView implements DualView {
  /** f[j] = w . x_j + wb * bias for the current w. */
  private readonly f: Float64Array

  constructor(
    private readonly gram: Float64Array,
    private readonly n: number,
  ) {
    this.f = new Float64Array(n)
  }

  reset(): void {
    this.f.fill(0)
  }

  squaredNorm(i: number): number {
    return this.gram[i * this.n + i]
  }

  margin(i: number): number {
    return this.f[i]
  }

  update(i: number, step: number): void {
    const {f, gram, n} = this
    const offset = i * n
    for (let j = 0; j < n; j++) f[j] += step * gram[offset + j]
  }
}

/** x x^T + bias^2 (the Gram matrix of the rows extended by the constant bias feature), n x n. */
export function gramMatrix(
  x: Float64Array,
  n: number,
  d: number,
  bias: number,
  gram: Float64Array = new Float64Array(n * n),
): Float64Array {
  const b2 = bias * bias
  // A 4 x 2 block of products at a time: each value loaded from memory serves two to four products.
  // The blocks reach up to column i + 3 (i is a multiple of 4, so that is an even count); the few
  // products above the diagonal are overwritten by the symmetric copy below.
  let i = 0
  for (; i + 3 < n; i += 4) {
    const r0 = i * d
    const r1 = r0 + d
    const r2 = r1 + d
    const r3 = r2 + d
    for (let j = 0; j < i + 4; j += 2) {
      const ja = j * d
      const jb = ja + d
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let c0 = 0
      let c1 = 0
      let c2 = 0
      let c3 = 0
      for (let t = 0; t < d; t++) {
        const u = x[ja + t]
        const v = x[jb + t]
        const x0 = x[r0 + t]
        const x1 = x[r1 + t]
        const x2 = x[r2 + t]
        const x3 = x[r3 + t]
        a0 += x0 * u
        a1 += x1 * u
        a2 += x2 * u
        a3 += x3 * u
        c0 += x0 * v
        c1 += x1 * v
        c2 += x2 * v
        c3 += x3 * v
      }
      gram[i * n + j] = a0 + b2
      gram[(i + 1) * n + j] = a1 + b2
      gram[(i + 2) * n + j] = a2 + b2
      gram[(i + 3) * n + j] = a3 + b2
      gram[i * n + j + 1] = c0 + b2
      gram[(i + 1) * n + j + 1] = c1 + b2
      gram[(i + 2) * n + j + 1] = c2 + b2
      gram[(i + 3) * n + j + 1] = c3 + b2
    }
  }
  for (; i < n; i++) {
    for (let j = 0; j <= i; j++) gram[i * n + j] = dot(x, i * d, x, j * d, d) + b2
  }
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) gram[r * n + c] = gram[c * n + r]
  return gram
}

/**
 * LIBLINEAR's dual coordinate descent for the squared hinge loss with shrinking. Fills `alpha` (length n)
 * for targets y (+1/-1).
 */
function solveDual(
  view: DualView,
  n: number,
  y: Int8Array,
  options: LinearSvmOptions,
  random: Random,
  alpha: Float64Array,
): BinaryFitResult {
  const C = options.complexity
  const eps = options.tolerance ?? 1e-4
  const maxIter = options.maxIterations ?? 1000
  // Squared hinge: no upper bound on alpha, and 1/(2C) on the diagonal of Q.
  const diag = 0.5 / C
  const qd = new Float64Array(n)
  const index = new Int32Array(n)
  alpha.fill(0)
  view.reset()
  for (let i = 0; i < n; i++) {
    qd[i] = view.squaredNorm(i) + diag
    index[i] = i
  }

  let activeSize = n
  // LIBLINEAR also tracks the smallest projected gradient to shrink coordinates at the upper bound C of
  // the L1-loss variant; with the squared hinge alpha is unbounded above, so only the largest matters.
  let pgMaxOld = Infinity
  let iter = 0
  let converged = false
  while (iter < maxIter) {
    let pgMaxNew = -Infinity
    let pgMinNew = Infinity
    for (let i = 0; i < activeSize; i++) {
      const j = i + random.int(activeSize - i)
      const t = index[i]
      index[i] = index[j]
      index[j] = t
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s]
      const yi = y[i]
      const g = yi * view.margin(i) - 1 + alpha[i] * diag
      let pg = 0
      if (alpha[i] === 0) {
        if (g > pgMaxOld) {
          // Shrinking: a coordinate at its bound whose gradient points outwards is unlikely to move again.
          activeSize--
          index[s] = index[activeSize]
          index[activeSize] = i
          s--
          continue
        }
        if (g < 0) pg = g
      } else {
        pg = g
      }
      if (pg > pgMaxNew) pgMaxNew = pg
      if (pg < pgMinNew) pgMinNew = pg
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i]
        const updated = Math.max(old - g / qd[i], 0)
        alpha[i] = updated
        view.update(i, (updated - old) * yi)
      }
    }
    iter++
    if (pgMaxNew - pgMinNew <= eps) {
      if (activeSize === n) {
        converged = true
        break
      }
      // Converged on the shrunk problem: verify on all coordinates before stopping.
      activeSize = n
      pgMaxOld = Infinity
      continue
    }
    pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew
  }
  return {iterations: iter, converged}
}

/**
 * Trains one binary squared-hinge SVM in the dual, keeping the weight vector. `x` is row-major n x d
 * (float64, already scaled); `y[i]` is +1 or -1. Writes the weights to `w` (length d) and returns the
 * intercept with the fit report.
 */
export function trainBinarySvm(
  x: Float64Array,
  n: number,
  d: number,
  y: Int8Array,
  options: LinearSvmOptions,
  random: Random,
  w: Float64Array,
): BinaryFitResult & {intercept: number} {
  const bias = options.interceptScaling ?? 1
  const view = new PrimalView(x, d, bias)
  const fit = solveDual(view, n, y, options, random, new Float64Array(n))
  w.set(view.w)
  return {...fit, intercept: view.wb * bias}
}

export interface LinearSvmModel {
  /** Sorted distinct training labels. */
  readonly classes: Int32Array
  readonly numFeatures: number
  /** One row of weights per binary problem (one for two classes, one per class otherwise). */
  readonly weights: Float64Array
  readonly intercepts: Float64Array
  /** Per binary problem. */
  readonly fits: readonly BinaryFitResult[]
}

/** Sorted distinct values. */
export function distinctLabels(labels: Int32Array): Int32Array {
  return Int32Array.from(new Set(labels)).sort()
}

/** The binary problem for class `k` (one-vs-rest): +1 for `positive`, -1 otherwise. */
export function oneVsRestTargets(labels: Int32Array, positive: number): Int8Array {
  const y = new Int8Array(labels.length)
  for (let i = 0; i < labels.length; i++) y[i] = labels[i] === positive ? 1 : -1
  return y
}

/** The binary problems of a one-vs-rest fit: positive label and coordinate-order seed of each. */
export interface SvmProblems {
  readonly classes: Int32Array
  readonly positives: Int32Array
  readonly seeds: Uint32Array
  /** Whether to solve through the Gram matrix. */
  readonly useGram: boolean
}

/**
 * Plans a one-vs-rest fit. With two classes a single problem is solved with the larger label as the
 * positive class (LinearSVC's convention; the dual of the negated problem is the same). Each problem gets
 * its own seed drawn from `random`, so results do not depend on which thread solves which problem.
 */
export function planSvmProblems(n: number, d: number, labels: Int32Array, random: Random): SvmProblems {
  const classes = distinctLabels(labels)
  if (classes.length < 2) throw new Error('a linear SVM needs at least two classes')
  const positives = classes.length === 2 ? Int32Array.of(classes[1]) : Int32Array.from(classes)
  const seeds = Uint32Array.from(positives, () => random.nextUint32())
  // The Gram matrix pays off when it is smaller than the data and fits comfortably in memory.
  return {classes, positives, seeds, useGram: n <= d && n <= MAX_GRAM_ROWS}
}

/**
 * Solves problems `first` .. `last - 1` of `plan`, writing weight rows and intercepts at the problems'
 * indices in `weights` (problems x d) and `intercepts`. `gram` is required when the plan uses it.
 */
export function solveSvmProblems(
  x: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  options: LinearSvmOptions,
  plan: SvmProblems,
  gram: Float64Array | null,
  first: number,
  last: number,
  weights: Float64Array,
  intercepts: Float64Array,
): BinaryFitResult[] {
  const bias = options.interceptScaling ?? 1
  const view: PrimalView | GramView = plan.useGram ? new GramView(gram!, n) : new PrimalView(x, d, bias)
  const alpha = new Float64Array(n)
  const fits: BinaryFitResult[] = []
  for (let k = first; k < last; k++) {
    const y = oneVsRestTargets(labels, plan.positives[k])
    fits.push(solveDual(view, n, y, options, new Random(plan.seeds[k]), alpha))
    const w = weights.subarray(k * d, (k + 1) * d)
    if (view instanceof PrimalView) {
      w.set(view.w)
      intercepts[k] = view.wb * bias
    } else {
      // w = sum_i alpha_i y_i x_i, and the bias feature's weight likewise.
      w.fill(0)
      let wb = 0
      for (let i = 0; i < n; i++) {
        const coefficient = alpha[i] * y[i]
        if (coefficient === 0) continue
        const offset = i * d
        for (let j = 0; j < d; j++) w[j] += coefficient * x[offset + j]
        wb += coefficient * bias
      }
      intercepts[k] = wb * bias
    }
  }
  return fits
}

/** Fits a one-vs-rest linear SVM on `n` standardised rows of `x` (row-major n x d), in this thread. */
export function trainLinearSvm(
  x: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  options: LinearSvmOptions,
  random: Random,
): LinearSvmModel {
  const plan = planSvmProblems(n, d, labels, random)
  const problems = plan.positives.length
  const weights = new Float64Array(problems * d)
  const intercepts = new Float64Array(problems)
  const gram = plan.useGram ? gramMatrix(x, n, d, options.interceptScaling ?? 1) : null
  const fits = solveSvmProblems(x, n, d, labels, options, plan, gram, 0, problems, weights, intercepts)
  return {classes: plan.classes, numFeatures: d, weights, intercepts, fits}
}

/** 4096^2 doubles = 128 MiB. */
const MAX_GRAM_ROWS = 4096

/** Decision values, row-major n x (number of binary problems). */
export function decisionFunction(model: LinearSvmModel, x: Float64Array, n: number): Float64Array {
  const d = model.numFeatures
  const k = model.intercepts.length
  const out = new Float64Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      out[i * k + c] = dot(model.weights, c * d, x, i * d, d) + model.intercepts[c]
    }
  }
  return out
}

/** Predicted labels: the sign for two classes, otherwise the first class with the largest decision value. */
export function predictLinearSvm(model: LinearSvmModel, x: Float64Array, n: number): Int32Array {
  const scores = decisionFunction(model, x, n)
  const k = model.intercepts.length
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      out[i] = model.classes[scores[i] > 0 ? 1 : 0]
      continue
    }
    let best = 0
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c
    out[i] = model.classes[best]
  }
  return out
}
