// The overhead of a one-epoch training command: the README tutorial's t-rae (2 x 256 GRU, bidirectional
// decoder, batch 64) trained for one epoch on the full ESC-10 spectrograms, timed from outside as a whole
// command, minus the time of its training batches (which the command logs with -v: "batch time: ...").
// What is left is start-up (Node, oclif, module imports, backend), reading the 25 MB netCDF-4 file (and its
// HDF5 structure probe), model initialisation, the checkpoint (31 MB) and the TensorBoard summaries.
// Issue 15's target: under 1.5 s. The first batch's excess over the median batch (warm-up of the engine's
// buffers) is reported beside it; it is part of the batch time, not of the overhead.
//
// AUDEEP_EPOCH_CLI=path/to/bin/run.js measures another checkout, and AUDEEP_EPOCH_CLI=before=a/bin/run.js,
// after=b/bin/run.js several in turn (before, after, before, ...: a machine whose load changes during the
// run affects both alike); each needs the "batch time" debug line. AUDEEP_EPOCH_RUNS sets the number of
// measured runs of each (default 3).

import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {median, repoRoot, sharedDir, spread, timeProcess} from './peers.js'

const TARGET_SECONDS = 1.5

interface EpochRun {
  wall: number
  cpu: number
  batches: number
  batchSeconds: number
  firstBatch: number
  medianBatch: number
}

const BATCH_LINE = /batch time: (\d+) batches in ([\d.]+) s \(first ([\d.]+) s, median ([\d.]+) s\)/

export async function run(): Promise<void> {
  const shared = sharedDir()
  const input = shared === null ? null : join(shared, 'reference', 'audeep', 'esc10-full-0.08-0.04-128-60.nc')
  if (input === null) {
    console.log('../shared/reference/audeep/esc10-full-0.08-0.04-128-60.nc is absent: skipped')
    return
  }
  const clis = (process.env.AUDEEP_EPOCH_CLI ?? join(repoRoot, 'bin', 'run.js')).split(',').map((spec, i) => {
    const at = spec.indexOf('=')
    return at > 0 ? {label: spec.slice(0, at), cli: spec.slice(at + 1)} : {label: `cli ${i + 1}`, cli: spec}
  })
  const runs = Math.max(1, Number(process.env.AUDEEP_EPOCH_RUNS ?? 3))
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-epoch-'))
  const once = (cli: string): EpochRun => {
    const runDir = join(dir, 'run')
    const argv = [process.execPath, cli, '-v', 't-rae', 'train', '--input', input, '--run-name', runDir, ...TUTORIAL_FLAGS]
    const t = timeProcess(argv)
    rmSync(runDir, {recursive: true, force: true})
    const match = BATCH_LINE.exec(t.stderr)
    if (t.status !== 0 || match === null) {
      throw new Error(`the training command failed or logged no batch time (exit ${t.status}):\n${t.stderr.slice(-2000)}`)
    }
    return {
      wall: t.wall,
      cpu: t.cpu,
      batches: Number(match[1]),
      batchSeconds: Number(match[2]),
      firstBatch: Number(match[3]),
      medianBatch: Number(match[4]),
    }
  }
  try {
    const node = timeProcess([process.execPath, '-e', '0'])
    for (const {cli} of clis) once(cli) // unmeasured: file cache
    const results = clis.map(() => [] as EpochRun[])
    for (let i = 0; i < runs; i++) clis.forEach(({cli}, k) => results[k].push(once(cli)))
    console.log(`one tutorial epoch (7 batches of 64 on 400 instances), ${runs} runs of each; node -e 0 takes ${node.wall.toFixed(3)} s`)
    clis.forEach(({label, cli}, k) => report(label, cli, results[k]))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

const TUTORIAL_FLAGS =
  '--num-epochs 1 --batch-size 64 --learning-rate 0.001 --keep-prob 0.8 --num-layers 2 --num-units 256 --bidirectional-decoder --seed 1'.split(
    ' ',
  )

function report(label: string, cli: string, results: EpochRun[]): void {
  const overhead = results.map((r) => r.wall - r.batchSeconds)
  const excess = results.map((r) => r.firstBatch - r.medianBatch)
  console.log(`\n${label}: ${cli}`)
  console.log(
    'run'.padEnd(5) +
      'wall s'.padStart(8) +
      'CPU s'.padStart(8) +
      'batches s'.padStart(11) +
      'overhead s'.padStart(12) +
      'first-batch excess s'.padStart(22),
  )
  results.forEach((r, i) => {
    console.log(
      String(i + 1).padEnd(5) +
        r.wall.toFixed(3).padStart(8) +
        r.cpu.toFixed(2).padStart(8) +
        r.batchSeconds.toFixed(3).padStart(11) +
        overhead[i].toFixed(3).padStart(12) +
        excess[i].toFixed(3).padStart(22),
    )
  })
  const m = median(overhead)
  console.log(
    `overhead (whole command minus its batches): ${spread(overhead, 3)} s, median ${m <= TARGET_SECONDS ? 'within' : 'over'} the ${TARGET_SECONDS} s target; ` +
      `first-batch excess ${spread(excess, 3)} s`,
  )
}
