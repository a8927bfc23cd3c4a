// auDeep's CrossValidatedParser: `fold_1/` ... `fold_n/` (n >= 2), each holding one folder per class. A file
// is VALID in its own fold and TRAIN in the others. Instances come fold by fold (1..n), then by class folder
// and file name; the stored filename is `fold_k/<class>/<file>`; the label map numbers the sorted union of
// class names. (In the original, `label_map` was a method instead of a property and every use crashed,
// auDeep issue #14; this is the intended behaviour.)

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {labelMapFromNames, listDirectory, listFiles, listSubdirectories, validInFold} from './common.js'
import {isGlobbedFile, sameNames} from './partitioned.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const log = getLogger('parsers.cross-validated')

interface FoldDir {
  readonly number: number
  readonly name: string
  readonly dir: string
}

export class CrossValidatedParser implements Parser {
  readonly name = 'cross-validated'

  /** The fold directories ordered by fold number, or a reason why the layout does not qualify. */
  async foldDirs(basedir: string): Promise<FoldDir[] | string> {
    const entries = (await listDirectory(basedir)).filter((e) => e.name.startsWith('fold_'))
    if (entries.length < 2) return 'needs at least two fold_N directories'
    const folds: FoldDir[] = []
    for (const entry of entries) {
      const suffix = entry.name.slice(5)
      if (!/^\d+$/.test(suffix)) return `malformed fold number in '${entry.name}'`
      if (!entry.isDirectory) return `'${entry.name}' is not a directory`
      folds.push({number: Number.parseInt(suffix, 10), name: entry.name, dir: entry.path})
    }
    folds.sort((a, b) => a.number - b.number)
    if (!folds.every((f, i) => f.number === i + 1)) {
      return `fold numbers must be 1..${folds.length}, found ${folds.map((f) => f.number).join(', ')}`
    }
    for (const fold of folds) {
      for (const classDir of await listSubdirectories(fold.dir)) {
        if (!(await listFiles(classDir.path)).some((f) => isGlobbedFile(f.name))) {
          return `class directory ${classDir.path} contains no audio file`
        }
      }
    }
    return folds
  }

  async canParse(basedir: string): Promise<boolean> {
    return typeof (await this.foldDirs(basedir)) !== 'string'
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const folds = await this.foldDirs(root)
    if (typeof folds === 'string') throw new UserError(`${root}: not a cross-validated data set: ${folds}`)

    const numFolds = folds.length
    const classes = new Set<string>()
    const instances: ParsedInstance[] = []
    for (const [index, fold] of folds.entries()) {
      if ((await listDirectory(fold.dir)).some((e) => !e.isDirectory && !e.name.startsWith('.'))) {
        log.warn(`fold directory ${fold.dir} contains files that are not directories; they are ignored`)
      }
      const classDirs = await listSubdirectories(fold.dir)
      if (classes.size > 0 && !sameNames(classes, classDirs)) log.warn(`classes differ between folds (at ${fold.dir})`)
      const cvFolds = validInFold(numFolds, index)
      for (const classDir of classDirs) {
        classes.add(classDir.name)
        for (const file of (await listFiles(classDir.path)).filter((f) => isGlobbedFile(f.name))) {
          instances.push({
            path: file.path,
            filename: `${fold.name}/${classDir.name}/${file.name}`,
            labelNominal: classDir.name,
            labelNumeric: null,
            cvFolds,
            partition: null,
          })
        }
      }
    }
    const labelMap = labelMapFromNames(classes)
    return {
      labelMap,
      numFolds,
      instances: instances.map((i) => ({...i, labelNumeric: labelMap.get(i.labelNominal!)!})),
    }
  }
}
