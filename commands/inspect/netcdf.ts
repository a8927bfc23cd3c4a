import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {UserError} from '../../src/core/errors.js'
import {foldTables, globalInfoTable, instanceInfoTable} from '../../src/cli/inspect-tables.js'
import {openDataSetReader} from '../../src/data/netcdf/index.js'

export default class InspectNetcdf extends AudeepCommand {
  static override description = `Print information about a data set.

Shows the number of instances, whether cross-validation, partition and label information is present and the feature dimensions; optionally one instance's metadata and per-fold class counts.`

  static override examples = [
    '<%= config.bin %> inspect netcdf --input spectrograms.nc',
    '<%= config.bin %> inspect netcdf --input spectrograms.nc --instance 0 --detailed-folds',
  ]

  static override flags = {
    input: Flags.string({description: 'The data set to inspect.', required: true, helpValue: 'FILE'}),
    instance: Flags.integer({description: 'Also show this instance (0-based index).', min: 0, helpValue: 'INDEX'}),
    'detailed-folds': Flags.boolean({description: 'Show per-class counts of every cross-validation fold.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(InspectNetcdf)
    const reader = await openDataSetReader(flags.input)
    reader.close()
    const ds = reader.meta
    const tables = [globalInfoTable(ds)]
    if (flags.instance !== undefined) {
      if (flags.instance >= ds.numInstances) {
        throw new UserError(`${flags.input}: --instance ${flags.instance} is out of range (the data set has ${ds.numInstances} instances)`)
      }
      tables.push(instanceInfoTable(ds, flags.instance))
    }
    if (flags['detailed-folds']) {
      if (!ds.hasCvInfo()) throw new UserError(`${flags.input}: --detailed-folds needs a data set with cross-validation folds`)
      tables.push(...foldTables(ds))
    }
    process.stdout.write(tables.map((t) => '\n' + t + '\n').join('') + '\n')
  }
}
