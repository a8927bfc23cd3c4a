// Analysis windows.

/**
 * Periodic ("DFT-even") Hann window of length n: w[j] = 0.5 - 0.5 cos(2 pi j / n). This is what auDeep uses
 * (scipy's `hann(n, sym=False)`), although its documentation calls it symmetric.
 */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n)
  for (let j = 0; j < n; j++) w[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / n)
  return w
}
