// A HEAR benchmark task directory (hear-preprocess output) as an auDeep data set:
//   task_metadata.json      split_mode, splits, embedding_type, prediction_type, ...
//   labelvocabulary.csv     "idx,label": the label map
//   <split>.json            file name -> list of labels
//   <rate>/<split>/<file>   the audio, one folder per sample rate
// k-fold tasks (splits fold00..foldNN) become cross-validation folds (VALID in the file's own fold);
// train/valid/test tasks become partitions TRAIN/DEVEL/TEST. Instances come split by split in the task's
// order, files sorted by name; the stored filename is the file name HEAR uses as its key. Only scene tasks
// with exactly one label per clip fit auDeep's data model; event and true multi-label tasks are refused.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {Partition, type Split} from '../src/data/dataset.js'
import {readSplitLabels, readTaskFile, readVocabularyRows} from '../src/hear/task.js'
import {pyStr} from '../src/python/repr.js'
import {isFile, listDirectory, listSubdirectories, parseIntStrict, validInFold} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const log = getLogger('parsers.hear')

const SPLIT_PARTITIONS: Readonly<Record<string, Partition>> = {train: Partition.TRAIN, valid: Partition.DEVEL, test: Partition.TEST}

async function rateDirectories(basedir: string): Promise<number[]> {
  return (await listSubdirectories(basedir))
    .map((d) => parseIntStrict(d.name))
    .filter((r): r is number => r !== null && r > 0)
    .sort((a, b) => a - b)
}

/** Python's str() of a label, which is how heareval keys labels; null for what no scene label is. */
function labelString(label: unknown): string | null {
  if (typeof label === 'string' || typeof label === 'bigint') return pyStr(label)
  if (typeof label === 'number' && Number.isFinite(label)) return pyStr(label)
  return null
}

export class HearParser implements Parser {
  readonly name: string

  /** @param sampleRate which `<rate>/` folder to read; by default the only one, or the highest. */
  constructor(private readonly sampleRate?: number) {
    this.name = sampleRate === undefined ? 'hear' : `hear:${sampleRate}`
  }

  async canParse(basedir: string): Promise<boolean> {
    return (
      (await isFile(path.join(basedir, 'task_metadata.json'))) &&
      (await isFile(path.join(basedir, 'labelvocabulary.csv'))) &&
      (await rateDirectories(basedir)).length > 0
    )
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    if (!(await this.canParse(root))) {
      throw new UserError(`${root}: not a HEAR task directory (needs task_metadata.json, labelvocabulary.csv and a <sample rate>/ folder)`)
    }
    const {file: metaPath, raw: meta} = await readTaskFile(root)
    if (meta.embedding_type !== undefined && meta.embedding_type !== 'scene') {
      throw new UserError(
        `${metaPath}: embedding_type '${String(meta.embedding_type)}' is not supported; auDeep data sets hold one label per clip, so only scene tasks can be read`,
      )
    }
    const splits = meta.splits
    if (!Array.isArray(splits) || splits.length === 0 || !splits.every((s) => typeof s === 'string')) {
      throw new UserError(`${metaPath}: 'splits' must be a non-empty list of split names`)
    }
    const kfold = splits.every((s) => /^fold\d+$/.test(s))
    if (!kfold && !splits.every((s) => s in SPLIT_PARTITIONS)) {
      throw new UserError(`${metaPath}: splits ${JSON.stringify(splits)} are neither fold00..foldNN nor train/valid/test`)
    }

    const labelMap = await this.readVocabulary(root)
    const rateDir = path.join(root, String(await this.chooseRate(root)))
    const numFolds = kfold ? splits.length : 0

    const instances: ParsedInstance[] = []
    for (const [index, split] of (splits as string[]).entries()) {
      const cvFolds: Split[] = kfold ? validInFold(numFolds, index) : []
      const partition = kfold ? null : SPLIT_PARTITIONS[split]
      const labelsPath = path.join(root, `${split}.json`)
      const labels = await readSplitLabels(root, split)
      const splitDir = path.join(rateDir, split)
      const present = new Set((await listDirectory(splitDir)).filter((e) => !e.isDirectory).map((e) => e.name))
      const names = [...labels.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      for (const name of names) {
        const list = labels.get(name)!
        if (list.length !== 1) {
          throw new UserError(`${labelsPath}: '${name}' has ${list.length} labels; auDeep data sets need exactly one per clip`)
        }
        const label = labelString(list[0])
        if (label === null)
          throw new UserError(`${labelsPath}: '${name}' has a label that is not a string or number (is this an event task?)`)
        const numeric = labelMap.get(label)
        if (numeric === undefined) throw new UserError(`${labelsPath}: label '${label}' of '${name}' is not in labelvocabulary.csv`)
        if (!present.has(name)) throw new UserError(`${path.join(splitDir, name)}: audio file listed in ${split}.json is missing`)
        present.delete(name)
        instances.push({path: path.join(splitDir, name), filename: name, labelNominal: label, labelNumeric: numeric, cvFolds, partition})
      }
      const unlisted = [...present].filter((n) => !n.startsWith('.'))
      if (unlisted.length > 0)
        log.warn(`${splitDir}: ${unlisted.length} file(s) not listed in ${split}.json are ignored (e.g. ${unlisted[0]})`)
    }
    return {labelMap, numFolds, instances}
  }

  private async readVocabulary(root: string): Promise<Map<string, number>> {
    const {file, rows} = await readVocabularyRows(root)
    const map = new Map<string, number>()
    for (const {idx, label, line} of rows) {
      if (map.has(label)) throw new UserError(`${file}, line ${line}: label '${label}' appears twice`)
      map.set(label, idx)
    }
    return map
  }

  private async chooseRate(root: string): Promise<number> {
    const rates = await rateDirectories(root)
    if (this.sampleRate !== undefined) {
      if (!rates.includes(this.sampleRate)) {
        throw new UserError(`${root}: no ${this.sampleRate}/ folder (available sample rates: ${rates.join(', ')})`)
      }
      return this.sampleRate
    }
    const rate = rates[rates.length - 1]
    if (rates.length > 1) log.info(`${root} has audio at ${rates.join(', ')} Hz; using ${rate} Hz (choose with --parser hear:<rate>)`)
    return rate
  }
}
