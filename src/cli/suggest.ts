// "Did you mean --num-epochs?" for a mistyped flag: the closest known flag name by edit distance
// (adjacent transpositions count as one edit), or one that contains the typed name, when one is close.

/** Optimal-string-alignment distance between two strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) =>
    Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The known flag closest to `typed` (given as on the command line, e.g. `--num-epoch=3`), as `--name`, or
 * null when none is close: at most 2 edits (1 for names of up to 4 letters), or containing the typed name.
 */
export function suggestFlag(typed: string, known: readonly string[]): string | null {
  const name = typed.replace(/^-+/, '').replace(/=.*$/s, '').toLowerCase()
  if (name === '') return null
  let best: {flag: string; score: number} | null = null
  for (const flag of known) {
    const distance = editDistance(name, flag.toLowerCase())
    const limit = name.length <= 4 ? 1 : 2
    let score = distance <= limit ? distance : Infinity
    if (score === Infinity && name.length >= 4 && (flag.includes(name) || name.includes(flag))) score = limit + 0.5
    if (score < (best?.score ?? Infinity)) best = {flag, score}
  }
  return best === null ? null : `--${best.flag}`
}
