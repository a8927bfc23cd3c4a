// Base class of every audeep command: documents the global options and turns errors into one clear line.

import {Command, Errors, Flags} from '@oclif/core'

import {printable, UserError, userErrorFromSystemError} from '../core/errors.js'
import {handleTerminationSignals} from '../core/interrupt.js'
import {getLogger, logOptions, LogLevel, type Logger} from '../core/log.js'
import {suggestFlag} from './suggest.js'

export abstract class AudeepCommand extends Command {
  // Parsed (and removed from argv) by extractGlobalOptions before oclif sees the line; declared here so that
  // every command's --help lists them.
  static override baseFlags = {
    verbose: Flags.boolean({char: 'v', description: 'Log debug messages and show stack traces of internal errors.', helpGroup: 'GLOBAL'}),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Only log warnings and errors (and, for evaluate, print just "accuracy,uar").',
      helpGroup: 'GLOBAL',
    }),
    'log-file': Flags.string({description: 'Also append all log messages to this file.', helpGroup: 'GLOBAL'}),
  }

  private _logger?: Logger
  private releaseSignals?: () => void

  protected override async init(): Promise<void> {
    await super.init()
    // Inside the interactive shell, the shell handles Ctrl-C (and already listens).
    if (process.listenerCount('SIGINT') === 0) this.releaseSignals = handleTerminationSignals()
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.releaseSignals?.()
    return super.finally(error)
  }

  protected get logger(): Logger {
    this._logger ??= getLogger(this.id?.replaceAll(':', ' ') ?? 'audeep')
    return this._logger
  }

  /** True with -q: commands print only their essential result. */
  protected get quiet(): boolean {
    return logOptions().level <= LogLevel.WARNING
  }

  protected override async catch(thrown: Error & {exitCode?: number}): Promise<void> {
    // System errors that escaped the library (a missing or unwritable path, a full disk) are the user's to fix.
    const err: Error & {exitCode?: number} = thrown instanceof UserError ? thrown : (userErrorFromSystemError(thrown) ?? thrown)
    let first = printable(oneLine(err.message ?? String(err)))
    if (Array.isArray((err as {flags?: unknown}).flags) && /^Nonexistent flag/.test(first))
      first += this.flagSuggestions((err as unknown as {flags: string[]}).flags)
    if (err instanceof UserError) {
      process.stderr.write(`audeep: error: ${first}\n`)
    } else if (err instanceof Errors.CLIError || (err.name?.endsWith('Error') && 'parse' in err)) {
      process.stderr.write(`audeep: error: ${first} (see 'audeep ${this.id?.replaceAll(':', ' ') ?? ''} --help')\n`)
    } else if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit
      return
    } else {
      process.stderr.write(`audeep: internal error: ${first}\n`)
    }
    if (logOptions().showStacks && thrown.stack) process.stderr.write(thrown.stack + '\n')
    const exitCode = (err as {exitCode?: number}).exitCode
    process.exitCode = exitCode && exitCode > 0 ? exitCode : 1
  }

  /** "; did you mean --num-epochs?" for each unknown flag that is close to one of this command's. */
  private flagSuggestions(unknown: readonly string[]): string {
    const ctor = this.ctor as unknown as {flags?: Record<string, {hidden?: boolean}>; baseFlags?: Record<string, {hidden?: boolean}>}
    const known = Object.entries({...ctor.baseFlags, ...ctor.flags})
      .filter(([, f]) => !f.hidden)
      .map(([name]) => name)
    return unknown
      .map((typed) => [typed, suggestFlag(typed, known)] as const)
      .filter(([, s]) => s !== null)
      .map(([typed, s]) => (unknown.length > 1 ? `; ${typed.replace(/=.*$/s, '')}: did you mean ${s}?` : `; did you mean ${s}?`))
      .join('')
  }
}

/** oclif's parse errors span several lines ("The following errors occurred:", details, a help hint). */
function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.replace(/^\s*(›\s*)?(Error:\s*)?/, '').trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l) && !/^The following errors? occurred:$/.test(l))
  // Mutually exclusive flags are reported twice, once from each side.
  return [...new Set(lines)].join('; ')
}
