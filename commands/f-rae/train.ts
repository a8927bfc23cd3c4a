import {
  commonTrainFlags,
  explicitFlags,
  frequencyRecurrentFlags,
  frequencyWindowFlags,
  runTraining,
} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class FraeTrain extends AudeepCommand {
  static override description = `Train a frequency-recurrent autoencoder (f-rae) on spectrograms.

Every frame is cut into overlapping windows along frequency; the encoder reads the windows of a frame in order and its final state, through a tanh layer, is that frame's representation. The decoder reconstructs the frame reversed in frequency. (auDeep's f-rae training crashed; this one works.)`

  static override examples = [
    '<%= config.bin %> f-rae train --input spectrograms.nc --run-name runs/f-rae --num-units 64 --freq-window-width 32 --freq-window-overlap 24',
  ]

  static override flags = {...commonTrainFlags, ...frequencyRecurrentFlags, ...frequencyWindowFlags}

  async run(): Promise<void> {
    const {flags, metadata} = await this.parse(FraeTrain)
    await runTraining('f-rae', flags, explicitFlags(metadata, flags), this.logger)
  }
}
