import {Flags} from '@oclif/core'

import {CHANNEL_FUSIONS, parseChannelFusion} from '../../src/audio/channels.js'
import {AudeepCommand} from '../../src/cli/command.js'
import {audioDataSetFlags, cvSetupFlags, readAudioDataSet} from '../../src/cli/parser-flags.js'
import {UserError} from '../../src/core/errors.js'
import {checkedNumber} from '../../src/cli/flags.js'
import {checkPreprocessFlags, checkShardFlags} from '../../src/cli/option-checks.js'
import {runPreprocessing} from '../../src/cli/preprocess-run.js'
import {shardFlags} from '../../src/cli/sharding.js'
import {MEL_AVGS_DEFAULTS} from '../../src/features/mel-avgs.js'
import type {MelAvgsPreprocessOptions} from '../../src/preprocess/driver.js'

export default class MelAvgsGenerate extends AudeepCommand {
  static override description = `Compute EfficientAT's mel-band averages (mel_avgs) of every audio file: low-level features to fuse with autoencoder features.

Each file is mixed to mono, resampled to 32 kHz, pre-emphasised (0.97), turned into a centred STFT (n_fft 1024, 25 ms symmetric Hann window, 10 ms hop), a 128-band Kaldi mel spectrogram from 0 to 15 kHz, log(mel + 1e-5) normalised as (x + 4.5) / 5, and averaged over time: one instance per file with a 'generated' feature dimension of one value per band, the first 128 dimensions of EfficientAT's HEAR embeddings. Files are read through the same parsers as preprocess, in the same order, with the same metadata; to fuse with features of chunked spectrograms, 'fuse chunks' those first.`

  static override examples = [
    '<%= config.bin %> mel-avgs generate --basedir ESC-10 --output mel-avgs.nc',
    '<%= config.bin %> fuse --input runs/t-rae/representations.nc mel-avgs.nc --output fused.nc',
    '<%= config.bin %> mel-avgs generate --basedir ESC-10 --mel-bands 64 --hop 0.02 --output mel-avgs-64.nc',
  ]

  static override flags = {
    ...audioDataSetFlags,
    ...cvSetupFlags,
    output: Flags.string({description: 'Where to write the features (parent directories are created).', required: true, helpValue: 'FILE'}),
    'mel-bands': Flags.integer({
      description: 'Number of mel bands (EfficientAT variants: 40, 64, 128, 256).',
      default: MEL_AVGS_DEFAULTS.melBands,
      min: 1,
    }),
    hop: Flags.string({
      description: 'Hop between STFT frames in seconds (EfficientAT variants: 0.005 to 0.025).',
      default: String(MEL_AVGS_DEFAULTS.hop / MEL_AVGS_DEFAULTS.sampleRate),
      helpValue: 'SECONDS',
    }),
    fmin: Flags.string({description: 'Lowest mel filter edge in Hz.', default: String(MEL_AVGS_DEFAULTS.fmin), helpValue: 'HZ'}),
    fmax: Flags.string({
      description: 'Highest mel filter edge in Hz (at most 16000, the Nyquist frequency).',
      default: String(MEL_AVGS_DEFAULTS.fmax),
      helpValue: 'HZ',
    }),
    channels: Flags.string({description: 'How to combine stereo channels.', options: [...CHANNEL_FUSIONS], default: 'MEAN'}),
    'resample-quality': Flags.string({
      description: 'libsamplerate converter used to reach 32 kHz.',
      options: ['best', 'medium', 'fastest'],
      default: 'medium',
    }),
    'skip-errors': Flags.boolean({description: 'Leave out files that cannot be read, and list them at the end, instead of stopping.'}),
    workers: Flags.integer({description: 'Worker threads (default: one per core; 0 processes on the main thread).', min: 0}),
    ...shardFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(MelAvgsGenerate)
    const sampleRate = MEL_AVGS_DEFAULTS.sampleRate
    const hopSeconds = checkedNumber('hop', flags.hop, {min: 0, max: 10, minExclusive: true})
    const hop = Math.round(hopSeconds * sampleRate)
    if (hop < 1) throw new UserError(`--hop ${flags.hop} is less than one sample at ${sampleRate} Hz`)
    const options: MelAvgsPreprocessOptions = {
      ...MEL_AVGS_DEFAULTS,
      frontEnd: 'mel-avgs',
      melBands: flags['mel-bands'],
      hop,
      fmin: checkedNumber('fmin', flags.fmin, {min: 0, max: sampleRate / 2}),
      fmax: checkedNumber('fmax', flags.fmax, {min: 0, max: sampleRate / 2, minExclusive: true}),
      channels: parseChannelFusion(flags.channels),
      resampleQuality: flags['resample-quality'] as MelAvgsPreprocessOptions['resampleQuality'],
    }
    checkPreprocessFlags(options)
    checkShardFlags(flags)
    const {dataSet} = await readAudioDataSet(flags, this.logger)
    await runPreprocessing(
      dataSet,
      options,
      {
        output: flags.output,
        shardIndex: flags['shard-index'],
        numShards: flags['num-shards'],
        workers: flags.workers,
        skipErrors: flags['skip-errors'],
        label: 'mel averages',
      },
      this.logger,
    )
  }
}
