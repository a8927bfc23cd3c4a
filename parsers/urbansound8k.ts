// auDeep's UrbanSound8KParser: `metadata/UrbanSound8K.csv` lists every clip with its fold (1..10) and class;
// the audio is at `audio/fold<fold>/<slice_file_name>`. Instances come in CSV row order, the stored
// filename is `slice_file_name`, and the label map holds only the classes that occur, numbered by the CSV's
// own `classID` column.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {isDirectory, isFile, nonBlankLines, parseIntStrict, readTextFile, splitCsvLine, validInFold} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const NUM_FOLDS = 10
const COLUMNS = ['slice_file_name', 'fold', 'classID', 'class'] as const

export class UrbanSound8KParser implements Parser {
  readonly name = 'urbansound8k'

  async canParse(basedir: string): Promise<boolean> {
    return (await isDirectory(path.join(basedir, 'audio'))) && (await isFile(path.join(basedir, 'metadata', 'UrbanSound8K.csv')))
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const csvPath = path.join(root, 'metadata', 'UrbanSound8K.csv')
    if (!(await this.canParse(root))) {
      throw new UserError(`${root}: not an UrbanSound8K data set (needs audio/ and metadata/UrbanSound8K.csv)`)
    }
    const lines = nonBlankLines(await readTextFile(csvPath))
    if (lines.length === 0) throw new UserError(`${csvPath}: empty file`)
    const header = splitCsvLine(lines[0].line).map((h) => h.trim())
    const column: Record<(typeof COLUMNS)[number], number> = {slice_file_name: -1, fold: -1, classID: -1, class: -1}
    for (const name of COLUMNS) {
      column[name] = header.indexOf(name)
      if (column[name] < 0) throw new UserError(`${csvPath}: missing column '${name}' in the header`)
    }

    const labelMap = new Map<string, number>()
    const instances: ParsedInstance[] = []
    for (const {line, number} of lines.slice(1)) {
      const fields = splitCsvLine(line)
      if (fields.length !== header.length) {
        throw new UserError(`${csvPath}, line ${number}: expected ${header.length} fields, found ${fields.length}`)
      }
      const filename = fields[column.slice_file_name]
      const fold = parseIntStrict(fields[column.fold])
      const classId = parseIntStrict(fields[column.classID])
      const label = fields[column.class]
      if (filename === '') throw new UserError(`${csvPath}, line ${number}: empty slice_file_name`)
      if (fold === null || fold < 1 || fold > NUM_FOLDS) {
        throw new UserError(`${csvPath}, line ${number}: fold '${fields[column.fold]}' is not an integer in 1..${NUM_FOLDS}`)
      }
      if (classId === null) {
        throw new UserError(`${csvPath}, line ${number}: classID '${fields[column.classID]}' is not a non-negative integer`)
      }
      const known = labelMap.get(label)
      if (known === undefined) {
        labelMap.set(label, classId)
      } else if (known !== classId) {
        throw new UserError(`${csvPath}, line ${number}: inconsistent labels: '${label}' has classID ${classId} here and ${known} before`)
      }
      instances.push({
        path: path.join(root, 'audio', `fold${fold}`, filename),
        filename,
        labelNominal: label,
        labelNumeric: classId,
        cvFolds: validInFold(NUM_FOLDS, fold - 1),
        partition: null,
      })
    }
    return {labelMap, numFolds: NUM_FOLDS, instances}
  }
}
