// The figures auDeep reports (reference §5.5). These are definitions users compare against published
// numbers, so they follow auDeep/scikit-learn exactly: UAR is the macro recall over the labels that occur in
// the truth or the predictions, and the "confidence interval" is twice the population std over folds.

/** Fraction of positions where prediction equals truth. */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(truth, predicted)
  let correct = 0
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++
  return correct / truth.length
}

/**
 * Unweighted average recall: the mean over every label in truth ∪ predictions of its recall, where a
 * label that only occurs in the predictions has recall 0 (scikit-learn's recall_score(average="macro")).
 */
export function unweightedAverageRecall(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(truth, predicted)
  const support = new Map<number, number>()
  const hits = new Map<number, number>()
  for (let i = 0; i < truth.length; i++) {
    support.set(truth[i], (support.get(truth[i]) ?? 0) + 1)
    if (!hits.has(predicted[i])) hits.set(predicted[i], 0)
    if (truth[i] === predicted[i]) hits.set(truth[i], hits.get(truth[i])! + 1)
  }
  const labels = new Set([...support.keys(), ...hits.keys()])
  let sum = 0
  for (const label of labels) {
    const s = support.get(label) ?? 0
    if (s > 0) sum += (hits.get(label) ?? 0) / s
  }
  return sum / labels.size
}

/**
 * Counts with rows = true label and columns = predicted label, both in the order of `labels`. Pairs with
 * a label outside `labels` are not counted.
 */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly number[]): number[][] {
  checkLengths(truth, predicted)
  const position = new Map(labels.map((l, i) => [l, i]))
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0))
  for (let i = 0; i < truth.length; i++) {
    const r = position.get(truth[i])
    const c = position.get(predicted[i])
    if (r !== undefined && c !== undefined) matrix[r][c]++
  }
  return matrix
}

export function addMatrices(into: number[][], other: readonly (readonly number[])[]): number[][] {
  into.forEach((row, r) => row.forEach((_, c) => (row[c] += other[r][c])))
  return into
}

/** Mean and auDeep's "confidence interval": 2 x population standard deviation. */
export function meanAndInterval(values: readonly number[]): {mean: number; interval: number} {
  if (values.length === 0) throw new Error('no values to average')
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length
  return {mean, interval: 2 * Math.sqrt(variance)}
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

function checkLengths(truth: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`)
  if (truth.length === 0) throw new Error('no predictions to score')
}

/**
 * Python's "%.{digits}f": like toFixed, except that an exact binary tie rounds to even (toFixed rounds it
 * away from zero), e.g. 0.03125 -> "0.0312".
 */
export function formatFixed(x: number, digits: number): string {
  const plain = x.toFixed(digits)
  if (!Number.isFinite(x)) return plain
  // The exact decimal expansion of a double with |x| < 1e21 needs no more than ~1074 digits, but a tie
  // at position digits+1 ends the expansion there, so 20 more digits suffice to recognise one.
  const long = Math.abs(x).toFixed(Math.min(100, digits + 21))
  const dot = long.indexOf('.')
  const tail = long.slice(dot + 1 + digits)
  if (!/^50*$/.test(tail)) return plain
  const truncated = long.slice(0, dot + 1 + digits).replace(/\.$/, '')
  const lastDigit = Number(truncated[truncated.length - 1])
  const down = lastDigit % 2 === 0
  const magnitude = down ? Number(truncated) : Number(truncated) + 10 ** -digits
  const text = down ? truncated : magnitude.toFixed(digits)
  return (x < 0 ? '-' : '') + text
}
