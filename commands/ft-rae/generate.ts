import {generateFlags, runGeneration} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class FtraeGenerate extends AudeepCommand {
  static override description = `Generate features from spectrograms with a trained ft-rae.

Each spectrogram becomes one feature vector of the time decoder's state size (dimension 'generated'). All metadata (filenames, chunks, labels, folds, partitions, label map) is carried over.`

  static override examples = [
    '<%= config.bin %> ft-rae generate --model-dir runs/ft-rae --input spectrograms.nc --output features.nc',
    '<%= config.bin %> ft-rae generate --model-dir runs/ft-rae/logs --input spectrograms.nc --steps 70 140 --output features-70.nc features-140.nc',
  ]

  static override flags = generateFlags(500)

  async run(): Promise<void> {
    const {flags} = await this.parse(FtraeGenerate)
    await runGeneration(flags, this.logger)
  }
}
