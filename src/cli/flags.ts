// Flag definitions shared by several commands, so names, help texts and parsing stay consistent.

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

/** Parses a probability or rate flag given as text (oclif has no float flag). */
export function numberFlag(name: string, text: string, range: {min: number; max: number; minExclusive?: boolean}): number {
  const value = Number(text)
  const tooLow = range.minExclusive ? value <= range.min : value < range.min
  if (text.trim() === '' || !Number.isFinite(value) || tooLow || value > range.max) {
    throw new UserError(`--${name} must be a number in ${range.minExclusive ? '(' : '['}${range.min}, ${range.max}], got '${text}'`)
  }
  return value
}
