import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {partitionsFlag, randomFromSeed, seedFlag, toPartitions} from '../src/cli/flags.js'
import {readDataSet, writeDataSet} from '../src/data/netcdf/index.js'
import {withCvSetup, withoutPartitioning, withPartitioning} from '../src/data/ops.js'

const ACTIONS = ['add-cv-setup', 'remove-cv-setup', 'add-partitioning', 'remove-partitioning']

export default class Modify extends AudeepCommand {
  static override description = `Add or remove a cross-validation setup or partitions.

Within each class, files (all chunks of a file together) are dealt round-robin to folds or partitions in filename order, so the assignment is deterministic. As in auDeep, the instance order of the output is shuffled; --seed makes it reproducible. auDeep's --add-partitioning assigned partitions to the wrong instances; this one assigns them per file and balanced per class.`

  static override examples = [
    '<%= config.bin %> modify --input spectrograms.nc --add-cv-setup 5 --seed 1 --output spectrograms-cv.nc',
    '<%= config.bin %> modify --input spectrograms.nc --add-partitioning train devel test --output spectrograms-part.nc',
  ]

  static override flags = {
    input: Flags.string({description: 'The data set to modify.', required: true, helpValue: 'FILE'}),
    output: Flags.string({description: 'Where to write the result.', required: true, helpValue: 'FILE'}),
    'add-cv-setup': Flags.integer({
      description: 'Replace the cross-validation setup with this many folds (0 removes it).',
      min: 0,
      exclusive: ACTIONS.filter((a) => a !== 'add-cv-setup'),
      helpValue: 'FOLDS',
    }),
    'remove-cv-setup': Flags.boolean({
      description: 'Remove the cross-validation setup.',
      exclusive: ACTIONS.filter((a) => a !== 'remove-cv-setup'),
    }),
    'add-partitioning': partitionsFlag({
      description: 'Assign the instances to these partitions (train, devel, test).',
      exclusive: ACTIONS.filter((a) => a !== 'add-partitioning'),
    }),
    'remove-partitioning': Flags.boolean({
      description: 'Remove the partition information.',
      exclusive: ACTIONS.filter((a) => a !== 'remove-partitioning'),
    }),
    seed: seedFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Modify)
    const input = await readDataSet(flags.input)
    let result
    if (flags['add-cv-setup'] !== undefined || flags['remove-cv-setup']) {
      const folds = flags['add-cv-setup'] ?? 0
      result = withCvSetup(input, folds, randomFromSeed(flags.seed, this.logger))
      this.logger.info(folds > 0 ? `assigned ${folds} cross-validation folds` : 'removed the cross-validation setup')
    } else if (flags['add-partitioning'] !== undefined) {
      const partitions = toPartitions(flags['add-partitioning'])!
      result = withPartitioning(input, partitions, randomFromSeed(flags.seed, this.logger))
      this.logger.info(`assigned partitions ${flags['add-partitioning'].join(', ')}`)
    } else if (flags['remove-partitioning']) {
      result = withoutPartitioning(input)
      this.logger.info('removed the partition information')
    } else {
      this.error('nothing to do: give one of --add-cv-setup, --remove-cv-setup, --add-partitioning, --remove-partitioning', {exit: 2})
    }
    await writeDataSet(flags.output, result)
    this.logger.info(`wrote ${flags.output}`)
  }
}
