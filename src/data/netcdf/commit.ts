// Committing an output file: it is written under a temporary sibling name and renamed into place only
// when complete, so that an interrupted or failed write leaves nothing partial behind.

import {mkdirSync, renameSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {UserError} from '../../core/errors.js'
import {registerTemporary, removeStaleTemporariesOf, tempSibling} from '../../core/temp-files.js'

export interface TemporarySibling {
  /** Where to write. */
  readonly tempPath: string
  /** Moves the finished file to its final path. */
  commit(): void
  /** Removes the temporary file, if any. */
  discard(): void
}

/**
 * Creates the parent directory of `path` and names a temporary file beside it (removing the temporaries of
 * `path` that killed runs left behind). The temporary is removed if the process exits before commit.
 */
export function temporarySibling(path: string): TemporarySibling {
  try {
    mkdirSync(dirname(path) || '.', {recursive: true})
  } catch (error) {
    throw new UserError(`${path}: cannot create the output directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  removeStaleTemporariesOf(path)
  const tempPath = tempSibling(path)
  const registration = registerTemporary(tempPath)
  return {
    tempPath,
    commit: () => {
      renameSync(tempPath, path)
      registration.release()
    },
    discard: () => {
      rmSync(tempPath, {force: true})
      registration.release()
    },
  }
}
