// --basedir, --parser and --manifest, shared by the commands that read audio data sets, and --add-cv-setup
// for those that write one; readAudioDataSet turns them into a parsed data set.

import {Flags} from '@oclif/core'

import {withParsedCvSetup, evaluationWarnings} from '../../parsers/cv-setup.js'
import {parseDataSet, PARSERS, type ParseResult} from '../../parsers/index.js'
import type {Logger} from '../core/log.js'

export const audioDataSetFlags = {
  basedir: Flags.string({description: 'The data set base directory.', required: true, helpValue: 'DIR'}),
  parser: Flags.string({
    description: `Parser for the data set layout: a built-in name (${PARSERS.map((p) => p.name).join(', ')}), an auDeep parser class name, or the path of a JavaScript parser module (see docs/parsers.md).`,
    default: 'meta',
    helpValue: 'NAME|FILE',
  }),
  manifest: Flags.string({
    description:
      'A CSV manifest listing the files (relative to --basedir) with the columns filename and label, optionally fold (an integer) and partition (train, devel, test); other columns are ignored. Implies --parser manifest.',
    helpValue: 'FILE.csv',
  }),
}

/** For commands that write a data set from audio. */
export const cvSetupFlags = {
  'add-cv-setup': Flags.integer({
    description:
      "Assign this many cross-validation folds, replacing the parser's (0 removes them): within each class, files sorted by name are dealt round-robin to folds, exactly as 'modify --add-cv-setup' does; all chunks of a file share its fold.",
    min: 0,
    helpValue: 'FOLDS',
  }),
}

export interface AudioDataSetFlags {
  basedir: string
  parser: string
  manifest?: string
  'add-cv-setup'?: number
}

/**
 * Parses the data set the flags describe, applies --add-cv-setup, and warns (one line each) about a fold
 * or partition setup that `svm|mlp evaluate` could not use.
 */
export async function readAudioDataSet(flags: AudioDataSetFlags, logger: Logger): Promise<ParseResult> {
  const result = await parseDataSet(flags.basedir, flags.parser, {manifest: flags.manifest})
  let {dataSet} = result
  const folds = flags['add-cv-setup']
  if (folds !== undefined) {
    const before = dataSet.numFolds
    dataSet = withParsedCvSetup(dataSet, folds)
    logger.info(
      (folds > 0 ? `assigned ${folds} cross-validation folds, balanced per class` : 'removed the cross-validation folds') +
        (before > 0 ? ` (replacing the ${before} folds of the ${result.parser.name} parser)` : ''),
    )
  }
  for (const warning of evaluationWarnings(dataSet)) logger.warn(warning)
  return {parser: result.parser, dataSet}
}
