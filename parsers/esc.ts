// auDeep's ESCParser for ESC-10 / ESC-50 in their class-folder layout:
//   <basedir>/NNN - <class>/<fold>-<clip>.ogg
// The nominal label is the folder name after "NNN - ", the numeric label the folder's index in sorted
// order, and the clip is VALID in fold <fold> (1..5) of 5.
//
// Fixes over the original: any common audio extension is accepted case-insensitively (auDeep issues #40/#43
// asked for .wav), hidden files are ignored, files are sorted by name (the original used file-system
// order, so instance order differs from its .nc files; compare by filename), and a directory without any
// class folder is not claimed (the original accepted it with 0 instances, which made it match anything flat).

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {hasAudioExtension, isHidden, listDirectory, listSubdirectories, validInFold} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const CLASS_DIR = /^\d{3} - .+$/s
const FOLD_PREFIX = /^[1-5]-/
const NUM_FOLDS = 5

const log = getLogger('parsers.esc')

export class ESCParser implements Parser {
  readonly name = 'esc'

  async canParse(basedir: string): Promise<boolean> {
    return (await this.problem(basedir)) === null
  }

  /** Why the layout is not ESC's, or null if it is. */
  async problem(basedir: string): Promise<string | null> {
    const classDirs = await listSubdirectories(basedir)
    if (classDirs.length === 0) return 'no class directories'
    for (const dir of classDirs) {
      if (!CLASS_DIR.test(dir.name)) return `class directory '${dir.name}' does not match 'NNN - <class>'`
      for (const entry of await listDirectory(dir.path)) {
        if (isHidden(entry.name)) continue
        if (entry.isDirectory || !hasAudioExtension(entry.name)) {
          return `unexpected entry '${entry.name}' in class directory '${dir.name}' (only audio files allowed)`
        }
        if (!FOLD_PREFIX.test(entry.name)) {
          return `file '${entry.name}' in '${dir.name}' does not start with a fold number 1-5 followed by '-'`
        }
      }
    }
    return null
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const problem = await this.problem(root)
    if (problem !== null) throw new UserError(`${root}: not an ESC data set: ${problem}`)
    log.debug(`parsing ESC data set at ${root}`)

    const classDirs = await listSubdirectories(root)
    const labelMap = new Map<string, number>()
    const instances: ParsedInstance[] = []
    for (const [index, dir] of classDirs.entries()) {
      const label = dir.name.slice(6)
      if (labelMap.has(label)) {
        throw new UserError(`${dir.path}: class '${label}' appears in more than one class directory`)
      }
      labelMap.set(label, index)
      for (const file of await listDirectory(dir.path)) {
        if (isHidden(file.name)) continue
        instances.push({
          path: file.path,
          filename: file.name,
          labelNominal: label,
          labelNumeric: index,
          cvFolds: validInFold(NUM_FOLDS, Number(file.name[0]) - 1),
          partition: null,
        })
      }
    }
    return {labelMap, numFolds: NUM_FOLDS, instances}
  }
}
