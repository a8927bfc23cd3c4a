// Temporary siblings of outputs. Every output (a netCDF file, an export tree, a checkpoint, a HEAR embedding
// directory) is written under `.<name>.<pid>.<random>.tmp` beside its final path and renamed into place when
// complete, so readers never see a partial output. The process id in the name lets a later run remove what a
// killed run (SIGKILL, power loss) left behind, without touching the temporaries of a run still going.
//
// Temporaries being written are also registered here, so that a process ended by a signal can remove them
// synchronously on its way out (see removeRegisteredTemporaries).

import {readdirSync, rmSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

const TEMP_NAME = /^\.(.+)\.(\d+)\.[a-z0-9]+\.tmp$/

/** A fresh temporary path beside `path` (same directory, so renaming it into place is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8) || '0'}.tmp`)
}

/** True if a process with this id exists (it may belong to another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes temporaries left in `dir` by processes that no longer exist: those of `name` only, or all of them
 * when `name` is omitted. Returns the paths removed. Unreadable directories are left alone.
 */
export function removeStaleTemporaries(dir: string, name?: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const entry of entries) {
    const match = TEMP_NAME.exec(entry)
    if (!match || (name !== undefined && match[1] !== name)) continue
    if (processAlive(Number(match[2]))) continue
    const path = join(dir, entry)
    try {
      rmSync(path, {recursive: true, force: true})
      removed.push(path)
    } catch {
      // Someone else's, or already gone: not ours to insist on.
    }
  }
  return removed
}

/** Removes stale temporaries of `path` (temporaries of its name in its directory). */
export function removeStaleTemporariesOf(path: string): string[] {
  return removeStaleTemporaries(dirname(path), basename(path))
}

const registered = new Set<string>()
let exitHook = false

/**
 * Marks a temporary as being written; call `release` once it is renamed into place or removed. Registered
 * temporaries are removed if the process exits meanwhile (process.exit, an uncaught exception), so only
 * SIGKILL or a crash leaves them, for a later run to remove.
 */
export function registerTemporary(path: string): {release(): void} {
  if (registered.size === 0 && !exitHook) {
    exitHook = true
    process.on('exit', removeRegisteredTemporaries)
  }
  registered.add(path)
  return {release: () => registered.delete(path)}
}

/** Removes every registered temporary now (synchronously; for a process about to exit on a signal). */
export function removeRegisteredTemporaries(): void {
  for (const path of registered) {
    try {
      rmSync(path, {recursive: true, force: true})
    } catch {
      // Best effort on the way out.
    }
  }
  registered.clear()
}
