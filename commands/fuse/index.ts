import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {fuseDataSets} from '../../src/data/ops.js'

export default class Fuse extends AudeepCommand {
  static override description = `Concatenate data sets along a feature dimension.

All data sets must hold the same instances in the same order with the same metadata; this is how the features of several autoencoders are combined (e.g. four 1024-dimensional runs into 4096 dimensions).`

  static override examples = [
    '<%= config.bin %> fuse --input run-30/representations.nc run-60/representations.nc --output fused.nc',
    '<%= config.bin %> fuse --input a.nc b.nc --dimension freq --output fused-freq.nc',
  ]

  static override flags = {
    input: Flags.string({description: 'The data sets to fuse (two or more).', required: true, multiple: true, helpValue: 'FILE'}),
    dimension: Flags.string({description: 'The feature dimension to concatenate along.', default: 'generated'}),
    output: Flags.string({description: 'Where to write the result.', required: true, helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Fuse)
    const sets = []
    for (const name of flags.input) sets.push({name, data: await readDataSet(name)})
    const fused = fuseDataSets(sets, flags.dimension)
    await writeDataSet(flags.output, fused)
    this.logger.info(`wrote ${fused.numInstances} instances with feature shape [${fused.featureShape.join(', ')}] to ${flags.output}`)
  }
}
