// Small file-system and table helpers shared by the built-in parsers.

import type {Dirent} from 'node:fs'
import {readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {compareStrings, Split} from '../src/data/dataset.js'

/** Extensions the directory-layout parsers treat as audio (compared case-insensitively). */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.flac', '.ogg', '.mp3']

export function hasAudioExtension(name: string): boolean {
  return AUDIO_EXTENSIONS.includes(path.extname(name).toLowerCase())
}

export function isHidden(name: string): boolean {
  return name.startsWith('.')
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

export interface Entry {
  readonly name: string
  readonly path: string
  readonly isDirectory: boolean
}

/**
 * Entries of a directory sorted by name in Python's code-point order. Symbolic links are followed, so a
 * linked class directory or audio file counts like a real one (as pathlib's is_dir()/glob do).
 */
export async function listDirectory(dir: string): Promise<Entry[]> {
  let dirents: Dirent[]
  try {
    dirents = await readdir(dir, {withFileTypes: true})
  } catch (error) {
    throw new UserError(`${dir}: cannot list directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  const entries = await Promise.all(
    dirents.map(async (d): Promise<Entry> => {
      const p = path.join(dir, d.name)
      const isDir = d.isSymbolicLink() ? await isDirectory(p) : d.isDirectory()
      return {name: d.name, path: p, isDirectory: isDir}
    }),
  )
  return entries.sort((a, b) => compareStrings(a.name, b.name))
}

/** Visible subdirectories, sorted. */
export async function listSubdirectories(dir: string): Promise<Entry[]> {
  return (await listDirectory(dir)).filter((e) => e.isDirectory && !isHidden(e.name))
}

/** Visible non-directory entries, sorted. */
export async function listFiles(dir: string): Promise<Entry[]> {
  return (await listDirectory(dir)).filter((e) => !e.isDirectory && !isHidden(e.name))
}

export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new UserError(`${file}: cannot read file (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
}

/** Lines of a text file without line terminators, dropping blank lines (pandas' skip_blank_lines). */
export function nonBlankLines(text: string): {line: string; number: number}[] {
  const lines: {line: string; number: number}[] = []
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (let i = 0; i < raw.length; i++) {
    if (raw[i].trim() !== '') lines.push({line: raw[i], number: i + 1})
  }
  return lines
}

export {splitCsvLine} from '../src/formats/csv.js'

/** The label map auDeep builds from directory names: the sorted set of names numbered 0..K-1. */
export function labelMapFromNames(names: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(names)].sort(compareStrings)
  return new Map(sorted.map((name, index) => [name, index]))
}

/** A cross-validation row with VALID in fold `validFold` (0-based) and TRAIN elsewhere. */
export function validInFold(numFolds: number, validFold: number): Split[] {
  const row = new Array<Split>(numFolds).fill(Split.TRAIN)
  row[validFold] = Split.VALID
  return row
}

/** Parses a non-negative integer written in decimal, rejecting anything else ("1.5", "", "1e3"). */
export function parseIntStrict(text: string): number | null {
  const t = text.trim()
  if (!/^\d+$/.test(t)) return null
  return Number.parseInt(t, 10)
}
