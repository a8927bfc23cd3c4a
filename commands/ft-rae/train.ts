import {commonTrainFlags, explicitFlags, frequencyTimeFlags, frequencyWindowFlags, runTraining} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class FtraeTrain extends AudeepCommand {
  static override description = `Train a joint frequency-time recurrent autoencoder (ft-rae) on spectrograms.

A frequency encoder summarises every frame; a time encoder reads those summaries and its final state, through a tanh layer, is the representation. A time decoder and a frequency decoder reconstruct the spectrogram reversed in time and frequency, with one RMSE loss. (auDeep's ft-rae training crashed; this one works.)`

  static override examples = ['<%= config.bin %> ft-rae train --input spectrograms.nc --run-name runs/ft-rae --num-epochs 20']

  static override flags = {...commonTrainFlags, ...frequencyTimeFlags, ...frequencyWindowFlags}

  async run(): Promise<void> {
    const {flags, metadata} = await this.parse(FtraeTrain)
    await runTraining('ft-rae', flags, explicitFlags(metadata, flags), this.logger)
  }
}
