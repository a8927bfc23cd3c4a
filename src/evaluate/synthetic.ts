// Deterministic synthetic classification data (Gaussian classes), for tests and benchmarks that need
// features of a chosen size and difficulty without a trained autoencoder.

import {Random} from '../core/random.js'

export interface SyntheticClasses {
  readonly n: number
  readonly d: number
  /** Row-major n x d. */
  readonly features: Float32Array
  readonly labels: Int32Array
}

/**
 * `n` instances of `classes` classes (label i % classes) in `d` dimensions: each class has a random centre
 * with standard normal coordinates scaled by `separation`, plus unit normal noise per instance. The last
 * `constantColumns` columns are constant (-1), as in auDeep exports.
 */
export function gaussianClasses(options: {
  n: number
  d: number
  classes: number
  separation: number
  seed: number
  constantColumns?: number
}): SyntheticClasses {
  const {n, d, classes, separation} = options
  const random = new Random(options.seed)
  const constant = options.constantColumns ?? 0
  const centres = new Float64Array(classes * d)
  for (let i = 0; i < centres.length; i++) centres[i] = random.normal() * separation
  const features = new Float32Array(n * d)
  const labels = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const label = i % classes
    labels[i] = label
    for (let j = 0; j < d; j++) {
      features[i * d + j] = j >= d - constant ? -1 : centres[label * d + j] + random.normal()
    }
  }
  return {n, d, features, labels}
}
