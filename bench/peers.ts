// What every benchmark that reports a speed-up shares: where the peers are (auDeep's own code and the
// PyTorch t-rae in ../shared/peers, run with Debian's Python), how a whole command is timed from outside
// (wall, user + system CPU and peak memory of the finished child, from GNU time when installed), and paired
// runs: ours and the peer in turn, the ratio taken pair by pair, so a machine that changes speed during the
// run moves both sides alike. No figure from another run is ever used as a baseline.

import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository root (dist/bench/ -> ../..). */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

/** Debian's Python, which has the peers' packages (numpy, scipy, xarray, soundfile, torch) from apt. */
export const PYTHON = process.env.AUDEEP_PEER_PYTHON ?? '/usr/bin/python3'

/** The team's shared folder beside the repository (peers, data), or null. */
export function sharedDir(): string | null {
  for (const dir of [process.env.AUDEEP_SHARED, resolve(repoRoot, '../shared'), resolve('../shared')]) {
    if (dir && existsSync(join(dir, 'peers'))) return dir
  }
  return null
}

/**
 * A peer's command line, or why it cannot run: the script must exist and Debian's Python must import the
 * modules it needs.
 */
export function peerCommand(script: string, modules: string[]): {argv: string[]} | {missing: string} {
  const shared = sharedDir()
  if (shared === null) return {missing: 'the shared folder with the peers (../shared/peers) is absent'}
  const path = join(shared, 'peers', script)
  if (!existsSync(path)) return {missing: `${path} is absent`}
  if (!existsSync(PYTHON)) return {missing: `${PYTHON} is absent`}
  const probe = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], {encoding: 'utf8'})
  if (probe.status !== 0) {
    return {missing: `${PYTHON} cannot import ${modules.join(', ')} (apt-get install the packages in ../shared/peers/README.md)`}
  }
  return {argv: [PYTHON, path]}
}

export const NO_PEER = 'peer not installed: no ratio'

export interface ProcessTiming {
  wall: number
  /** User + system seconds of the command and the children it waited for. */
  cpu: number
  /** Peak resident memory of the largest single process, MiB; NaN without GNU time. */
  peakMiB: number
  status: number | null
  stdout: string
  stderr: string
}

const GNU_TIME = '/usr/bin/time'

/** Runs a whole command and times it from outside. */
export function timeProcess(argv: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): ProcessTiming {
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-time-'))
  const report = join(dir, 'time.txt')
  try {
    const gnu = existsSync(GNU_TIME)
    const command = gnu ? [GNU_TIME, '-o', report, '-f', '%U %S %M', ...argv] : argv
    const start = process.hrtime.bigint()
    const run = spawnSync(command[0], command.slice(1), {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    })
    const wall = Number(process.hrtime.bigint() - start) / 1e9
    let cpu = NaN
    let peakMiB = NaN
    if (gnu && existsSync(report)) {
      const last = readFileSync(report, 'utf8').trim().split('\n').pop() ?? ''
      const [user, sys, kib] = last.split(/\s+/).map(Number)
      cpu = user + sys
      peakMiB = kib / 1024
    }
    return {wall, cpu, peakMiB, status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? ''}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export const spread = (values: number[], digits = 2): string => {
  const s = [...values].sort((a, b) => a - b)
  return `${median(s).toFixed(digits)} (${s[0].toFixed(digits)}-${s[s.length - 1].toFixed(digits)})`
}

/**
 * Runs `ours` and `peer` in turn, `pairs` times (after one unmeasured run of each), and returns every
 * run's figures. `ours`/`peer` return one figure set each.
 */
export function paired<T>(pairs: number, ours: () => T, peer: () => T, warmUp = true): {ours: T[]; peer: T[]} {
  if (warmUp) {
    ours()
    peer()
  }
  const result: {ours: T[]; peer: T[]} = {ours: [], peer: []}
  for (let i = 0; i < pairs; i++) {
    result.ours.push(ours())
    result.peer.push(peer())
  }
  return result
}

/** Pair-by-pair ratios peer / ours (how many times faster we are), as "median (min-max)". */
export function ratios(ours: number[], peer: number[]): string {
  return spread(
    ours.map((o, i) => peer[i] / o),
    2,
  )
}

/**
 * The CPU as precisely as the guest can tell: hypervisors often report only a brand ("AMD EPYC"), so the
 * family and model numbers from /proc/cpuinfo are added; they tell, say, Zen 4 (family 25) from Zen 5 (26),
 * which run these benchmarks at very different speeds.
 */
export function cpuModel(): string {
  const brand = cpus()[0]?.model ?? 'unknown CPU'
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(\\S+)`, 'm').exec(info)?.[1]
    const family = field('cpu family')
    const model = field('model')
    return family && model ? `${brand} (family ${family} model ${model})` : brand
  } catch {
    return brand
  }
}

export function machineLine(): string {
  return (
    `${cpus().length} x ${cpuModel()}; load average at start ` +
    loadavg()
      .map((v) => v.toFixed(1))
      .join(' / ') +
    ' (1/5/15 min; above ~0.5 other processes share the cores)'
  )
}
