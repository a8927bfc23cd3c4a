// Parsing of the embedding commands' numeric options (kept out of the command files so that the commands
// stay thin and the messages stay consistent).

import {UserError} from '../core/errors.js'

export function parsePositive(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UserError(`expected a positive number, got '${text}'`)
  return value
}

export function parseNonNegative(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UserError(`expected a number >= 0, got '${text}'`)
  return value
}
