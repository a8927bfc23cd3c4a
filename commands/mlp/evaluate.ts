import {AudeepCommand} from '../../src/cli/command.js'
import {evaluateFlags, mlpFlags, mlpOptions} from '../../src/cli/evaluate-flags.js'
import {mlpLearner} from '../../src/evaluate/learners.js'
import {selectMlpBackend} from '../../src/evaluate/mlp.js'
import type {BackendChoice} from '../../src/nn/engine/index.js'
import {runEvaluate} from '../../src/cli/evaluate-run.js'

export default class MlpEvaluate extends AudeepCommand {
  static override description = `Evaluate features with a multilayer perceptron (auDeep's MLP, with linear logits).

Cross-validated (--cross-validate) or trained on some partitions and evaluated on others. Features are standardised with statistics of the training split. Prints accuracy and unweighted average recall (UAR) per fold, their means with +/- 2 x the population std over folds, and the confusion matrix; with -q only "accuracy,uar".`

  static override examples = [
    '<%= config.bin %> mlp evaluate -q --input representations.nc --cross-validate --repeat 5 --seed 1',
    '<%= config.bin %> mlp evaluate --input features.nc --train-partitions train --eval-partitions devel --batch-size 64 --shuffle',
  ]

  static override flags = {...evaluateFlags, ...mlpFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(MlpEvaluate)
    const io = {logger: this.logger, quiet: this.quiet, print: (text: string) => this.log(text)}
    const options = mlpOptions(flags)
    await selectMlpBackend(flags.backend as BackendChoice, this.logger)
    await runEvaluate(io, mlpLearner(options, this.logger), flags, {...options})
  }
}
