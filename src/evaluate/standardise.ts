// Feature standardisation fitted on the training split only, like scikit-learn's StandardScaler in
// auDeep's evaluation wrapper (reference §5.2): population standard deviation, and features that are
// constant up to rounding keep a scale of 1 so they are centred but not blown up.

export interface Standardiser {
  readonly mean: Float64Array
  readonly scale: Float64Array
}

/**
 * Mean and population std of each of the `d` columns of the rows `rows` of a row-major feature block
 * (all rows when omitted). Two passes in float64, so constant columns get a variance of exactly zero.
 */
export function fitStandardiser(features: Float32Array | Float64Array, d: number, rows?: ArrayLike<number>): Standardiser {
  const n = rows ? rows.length : features.length / d
  if (n === 0) throw new Error('cannot standardise zero instances')
  const mean = new Float64Array(d)
  const variance = new Float64Array(d)
  for (let r = 0; r < n; r++) {
    const offset = (rows ? rows[r] : r) * d
    for (let j = 0; j < d; j++) mean[j] += features[offset + j]
  }
  for (let j = 0; j < d; j++) mean[j] /= n
  for (let r = 0; r < n; r++) {
    const offset = (rows ? rows[r] : r) * d
    for (let j = 0; j < d; j++) {
      const dev = features[offset + j] - mean[j]
      variance[j] += dev * dev
    }
  }
  const scale = new Float64Array(d)
  const eps = Number.EPSILON
  for (let j = 0; j < d; j++) {
    const v = variance[j] / n
    // scikit-learn's bound on the variance that rounding alone can produce for a constant column.
    const bound = n * eps * v + (n * mean[j] * eps) ** 2
    scale[j] = v <= bound ? 1 : Math.sqrt(v)
  }
  return {mean, scale}
}

/**
 * Standardises the rows `rows` (all rows when omitted) into a new row-major block of the requested type,
 * in the order given.
 */
export function standardise<T extends Float32Array | Float64Array>(
  s: Standardiser,
  features: Float32Array | Float64Array,
  rows: ArrayLike<number> | undefined,
  make: (length: number) => T,
): T {
  const d = s.mean.length
  const n = rows ? rows.length : features.length / d
  const out = make(n * d)
  const {mean, scale} = s
  for (let r = 0; r < n; r++) {
    const src = (rows ? rows[r] : r) * d
    const dst = r * d
    for (let j = 0; j < d; j++) out[dst + j] = (features[src + j] - mean[j]) / scale[j]
  }
  return out
}
