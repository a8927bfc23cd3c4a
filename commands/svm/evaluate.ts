import {AudeepCommand} from '../../src/cli/command.js'
import {evaluateFlags, svmFlags, svmOptions} from '../../src/cli/evaluate-flags.js'
import {svmLearner} from '../../src/evaluate/learners.js'
import {runEvaluate} from '../../src/cli/evaluate-run.js'

export default class SvmEvaluate extends AudeepCommand {
  static override description = `Evaluate features with a linear SVM (scikit-learn LinearSVC equivalent).

Cross-validated (--cross-validate) or trained on some partitions and evaluated on others. Features are standardised with statistics of the training split. Prints accuracy and unweighted average recall (UAR) per fold, their means with +/- 2 x the population std over folds, and the confusion matrix; with -q only "accuracy,uar".`

  static override examples = [
    '<%= config.bin %> svm evaluate --input representations.nc --cross-validate --complexity 0.001',
    '<%= config.bin %> svm evaluate -q --input features.nc --train-partitions train --eval-partitions devel --complexity 0.01 --seed 1',
  ]

  static override flags = {...evaluateFlags, ...svmFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(SvmEvaluate)
    const io = {logger: this.logger, quiet: this.quiet, print: (text: string) => this.log(text)}
    await runEvaluate(io, svmLearner(svmOptions(flags), this.logger), flags, {complexity: flags.complexity})
  }
}
