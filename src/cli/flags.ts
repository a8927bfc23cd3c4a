// Flag definitions shared by several commands, so names, help texts and parsing stay consistent. Every
// decimal flag is a floatFlag; checkedNumber checks decimal text whose range is known only at run time.

import {Flags} from '@oclif/core'

import {parsePartition, type Partition} from '../data/dataset.js'
import {UserError} from '../core/errors.js'
import {Random} from '../core/random.js'
import type {Logger} from '../core/log.js'

export const seedFlag = Flags.integer({
  description: 'Seed of the random number generator; the same seed reproduces a run exactly (default: a fresh seed, which is logged).',
  min: 0,
  max: 2 ** 32 - 1,
})

/** A generator for `--seed`, logging the seed it used so that any run can be repeated. */
export function randomFromSeed(seed: number | undefined, logger: Logger): Random {
  const used = seed ?? Random.freshSeed()
  logger.info(`random seed: ${used}${seed === undefined ? ' (pass --seed to reproduce this run)' : ''}`)
  return new Random(used)
}

/** One or more partition names (train, devel, test; any case). */
export function partitionsFlag(options: {description: string; exclusive?: string[]}) {
  return Flags.string({...options, multiple: true, helpValue: 'PARTITION'})
}

export function toPartitions(names: readonly string[] | undefined): Partition[] | null {
  return names === undefined ? null : names.map(parsePartition)
}

/** Bounds of a decimal flag; `exclusiveMin` makes the minimum itself invalid. */
export interface DecimalBounds {
  min?: number
  max?: number
  exclusiveMin?: boolean
}

/** The one check of decimal text: the number, or what is wrong with it (phrased after "expected"). */
function checkDecimal(text: string, bounds: DecimalBounds): number | {problem: string} {
  const {min, max, exclusiveMin} = bounds
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) return {problem: 'a number'}
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) return {problem: `a number ${exclusiveMin ? '>' : '>='} ${min}`}
  if (max !== undefined && value > max) return {problem: `a number <= ${max}`}
  return value
}

/**
 * The decimal flag (oclif has none): a finite number within optional bounds, parsed when the command line is.
 * Returns a flag factory: call it with the description and default or required, e.g.
 * `floatFlag({min: 0, exclusiveMin: true})({description: '...', required: true})`.
 */
export function floatFlag(bounds: DecimalBounds = {}) {
  return Flags.custom<number>({
    helpValue: 'NUMBER',
    parse: async (text: string) => {
      const checked = checkDecimal(text, bounds)
      if (typeof checked === 'number') return checked
      throw new UserError(`expected ${checked.problem}, got ${checked.problem === 'a number' ? `'${text}'` : text}`)
    },
  })
}

/**
 * Checks decimal text against a range known only when the command runs (e.g. --fmax up to half the sample
 * rate) or a part of a flag's value (e.g. each side of --augment-noise-snr MIN:MAX).
 */
export function checkedNumber(name: string, text: string, range: {min: number; max: number; minExclusive?: boolean}): number {
  const checked = checkDecimal(text, {min: range.min, max: range.max, exclusiveMin: range.minExclusive})
  if (typeof checked === 'number') return checked
  throw new UserError(`--${name} must be a number in ${range.minExclusive ? '(' : '['}${range.min}, ${range.max}], got '${text}'`)
}
