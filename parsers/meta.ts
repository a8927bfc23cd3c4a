// auDeep's MetaParser (the default): asks each known layout whether it recognises the directory and uses
// the one that does. It never guesses: if none or several accept, the user must pick with --parser.
// The HEAR task directory and the ComParE tasks whose label files no other task uses (2018 and 2021) are
// additions to auDeep's list (DCASE, Partitioned, CrossValidated, ESC, UrbanSound8K; tried in that order).

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {compareLayoutHint, compareParser, META_COMPARE_TASKS} from './compare.js'
import {CrossValidatedParser} from './cross-validated.js'
import {DCASEParser} from './dcase.js'
import {ESCParser} from './esc.js'
import {HearParser} from './hear.js'
import {PartitionedParser} from './partitioned.js'
import type {ParsedDataSet, Parser} from './types.js'
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
    ],
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
    return (await this.accepting(basedir)).length === 1
  }

  /** The single parser for the directory; a UserError says which accepted or that none did. */
  async select(basedir: string): Promise<Parser> {
    const root = path.resolve(basedir)
    const accepted = await this.accepting(root)
    if (accepted.length === 1) return accepted[0]
    const tried = this.candidates.map((p) => p.name).join(', ')
    if (accepted.length === 0) {
      const hint = await compareLayoutHint(root)
      if (hint !== null) throw new UserError(`${root}: ${hint}`)
      throw new UserError(
        `${root}: no parser recognises this layout (tried ${tried}); choose one with --parser, e.g. --parser no-metadata for plain audio folders`,
      )
    }
    throw new UserError(`${root}: the layout matches several parsers (${accepted.map((p) => p.name).join(', ')}); choose one with --parser`)
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const parser = await this.select(basedir)
    log.info(`using ${parser.name} parser for data set at ${path.resolve(basedir)}`)
    return parser.parse(basedir)
  }
}
