// `audeep import`: CSV or ARFF files (a single file, train/devel/test or fold_N trees) as a netCDF data set
// (audeep-reference.md §6.2).

import {Flags} from '@oclif/core'

import {AudeepCommand} from '../src/cli/command.js'
import {importDataSet} from '../src/data/import.js'
import {writeDataSet} from '../src/data/netcdf/index.js'

export default class Import extends AudeepCommand {
  static override description =
    'Import a data set from CSV or ARFF. BASEDIR holds either <name>.csv|.arff, or train/, devel/, test/ ' +
    'directories each holding one (or fold_N/ directories), or fold_1/ ... fold_N/ directories each holding one. ' +
    'All columns other than filename, chunk number and labels become features of dimension "generated".'

  static override examples = [
    '<%= config.bin %> import --basedir export/csv --name esc10-sample --output esc10-reimported.nc',
    '<%= config.bin %> import --basedir features --name set --label-nominal-attribute class --output set.nc',
  ]

  static override flags = {
    basedir: Flags.string({description: 'Import base directory.', required: true}),
    name: Flags.string({description: 'Name of the data files to import, without extension.', required: true}),
    'filename-attribute': Flags.string({description: 'Name of the filename column/attribute.', default: 'filename'}),
    'chunk-nr-attribute': Flags.string({description: 'Name of the chunk number column/attribute.', default: 'chunk_nr'}),
    'label-nominal-attribute': Flags.string({description: 'Name of the nominal label column/attribute.', default: 'label_nominal'}),
    'label-numeric-attribute': Flags.string({description: 'Name of the numeric label column/attribute.', default: 'label_numeric'}),
    output: Flags.string({description: 'Output data set file (netCDF).', required: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Import)
    const ds = await importDataSet({
      basedir: flags.basedir,
      name: flags.name,
      filenameAttribute: flags['filename-attribute'],
      chunkNrAttribute: flags['chunk-nr-attribute'],
      labelNominalAttribute: flags['label-nominal-attribute'],
      labelNumericAttribute: flags['label-numeric-attribute'],
    })
    await writeDataSet(flags.output, ds)
    this.logger.info(`imported ${ds.numInstances} instances with ${ds.featureSize} features (${ds.numFolds} folds) into ${flags.output}`)
  }
}
