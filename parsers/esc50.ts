// ESC-50 in the layout it is distributed in today (github.com/karolpiczak/ESC-50):
//   <basedir>/audio/<fold>-<src_file>-<take>-<target>.wav
//   <basedir>/meta/esc50.csv   with the columns filename, fold, target, category, esc10, src_file, take
// auDeep only knew the older class-folder layout (the `esc` parser). Here the CSV decides: instances come
// in its row order, the stored filename is its `filename`, the label its `category` (numbered in sorted
// order, like the class folders of the `esc` parser), and the file is VALID in its `fold` (1..5) of 5.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {isDirectory, isFile} from './common.js'
import {readManifest} from './manifest.js'
import type {LayoutDiagnosis, ParsedDataSet, Parser} from './types.js'

export const ESC50_CSV = path.join('meta', 'esc50.csv')

export class ESC50Parser implements Parser {
  readonly name = 'esc50'

  async diagnose(basedir: string): Promise<LayoutDiagnosis> {
    const hasAudio = await isDirectory(path.join(basedir, 'audio'))
    const hasCsv = await isFile(path.join(basedir, ESC50_CSV))
    const matched = Number(hasAudio) + Number(hasCsv)
    const problem = !hasCsv ? `no ${ESC50_CSV}` : !hasAudio ? 'no audio/ folder' : null
    return {parser: this.name, problem, matched}
  }

  async canParse(basedir: string): Promise<boolean> {
    return (await this.diagnose(basedir)).problem === null
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const {problem} = await this.diagnose(root)
    if (problem !== null) throw new UserError(`${root}: not an ESC-50 data set (needs audio/ and ${ESC50_CSV}): ${problem}`)
    return readManifest({
      file: path.join(root, ESC50_CSV),
      audioDir: path.join(root, 'audio'),
      columns: {filename: 'filename', label: 'category', fold: 'fold'},
      require: ['fold'],
    })
  }
}
