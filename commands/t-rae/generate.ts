import {generateFlags, runGeneration} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class TraeGenerate extends AudeepCommand {
  static override description = `Generate features from spectrograms with a trained t-rae.

Each spectrogram becomes one feature vector of the decoder's state size (dimension 'generated'): 1024 for 2 x 256 GRU with a bidirectional decoder. All metadata (filenames, chunks, labels, folds, partitions, label map) is carried over.`

  static override examples = [
    '<%= config.bin %> t-rae generate --model-dir runs/t-rae --input spectrograms.nc --output features.nc',
    '<%= config.bin %> t-rae generate --model-dir runs/t-rae/logs --input spectrograms.nc --steps 70 140 --output features-70.nc features-140.nc',
  ]

  static override flags = generateFlags(500)

  async run(): Promise<void> {
    const {flags} = await this.parse(TraeGenerate)
    await runGeneration(flags, this.logger)
  }
}
