// auDeep's ESC-10 tutorial end to end as four whole commands, each timed from outside: preprocess (the
// tutorial options), t-rae train (64 epochs, batch 64, 2 x 256 GRU, bidirectional decoder), t-rae generate,
// mlp evaluate (5 folds, --repeat 5), with the accuracy it reaches. Its preprocess peer is in the
// preprocess benchmark; the other steps have none that runs here (the original needs TensorFlow 1.x).
// It takes minutes, so it runs only when named: `npm run bench -- tutorial`. AUDEEP_BENCH_TUTORIAL_EPOCHS
// shortens training (the accuracy is then not the tutorial's).

import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {repoRoot, sharedDir, timeProcess, type ProcessTiming} from './peers.js'

export const optIn = true

export async function run(): Promise<void> {
  const shared = sharedDir()
  const esc10 = shared === null ? null : path.join(shared, 'data', 'ESC-10')
  if (esc10 === null || !existsSync(esc10)) {
    console.log('ESC-10 (../shared/data/ESC-10) is absent: skipped')
    return
  }
  const epochs = process.env.AUDEEP_BENCH_TUTORIAL_EPOCHS ?? '64'
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-bench-tutorial-'))
  const audeep = (args: string[]): ProcessTiming => {
    const t = timeProcess([process.execPath, path.join(repoRoot, 'bin', 'run.js'), ...args])
    if (t.status !== 0) throw new Error(`audeep ${args.slice(0, 2).join(' ')} failed: ${t.stderr.trim().split('\n').pop()}`)
    return t
  }
  try {
    const spectrograms = path.join(dir, 'spectrograms.nc')
    const runDir = path.join(dir, 'run')
    const features = path.join(dir, 'features.nc')
    // The README's commands (with --center-fixed and the MLP's keep 0.6 as in docs/benchmarks.md).
    const steps: [string, string[]][] = [
      [
        'preprocess',
        ['preprocess', '-q', '--basedir', esc10, '--window-width', '0.08', '--window-overlap', '0.04', '--mel-spectrum', '128'].concat([
          '--fixed-length',
          '5',
          '--center-fixed',
          '--clip-below',
          '-60',
          '--output',
          spectrograms,
        ]),
      ],
      [
        `t-rae train (${epochs} epochs)`,
        ['t-rae', 'train', '-q', '--input', spectrograms, '--run-name', runDir, '--num-epochs', epochs, '--batch-size', '64']
          .concat(['--learning-rate', '0.001', '--keep-prob', '0.8', '--num-layers', '2', '--num-units', '256'])
          .concat(['--bidirectional-decoder', '--seed', '1']),
      ],
      [
        't-rae generate',
        ['t-rae', 'generate', '-q', '--model-dir', path.join(runDir, 'logs'), '--input', spectrograms, '--output', features],
      ],
      [
        'mlp evaluate (5 folds x 5)',
        ['mlp', 'evaluate', '--input', features, '--cross-validate', '--shuffle', '--num-epochs', '400', '--learning-rate', '0.001'].concat(
          ['--keep-prob', '0.6', '--num-layers', '2', '--num-units', '150', '--repeat', '5', '--seed', '1'],
        ),
      ],
    ]
    let wall = 0
    let last: ProcessTiming | null = null
    for (const [name, args] of steps) {
      const t = audeep(args)
      wall += t.wall
      last = t
      console.log(
        `  ${name.padEnd(30)} ${t.wall.toFixed(1).padStart(7)} s wall ${t.cpu.toFixed(1).padStart(7)} s CPU ${t.peakMiB.toFixed(0).padStart(5)} MiB`,
      )
    }
    // The report's summary lines: "accuracy: 73.70% (+/- ...)" and "UAR: ...".
    const summary = (last?.stdout ?? '').split('\n').filter((l) => /^(accuracy|UAR):/.test(l.trim()))
    const accuracy = summary.length > 0 ? summary.map((l) => l.trim().replace(/\s+/g, ' ')).join(', ') : '(accuracy line not found)'
    console.log(`  whole tutorial ${wall.toFixed(1)} s wall; mlp evaluate: ${accuracy.trim()}`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
