// Shared helpers for comparing computed spectrograms with auDeep's golden outputs in ../shared.

import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The shared reference directory: ../shared from the repository root, or found from this file. */
export function sharedDir(): string {
  const fromCwd = path.resolve('../shared')
  if (existsSync(fromCwd)) return fromCwd
  // dist/test/dsp/golden.js -> repository root -> its parent
  return fileURLToPath(new URL('../../../../shared', import.meta.url))
}

export const referenceDir = (): string => path.join(sharedDir(), 'reference', 'audeep')
export const esc10Dir = (): string => path.join(sharedDir(), 'data', 'ESC-10')

/** ESC-10 clip basename -> absolute path. */
export function esc10Files(): Map<string, string> {
  const base = esc10Dir()
  const files = new Map<string, string>()
  for (const dir of readdirSync(base)
    .filter((d) => /^\d{3} - /.test(d))
    .sort()) {
    for (const f of readdirSync(path.join(base, dir)).sort()) files.set(f, path.join(base, dir, f))
  }
  return files
}

export interface Difference {
  maxAbs: number
  meanAbs: number
  /** Fraction of values differing by more than `threshold`. */
  fractionOver: number
  threshold: number
  count: number
}

/** Accumulates absolute differences over several arrays. */
export class DifferenceStats {
  private max = 0
  private sum = 0
  private over = 0
  private n = 0
  constructor(readonly threshold: number) {}

  add(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`)
    for (let i = 0; i < actual.length; i++) {
      const d = Math.abs(actual[i] - expected[i])
      if (!(d <= this.max)) this.max = d
      this.sum += d
      if (!(d <= this.threshold)) this.over++
    }
    this.n += actual.length
  }

  result(): Difference {
    return {maxAbs: this.max, meanAbs: this.sum / this.n, fractionOver: this.over / this.n, threshold: this.threshold, count: this.n}
  }
}

export function describe(d: Difference): string {
  return (
    `max abs ${d.maxAbs.toExponential(3)}, mean abs ${d.meanAbs.toExponential(3)}, ` +
    `${(100 * d.fractionOver).toFixed(4)} % of ${d.count} values off by > ${d.threshold}`
  )
}
