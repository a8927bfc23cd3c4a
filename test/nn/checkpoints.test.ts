// Checkpoint retention through the CLI: training keeps the newest 5 checkpoints by default and all with
// --checkpoints-to-keep all; --continue and generate --steps keep working on what is kept; --model-dir takes
// the run directory or its logs/; plot training still marks every epoch; a checkpoint is the weights plus
// Adam's two moments.

import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {before, test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {runCli, sampleDir, tempDir} from '../helpers.js'

let dir = ''
let spectrograms = ''

/** Tiny t-rae settings: 20 instances in batches of 10, so 2 steps (and one checkpoint) per epoch. */
const TINY = ['--batch-size', '10', '--num-layers', '1', '--num-units', '8', '--seed', '1']

function ok(args: string[]): string {
  const r = runCli(args)
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`)
  return r.stderr
}

function kept(run: string): number[] {
  return readdirSync(join(run, 'logs'))
    .map((n) => /^model-(\d+)$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(m![1]))
    .sort((a, b) => a - b)
}

before(() => {
  dir = tempDir('audeep-checkpoints-')
  spectrograms = join(dir, 'spectrograms.nc')
  const quick = ['--window-width', '0.08', '--window-overlap', '0.04', '--mel-spectrum', '16', '--fixed-length', '1']
  ok(['preprocess', '--basedir', sampleDir, ...quick, '--output', spectrograms])
})

test('the newest 5 checkpoints are kept; --continue and generate --steps work on them; all keeps every one', async () => {
  const run = join(dir, 'run')
  ok(['t-rae', 'train', '--input', spectrograms, '--run-name', run, '--num-epochs', '7', ...TINY])
  assert.deepEqual(kept(run), [6, 8, 10, 12, 14])

  ok(['t-rae', 'train', '--input', spectrograms, '--run-name', run, '--num-epochs', '2', '--continue'])
  assert.deepEqual(kept(run), [10, 12, 14, 16, 18])

  // The loss plot still marks all 9 epochs, though only the newest 5 checkpoints are left.
  const plot = runCli(['plot', 'training', '--run-name', run, '--json'])
  assert.equal(plot.status, 0, plot.stderr)
  assert.deepEqual((JSON.parse(plot.stdout) as {epochs: number; steps: number}).epochs, 9)

  // --model-dir: the run directory as well as its logs/.
  const [a, b] = [join(dir, 'a.nc'), join(dir, 'b.nc')]
  const log = ok(['t-rae', 'generate', '--model-dir', run, '--input', spectrograms, '--steps', '10', '18', '--output', a, b])
  assert.match(log, /from step 10 to .*a\.nc/)
  assert.match(log, /from step 18 to .*b\.nc/)
  ok(['t-rae', 'generate', '--model-dir', join(run, 'logs'), '--input', spectrograms, '--output', join(dir, 'latest.nc')])
  const [latest, step18, step10] = await Promise.all([join(dir, 'latest.nc'), b, a].map(readDataSet))
  assert.deepEqual(latest.features, step18.features, 'the latest checkpoint is step 18')
  assert.notDeepEqual(step10.features, step18.features)

  // A pruned step is refused before anything is written, naming what is there.
  const c = join(dir, 'c.nc')
  const r = runCli([
    't-rae',
    'generate',
    '--model-dir',
    run,
    '--input',
    spectrograms,
    '--steps',
    '18',
    '4',
    '--output',
    join(dir, 'd.nc'),
    c,
  ])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /--steps 4: no such checkpoint in .*logs \(available: 10, 12, 14, 16, 18;/)
  assert.ok(!existsSync(c) && !existsSync(join(dir, 'd.nc')))

  const none = runCli(['t-rae', 'generate', '--model-dir', dir, '--input', spectrograms, '--output', c])
  assert.equal(none.status, 1)
  assert.match(none.stderr, /--model-dir .*: no checkpoints \(model-<STEP> directories\) here or in .*logs/)

  const all = join(dir, 'all')
  ok(['t-rae', 'train', '--input', spectrograms, '--run-name', all, '--num-epochs', '6', '--checkpoints-to-keep', 'all', ...TINY])
  assert.deepEqual(kept(all), [2, 4, 6, 8, 10, 12])
  const bad = runCli(['t-rae', 'train', '--input', spectrograms, '--run-name', join(dir, 'bad'), '--checkpoints-to-keep', 'some'])
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /--checkpoints-to-keep must be a positive integer or 'all', got 'some'/)
})

test('a checkpoint holds every parameter three times: the weights and both Adam moments, as float32', () => {
  const logs = join(dir, 'run', 'logs', 'model-18')
  const manifest = JSON.parse(readFileSync(join(logs, 'checkpoint.json'), 'utf8')) as {
    parameters: {shape: number[]}[]
    adam: {moments: {shape: number[]}[]}
  }
  const count = (entries: {shape: number[]}[]) => entries.reduce((sum, e) => sum + e.shape.reduce((a, b) => a * b, 1), 0)
  const parameters = count(manifest.parameters)
  assert.equal(count(manifest.adam.moments), 2 * parameters)
  assert.equal(statSync(join(logs, 'weights.bin')).size, 3 * parameters * 4)
})
