// Checkpoints are validated when read (damaged ones are one error naming the file and the field), written
// into a temporary sibling and renamed, and temporaries of killed runs are removed by the next save.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {loadCheckpoint} from '../../src/nn/checkpoint.js'
import {generateFeatures} from '../../src/nn/generate.js'
import {tempDir} from '../helpers.js'
import {haveGoldenSpectrograms, tinyRun} from './tiny-run.js'

const skip = !haveGoldenSpectrograms && 'the golden ESC-10 spectrograms (../shared/reference/audeep) are not available'

let base = ''
let logDir = ''
let input = ''
let step = 0

before(async () => {
  if (skip) return
  base = tempDir()
  ;({logDir, input} = await tinyRun(base))
  step = Number(/^model-(\d+)$/.exec(readdirSync(logDir).find((f) => f.startsWith('model-'))!)![1])
})

/** A copy of the run's logs with `damage` applied to its checkpoint directory. */
function damaged(damage: (checkpointDir: string) => void): string {
  const copy = join(tempDir(), 'logs')
  cpSync(logDir, copy, {recursive: true})
  damage(join(copy, `model-${step}`))
  return copy
}

function editJson(edit: (json: Record<string, any>) => void): (dir: string) => void {
  return (dir) => {
    const path = join(dir, 'checkpoint.json')
    const json = JSON.parse(readFileSync(path, 'utf8'))
    edit(json)
    writeFileSync(path, JSON.stringify(json))
  }
}

test('a checkpoint written by training loads, and generates features', {skip}, async () => {
  const checkpoint = loadCheckpoint(logDir)
  assert.equal(checkpoint.manifest.config.kind, 't-rae')
  const output = join(base, 'generated.nc')
  const result = await generateFeatures({modelDir: logDir, input, output, batchSize: 16})
  assert.equal(result.numInstances, 20)
  assert.ok(existsSync(output))
})

test('checkpoints the CLI wrote before storing false flags (no bidirectional, no maskSilence) still load', {skip}, () => {
  const logs = damaged(
    editJson((j) => {
      delete j.config.encoder.bidirectional
      delete j.config.decoder.bidirectional
      delete j.config.maskSilence
    }),
  )
  assert.equal(loadCheckpoint(logs).manifest.config.kind, 't-rae')
})

test('damaged checkpoints are one UserError naming the file and what is wrong', {skip}, () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'weights.bin not a multiple of 4',
      (d) => truncateSync(join(d, 'weights.bin'), 4001),
      /weights\.bin: 4001 bytes, but checkpoint\.json declares \d+ float32 values .*truncated/,
    ],
    [
      'weights.bin longer than declared',
      (d) => writeFileSync(join(d, 'weights.bin'), Buffer.alloc(8), {flag: 'a'}),
      /weights\.bin: \d+ bytes, but checkpoint\.json declares/,
    ],
    [
      'weights.bin a directory',
      (d) => (rmSync(join(d, 'weights.bin')), mkdirSync(join(d, 'weights.bin'))),
      /weights\.bin: not a regular file/,
    ],
    ['weights.bin missing', (d) => rmSync(join(d, 'weights.bin')), /weights\.bin: missing/],
    [
      'checkpoint.json a directory',
      (d) => (rmSync(join(d, 'checkpoint.json')), mkdirSync(join(d, 'checkpoint.json'))),
      /checkpoint\.json: cannot be read \(EISDIR\)/,
    ],
    [
      'checkpoint.json not JSON',
      (d) => writeFileSync(join(d, 'checkpoint.json'), '{"version": 1, "config'),
      /checkpoint\.json: cannot be read \(.*JSON/,
    ],
    [
      'a negative shape',
      editJson((j) => (j.parameters[0].shape = [-7])),
      /checkpoint\.json: not a valid checkpoint \(parameters\[0\]\.shape\[0\] \(.*\) must be an integer from 0/,
    ],
    ['a shape that is not a list', editJson((j) => (j.parameters[1].shape = 12)), /parameters\[1\]\.shape \(.*\) is not a list/],
    ['no config', editJson((j) => delete j.config), /checkpoint\.json: not a valid checkpoint \(config is missing\)/],
    ['an unknown model kind', editJson((j) => (j.config.kind = 'x-rae')), /config\.kind must be "t-rae", "f-rae" or "ft-rae", is "x-rae"/],
    ['an absurd unit count', editJson((j) => (j.config.encoder.units = 1e9)), /config\.encoder\.units must be an integer from 1 to 65536/],
    [
      'a configuration larger than the weights',
      editJson((j) => (j.config.encoder.units = 4096)),
      /the model configuration needs at least \d+ parameter values, the checkpoint declares \d+/,
    ],
    ['a tensor listed twice', editJson((j) => j.parameters.push(j.parameters[0])), /tensor .* appears twice/],
    ['another format version', editJson((j) => (j.version = 99)), /checkpoint format 99 is not supported/],
    ['a missing progress field', editJson((j) => delete j.progress.seed), /progress\.seed is missing/],
    [
      'an unknown decoder variant',
      editJson((j) => (j.config.decoderVariant = '2019')),
      /config\.decoderVariant must be one of 2017, 2018, is "2019"/,
    ],
    [
      'an unknown batch order',
      editJson((j) => (j.hyperParameters.batchOrder = 'random')),
      /hyperParameters\.batchOrder must be one of epoch, stream/,
    ],
    [
      'a keep probability above 1',
      editJson((j) => (j.hyperParameters.keepProb = 7)),
      /hyperParameters\.keepProb must be a number from 0 to 1/,
    ],
  ]
  for (const [what, damage, pattern] of cases) {
    const logs = damaged(damage)
    assert.throws(
      () => loadCheckpoint(logs),
      (e: unknown) => e instanceof UserError && pattern.test(e.message) && e.message.includes(logs),
      what,
    )
  }
  const file = join(tempDir(), 'logs')
  writeFileSync(file, 'not a directory')
  assert.throws(() => loadCheckpoint(file), /logs: not a directory/)
})

test('a save removes the temporaries of dead processes only', {skip}, async () => {
  const dir = tempDir()
  cpSync(join(base, 'crop.nc'), join(dir, 'crop.nc'))
  const logs = join(dir, 'run', 'logs')
  mkdirSync(logs, {recursive: true})
  const dead = spawnSync(process.execPath, ['-e', '']).pid!
  const stale = [join(logs, `.model-4.${dead}.abc123.tmp`), join(logs, `model-4.tmp-${dead}`)]
  const alive = join(logs, `.model-4.${process.pid}.zzz999.tmp`)
  for (const d of [...stale, alive]) {
    mkdirSync(d)
    writeFileSync(join(d, 'weights.bin'), Buffer.alloc(16))
  }
  await tinyRun(dir)
  for (const d of stale) assert.ok(!existsSync(d), `${d} (of a dead process) is removed`)
  assert.ok(existsSync(alive), 'the temporary of a live process is kept')
  rmSync(alive, {recursive: true})
  assert.deepEqual(
    readdirSync(logs).filter((f) => !f.startsWith('events.')),
    [`model-${step}`],
  )
})
