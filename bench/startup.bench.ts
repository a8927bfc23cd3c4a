// CLI start-up: `audeep --version` and `audeep validate --help` against bare `node -e 0`, measured in the
// same run. Also measured from a temporary copy of the CLI that has an oclif manifest: without one, oclif
// imports every command module (and whatever they import at top level) on each start, so the difference
// shows what a manifest saves.

import {spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core'

const RUNS = 10
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

interface Timing {
  wall: number
  cpu: number
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Wall and CPU (user + system of the child) seconds of one run. */
function runOnce(args: string[], cwd: string): Timing {
  // CPU time from bash's `time` keyword: the child's user + system seconds (steadier than wall time on a
  // shared machine).
  const start = process.hrtime.bigint()
  const result = spawnSync('bash', ['-c', 'TIMEFORMAT="%U %S"; { time "$@" >/dev/null 2>&1; } 2>&1', 'bash', ...args], {
    cwd,
    encoding: 'utf8',
  })
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  const [user, sys] = result.stdout.trim().split(/\s+/).map(Number)
  return {wall, cpu: user + sys}
}

function measure(args: string[], cwd: string): {wall: number; cpu: number} {
  runOnce(args, cwd) // warm the file cache
  const runs = Array.from({length: RUNS}, () => runOnce(args, cwd))
  return {wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu))}
}

/** A copy of the built CLI (dist, bin, package.json; node_modules linked) with oclif.manifest.json. */
async function copyWithManifest(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'audeep-startup-'))
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'))
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), {recursive: true})
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), {recursive: true})
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'))
  const config = await Config.load(dir)
  const plugin = config.plugins.get(config.pjson.name)
  if (!plugin) throw new Error('cannot find the audeep plugin in its own config')
  // The manifest is public on loaded plugins, though missing from the Plugin interface's type.
  writeFileSync(join(dir, 'oclif.manifest.json'), JSON.stringify((plugin as unknown as {manifest: unknown}).manifest))
  return dir
}

export async function run(): Promise<void> {
  const node = process.execPath
  const baseline = measure([node, '-e', '0'], repoRoot)
  const rows: [string, {wall: number; cpu: number}][] = [['node -e 0 (baseline)', baseline]]
  for (const args of [['--version'], ['validate', '--help']]) {
    rows.push([`audeep ${args.join(' ')}`, measure([node, 'bin/run.js', ...args], repoRoot)])
  }
  const copy = await copyWithManifest()
  try {
    for (const args of [['--version'], ['validate', '--help'], ['t-rae', 'train', '--help']]) {
      rows.push([`audeep ${args.join(' ')} (with oclif manifest)`, measure([node, 'bin/run.js', ...args], copy)])
    }
  } finally {
    rmSync(copy, {recursive: true, force: true})
  }
  console.log(`median of ${RUNS} runs each`)
  console.log('command'.padEnd(52) + 'wall s'.padStart(8) + 'CPU s'.padStart(8) + '  wall / baseline')
  for (const [name, t] of rows) {
    console.log(
      name.padEnd(52) + t.wall.toFixed(3).padStart(8) + t.cpu.toFixed(3).padStart(8) + `  ${(t.wall / baseline.wall).toFixed(1)}x`,
    )
  }
}
