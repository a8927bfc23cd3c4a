// The flags of `preprocess` that describe the spectrograms and the augmented copies, typed, and their
// conversion into the preprocessing options (the one place where these values are checked).

import {Flags} from '@oclif/core'

import {CHANNEL_FUSIONS, parseChannelFusion} from '../audio/channels.js'
import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {Random} from '../core/random.js'
import type {AugmentOptions} from '../preprocess/augment.js'
import type {SpectrogramPreprocessOptions} from '../preprocess/driver.js'
import {floatFlag, checkedNumber, partitionsFlag, toPartitions} from './flags.js'
import {checkPreprocessFlags} from './option-checks.js'

const AUGMENT = 'AUGMENTATION'

export const spectrogramFlags = {
  'mel-spectrum': Flags.integer({
    description: 'Number of mel bands; without it the linear power spectrum is stored.',
    min: 1,
    helpValue: 'FILTERS',
  }),
  'window-width': floatFlag({min: 0, exclusiveMin: true, max: 3600})({description: 'Window width in seconds.', default: 0.04}),
  'window-overlap': floatFlag({min: 0, max: 3600})({description: 'Window overlap in seconds.', default: 0.02}),
  'clip-above': floatFlag({min: -1e4, max: 1e4})({
    description: "Clip amplitudes above this level in dB (relative to the file's maximum, 0 dB).",
    helpValue: 'DB',
  }),
  'clip-below': floatFlag({min: -1e4, max: 1e4})({description: 'Clip amplitudes below this level in dB, e.g. -60.', helpValue: 'DB'}),
  'chunk-length': floatFlag({min: 0, exclusiveMin: true, max: 1e7})({
    description: 'Split spectrograms into chunks of this length in seconds (with --chunk-count).',
    dependsOn: ['chunk-count'],
    helpValue: 'SECONDS',
  }),
  'chunk-count': Flags.integer({description: 'Number of chunks per file (with --chunk-length).', min: 1, dependsOn: ['chunk-length']}),
  channels: Flags.string({description: 'How to combine stereo channels.', options: [...CHANNEL_FUSIONS], default: 'MEAN'}),
  'fixed-length': floatFlag({min: 0, exclusiveMin: true, max: 1e7})({
    description: 'Cut or zero-pad every file to this length in seconds.',
    helpValue: 'SECONDS',
  }),
  'center-fixed': Flags.boolean({description: 'With --fixed-length, cut or pad equally at both ends instead of at the end.'}),
  'sample-rate': Flags.integer({
    description: 'Resample every file to this rate first (new in audeep; off by default as in auDeep, which never resamples).',
    min: 1,
    helpValue: 'HZ',
  }),
}

export interface SpectrogramFlags {
  'mel-spectrum'?: number
  'window-width': number
  'window-overlap': number
  'clip-above'?: number
  'clip-below'?: number
  'chunk-length'?: number
  'chunk-count'?: number
  channels: string
  'fixed-length'?: number
  'center-fixed': boolean
  'sample-rate'?: number
}

export const augmentFlags = {
  'augment-copies': Flags.integer({
    description:
      "Add this many augmented copies of every file (default 1 when a perturbation flag is given, else none). Copy k of FILE is stored as FILE.aug<k> right after FILE, chunks numbered like the original; originals are unchanged. Each copy draws its perturbations from --seed, the file's position in the data set and k only, so runs, worker counts and shards agree.",
    min: 1,
    helpGroup: AUGMENT,
  }),
  'augment-noise-snr': Flags.string({
    description: 'Add white Gaussian noise at this signal-to-noise ratio in dB, or at one drawn uniformly from MIN:MAX.',
    helpValue: 'DB|MIN:MAX',
    helpGroup: AUGMENT,
  }),
  'augment-time-shift': floatFlag({min: 0, max: 3600})({
    description: 'Shift the (fixed-length) signal circularly by a random offset of up to this many seconds either way.',
    helpValue: 'SECONDS',
    helpGroup: AUGMENT,
  }),
  'augment-gain': floatFlag({min: 0, max: 200})({
    description:
      'Scale the signal by a random gain of up to this many dB either way, clipping samples to [-1, 1] (a uniform gain alone would be undone by the per-file dB normalisation; its effect is the clipping of loud parts).',
    helpValue: 'DB',
    helpGroup: AUGMENT,
  }),
  'augment-time-mask': Flags.integer({
    description: "SpecAugment time masks: up to this many frames wide, filled with the spectrogram's minimum (clipping floor).",
    min: 1,
    helpValue: 'FRAMES',
    helpGroup: AUGMENT,
  }),
  'augment-time-masks': Flags.integer({
    description: 'Number of time masks per copy (default 1).',
    min: 1,
    dependsOn: ['augment-time-mask'],
    helpGroup: AUGMENT,
  }),
  'augment-freq-mask': Flags.integer({
    description: "SpecAugment frequency masks: up to this many bands wide, filled with the spectrogram's minimum.",
    min: 1,
    helpValue: 'BANDS',
    helpGroup: AUGMENT,
  }),
  'augment-freq-masks': Flags.integer({
    description: 'Number of frequency masks per copy (default 1).',
    min: 1,
    dependsOn: ['augment-freq-mask'],
    helpGroup: AUGMENT,
  }),
  'augment-partitions': partitionsFlag({
    description:
      'Only add copies of files in these partitions (e.g. train, so that evaluation data stays unaugmented); default: all files.',
  }),
}

export interface AugmentFlags {
  'augment-copies'?: number
  'augment-noise-snr'?: string
  'augment-time-shift'?: number
  'augment-gain'?: number
  'augment-time-mask'?: number
  'augment-time-masks'?: number
  'augment-freq-mask'?: number
  'augment-freq-masks'?: number
  'augment-partitions'?: string[]
  seed?: number
  pretend?: number
}

export function spectrogramOptionsFromFlags(flags: SpectrogramFlags & AugmentFlags, logger: Logger): SpectrogramPreprocessOptions {
  const options: SpectrogramPreprocessOptions = {
    windowWidth: flags['window-width'],
    windowOverlap: flags['window-overlap'],
    melBands: flags['mel-spectrum'] ?? null,
    fixedLength: flags['fixed-length'] ?? null,
    centerFixed: flags['center-fixed'],
    clipAbove: flags['clip-above'] ?? null,
    clipBelow: flags['clip-below'] ?? null,
    chunkLength: flags['chunk-length'] ?? null,
    chunkCount: flags['chunk-count'] ?? null,
    channels: parseChannelFusion(flags.channels),
    sampleRate: flags['sample-rate'] ?? null,
    augment: augmentOptionsFromFlags(flags, logger),
  }
  // Combinations that cannot work, named by their flags, before any file is read.
  checkPreprocessFlags(options)
  return options
}

/** "20" or "10:30" (dB). */
function snrRange(text: string | undefined): {min: number; max: number} | null {
  if (text === undefined) return null
  const parts = text.split(':')
  if (parts.length > 2) throw new UserError(`--augment-noise-snr must be DB or MIN:MAX, got '${text}'`)
  const [min, max] = parts.map((p) => checkedNumber('augment-noise-snr', p, {min: -200, max: 200}))
  if (max !== undefined && max < min) throw new UserError(`--augment-noise-snr ${text}: the minimum exceeds the maximum`)
  return {min, max: max ?? min}
}

/** The augmentation preprocess's --augment-* flags ask for, or null (then the output is exactly auDeep's). */
export function augmentOptionsFromFlags(flags: AugmentFlags, logger: Logger): AugmentOptions | null {
  const noiseSnr = snrRange(flags['augment-noise-snr'])
  const timeShift = flags['augment-time-shift'] ?? null
  const gainDb = flags['augment-gain'] ?? null
  const timeMask = flags['augment-time-mask']
  const freqMask = flags['augment-freq-mask']
  const perturbed = noiseSnr !== null || timeShift !== null || gainDb !== null || timeMask !== undefined || freqMask !== undefined
  const copies = flags['augment-copies']
  const partitions = toPartitions(flags['augment-partitions'])
  if (!perturbed) {
    if (copies !== undefined || partitions !== null) {
      throw new UserError(
        '--augment-copies and --augment-partitions need a perturbation: --augment-noise-snr, --augment-time-shift, --augment-gain, --augment-time-mask or --augment-freq-mask',
      )
    }
    return null
  }
  if (flags.pretend !== undefined) logger.warn('--pretend shows the original file; augmentation flags are ignored')
  const seed = flags.seed ?? Random.freshSeed()
  logger.info(`augmentation seed: ${seed}${flags.seed === undefined ? ' (pass --seed to reproduce the copies)' : ''}`)
  return {
    seed,
    copies: copies ?? 1,
    noiseSnr,
    timeShift,
    gainDb,
    timeMasks: timeMask === undefined ? null : {maxWidth: timeMask, count: flags['augment-time-masks'] ?? 1},
    freqMasks: freqMask === undefined ? null : {maxWidth: freqMask, count: flags['augment-freq-masks'] ?? 1},
    partitions,
  }
}
