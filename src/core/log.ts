// Logging to stderr (stdout is kept for results, as in auDeep) and optionally to a file.
// Levels follow auDeep's global options: -q = warnings only, default = info, -v = debug.

import {appendFileSync} from 'node:fs'

export enum LogLevel {
  ERROR = 0,
  WARNING = 1,
  INFO = 2,
  DEBUG = 3,
}

export interface LogOptions {
  level: LogLevel
  logFile?: string
  showStacks: boolean
}

const state: LogOptions = {level: LogLevel.INFO, showStacks: false}

export function configureLogging(options: Partial<LogOptions>): void {
  Object.assign(state, options)
}

export function logOptions(): Readonly<LogOptions> {
  return state
}

function timestamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '')
}

export class Logger {
  constructor(readonly name: string) {}

  private emit(level: LogLevel, message: string): void {
    const line = `[${LogLevel[level]}] ${this.name} - ${message}`
    // The file receives every level, like auDeep's file handler.
    if (state.logFile) appendFileSync(state.logFile, `[${timestamp()}] ${line}\n`)
    if (level <= state.level) process.stderr.write(line + '\n')
  }

  error(message: string): void {
    this.emit(LogLevel.ERROR, message)
  }

  warn(message: string): void {
    this.emit(LogLevel.WARNING, message)
  }

  info(message: string): void {
    this.emit(LogLevel.INFO, message)
  }

  debug(message: string): void {
    this.emit(LogLevel.DEBUG, message)
  }
}

export function getLogger(name: string): Logger {
  return new Logger(name)
}
