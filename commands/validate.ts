import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {openDataSetReader} from '../src/data/netcdf/index.js'
import {checkIntegrity, formatIntegrityReport, isValid} from '../src/data/validate.js'

export default class Validate extends AudeepCommand {
  static override description = `Check the integrity of a data set.

Checks auDeep's seven constraints: the chunks of a file agree on labels, folds and partition, labels conform to the label map, and every file has the same number of chunks, numbered 0..n-1. Prints PASS or FAIL with a count per constraint; exits with status 1 when a constraint is violated (auDeep exited 0).`

  static override examples = [
    '<%= config.bin %> validate --input spectrograms/esc-10.nc',
    '<%= config.bin %> validate --input broken.nc --detailed',
  ]

  static override flags = {
    input: Flags.string({description: 'The data set to check.', required: true, helpValue: 'FILE'}),
    detailed: Flags.boolean({description: 'List every violating instance.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Validate)
    const reader = await openDataSetReader(flags.input)
    reader.close()
    const report = checkIntegrity(reader.meta)
    process.stdout.write(formatIntegrityReport(report, flags.detailed))
    if (!isValid(report)) process.exitCode = 1
  }
}
