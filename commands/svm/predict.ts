import {AudeepCommand} from '../../src/cli/command.js'
import {predictFlags, svmFlags, svmOptions} from '../../src/cli/evaluate-flags.js'
import {svmLearner} from '../../src/evaluate/learners.js'
import {runPredict} from '../../src/cli/evaluate-run.js'

export default class SvmPredict extends AudeepCommand {
  static override description = `Train a linear SVM on one data set and predict the labels of another.

Writes one line "<filename><TAB><label>" per file, sorted by filename, with labels from the training data's label map.`

  static override examples = [
    '<%= config.bin %> svm predict --train-input train.nc --eval-input test.nc --complexity 0.001 --output predictions.tsv',
  ]

  static override flags = {...predictFlags, ...svmFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(SvmPredict)
    const io = {logger: this.logger, quiet: this.quiet, print: (text: string) => this.log(text)}
    await runPredict(io, svmLearner(svmOptions(flags), this.logger), flags)
  }
}
