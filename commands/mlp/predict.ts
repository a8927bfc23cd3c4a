import {AudeepCommand} from '../../src/cli/command.js'
import {mlpFlags, mlpOptions, predictFlags} from '../../src/cli/evaluate-flags.js'
import {mlpLearner} from '../../src/evaluate/learners.js'
import {selectMlpBackend} from '../../src/evaluate/mlp.js'
import type {BackendChoice} from '../../src/nn/engine/index.js'
import {runPredict} from '../../src/cli/evaluate-run.js'

export default class MlpPredict extends AudeepCommand {
  static override description = `Train a multilayer perceptron on one data set and predict the labels of another.

Writes one line "<filename><TAB><label>" per file, sorted by filename, with labels from the training data's label map.`

  static override examples = ['<%= config.bin %> mlp predict --train-input train.nc --eval-input test.nc --output predictions.tsv --seed 1']

  static override flags = {...predictFlags, ...mlpFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(MlpPredict)
    const io = {logger: this.logger, quiet: this.quiet, print: (text: string) => this.log(text)}
    await selectMlpBackend(flags.backend as BackendChoice, this.logger)
    await runPredict(io, mlpLearner(mlpOptions(flags), this.logger), flags)
  }
}
