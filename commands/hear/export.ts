import path from 'node:path'

import {Flags} from '@oclif/core'

import {AudeepCommand} from '../../src/cli/command.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {embeddingsFromDataSet, type PoolMode, writeEmbeddingDirectory} from '../../src/hear/embeddings.js'

export default class HearExport extends AudeepCommand {
  static override description = `Write features as a HEAR embedding directory for a scene task.

The directory is what hear-eval-kit's predictions runner reads (python3 -m heareval.predictions.runner DIR): the task's task_metadata.json, labelvocabulary.csv and <split>.json files, and per split the embedding dimensions, a headerless float32 matrix and a pickle of the labels. Instances are matched to the task's clips by file name (as 'preprocess --parser hear' names them); chunks of a clip are averaged. Labels are taken from the task.`

  static override examples = [
    '<%= config.bin %> hear export --input features.nc --task hear/spoken_digit-1.0.9-small --output embeddings/audeep/spoken_digit-1.0.9-small',
    '<%= config.bin %> hear export --input spectrograms.nc --pool mean --task hear/spoken_digit-1.0.9-small --output embeddings/mel-mean/spoken_digit-1.0.9-small',
  ]

  static override flags = {
    input: Flags.string({description: 'Data set with the features (e.g. from t-rae generate).', required: true, helpValue: 'FILE'}),
    task: Flags.string({
      description: 'The HEAR task directory (hear-preprocess output) the features were made from.',
      required: true,
      helpValue: 'DIR',
    }),
    output: Flags.string({description: "The task's embedding directory to write (created if needed).", required: true, helpValue: 'DIR'}),
    pool: Flags.string({
      description:
        'How multi-dimensional features become a vector: flatten them, or average over every axis but the last (e.g. the mean over time of a spectrogram).',
      options: ['flatten', 'mean'],
      default: 'flatten',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(HearExport)
    const ds = await readDataSet(flags.input)
    const emb = await embeddingsFromDataSet(ds, flags.task, {pool: flags.pool as PoolMode, source: flags.input})
    await writeEmbeddingDirectory(flags.output, flags.task, emb)
    const rows = emb.splits.reduce((n, s) => n + s.rows, 0)
    this.logger.info(
      `wrote ${rows} embeddings of dimension ${emb.splits[0].dim} in ${emb.splits.length} splits (${emb.splits.map((s) => s.name).join(', ')}) to ${path.resolve(flags.output)}`,
    )
  }
}
