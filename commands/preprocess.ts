import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {audioDataSetFlags, cvSetupFlags, readAudioDataSet} from '../src/cli/parser-flags.js'
import {seedFlag} from '../src/cli/flags.js'
import {augmentFlags, spectrogramFlags, spectrogramOptionsFromFlags} from '../src/cli/preprocess-flags.js'
import {UserError} from '../src/core/errors.js'
import {checkShardFlags} from '../src/cli/option-checks.js'
import {runPreprocessing} from '../src/cli/preprocess-run.js'
import {shardFlags} from '../src/cli/sharding.js'
import {renderTable} from '../src/cli/table.js'
import {pretend} from '../src/preprocess/pretend.js'
import {renderSpectrogramPng} from '../src/plot/spectrogram.js'

export default class Preprocess extends AudeepCommand {
  static override description = `Turn the audio files of a data set into spectrograms.

Exactly auDeep's pipeline: optional fixed length (--center-fixed pads or cuts symmetrically), pre-emphasis, frames with their mean removed and a periodic Hann window, an FFT as long as the window, the power spectrum, optionally an HTK mel filterbank, dB relative to each file's maximum, clipping, optional chunking, and finally each chunk scaled to [-1, 1]. The data set is parsed by --parser (default: detected from the layout). Files are processed in parallel on all cores and streamed to the output.`

  static override examples = [
    '<%= config.bin %> preprocess --basedir ESC-10 --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 --fixed-length 5 --center-fixed --clip-below -60 --output spectrograms/esc-10.nc',
    '<%= config.bin %> preprocess --basedir ESC-10 --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 --fixed-length 5 --clip-below -60 --pretend 3',
    '<%= config.bin %> preprocess --basedir my-sounds --add-cv-setup 5 --mel-spectrum 128 --fixed-length 5 --output my-sounds.nc',
    '<%= config.bin %> preprocess --basedir recordings --manifest labels.csv --mel-spectrum 128 --output recordings.nc',
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
    ...spectrogramFlags,
    'skip-errors': Flags.boolean({
      description: 'Leave out files that cannot be read or processed, and list them at the end, instead of stopping.',
    }),
    workers: Flags.integer({
      description:
        'Worker threads (default: one fewer than the cores, the main thread processing files too; 0 processes on the main thread only).',
      min: 0,
    }),
    pretend: Flags.integer({
      description:
        'Only process the file with this index: print its information table and write a plot of its spectrogram (no data set is written).',
      min: 0,
      helpValue: 'INDEX',
    }),
    'pretend-plot': Flags.string({description: 'Where --pretend writes its plot.', default: './pretend.png', helpValue: 'FILE'}),
    ...augmentFlags,
    seed: seedFlag,
    ...shardFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Preprocess)
    const options = spectrogramOptionsFromFlags(flags, this.logger)
    if (flags['center-fixed'] && options.fixedLength === null) this.logger.warn('--center-fixed has no effect without --fixed-length')
    checkShardFlags(flags)
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
