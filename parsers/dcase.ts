// auDeep's DCASE parsers. The development sets of DCASE 2017 task 1 (TUT Acoustic Scenes 2017) and DCASE 2018
// task 5 ("domestic activities", auDeep's module dcase18_task4) share one layout:
//   meta.txt                          tab-separated, no header: <relative audio path> <label> [...]
//   evaluation_setup/fold{1..4}_train.txt   first column: the relative paths in fold N's training split
// Instances come in meta.txt order; the stored filename is the path's base name; a file is TRAIN in fold N
// if fold N's list names it, otherwise VALID. Each data set has a fixed label map.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {Split} from '../src/data/dataset.js'
import {isFile, nonBlankLines, readTextFile} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const NUM_FOLDS = 4

/** DCASE 2017 task 1 scenes, numbered alphabetically. */
export const DCASE2017_LABEL_MAP: ReadonlyMap<string, number> = new Map([
  ['beach', 0],
  ['bus', 1],
  ['cafe/restaurant', 2],
  ['car', 3],
  ['city_center', 4],
  ['forest_path', 5],
  ['grocery_store', 6],
  ['home', 7],
  ['library', 8],
  ['metro_station', 9],
  ['office', 10],
  ['park', 11],
  ['residential_area', 12],
  ['train', 13],
  ['tram', 14],
])

/** DCASE 2018 domestic activities, in auDeep's (non-alphabetical) numbering. */
export const DCASE2018_TASK4_LABEL_MAP: ReadonlyMap<string, number> = new Map([
  ['other', 0],
  ['social_activity', 1],
  ['eating', 2],
  ['working', 3],
  ['absence', 4],
  ['vacuum_cleaner', 5],
  ['dishwashing', 6],
  ['watching_tv', 7],
  ['cooking', 8],
])

function foldListPath(basedir: string, fold: number): string {
  return path.join(basedir, 'evaluation_setup', `fold${fold + 1}_train.txt`)
}

class DCASELayoutParser implements Parser {
  constructor(
    readonly name: string,
    private readonly labelMap: ReadonlyMap<string, number>,
  ) {}

  async canParse(basedir: string): Promise<boolean> {
    if (!(await isFile(path.join(basedir, 'meta.txt')))) return false
    for (let fold = 0; fold < NUM_FOLDS; fold++) {
      if (!(await isFile(foldListPath(basedir, fold)))) return false
    }
    return true
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    if (!(await this.canParse(root))) {
      throw new UserError(`${root}: not a DCASE data set (needs meta.txt and evaluation_setup/fold1..4_train.txt)`)
    }
    const trainSets: Set<string>[] = []
    for (let fold = 0; fold < NUM_FOLDS; fold++) {
      const file = foldListPath(root, fold)
      trainSets.push(new Set(nonBlankLines(await readTextFile(file)).map(({line}) => line.split('\t')[0])))
    }

    const metaPath = path.join(root, 'meta.txt')
    const instances: ParsedInstance[] = []
    for (const {line, number} of nonBlankLines(await readTextFile(metaPath))) {
      const fields = line.split('\t')
      if (fields.length < 2) throw new UserError(`${metaPath}, line ${number}: expected '<file>\\t<label>', found '${line}'`)
      const [relative, label] = fields
      const numeric = this.labelMap.get(label)
      if (numeric === undefined) {
        throw new UserError(
          `${metaPath}, line ${number}: invalid label '${label}' for ${this.name} (expected one of ${[...this.labelMap.keys()].join(', ')})`,
        )
      }
      instances.push({
        path: path.join(root, relative),
        filename: path.posix.basename(relative.replaceAll('\\', '/')),
        labelNominal: label,
        labelNumeric: numeric,
        cvFolds: trainSets.map((train) => (train.has(relative) ? Split.TRAIN : Split.VALID)),
        partition: null,
      })
    }
    return {labelMap: new Map(this.labelMap), numFolds: NUM_FOLDS, instances}
  }
}

/** DCASE 2017 task 1 development set (auDeep's dcase.DCASEParser; tried by the meta parser). */
export class DCASEParser extends DCASELayoutParser {
  constructor() {
    super('dcase', DCASE2017_LABEL_MAP)
  }
}

/** DCASE 2018 domestic activities (auDeep's dcase18_task4.DCASEParser; only by name, never auto-detected). */
export class DCASE2018Task4Parser extends DCASELayoutParser {
  constructor() {
    super('dcase18-task4', DCASE2018_TASK4_LABEL_MAP)
  }
}
