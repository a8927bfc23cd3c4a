// An independent check through Python: the first interpreter (AUDEEP_PYTHON, python3 on PATH, Debian's
// python3) that can import the given modules, or null so that tests skip cleanly without one.

import {spawnSync} from 'node:child_process'

const candidates = [process.env.AUDEEP_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => c !== undefined && c !== '')
const found = new Map<string, string | null>()

export function pythonWith(modules: readonly string[]): string | null {
  const key = modules.join(',')
  if (!found.has(key)) {
    const ok = candidates.find((exe) => spawnSync(exe, ['-c', `import ${modules.join(', ')}`], {encoding: 'utf8'}).status === 0)
    found.set(key, ok ?? null)
  }
  return found.get(key)!
}

/** Runs `code` with `args` (sys.argv[1:]) and returns stdout; throws with stderr on failure. */
export function runPython(exe: string, code: string, args: readonly string[] = [], input?: string): string {
  const result = spawnSync(exe, ['-c', code, ...args], {encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024})
  if (result.status !== 0) throw new Error(`python failed (${result.status}): ${result.stderr}`)
  return result.stdout
}
