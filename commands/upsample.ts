import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {partitionsFlag, toPartitions} from '../src/cli/flags.js'
import {readDataSet, writeDataSet} from '../src/data/netcdf/index.js'
import {upsample} from '../src/data/ops.js'

export default class Upsample extends AudeepCommand {
  static override description = `Balance classes by repeating instances.

Within the selected partitions (default: the whole data set) every class is repeated max_count // count times; repeated instances are renamed <file>.upsampled.<i>. Instances of other partitions are copied first, unchanged.`

  static override examples = ['<%= config.bin %> upsample --input features.nc --partitions train --output features-balanced.nc']

  static override flags = {
    input: Flags.string({description: 'The data set to balance.', required: true, helpValue: 'FILE'}),
    partitions: partitionsFlag({description: 'Only balance these partitions (train, devel, test).'}),
    output: Flags.string({description: 'Where to write the result.', required: true, helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Upsample)
    const input = await readDataSet(flags.input)
    const result = upsample(input, toPartitions(flags.partitions))
    await writeDataSet(flags.output, result)
    this.logger.info(`wrote ${result.numInstances} instances (from ${input.numInstances}) to ${flags.output}`)
  }
}
