import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {fuseChunks} from '../../src/data/ops.js'

export default class FuseChunks extends AudeepCommand {
  static override description = `Merge the chunks of each file into one instance.

Chunks are concatenated in chunk order along the given dimension; the output is sorted by filename and every chunk number becomes 0. All files need the same number of chunks, numbered 0..n-1.`

  static override examples = ['<%= config.bin %> fuse chunks --input chunked.nc --dimension time --output merged.nc']

  static override flags = {
    input: Flags.string({description: 'The chunked data set.', required: true, helpValue: 'FILE'}),
    dimension: Flags.string({description: 'The feature dimension to concatenate along.', default: 'generated'}),
    output: Flags.string({description: 'Where to write the result.', required: true, helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(FuseChunks)
    const fused = fuseChunks(await readDataSet(flags.input), flags.dimension, flags.input)
    await writeDataSet(flags.output, fused)
    this.logger.info(`wrote ${fused.numInstances} instances with feature shape [${fused.featureShape.join(', ')}] to ${flags.output}`)
  }
}
