// Small dense kernels shared by the numeric code in plain TypeScript (SVM, PCA).

/** Dot product of a[ao .. ao+n) and b[bo .. bo+n); four accumulators let the CPU overlap the additions. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let j = 0
  for (; j + 3 < n; j += 4) {
    s0 += a[ao + j] * b[bo + j]
    s1 += a[ao + j + 1] * b[bo + j + 1]
    s2 += a[ao + j + 2] * b[bo + j + 2]
    s3 += a[ao + j + 3] * b[bo + j + 3]
  }
  for (; j < n; j++) s0 += a[ao + j] * b[bo + j]
  return s0 + s1 + (s2 + s3)
}
