// Entry point behind bin/run.js.

import {execute} from '@oclif/core'

import {extractGlobalOptions} from './global-options.js'
import {configureLogging} from '../core/log.js'

export async function runCli(argv: readonly string[], binUrl: string): Promise<void> {
  const {args, options} = extractGlobalOptions(argv)
  configureLogging(options)
  // Like auDeep, no command in a terminal opens the interactive shell; elsewhere (pipes, scripts) oclif
  // prints its usual overview.
  const interactive = args.length === 0 && process.stdin.isTTY === true && process.stdout.isTTY === true
  await execute({args: interactive ? ['repl'] : args, dir: binUrl})
}
