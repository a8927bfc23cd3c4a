import {Flags} from '@oclif/core'

import {CHANNEL_FUSIONS, parseChannelFusion} from '../src/audio/channels.js'
import {AudeepCommand} from '../src/cli/command.js'
import {audioDataSetFlags, cvSetupFlags, readAudioDataSet} from '../src/cli/parser-flags.js'
import {numberFlag, partitionsFlag, seedFlag} from '../src/cli/flags.js'
import {UserError} from '../src/core/errors.js'
import {checkPreprocessFlags} from '../src/cli/option-checks.js'
import {runPreprocessing} from '../src/cli/preprocess-run.js'
import {shardFlags} from '../src/cli/sharding.js'
import {renderTable} from '../src/cli/table.js'
import type {SpectrogramPreprocessOptions} from '../src/preprocess/driver.js'
import {augmentOptionsFromFlags} from '../src/preprocess/augment.js'
import {pretend} from '../src/preprocess/pretend.js'
import {renderSpectrogramPng} from '../src/plot/spectrogram.js'

const optionalNumber = (
  name: string,
  text: string | undefined,
  range: {min: number; max: number; minExclusive?: boolean},
): number | null => (text === undefined ? null : numberFlag(name, text, range))

const AUGMENT = 'AUGMENTATION'

export default class Preprocess extends AudeepCommand {
  static override description = `Turn the audio files of a data set into spectrograms.

Exactly auDeep's pipeline: optional fixed length (--center-fixed pads or cuts symmetrically), pre-emphasis, frames with their mean removed and a periodic Hann window, an FFT as long as the window, the power spectrum, optionally an HTK mel filterbank, dB relative to each file's maximum, clipping, optional chunking, and finally each chunk scaled to [-1, 1]. The data set is parsed by --parser (default: detected from the layout). Files are processed in parallel on all cores and streamed to the output.`

  static override examples = [
    '<%= config.bin %> preprocess --basedir ESC-10 --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 --fixed-length 5 --center-fixed --clip-below -60 --output spectrograms/esc-10.nc',
    '<%= config.bin %> preprocess --basedir ESC-10 --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 --fixed-length 5 --clip-below -60 --pretend 3',
    '<%= config.bin %> preprocess --basedir my-data --parser ./my-parser.js --sample-rate 16000 --mel-spectrum 64 --fixed-length 10 --skip-errors --output spectrograms.nc',
  ]

  static override flags = {
    ...audioDataSetFlags,
    ...cvSetupFlags,
    output: Flags.string({
      description: 'Where to write the spectrograms (parent directories are created).',
      default: './spectrograms.nc',
      helpValue: 'FILE',
    }),
    'mel-spectrum': Flags.integer({
      description: 'Number of mel bands; without it the linear power spectrum is stored.',
      min: 1,
      helpValue: 'FILTERS',
    }),
    'window-width': Flags.string({description: 'Window width in seconds.', default: '0.04'}),
    'window-overlap': Flags.string({description: 'Window overlap in seconds.', default: '0.02'}),
    'clip-above': Flags.string({
      description: "Clip amplitudes above this level in dB (relative to the file's maximum, 0 dB).",
      helpValue: 'DB',
    }),
    'clip-below': Flags.string({description: 'Clip amplitudes below this level in dB, e.g. -60.', helpValue: 'DB'}),
    'chunk-length': Flags.string({
      description: 'Split spectrograms into chunks of this length in seconds (with --chunk-count).',
      dependsOn: ['chunk-count'],
      helpValue: 'SECONDS',
    }),
    'chunk-count': Flags.integer({description: 'Number of chunks per file (with --chunk-length).', min: 1, dependsOn: ['chunk-length']}),
    channels: Flags.string({description: 'How to combine stereo channels.', options: [...CHANNEL_FUSIONS], default: 'MEAN'}),
    'fixed-length': Flags.string({description: 'Cut or zero-pad every file to this length in seconds.', helpValue: 'SECONDS'}),
    'center-fixed': Flags.boolean({description: 'With --fixed-length, cut or pad equally at both ends instead of at the end.'}),
    'sample-rate': Flags.integer({
      description: 'Resample every file to this rate first (new in audeep; off by default as in auDeep, which never resamples).',
      min: 1,
      helpValue: 'HZ',
    }),
    'skip-errors': Flags.boolean({
      description: 'Leave out files that cannot be read or processed, and list them at the end, instead of stopping.',
    }),
    workers: Flags.integer({description: 'Worker threads (default: one per core; 0 processes on the main thread).', min: 0}),
    pretend: Flags.integer({
      description:
        'Only process the file with this index: print its information table and write a plot of its spectrogram (no data set is written).',
      min: 0,
      helpValue: 'INDEX',
    }),
    'pretend-plot': Flags.string({description: 'Where --pretend writes its plot.', default: './pretend.png', helpValue: 'FILE'}),
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
    'augment-time-shift': Flags.string({
      description: 'Shift the (fixed-length) signal circularly by a random offset of up to this many seconds either way.',
      helpValue: 'SECONDS',
      helpGroup: AUGMENT,
    }),
    'augment-gain': Flags.string({
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
    seed: seedFlag,
    ...shardFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Preprocess)
    const options: SpectrogramPreprocessOptions = {
      windowWidth: numberFlag('window-width', flags['window-width'], {min: 0, max: 3600, minExclusive: true}),
      windowOverlap: numberFlag('window-overlap', flags['window-overlap'], {min: 0, max: 3600}),
      melBands: flags['mel-spectrum'] ?? null,
      fixedLength: optionalNumber('fixed-length', flags['fixed-length'], {min: 0, max: 1e7, minExclusive: true}),
      centerFixed: flags['center-fixed'],
      clipAbove: optionalNumber('clip-above', flags['clip-above'], {min: -1e4, max: 1e4}),
      clipBelow: optionalNumber('clip-below', flags['clip-below'], {min: -1e4, max: 1e4}),
      chunkLength: optionalNumber('chunk-length', flags['chunk-length'], {min: 0, max: 1e7, minExclusive: true}),
      chunkCount: flags['chunk-count'] ?? null,
      channels: parseChannelFusion(flags.channels),
      sampleRate: flags['sample-rate'] ?? null,
      augment: augmentOptionsFromFlags(flags, this.logger),
    }
    checkPreprocessFlags(options)
    if (flags['center-fixed'] && options.fixedLength === null) this.logger.warn('--center-fixed has no effect without --fixed-length')
    const {dataSet} = await readAudioDataSet(flags, this.logger)

    if (flags.pretend !== undefined) {
      const shown = await pretend(dataSet, flags.pretend, options)
      for (const warning of shown.warnings) this.logger.warn(warning)
      process.stdout.write(renderTable(`file ${flags.pretend} information`, shown.rows) + '\n')
      await renderSpectrogramPng(
        {
          values: shown.decibels,
          frames: shown.frames,
          bands: shown.bands,
          frameStepSeconds: shown.frameStep,
          bandLabel: options.melBands ? 'mel band' : 'frequency bin',
          clipBelow: options.clipBelow ?? undefined,
          clipAbove: options.clipAbove ?? undefined,
          title: shown.rows[0][1],
        },
        flags['pretend-plot'],
      )
      this.logger.info(`wrote the spectrogram plot to ${flags['pretend-plot']}`)
      return
    }

    if (dataSet.instances.length === 0) throw new UserError(`${flags.basedir}: the data set has no audio files`)
    await runPreprocessing(
      dataSet,
      options,
      {
        output: flags.output,
        shardIndex: flags['shard-index'],
        numShards: flags['num-shards'],
        workers: flags.workers,
        skipErrors: flags['skip-errors'],
        label: 'preprocessing',
      },
      this.logger,
    )
  }
}
