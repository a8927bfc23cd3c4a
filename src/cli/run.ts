// Entry point behind bin/run.js.

import {execute} from '@oclif/core'

import {extractGlobalOptions} from './global-options.js'
import {configureLogging} from './log.js'

export async function runCli(argv: readonly string[], binUrl: string): Promise<void> {
  const {args, options} = extractGlobalOptions(argv)
  configureLogging(options)
  await execute({args, dir: binUrl})
}
