import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {startProgress} from '../src/cli/progress.js'
import {mergeDataSetFiles} from '../src/data/ops.js'

export default class Merge extends AudeepCommand {
  static override description = `Concatenate data sets along the instance axis, e.g. the shard files of a sharded preprocess or generate run.

Instances are written in the order of --input (the shards of a run in shard order reproduce the single-machine file exactly: same instances, same order, same feature values). All inputs must have the same feature dimensions and shape, the same number of cross-validation folds and the same label map. Use 'fuse' instead to concatenate features of the same instances.`

  static override examples = [
    '<%= config.bin %> merge --input shards/spectrograms-0.nc shards/spectrograms-1.nc shards/spectrograms-2.nc --output spectrograms.nc',
    '<%= config.bin %> merge --input shards/features-*.nc --output features.nc',
  ]

  static override flags = {
    input: Flags.string({
      description:
        'The data sets to concatenate, in order (shards in shard order; zero-padded shard numbers make shell globs sort correctly).',
      required: true,
      multiple: true,
      helpValue: 'FILE',
    }),
    output: Flags.string({description: 'Where to write the merged data set.', required: true, helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Merge)
    const bar = startProgress('merging', 1)
    let merged
    try {
      merged = await mergeDataSetFiles(flags.input, flags.output, {
        warn: (message) => this.logger.warn(message),
        onProgress: (done, total) => {
          bar.setTotal(total)
          bar.update(done)
        },
      })
    } finally {
      bar.stop()
    }
    this.logger.info(
      `wrote ${merged.numInstances} instances of [${merged.featureShape.join(', ')}] (${merged.featureDims.join(', ')}) from ${flags.input.length} file(s) to ${flags.output}`,
    )
  }
}
