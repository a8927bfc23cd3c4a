import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {floatFlag, randomFromSeed, seedFlag} from '../../src/cli/flags.js'

export default class VisualizeUmap extends AudeepCommand {
  static override description = `Draw a UMAP map of learned features as a PNG, coloured by label.

Usually run on learned features (e.g. the output of t-rae generate); features of any other shape, such as spectrograms, are flattened to one vector per instance as auDeep does. Features with more than 50 dimensions are first reduced by PCA to min(50, instances, features) components. UMAP is faster than t-SNE and keeps more of the global structure.`

  static override examples = [
    '<%= config.bin %> visualize umap --input runs/esc-10-60/representations.nc --output umap.png',
    '<%= config.bin %> visualize umap --input features.nc --output umap.png --neighbors 30 --min-dist 0.3 --seed 1',
  ]

  static override enableJsonFlag = true

  static override flags = {
    input: Flags.file({description: 'Data set whose features to map (flattened per instance).', required: true, helpValue: 'FILE'}),
    output: Flags.string({description: 'Where to write the PNG.', required: true, helpValue: 'FILE'}),
    neighbors: Flags.integer({
      description: 'Size of the local neighbourhood (must be below the number of instances).',
      default: 15,
      min: 2,
    }),
    'min-dist': floatFlag({min: 0})({
      description: 'How tightly points may be packed in the map (0 = tight clusters).',
      default: 0.1,
    }),
    epochs: Flags.integer({description: 'Number of optimisation epochs.', default: 350, min: 1}),
    seed: seedFlag,
  }

  async run() {
    const {flags} = await this.parse(VisualizeUmap)
    const {visualizeEmbedding} = await import('../../src/maps/visualize.js')
    const random = randomFromSeed(flags.seed, this.logger)
    return visualizeEmbedding({
      input: flags.input,
      output: flags.output,
      method: {kind: 'umap', neighbors: flags.neighbors, minDist: flags['min-dist'], epochs: flags.epochs},
      seed: random.nextUint32(),
      logger: this.logger,
    })
  }
}
