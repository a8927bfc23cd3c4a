// The interactive shell's loop: line editing, completion, history, and running each line as a command.

import {appendFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {createInterface, type Interface} from 'node:readline'

import type {Config} from '@oclif/core'

import {interrupt, resetInterrupt} from '../core/interrupt.js'
import {configureLogging, logOptions} from '../core/log.js'
import {catalogFromConfig, createCompleter, findCommandPrefix, tokenize} from './completion.js'
import {extractGlobalOptions} from './global-options.js'

const PROMPT = '(audeep) '
const HISTORY_SIZE = 1000

/** The interactive shell behind `audeep repl`: reads command lines until exit, quit or Ctrl-D. */
export class Shell {
  constructor(private readonly config: Config) {}

  private log(text: string): void {
    process.stdout.write(text + '\n')
  }

  async run(): Promise<void> {
    const baseLogging = {...logOptions()}
    const catalog = catalogFromConfig(this.config)
    const historyPath = process.env.AUDEEP_HISTORY || join(homedir(), '.audeep_history')
    const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY)
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      prompt: PROMPT,
      terminal,
      completer: createCompleter(catalog),
      history: loadHistory(historyPath),
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      tabSize: 4,
    })
    // Ctrl-C at the prompt abandons the line, as in a shell.
    rl.on('SIGINT', () => {
      // Cursor to the end of a (possibly wrapped) line first, so that ^C appears after it, as in bash.
      rl.write(null, {ctrl: true, name: 'e'})
      process.stdout.write('^C\n')
      // Empty the buffer without readline redrawing it; prevRows (its record of how many rows the line
      // took) must go too, or the new prompt would be drawn over the ^C row.
      const editable = rl as unknown as {line: string; cursor: number; prevRows?: number}
      editable.line = ''
      editable.cursor = 0
      editable.prevRows = 0
      rl.prompt()
    })
    if (terminal) this.log(`audeep ${this.config.version} interactive shell: 'help' lists the commands, Tab completes, Ctrl-D exits.`)

    rl.prompt()
    for await (const line of rl) {
      const trimmed = line.trim()
      if (trimmed !== '') saveHistory(historyPath, trimmed)
      const stop = await this.runLine(trimmed, rl, terminal)
      configureLogging(baseLogging)
      if (stop) break
      rl.prompt()
    }
    rl.close()
    // Leave the shell's own status clean: a failed command inside it is not a failure of the session.
    process.exitCode = 0
  }

  /** Runs one line; true when the shell should end. */
  private async runLine(line: string, rl: Interface, terminal: boolean): Promise<boolean> {
    if (line === '' || line.startsWith('#')) return false
    const {tokens, unterminatedQuote} = tokenize(line, {expandTilde: true})
    if (unterminatedQuote) {
      process.stderr.write('audeep: error: unterminated quote\n')
      return false
    }
    const {args, options} = extractGlobalOptions(tokens.map((t) => t.value))
    configureLogging(options)
    const [first, ...rest] = args
    if (first === 'exit' || first === 'quit') return true
    if (first === undefined) {
      // Only global options: they would apply to nothing.
      process.stderr.write("audeep: error: no command given (type 'help' for the list of commands)\n")
      return false
    }
    let id: string
    let argv: string[]
    if (first === 'help' || first === '--help' || first === '-h') {
      id = 'help'
      argv = rest
    } else if (first === '--version') {
      this.log(this.config.userAgent)
      return false
    } else {
      // Command words come first; everything from the first flag on belongs to the command.
      const firstFlag = args.findIndex((a) => a.startsWith('-'))
      const leading = firstFlag < 0 ? args : args.slice(0, firstFlag)
      const found = findCommandPrefix(catalogFromConfig(this.config), leading)
      if (found) {
        id = found.command.words.join(':')
        argv = args.slice(found.length)
      } else if (this.config.topics.some((t) => t.name === leading.join(':'))) {
        // A topic alone (e.g. `t-rae`): show what it contains.
        id = 'help'
        argv = leading
      } else {
        process.stderr.write(`audeep: error: unknown command '${leading.join(' ') || first}' (type 'help' for the list of commands)\n`)
        return false
      }
    }
    await this.runCommandInterruptibly(id, argv, rl, terminal)
    return false
  }

  /**
   * While a command runs, the terminal goes back to normal mode so that Ctrl-C raises SIGINT, which asks
   * the command to stop (library code checks src/core/interrupt.ts at safe points). A second Ctrl-C ends
   * the shell, for a command that does not respond.
   */
  private async runCommandInterruptibly(id: string, argv: string[], rl: Interface, terminal: boolean): Promise<void> {
    resetInterrupt()
    let interrupts = 0
    const onSigint = () => {
      interrupts++
      if (interrupts === 1) {
        process.stderr.write('\ninterrupting... (press Ctrl-C again to quit audeep)\n')
        interrupt()
      } else {
        process.stderr.write('\n')
        process.exit(130)
      }
    }
    rl.pause()
    if (terminal) process.stdin.setRawMode(false)
    process.on('SIGINT', onSigint)
    try {
      await this.config.runCommand(id, argv)
    } catch (error) {
      // Errors that escape the command's own handler: oclif's "command not found", a failing init hook.
      const message = (error as Error)?.message ?? String(error)
      process.stderr.write(`audeep: error: ${message.split('\n')[0]}\n`)
      if (logOptions().showStacks && (error as Error)?.stack) process.stderr.write((error as Error).stack + '\n')
    } finally {
      process.off('SIGINT', onSigint)
      if (terminal) process.stdin.setRawMode(true)
      rl.resume()
      process.exitCode = 0
      resetInterrupt()
    }
  }
}

/** History lines, most recent first (readline's order); the file is oldest first, one entry a line. */
function loadHistory(path: string): string[] {
  try {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
    const recent = lines.slice(-HISTORY_SIZE)
    // Keep the file bounded: rewrite it when it has grown well past the limit.
    if (lines.length > 2 * HISTORY_SIZE) writeFileSync(path, recent.join('\n') + '\n')
    return recent.reverse()
  } catch {
    return []
  }
}

/** Appends at once, so that history survives a crash or a second shell running at the same time. */
function saveHistory(path: string, line: string): void {
  try {
    mkdirSync(dirname(path), {recursive: true})
    appendFileSync(path, line.replace(/\n/g, ' ') + '\n')
  } catch {
    // History is a convenience; an unwritable home directory must not break the shell.
  }
}
