// t-rae --decoder-variant through the CLI: recorded in the checkpoint and the log, kept by --continue,
// and older checkpoints (without the field) generate with the 2018 decoder they were trained with.

import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {continueTraining, needsShared, reference, runCli, tempDir} from '../helpers.js'

const spectrograms = reference('esc10-sample.nc')
const small = ['--num-units', '4', '--batch-size', '10', '--bidirectional-decoder', '--backend', 'wasm', '--seed', '3']

function train(run: string, ...extra: string[]) {
  return runCli(['t-rae', 'train', '--input', spectrograms, '--run-name', run, '--num-epochs', '1', ...small, ...extra])
}

test('--decoder-variant: recorded and logged; --continue keeps it and refuses another; the default is 2017', needsShared, () => {
  const dir = tempDir()
  let r = train(join(dir, 'default'))
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /bidirectional decoder: auDeep's 2017 variant/)
  r = train(join(dir, 'old'), '--decoder-variant', '2018')
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /auDeep's 2018 variant/)
  const manifest = (run: string, step: number) => join(dir, run, 'logs', `model-${step}`, 'checkpoint.json')
  assert.equal(JSON.parse(readFileSync(manifest('default', 2), 'utf8')).config.decoderVariant, '2017')
  assert.equal(JSON.parse(readFileSync(manifest('old', 2), 'utf8')).config.decoderVariant, '2018')

  r = runCli(['t-rae', 'train', '--input', spectrograms, '--run-name', join(dir, 'old'), '--continue', '--decoder-variant', '2017'])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /was trained with decoder variant 2018; --continue keeps it/)
  r = continueTraining('t-rae', spectrograms, join(dir, 'old'))
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /auDeep's 2018 variant/)
})

test('a checkpoint without decoderVariant (written before the option) generates with the 2018 decoder', needsShared, async () => {
  const dir = tempDir()
  const run = join(dir, 'run')
  assert.equal(train(run, '--decoder-variant', '2018').status, 0)
  const gen = (output: string) =>
    runCli(['t-rae', 'generate', '--model-dir', join(run, 'logs'), '--input', spectrograms, '--output', output, '--backend', 'wasm'])
  assert.equal(gen(join(dir, 'a.nc')).status, 0)
  const path = join(run, 'logs', 'model-2', 'checkpoint.json')
  const manifest = JSON.parse(readFileSync(path, 'utf8'))
  delete manifest.config.decoderVariant
  writeFileSync(path, JSON.stringify(manifest))
  const r = gen(join(dir, 'b.nc'))
  assert.equal(r.status, 0, r.stderr)
  const [a, b] = [await readDataSet(join(dir, 'a.nc')), await readDataSet(join(dir, 'b.nc'))]
  assert.deepEqual(Array.from(b.features), Array.from(a.features))
})
