// auDeep accepts its global options anywhere on the command line. We strip them before oclif parses the
// command's own flags, so `audeep -v fuse ...` and `audeep fuse ... -v` both work, in the CLI and the REPL.

import {LogLevel, type LogOptions} from '../core/log.js'

export interface GlobalOptions extends LogOptions {
  quiet: boolean
}

export function extractGlobalOptions(argv: readonly string[]): {args: string[]; options: GlobalOptions} {
  const args: string[] = []
  let verbosity = 0
  let quiet = false
  let logFile: string | undefined
  let debug = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      args.push(...argv.slice(i))
      break
    }
    if (arg === '--verbose') verbosity++
    else if (/^-v+$/.test(arg)) verbosity += arg.length - 1
    else if (arg === '-q' || arg === '--quiet') quiet = true
    else if (arg === '--debug') debug = true
    else if (arg === '--log-file' && i + 1 < argv.length) logFile = argv[++i]
    else if (arg.startsWith('--log-file=')) logFile = arg.slice('--log-file='.length)
    else args.push(arg)
  }
  const level = quiet ? LogLevel.WARNING : verbosity >= 1 ? LogLevel.DEBUG : LogLevel.INFO
  return {args, options: {level, logFile, quiet, showStacks: debug || verbosity >= 1}}
}
