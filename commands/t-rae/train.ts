import {Flags} from '@oclif/core'

import {commonTrainFlags, decoderVariantFlag, explicitFlags, recurrentFlags, runTraining} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'

export default class TraeTrain extends AudeepCommand {
  static override description = `Train a time-recurrent autoencoder (t-rae) on spectrograms.

The encoder reads the spectrogram frame by frame; its final state, through a tanh layer, is the learned representation, from which the decoder reconstructs the spectrogram reversed in time (RMSE loss, Adam, gradients clipped at 2). A checkpoint is written to <run-name>/logs/model-<step> after every epoch and when interrupted with Ctrl-C; TensorBoard reads <run-name>/logs.`

  static override examples = [
    '<%= config.bin %> t-rae train --input spectrograms/esc-10.nc --run-name runs/esc-10 --num-epochs 64 --batch-size 64 --learning-rate 0.001 --keep-prob 0.8 --num-layers 2 --num-units 256 --bidirectional-decoder --seed 1',
    '<%= config.bin %> t-rae train --input spectrograms/esc-10.nc --run-name runs/esc-10 --num-epochs 16 --continue',
  ]

  static override flags = {
    ...commonTrainFlags,
    ...recurrentFlags,
    'decoder-variant': decoderVariantFlag,
    'mask-silence': Flags.boolean({
      description: 'Experimental (as in auDeep): force the reconstruction to -1 wherever the target is -1 before the loss.',
    }),
  }

  async run(): Promise<void> {
    const {flags, metadata} = await this.parse(TraeTrain)
    await runTraining('t-rae', flags, explicitFlags(metadata, flags), this.logger)
  }
}
