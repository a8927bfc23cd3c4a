import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {Flags} from '@oclif/core'

import {backendFlag} from '../../src/cli/autoencoder-commands.js'
import {AudeepCommand} from '../../src/cli/command.js'
import {UserError} from '../../src/core/errors.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {GRID_NAMES, type GridName} from '../../src/hear/grid.js'
import {evaluateHear} from '../../src/hear/protocol.js'
import {pythonJsonIndent} from '../../src/python/json.js'
import {selectMlpBackend} from '../../src/evaluate/mlp.js'
import {embeddingsFromDataSet, type HearEmbeddings, type PoolMode, readEmbeddingDirectory} from '../../src/hear/embeddings.js'
import type {BackendChoice} from '../../src/nn/engine/index.js'

export default class HearEvaluate extends AudeepCommand {
  static override description = `Score features on a HEAR scene task with HEAR's downstream protocol.

The protocol of hear-eval-kit's predictions runner: a shallow MLP (Linear, BatchNorm, dropout 0.1, ReLU; Adam, batch 1024) whose hyper-parameters are chosen from a grid on the first split, early stopping on the validation score, fold rotation for k-fold tasks (test on fold i, validate on fold i+1), and the task's scores (top1_acc, mAP, d_prime, ...). Prints the content of heareval's test.predicted-scores.json (Python's JSON spelling: NaN where a score is undefined). Features come from a data set (--input with --task, as for 'hear export') or from an embedding directory (--embeddings).`

  static override examples = [
    '<%= config.bin %> hear evaluate --input features.nc --task hear/spoken_digit-1.0.9-small --grid fast',
    '<%= config.bin %> hear evaluate --embeddings embeddings/audeep/spoken_digit-1.0.9-small --json scores.json',
  ]

  static override flags = {
    input: Flags.string({
      description: 'Data set with the features (needs --task).',
      exactlyOne: ['input', 'embeddings'],
      dependsOn: ['task'],
      helpValue: 'FILE',
    }),
    task: Flags.string({description: 'The HEAR task directory the --input features were made from.', helpValue: 'DIR'}),
    pool: Flags.string({
      description: "With --input: how multi-dimensional features become a vector (as in 'hear export').",
      options: ['flatten', 'mean'],
      default: 'flatten',
    }),
    embeddings: Flags.string({
      description: "An embedding directory written by 'hear export' (or by hear-eval-kit).",
      exactlyOne: ['input', 'embeddings'],
      helpValue: 'DIR',
    }),
    grid: Flags.string({
      description: 'Hyper-parameter grid: default (up to 500 epochs), fast (10 or 50 epochs) or faster (small, 10 epochs), as in heareval.',
      options: [...GRID_NAMES],
      default: 'default',
    }),
    'grid-points': Flags.integer({description: 'Grid points tried on the first split.', default: 8, min: 1}),
    seed: Flags.integer({
      description: "Seed of the grid shuffle and of every training run; 42 picks the grid points heareval's deterministic mode picks.",
      default: 42,
      min: 0,
      max: 2 ** 32 - 1,
    }),
    'extra-metrics': Flags.string({
      description:
        "Scores to report besides the task's own, comma-separated (top1_acc, chroma_acc, mAP, aucroc, d_prime); model selection still uses the task's primary score.",
      helpValue: 'NAMES',
    }),
    standardise: Flags.boolean({
      description: "Standardise the embeddings with each split's training statistics first (not part of HEAR's protocol).",
    }),
    json: Flags.string({description: 'Also write the score JSON to this file.', helpValue: 'FILE'}),
    backend: backendFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(HearEvaluate)
    let emb: HearEmbeddings
    let source: string
    if (flags.input !== undefined) {
      if (flags.task === undefined) throw new UserError('--input needs --task')
      emb = await embeddingsFromDataSet(await readDataSet(flags.input), flags.task, {pool: flags.pool as PoolMode, source: flags.input})
      source = path.resolve(flags.input)
    } else {
      emb = await readEmbeddingDirectory(flags.embeddings!)
      source = path.resolve(flags.embeddings!)
    }
    await selectMlpBackend(flags.backend as BackendChoice, this.logger)
    const extraMetrics = flags['extra-metrics']
      ?.split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '')
    const result = await evaluateHear(emb, {
      grid: flags.grid as GridName,
      gridPoints: flags['grid-points'],
      seed: flags.seed,
      extraMetrics,
      standardise: flags.standardise,
      embeddingPath: source,
      logger: this.logger,
    })
    const text = pythonJsonIndent(result.scores)
    if (flags.json !== undefined) {
      try {
        await writeFile(flags.json, text)
      } catch (error) {
        throw new UserError(`${flags.json}: cannot write (${(error as Error).message})`)
      }
    }
    const mean = result.testScores.reduce((a, s) => a + s.score, 0) / result.testScores.length
    this.logger.info(
      `test ${result.primaryMetric}: ${mean.toFixed(4)}${result.testScores.length > 1 ? ` (mean over ${result.testScores.length} folds)` : ''}`,
    )
    this.log(text)
  }
}
