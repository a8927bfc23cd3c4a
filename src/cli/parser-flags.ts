// --basedir and --parser, shared by the commands that read audio data sets.

import {Flags} from '@oclif/core'

import {PARSERS} from '../../parsers/index.js'

export const audioDataSetFlags = {
  basedir: Flags.string({description: 'The data set base directory.', required: true, helpValue: 'DIR'}),
  parser: Flags.string({
    description: `Parser for the data set layout: a built-in name (${PARSERS.map((p) => p.name).join(', ')}), an auDeep parser class name, or the path of a JavaScript parser module (see docs/parsers.md).`,
    default: 'meta',
    helpValue: 'NAME|FILE',
  }),
}
