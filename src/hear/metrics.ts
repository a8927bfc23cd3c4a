// HEAR's scene scores (heareval score.py), computed from a row-major [n, classes] matrix of predicted
// probabilities and a multi-hot target matrix of the same shape:
//   top1_acc / pitch_acc  argmax(prediction) == argmax(target) (first maximum on ties, as np.argmax)
//   chroma_acc            the same modulo 12 (octave errors ignored)
//   mAP                   scikit-learn average_precision_score, macro; a class without positives scores 0
//                         (scikit-learn >= 1.1 sets its recall to 1, which makes its AP 0)
//   aucroc                roc_auc_score, macro; NaN when any class lacks positives or negatives (heareval
//                         catches scikit-learn's ValueError and returns NaN)
//   d_prime               mean over classes of sqrt(2) * PhiInverse(AUC), NaN in the same cases

export const HEAR_SCENE_METRICS = ['top1_acc', 'pitch_acc', 'chroma_acc', 'mAP', 'aucroc', 'd_prime'] as const
export type HearMetricName = (typeof HEAR_SCENE_METRICS)[number]

export function isHearSceneMetric(name: string): name is HearMetricName {
  return (HEAR_SCENE_METRICS as readonly string[]).includes(name)
}

function argmaxRow(m: ArrayLike<number>, row: number, k: number): number {
  let best = 0
  let value = m[row * k]
  for (let j = 1; j < k; j++) {
    // NaN never wins, as in np.argmax only when no NaN is present; predictions are finite here.
    if (m[row * k + j] > value) {
      value = m[row * k + j]
      best = j
    }
  }
  return best
}

export function top1Accuracy(pred: Float32Array, target: Uint8Array, n: number, k: number, modulo = 0): number {
  let correct = 0
  for (let i = 0; i < n; i++) {
    const p = argmaxRow(pred, i, k)
    const t = argmaxRow(target, i, k)
    if (modulo > 0 ? p % modulo === t % modulo : p === t) correct++
  }
  return correct / n
}

/** Row indices of column `c` ordered by descending score. */
function descendingOrder(pred: Float32Array, n: number, k: number, c: number, order: Uint32Array): void {
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => pred[b * k + c] - pred[a * k + c])
}

/** scikit-learn's average precision of one class: sum over distinct thresholds of (R_t - R_t-1) * P_t. */
export function averagePrecision(
  pred: Float32Array,
  target: Uint8Array,
  n: number,
  k: number,
  c: number,
  order = new Uint32Array(n),
): number {
  descendingOrder(pred, n, k, c, order)
  let positives = 0
  for (let i = 0; i < n; i++) positives += target[i * k + c]
  let tp = 0
  let seen = 0
  let previousRecall = 0
  let ap = 0
  for (let i = 0; i < n; i++) {
    const row = order[i]
    tp += target[row * k + c]
    seen++
    // Tied scores form one threshold.
    if (i + 1 < n && pred[order[i + 1] * k + c] === pred[row * k + c]) continue
    const recall = positives === 0 ? 1 : tp / positives
    ap += (recall - previousRecall) * (tp / seen)
    previousRecall = recall
  }
  return ap
}

/** ROC AUC of one class via the rank-sum statistic (ties count one half); NaN if only one class is present. */
export function rocAuc(pred: Float32Array, target: Uint8Array, n: number, k: number, c: number, order = new Uint32Array(n)): number {
  descendingOrder(pred, n, k, c, order)
  let positives = 0
  for (let i = 0; i < n; i++) positives += target[i * k + c]
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return NaN
  // Count, for every positive, the negatives scored below it (+ half the tied ones).
  let wins = 0
  let negativesBelow = negatives
  let i = 0
  while (i < n) {
    let j = i
    let tiedPos = 0
    let tiedNeg = 0
    const value = pred[order[i] * k + c]
    while (j < n && pred[order[j] * k + c] === value) {
      if (target[order[j] * k + c]) tiedPos++
      else tiedNeg++
      j++
    }
    negativesBelow -= tiedNeg
    wins += tiedPos * (negativesBelow + tiedNeg / 2)
    i = j
  }
  return wins / (positives * negatives)
}

/** Inverse of the standard normal CDF (Wichura's AS 241, about 1e-16 relative accuracy). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    )
  }
  let r = q < 0 ? p : 1 - p
  r = Math.sqrt(-Math.log(r))
  let x: number
  if (r <= 5) {
    r -= 1.6
    x =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1)
  } else {
    r -= 5
    x =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1)
  }
  return q < 0 ? -x : x
}

export function meanAveragePrecision(pred: Float32Array, target: Uint8Array, n: number, k: number): number {
  const order = new Uint32Array(n)
  let sum = 0
  for (let c = 0; c < k; c++) sum += averagePrecision(pred, target, n, k, c, order)
  return sum / k
}

function perClassAuc(pred: Float32Array, target: Uint8Array, n: number, k: number): Float64Array | null {
  const order = new Uint32Array(n)
  const auc = new Float64Array(k)
  for (let c = 0; c < k; c++) {
    auc[c] = rocAuc(pred, target, n, k, c, order)
    if (Number.isNaN(auc[c])) return null
  }
  return auc
}

export function macroRocAuc(pred: Float32Array, target: Uint8Array, n: number, k: number): number {
  const auc = perClassAuc(pred, target, n, k)
  return auc === null ? NaN : auc.reduce((a, b) => a + b, 0) / k
}

export function dPrime(pred: Float32Array, target: Uint8Array, n: number, k: number): number {
  const auc = perClassAuc(pred, target, n, k)
  if (auc === null) return NaN
  let sum = 0
  for (const a of auc) sum += normalQuantile(a) * Math.SQRT2
  return sum / k
}

/** One of heareval's scene scores by name. */
export function hearScore(name: HearMetricName, pred: Float32Array, target: Uint8Array, n: number, k: number): number {
  switch (name) {
    case 'top1_acc':
    case 'pitch_acc':
      return top1Accuracy(pred, target, n, k)
    case 'chroma_acc':
      return top1Accuracy(pred, target, n, k, 12)
    case 'mAP':
      return meanAveragePrecision(pred, target, n, k)
    case 'aucroc':
      return macroRocAuc(pred, target, n, k)
    case 'd_prime':
      return dPrime(pred, target, n, k)
  }
}
