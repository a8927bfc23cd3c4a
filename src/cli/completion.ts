// Line splitting and Tab completion for the interactive shell (`audeep` without a command).
//
// Completion works on a catalogue of command ids and flags rather than on oclif's Config directly, so it
// is cheap per key press and testable without a CLI. Command ids use spaces, as typed (oclif's ids use ':').

import {readdirSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

import type {Config} from '@oclif/core'

// ---------------------------------------------------------------------------------------------------------
// Shell-like tokenising

export interface Token {
  /** The value after quote removal and escapes. */
  value: string
  /** Offset of the token's first character in the line. */
  start: number
}

export interface TokenizedLine {
  tokens: Token[]
  /** A quote was opened and not closed (the last token runs to the end of the line). */
  unterminatedQuote: boolean
  /** The line ends inside a token (no whitespace after the last one). */
  endsInToken: boolean
}

/**
 * Splits a line like a POSIX shell: whitespace separates words, '...' is literal, "..." allows \" and \\,
 * and a backslash outside quotes escapes the next character. With `expandTilde`, an unquoted leading ~
 * (alone or before '/') becomes the home directory. No variables or globbing.
 */
export function tokenize(line: string, options: {expandTilde?: boolean} = {}): TokenizedLine {
  const tokens: Token[] = []
  let current: string | null = null
  let start = 0
  let quote: '"' | "'" | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = null
      else current += c
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = null
      else if (c === '\\' && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === '\\')) current += line[++i]
      else current += c
      continue
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (current !== null) tokens.push({value: current, start})
      current = null
      continue
    }
    if (current === null) {
      current = ''
      start = i
      const next = line[i + 1]
      if (c === '~' && options.expandTilde && (next === undefined || next === '/' || next === ' ' || next === '\t')) {
        current = homedir()
        continue
      }
    }
    if (c === "'" || c === '"') quote = c
    else if (c === '\\' && i + 1 < line.length) current += line[++i]
    else current += c
  }
  const endsInToken = current !== null
  if (current !== null) tokens.push({value: current, start})
  return {tokens, unterminatedQuote: quote !== null, endsInToken}
}

/** Quotes a word for the line so that tokenize() gives it back unchanged. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./~-]+$/.test(word) ? word : word.replace(/([\\\s'"])/g, '\\$1')
}

// ---------------------------------------------------------------------------------------------------------
// The catalogue

export interface FlagInfo {
  name: string
  char?: string
  /** The flag takes a value (an oclif 'option' flag). */
  takesValue: boolean
  /** Allowed values, if the flag restricts them. */
  options?: readonly string[]
  multiple?: boolean
}

export interface CommandInfo {
  /** Words of the command as typed, e.g. ['fuse', 'chunks']. */
  words: string[]
  flags: FlagInfo[]
}

export interface Catalog {
  commands: CommandInfo[]
  /** Words the shell itself understands (help, exit, quit). */
  builtins: string[]
  /** Flags every command accepts (global options). */
  globalFlags: FlagInfo[]
}

export const SHELL_BUILTINS = ['help', 'exit', 'quit']

export const GLOBAL_FLAGS: FlagInfo[] = [
  {name: 'verbose', char: 'v', takesValue: false, multiple: true},
  {name: 'quiet', char: 'q', takesValue: false},
  {name: 'log-file', takesValue: true},
  {name: 'debug', takesValue: false},
  {name: 'help', char: 'h', takesValue: false},
]

/** Visible commands and their flags, from oclif's command list (no command module is loaded). */
export function catalogFromConfig(config: Config): Catalog {
  const commands: CommandInfo[] = []
  for (const command of config.commands) {
    if (command.hidden || command.id === 'help') continue
    const flags: FlagInfo[] = []
    for (const [name, flag] of Object.entries(command.flags ?? {})) {
      if (flag.hidden || GLOBAL_FLAGS.some((g) => g.name === name)) continue
      const option = flag.type === 'option' ? flag : null
      flags.push({
        name,
        char: flag.char,
        takesValue: flag.type === 'option',
        options: option?.options ?? undefined,
        multiple: option?.multiple ?? false,
      })
    }
    commands.push({words: command.id.split(':'), flags})
  }
  commands.sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')))
  return {commands, builtins: SHELL_BUILTINS, globalFlags: GLOBAL_FLAGS}
}

/** The command named by the longest prefix of `words`, and how many words it used. */
export function findCommandPrefix(catalog: Catalog, words: readonly string[]): {command: CommandInfo; length: number} | null {
  let best: {command: CommandInfo; length: number} | null = null
  for (const command of catalog.commands) {
    const n = command.words.length
    if (n > words.length || (best && n <= best.length)) continue
    if (command.words.every((w, i) => w === words[i])) best = {command, length: n}
  }
  return best
}

// ---------------------------------------------------------------------------------------------------------
// Completion

export interface CompletionOptions {
  /** Directory that relative paths are completed against (default: process.cwd()). */
  cwd?: string
}

/**
 * Completions for `line` (the text before the cursor) in node:readline's completer format: the candidate
 * replacements and the part of the line they replace. Words that are complete in themselves (commands,
 * flags) end with a space; directories end with '/', so that Tab can continue into them.
 */
export function complete(line: string, catalog: Catalog, options: CompletionOptions = {}): [string[], string] {
  const {tokens, endsInToken} = tokenize(line)
  const partialToken = endsInToken ? tokens[tokens.length - 1] : null
  const partial = partialToken?.value ?? ''
  const raw = partialToken ? line.slice(partialToken.start) : ''
  const before = (endsInToken ? tokens.slice(0, -1) : tokens).map((t) => t.value)
  const replace = (candidates: string[]): [string[], string] => [candidates, raw]

  // Leading words: command names (and topics, word by word) or shell builtins.
  const positional = before.filter((w) => !w.startsWith('-'))
  const found = findCommandPrefix(catalog, positional)
  const onlyWordsSoFar = before.every((w) => !w.startsWith('-'))
  if (before[0] === 'help' && onlyWordsSoFar) return replace(nextCommandWords(catalog, before.slice(1), partial))
  if (!found && onlyWordsSoFar && !partial.startsWith('-')) {
    const words = nextCommandWords(catalog, before, partial)
    if (before.length === 0) words.push(...catalog.builtins.filter((b) => b.startsWith(partial)).map((b) => b + ' '))
    // Some ids are both a command and a topic (`fuse` and `fuse chunks`): after `fuse `, offer both
    // the subcommand and, below, the command's flags and files.
    return replace(dedupe(words))
  }

  const command = found?.command
  const flags = [...(command?.flags ?? []), ...catalog.globalFlags]
  const previous = before[before.length - 1]
  const pendingFlag = previous !== undefined ? flagNamed(flags, previous) : undefined
  if (pendingFlag?.takesValue && !previous.includes('=')) {
    if (pendingFlag.options) return replace(pendingFlag.options.filter((o) => o.startsWith(partial)).map((o) => shellQuote(o) + ' '))
    return replace(completePath(partial, options.cwd))
  }
  if (partial.startsWith('-')) {
    const used = new Set(before.map((w) => flagNamed(flags, w)?.name).filter(Boolean))
    const candidates = flags
      .filter((f) => f.multiple || !used.has(f.name))
      .map((f) => `--${f.name}`)
      .filter((f) => f.startsWith(partial))
      .map((f) => f + ' ')
    return replace(candidates)
  }
  const subcommands = found && found.length === positional.length ? nextCommandWords(catalog, positional, partial) : []
  return replace([...subcommands, ...completePath(partial, options.cwd)])
}

function dedupe(words: string[]): string[] {
  return [...new Set(words)]
}

function flagNamed(flags: FlagInfo[], word: string): FlagInfo | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0]
    return flags.find((f) => f.name === name)
  }
  if (/^-[A-Za-z]$/.test(word)) return flags.find((f) => f.char === word[1])
  return undefined
}

/** The words that can follow `typed` in some command id, starting with `partial`. */
function nextCommandWords(catalog: Catalog, typed: readonly string[], partial: string): string[] {
  const out = new Set<string>()
  for (const command of catalog.commands) {
    if (command.words.length <= typed.length) continue
    if (!typed.every((w, i) => command.words[i] === w)) continue
    const next = command.words[typed.length]
    if (next.startsWith(partial)) out.add(next + ' ')
  }
  return [...out].sort()
}

/** File and directory names completing `partial` (with ~ expanded for listing but kept as typed). */
export function completePath(partial: string, cwd = process.cwd()): string[] {
  const slash = partial.lastIndexOf('/')
  const dirPart = slash >= 0 ? partial.slice(0, slash + 1) : ''
  const namePart = slash >= 0 ? partial.slice(slash + 1) : partial
  const expanded = dirPart.startsWith('~/') || dirPart === '~/' ? join(homedir(), dirPart.slice(2)) : dirPart
  const dir = resolve(cwd, expanded === '' ? '.' : expanded)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((n) => n.startsWith(namePart) && (namePart.startsWith('.') || !n.startsWith('.')))
    .sort()
    .map((n) => {
      let isDir = false
      try {
        isDir = statSync(join(dir, n)).isDirectory()
      } catch {
        // A dangling link completes like a file.
      }
      return shellQuote(dirPart + n) + (isDir ? '/' : ' ')
    })
}

/** The readline completer for a catalogue (a function of the line before the cursor). */
export function createCompleter(catalog: Catalog, options: CompletionOptions = {}): (line: string) => [string[], string] {
  return (line) => {
    try {
      return complete(line, catalog, options)
    } catch {
      return [[], line]
    }
  }
}
