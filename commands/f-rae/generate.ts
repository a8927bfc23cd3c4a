import {generateFlags, runGeneration} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class FraeGenerate extends AudeepCommand {
  static override description = `Generate features from spectrograms with a trained f-rae.

Each frame becomes a feature vector, so the output keeps the time axis: [time, state size] with dimensions 'generated_0', 'generated_1' (auDeep's f-rae generate crashed). All metadata (filenames, chunks, labels, folds, partitions, label map) is carried over.`

  static override examples = [
    '<%= config.bin %> f-rae generate --model-dir runs/f-rae --input spectrograms.nc --output features.nc',
    '<%= config.bin %> f-rae generate --model-dir runs/f-rae/logs --input spectrograms.nc --steps 70 140 --output features-70.nc features-140.nc',
  ]

  static override flags = generateFlags(64)

  async run(): Promise<void> {
    const {flags} = await this.parse(FraeGenerate)
    await runGeneration(flags, this.logger)
  }
}
