// Committing an output file: it is written under a temporary sibling name and renamed into place only
// when complete, so that an interrupted or failed write leaves nothing partial behind.

import {mkdirSync, renameSync, rmSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {UserError} from '../../core/errors.js'

export interface TemporarySibling {
  /** Where to write. */
  readonly tempPath: string
  /** Moves the finished file to its final path. */
  commit(): void
  /** Removes the temporary file, if any. */
  discard(): void
}

/** Creates the parent directory of `path` and names a temporary file beside it. */
export function temporarySibling(path: string): TemporarySibling {
  try {
    mkdirSync(dirname(path) || '.', {recursive: true})
  } catch (error) {
    throw new UserError(`${path}: cannot create the output directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`)
  return {
    tempPath,
    commit: () => renameSync(tempPath, path),
    discard: () => rmSync(tempPath, {force: true}),
  }
}
