// Entry point behind bin/run.js.

import {extractGlobalOptions} from './global-options.js'
import {configureLogging} from '../core/log.js'
import {readAhead} from '../data/netcdf/read-ahead.js'

/** The commands that read their --input files first thing: training (whole) and feature generation (in blocks). */
const READS_INPUT_FIRST = /^(t-rae|f-rae|ft-rae)[ :](train|generate)$/

/**
 * The --input files of a training or generation command line, found the simple way (`--input X`,
 * `--input=X`) before oclif parses it, and whether the command reads them whole (training). Reading them
 * ahead (the HDF5 probe, and for training the read, on their own thread) starts before oclif and the
 * command's code load, which take longer than the read on 2 cores. A line this misreads only costs that
 * thread some work: the command reads its input itself as always.
 */
export function inputsToReadAhead(args: readonly string[]): {paths: string[]; whole: boolean} {
  const command = args[0]?.includes(':') ? args[0] : `${args[0]} ${args[1]}`
  const match = READS_INPUT_FIRST.exec(command)
  if (match === null) return {paths: [], whole: false}
  const inputs: string[] = []
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--') break
    if (args[i] === '--input' && i + 1 < args.length) inputs.push(args[++i])
    else if (args[i].startsWith('--input=')) inputs.push(args[i].slice('--input='.length))
  }
  return {paths: inputs, whole: match[2] === 'train'}
}

export async function runCli(argv: readonly string[], binUrl: string): Promise<void> {
  const {args, options} = extractGlobalOptions(argv)
  configureLogging(options)
  const ahead = inputsToReadAhead(args)
  readAhead(ahead.paths, ahead.whole)
  const {execute} = await import('@oclif/core')
  // Like auDeep, no command in a terminal opens the interactive shell; elsewhere (pipes, scripts) oclif
  // prints its usual overview.
  const interactive = args.length === 0 && process.stdin.isTTY === true && process.stdout.isTTY === true
  await execute({args: interactive ? ['repl'] : args, dir: binUrl})
}
