// auDeep's MetaParser (the default): asks each known layout whether it recognises the directory and uses
// the one that does. If several accept, the user must pick with --parser. auDeep tried DCASE, Partitioned,
// CrossValidated, ESC and UrbanSound8K; HEAR task directories, the ComParE tasks whose label files no
// other task uses (2018 and 2021) and ESC-50's current layout are added here.
//
// When none of those accepts, a plain class-folder layout (`<class>/<audio file>`) is used, but only if no
// specific layout came partly close (an ESC folder with one stray file should be reported, not read as
// class folders with labels like '001 - Dog bark'). When nothing fits, the error names the parser(s) that
// came closest and the first file or folder that does not fit theirs.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {ClassFoldersParser} from './class-folders.js'
import {listSubdirectories} from './common.js'
import {compareLayoutHint, compareParser, META_COMPARE_TASKS} from './compare.js'
import {CrossValidatedParser} from './cross-validated.js'
import {DCASEParser} from './dcase.js'
import {diagnoseLayout} from './detect.js'
import {ESCParser} from './esc.js'
import {ESC50Parser} from './esc50.js'
import {manifestCandidates} from './manifest.js'
import {HearParser} from './hear.js'
import {PartitionedParser} from './partitioned.js'
import type {LayoutDiagnosis, ParsedDataSet, Parser} from './types.js'
import {UrbanSound8KParser} from './urbansound8k.js'

const log = getLogger('parsers.meta')

export class MetaParser implements Parser {
  readonly name = 'meta'

  constructor(
    readonly candidates: readonly Parser[] = [
      new DCASEParser(),
      new PartitionedParser(),
      new CrossValidatedParser(),
      new ESCParser(),
      new UrbanSound8KParser(),
      new HearParser(),
      ...META_COMPARE_TASKS.map(compareParser),
      new ESC50Parser(),
    ],
    /** Used when no candidate accepts and none came partly close; null for none. */
    readonly fallback: Parser | null = new ClassFoldersParser(),
  ) {}

  /** The candidates that accept the directory, in trial order. */
  async accepting(basedir: string): Promise<Parser[]> {
    const accepted: Parser[] = []
    for (const parser of this.candidates) {
      if (await parser.canParse(basedir)) accepted.push(parser)
      else log.debug(`${parser.name} cannot parse ${basedir}`)
    }
    return accepted
  }

  async canParse(basedir: string): Promise<boolean> {
    try {
      await this.select(basedir)
      return true
    } catch (error) {
      if (error instanceof UserError) return false
      throw error
    }
  }

  /** The single parser for the directory; a UserError says which accepted, or which came closest. */
  async select(basedir: string): Promise<Parser> {
    const root = path.resolve(basedir)
    const accepted = await this.accepting(root)
    if (accepted.length === 1) return accepted[0]
    if (accepted.length > 1) {
      throw new UserError(
        `${root}: the layout matches several parsers (${accepted.map((p) => p.name).join(', ')}); choose one with --parser`,
      )
    }
    const hint = await compareLayoutHint(root)
    if (hint !== null) throw new UserError(`${root}: ${hint}`)
    const diagnoses: LayoutDiagnosis[] = []
    for (const parser of this.candidates) diagnoses.push(await diagnoseLayout(parser, root))
    const near = diagnoses.filter((d) => d.matched > 0)
    const fallback = this.fallback === null ? null : await diagnoseLayout(this.fallback, root)
    if (this.fallback !== null && fallback!.problem === null && near.length === 0) return this.fallback

    const tried = [...this.candidates, ...(this.fallback === null ? [] : [this.fallback])].map((p) => p.name).join(', ')
    const ranked = [...near, ...(fallback !== null && fallback.problem !== null && fallback.matched > 0 ? [fallback] : [])]
    const best = Math.max(0, ...ranked.map((d) => d.matched))
    let closest = ranked.filter((d) => d.matched === best && d.problem !== null)
    if (closest.length === 0 && fallback !== null && fallback.problem !== null) closest = [fallback]
    const parts = [`${root}: no parser recognises this layout (tried ${tried})`]
    if (closest.length > 0) parts.push(`closest: ${closest.map((d) => `${d.parser} (${d.problem})`).join(', ')}`)
    const hasFolders = (await listSubdirectories(root)).length > 0
    const manifests = await manifestCandidates(root)
    if (manifests.length > 0)
      parts.push(`${manifests[0]} has the columns filename and label: to read it as a manifest, add --manifest ${manifests[0]}`)
    if (fallback !== null && fallback.problem === null) {
      parts.push(
        `if the folder names are the class labels, choose --parser class-folders; otherwise fix the layout or choose one with --parser`,
      )
    } else if (hasFolders) {
      parts.push(
        `choose one with --parser: class-folders for <class>/<audio file>, manifest --manifest FILE.csv for any layout with a table of files and labels (no-metadata would drop the labels)`,
      )
    } else {
      parts.push(
        `choose one with --parser, e.g. no-metadata for audio files without labels, or manifest --manifest FILE.csv for a table of files and labels`,
      )
    }
    throw new UserError(parts.join('; '))
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const parser = await this.select(basedir)
    log.info(`using ${parser.name} parser for data set at ${path.resolve(basedir)}`)
    return parser.parse(basedir)
  }
}
