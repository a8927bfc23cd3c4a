// `audeep export`: a netCDF data set as CSV or ARFF files (audeep-reference.md §6.1).

import {basename, extname} from 'node:path'

import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {UserError} from '../src/core/errors.js'
import {exportDataSet, type ExportFormat} from '../src/data/export.js'
import {readDataSet} from '../src/data/netcdf/index.js'

export default class Export extends AudeepCommand {
  static override description =
    'Export a data set to CSV or ARFF. Data sets with cross-validation folds are written as fold_N/ directories ' +
    "holding each fold's validation split; data sets with partitions as train/, devel/ and test/ directories; " +
    'both as <partition>/fold_N/. Features of any rank are flattened row-major into feature_0 ... columns. ' +
    'Unlike auDeep 0.9.6, ARFF is written as requested even without folds or partitions.'

  static override examples = [
    '<%= config.bin %> export --input esc10-sample.nc --format CSV --output export/csv',
    '<%= config.bin %> export --input esc10-sample.nc --format arff --labels-last --output export/arff-ll',
  ]

  static override flags = {
    input: Flags.string({description: 'Data set to export (netCDF, auDeep data model).', required: true}),
    format: Flags.string({
      description: 'Export format: CSV or ARFF (case-insensitive).',
      required: true,
    }),
    'labels-last': Flags.boolean({description: 'Write the labels as the last two columns instead of after filename and chunk_nr.'}),
    name: Flags.string({description: 'Name of the written files (default: the input file name without its extension).'}),
    output: Flags.string({description: 'Output base directory (created if missing).', required: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Export)
    // Checked here rather than with oclif's `options` so that the value is case-insensitive, as in auDeep.
    const format = flags.format.toUpperCase()
    if (format !== 'CSV' && format !== 'ARFF') throw new UserError(`--format must be CSV or ARFF, got '${flags.format}'`)
    const name = flags.name ?? basename(flags.input, extname(flags.input))
    const ds = await readDataSet(flags.input)
    const files = await exportDataSet(ds, {
      format: format as ExportFormat,
      outputDir: flags.output,
      name,
      labelsLast: flags['labels-last'],
    })
    this.logger.info(`exported ${ds.numInstances} instances into ${files.length} file(s) under ${flags.output}`)
  }
}
