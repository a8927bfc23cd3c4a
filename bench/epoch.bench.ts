// The overhead of a one-epoch training command: the README tutorial's t-rae (2 x 256 GRU, bidirectional
// decoder, batch 64) trained for one epoch on the full ESC-10 spectrograms, timed from outside as a whole
// command, minus the time of its training batches (which the command logs with -v: "batch time: ...").
// What is left is start-up (Node, oclif, module imports, backend), reading the 25 MB netCDF-4 file (and its
// HDF5 structure probe), model initialisation, the checkpoint (31 MB) and the TensorBoard summaries.
// Issue 15's target: under 1.5 s. The first batch's excess over the median batch (warm-up of the engine's
// buffers) is reported beside it; it is part of the batch time, not of the overhead.
//
// AUDEEP_EPOCH_CLI=path/to/bin/run.js measures another checkout (e.g. main, for a before/after figure: it
// needs the "batch time" debug line); AUDEEP_EPOCH_RUNS sets the number of measured runs (default 3).

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
  const cli = process.env.AUDEEP_EPOCH_CLI ?? join(repoRoot, 'bin', 'run.js')
  const runs = Math.max(1, Number(process.env.AUDEEP_EPOCH_RUNS ?? 3))
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-epoch-'))
  const once = (i: number): EpochRun => {
    const argv = [
      process.execPath,
      cli,
      '-v',
      't-rae',
      'train',
      '--input',
      input,
      '--run-name',
      join(dir, `run-${i}`),
      ...'--num-epochs 1 --batch-size 64 --learning-rate 0.001 --keep-prob 0.8 --num-layers 2 --num-units 256 --bidirectional-decoder --seed 1'.split(
        ' ',
      ),
    ]
    const t = timeProcess(argv)
    rmSync(join(dir, `run-${i}`), {recursive: true, force: true})
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
    once(-1) // unmeasured: file cache, compiled code cache
    const results = Array.from({length: runs}, (_, i) => once(i))
    const overhead = results.map((r) => r.wall - r.batchSeconds)
    console.log(`cli: ${cli}`)
    console.log(
      `one tutorial epoch (${results[0].batches} batches of 64 on 400 instances), ${runs} runs; node -e 0 takes ${node.wall.toFixed(3)} s`,
    )
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
          (r.firstBatch - r.medianBatch).toFixed(3).padStart(22),
      )
    })
    const m = median(overhead)
    console.log(
      `overhead (whole command minus its batches): ${spread(overhead, 3)} s, median ${m <= TARGET_SECONDS ? 'within' : 'over'} the ${TARGET_SECONDS} s target; ` +
        `first-batch excess ${spread(
          results.map((r) => r.firstBatch - r.medianBatch),
          3,
        )} s`,
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
