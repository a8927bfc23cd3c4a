// The --augment-* flags of `audeep preprocess` turned into the library's AugmentOptions (kept out of
// src/preprocess/augment.ts so the preprocessing workers, which import that file, do not load the CLI's
// flag parsing and @oclif/core).

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {Random} from '../core/random.js'
import type {AugmentOptions} from '../preprocess/augment.js'
import {numberFlag, toPartitions} from './flags.js'

/** "20" or "10:30" (dB). */
function snrRange(text: string | undefined): {min: number; max: number} | null {
  if (text === undefined) return null
  const parts = text.split(':')
  if (parts.length > 2) throw new UserError(`--augment-noise-snr must be DB or MIN:MAX, got '${text}'`)
  const [min, max] = parts.map((p) => numberFlag('augment-noise-snr', p, {min: -200, max: 200}))
  if (max !== undefined && max < min) throw new UserError(`--augment-noise-snr ${text}: the minimum exceeds the maximum`)
  return {min, max: max ?? min}
}

const optionalNumber = (
  name: string,
  text: string | undefined,
  range: {min: number; max: number; minExclusive?: boolean},
): number | null => (text === undefined ? null : numberFlag(name, text, range))

/** The augmentation preprocess's --augment-* flags ask for, or null (then the output is exactly auDeep's). */
export function augmentOptionsFromFlags(flags: Record<string, unknown>, logger: Logger): AugmentOptions | null {
  const noiseSnr = snrRange(flags['augment-noise-snr'] as string | undefined)
  const timeShift = optionalNumber('augment-time-shift', flags['augment-time-shift'] as string | undefined, {min: 0, max: 3600})
  const gainDb = optionalNumber('augment-gain', flags['augment-gain'] as string | undefined, {min: 0, max: 200})
  const timeMask = flags['augment-time-mask'] as number | undefined
  const freqMask = flags['augment-freq-mask'] as number | undefined
  const perturbed = noiseSnr !== null || timeShift !== null || gainDb !== null || timeMask !== undefined || freqMask !== undefined
  const copies = flags['augment-copies'] as number | undefined
  const partitions = toPartitions(flags['augment-partitions'] as string[] | undefined)
  if (!perturbed) {
    if (copies !== undefined || partitions !== null) {
      throw new UserError(
        '--augment-copies and --augment-partitions need a perturbation: --augment-noise-snr, --augment-time-shift, --augment-gain, --augment-time-mask or --augment-freq-mask',
      )
    }
    return null
  }
  if (flags.pretend !== undefined) logger.warn('--pretend shows the original file; augmentation flags are ignored')
  const seed = (flags.seed as number | undefined) ?? Random.freshSeed()
  logger.info(`augmentation seed: ${seed}${flags.seed === undefined ? ' (pass --seed to reproduce the copies)' : ''}`)
  return {
    seed,
    copies: copies ?? 1,
    noiseSnr,
    timeShift,
    gainDb,
    timeMasks: timeMask === undefined ? null : {maxWidth: timeMask, count: (flags['augment-time-masks'] as number | undefined) ?? 1},
    freqMasks: freqMask === undefined ? null : {maxWidth: freqMask, count: (flags['augment-freq-masks'] as number | undefined) ?? 1},
    partitions,
  }
}
