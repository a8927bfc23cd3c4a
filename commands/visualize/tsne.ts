import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {floatFlag, randomFromSeed, seedFlag} from '../../src/cli/flags.js'

const positive = floatFlag({min: 0, exclusiveMin: true})

export default class VisualizeTsne extends AudeepCommand {
  static override description = `Draw a t-SNE map of learned features as a PNG, coloured by label.

Usually run on learned features (e.g. the output of t-rae generate); features of any other shape, such as spectrograms, are flattened to one vector per instance as auDeep does. Features with more than 50 dimensions are first reduced by PCA to min(50, instances, features) components (auDeep's fixed 200 failed on small data sets). t-SNE is exact (O(n^2) memory), which suits data sets up to a few thousand instances.`

  static override examples = [
    '<%= config.bin %> visualize tsne --input runs/esc-10-60/representations.nc --output tsne.png',
    '<%= config.bin %> visualize tsne --input features.nc --output tsne.png --perplexity 30 --seed 1',
  ]

  static override enableJsonFlag = true

  static override flags = {
    input: Flags.file({description: 'Data set whose features to map (flattened per instance).', required: true, helpValue: 'FILE'}),
    output: Flags.string({description: 'Where to write the PNG.', required: true, helpValue: 'FILE'}),
    perplexity: positive({
      description: 'Effective number of neighbours t-SNE balances (must be below the number of instances).',
      default: 50,
    }),
    'learning-rate': positive({description: 'Gradient step size of the optimisation.', default: 1000}),
    iterations: Flags.integer({description: 'Number of optimisation steps.', default: 1000, min: 1}),
    seed: seedFlag,
  }

  async run() {
    const {flags} = await this.parse(VisualizeTsne)
    const {visualizeEmbedding} = await import('../../src/maps/visualize.js')
    const random = randomFromSeed(flags.seed, this.logger)
    return visualizeEmbedding({
      input: flags.input,
      output: flags.output,
      method: {
        kind: 'tsne',
        perplexity: flags.perplexity,
        learningRate: flags['learning-rate'],
        iterations: flags.iterations,
      },
      seed: random.nextUint32(),
      logger: this.logger,
    })
  }
}
