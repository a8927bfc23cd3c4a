// Scaling out: shard selection from flags and scheduler environments, and sharded preprocess/generate runs
// whose merged output equals the single-machine output bit for bit.

import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {resolveShard, shardOutputPath, shardRange, type Shard} from '../../src/cli/sharding.js'
import {DataSet} from '../../src/data/dataset.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {concatInstances, selectInstances} from '../../src/data/ops.js'
import {needsShared, reference, runCli, sampleDir, tempDir, TUTORIAL_PREPROCESS} from '../helpers.js'

const SAMPLE = sampleDir
const TUTORIAL = TUTORIAL_PREPROCESS

/** Same metadata and bit-identical features (NaN-safe, -0 distinguished). */
function assertSameDataSet(actual: DataSet, expected: DataSet): void {
  assert.deepEqual(actual.featureDims, expected.featureDims)
  assert.deepEqual(actual.featureShape, expected.featureShape)
  assert.equal(actual.numFolds, expected.numFolds)
  assert.deepEqual(actual.labelMap === null ? null : [...actual.labelMap], expected.labelMap === null ? null : [...expected.labelMap])
  assert.deepEqual(actual.instances, expected.instances)
  const a = new Uint32Array(actual.features.buffer, actual.features.byteOffset, actual.features.length)
  const b = new Uint32Array(expected.features.buffer, expected.features.byteOffset, expected.features.length)
  assert.equal(a.length, b.length)
  const first = a.findIndex((v, i) => v !== b[i])
  assert.equal(first, -1, `features differ first at value ${first}`)
}

const noEnv = {}

test('shard ranges tile the input in order with sizes differing by at most one', () => {
  for (const total of [0, 1, 7, 20, 1001]) {
    for (const count of [1, 2, 3, 8, 25]) {
      let next = 0
      const sizes: number[] = []
      for (let index = 0; index < count; index++) {
        const r = shardRange(total, {index, count, source: 'test'})
        assert.equal(r.start, next)
        sizes.push(r.end - r.start)
        next = r.end
      }
      assert.equal(next, total)
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1)
    }
  }
  assert.deepEqual(shardRange(20, null), {start: 0, end: 20})
  assert.deepEqual(shardRange(20, {index: 1, count: 3, source: 'test'}), {start: 6, end: 13})
})

test('the shard comes from flags, then Slurm array variables, then JOB_COMPLETION_INDEX', () => {
  assert.equal(resolveShard({}, noEnv), null)
  assert.deepEqual(resolveShard({shardIndex: 2, numShards: 5}, noEnv), {index: 2, count: 5, source: '--shard-index'})
  // Slurm: --array=1-9:2 gives ids 1,3,5,7,9 (count 5); id 7 is the fourth task.
  const slurm = {SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '5'}
  assert.deepEqual(resolveShard({}, slurm), {index: 3, count: 5, source: 'SLURM_ARRAY_TASK_ID'})
  assert.deepEqual(resolveShard({}, {SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4'}), {
    index: 3,
    count: 4,
    source: 'SLURM_ARRAY_TASK_ID',
  })
  assert.deepEqual(resolveShard({numShards: 5}, slurm), {index: 3, count: 5, source: 'SLURM_ARRAY_TASK_ID'})
  assert.deepEqual(resolveShard({shardIndex: 0}, slurm), {index: 0, count: 5, source: '--shard-index'}, 'the count still comes from Slurm')
  assert.throws(() => resolveShard({numShards: 4}, slurm), /--num-shards 4 contradicts SLURM_ARRAY_TASK_COUNT 5/)
  assert.equal(resolveShard({numShards: 1}, slurm), null, '--num-shards 1 turns the environment default off')
  assert.throws(() => resolveShard({}, {...slurm, SLURM_ARRAY_TASK_ID: '4'}), /not on the array's grid/)
  assert.throws(
    () => resolveShard({}, {SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2'}),
    /SLURM_ARRAY_TASK_ID must be a non-negative integer/,
  )

  // Kubernetes exports the index only.
  const warnings: string[] = []
  assert.equal(
    resolveShard({}, {JOB_COMPLETION_INDEX: '2'}, (m) => warnings.push(m)),
    null,
  )
  assert.match(warnings[0], /JOB_COMPLETION_INDEX is set \(2\) but --num-shards is not/)
  assert.deepEqual(resolveShard({numShards: 3}, {JOB_COMPLETION_INDEX: '2'}), {index: 2, count: 3, source: 'JOB_COMPLETION_INDEX'})
  assert.throws(
    () => resolveShard({numShards: 2}, {JOB_COMPLETION_INDEX: '2'}),
    (e: unknown) => e instanceof UserError && /shard index 2 \(from JOB_COMPLETION_INDEX\) is out of range for 2 shards/.test(e.message),
  )

  assert.throws(() => resolveShard({shardIndex: 1}, noEnv), /--shard-index 1 needs --num-shards/)
  assert.throws(() => resolveShard({numShards: 3}, noEnv), /--num-shards 3 needs --shard-index/)
  assert.throws(() => resolveShard({shardIndex: 3, numShards: 3}, noEnv), /out of range for 3 shards \(0\.\.2\)/)
  assert.throws(() => resolveShard({shardIndex: 1, numShards: 1}, noEnv), /out of range for --num-shards 1/)
})

test('{shard} in an output path becomes the zero-padded shard index', () => {
  const shard: Shard = {index: 7, count: 12, source: 'test'}
  assert.equal(shardOutputPath('out/spec-{shard}-of-{shards}.nc', shard), 'out/spec-07-of-12.nc')
  assert.equal(shardOutputPath('plain.nc', shard), 'plain.nc')
  assert.equal(shardOutputPath('plain.nc', null), 'plain.nc')
  assert.throws(() => shardOutputPath('x-{shard}.nc', null), /contains \{shard\} but no shard was selected/)
})

test('3 preprocess shards merged equal a single-machine run (metadata and features bit-exact)', async () => {
  const dir = tempDir()
  const full = join(dir, 'full.nc')
  let r = runCli(['preprocess', '-q', '--basedir', SAMPLE, ...TUTORIAL, '--output', full])
  assert.equal(r.status, 0, r.stderr)
  for (let i = 0; i < 3; i++) {
    // Shard 1 takes its index from a Slurm environment, the others from flags.
    const args = i === 1 ? [] : ['--shard-index', String(i), '--num-shards', '3']
    const env = i === 1 ? {SLURM_ARRAY_TASK_ID: '11', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '3'} : {}
    r = runCli(
      ['preprocess', '--basedir', SAMPLE, ...TUTORIAL, ...args, '--workers', String(i), '--output', join(dir, 'shards', 'spec-{shard}.nc')],
      {env},
    )
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`shard ${i} of 3 \\(from ${i === 1 ? 'SLURM_ARRAY_TASK_ID' : '--shard-index'}\\)`))
  }
  const shards = readdirSync(join(dir, 'shards')).sort()
  assert.deepEqual(shards, ['spec-0.nc', 'spec-1.nc', 'spec-2.nc'])
  assert.deepEqual(await Promise.all(shards.map(async (s) => (await readDataSet(join(dir, 'shards', s))).numInstances)), [6, 7, 7])
  const merged = join(dir, 'merged.nc')
  r = runCli(['merge', '--input', ...shards.map((s) => join(dir, 'shards', s)), '--output', merged])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /wrote 20 instances of \[124, 128\] \(time, freq\) from 3 file\(s\)/)
  assertSameDataSet(await readDataSet(merged), await readDataSet(full))

  // More shards than files: the empty shard says so instead of writing nothing.
  r = runCli([
    'preprocess',
    '--basedir',
    SAMPLE,
    ...TUTORIAL,
    '--shard-index',
    '0',
    '--num-shards',
    '25',
    '--output',
    join(dir, 'empty.nc'),
  ])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /audeep: error: this shard has no files: the data set has only 20 file\(s\); use fewer shards/)
  assert.equal(existsSync(join(dir, 'empty.nc')), false)
})

test('3 t-rae generate shards merged equal one generate run, with batches that straddle shard starts', needsShared, async () => {
  const dir = tempDir()
  const spectrograms = reference('esc10-sample.nc')
  let r = runCli([
    't-rae',
    'train',
    '-q',
    '--input',
    spectrograms,
    '--run-name',
    join(dir, 'run'),
    '--num-epochs',
    '1',
    '--batch-size',
    '10',
    '--num-units',
    '8',
    '--seed',
    '3',
  ])
  assert.equal(r.status, 0, r.stderr)
  // One backend for every run: native kernels and wasm agree only to ~1e-7, and `auto` could pick either.
  const model = ['--model-dir', join(dir, 'run', 'logs'), '--input', spectrograms, '--batch-size', '4', '--backend', 'wasm']
  r = runCli(['t-rae', 'generate', '-q', ...model, '--output', join(dir, 'full.nc')])
  assert.equal(r.status, 0, r.stderr)
  for (let i = 0; i < 3; i++) {
    r = runCli(['t-rae', 'generate', '-q', ...model, '--num-shards', '3', '--output', join(dir, 'gen-{shard}.nc')], {
      env: {JOB_COMPLETION_INDEX: String(i)},
    })
    assert.equal(r.status, 0, r.stderr)
  }
  r = runCli(['merge', '-q', '--input', ...[0, 1, 2].map((i) => join(dir, `gen-${i}.nc`)), '--output', join(dir, 'merged.nc')])
  assert.equal(r.status, 0, r.stderr)
  const full = await readDataSet(join(dir, 'full.nc'))
  assert.deepEqual(full.featureShape, [8])
  assertSameDataSet(await readDataSet(join(dir, 'merged.nc')), full)
})

test('merge refuses inputs of another layout, naming the file', needsShared, async () => {
  const dir = tempDir()
  const sample = await readDataSet(reference('esc10-sample.nc'))
  const a = join(dir, 'a.nc')
  await writeDataSet(a, selectInstances(sample, [0, 1, 2]))
  const cropped = selectInstances(sample, [3, 4])
  const other = join(dir, 'other-shape.nc')
  await writeDataSet(other, cropped.withFeatures(['time', 'freq'], [124 * 2, 64], cropped.features))
  const r = runCli(['merge', '--input', a, other, '--output', join(dir, 'm.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /^audeep: error: .*other-shape\.nc: feature shape \[248, 64\] differs from .*a\.nc's \[124, 128\]/m)
})

test('merge refuses different fold counts and label maps, and warns about repeated instances', needsShared, async () => {
  const dir = tempDir()
  const sample = await readDataSet(reference('esc10-sample.nc'))
  const part = selectInstances(sample, [0, 1])
  const a = join(dir, 'a.nc')
  await writeDataSet(a, part)
  const noFolds = new DataSet({
    featureDims: part.featureDims,
    featureShape: part.featureShape,
    numFolds: 0,
    labelMap: part.labelMap,
    instances: part.instances.map((i) => ({...i, cvFolds: []})),
    features: part.features,
  })
  await writeDataSet(join(dir, 'folds.nc'), noFolds)
  let r = runCli(['merge', '--input', a, join(dir, 'folds.nc'), '--output', join(dir, 'm.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /folds\.nc: has 0 cross-validation folds, .*a\.nc has 5/)

  const relabelled = new DataSet({
    featureDims: part.featureDims,
    featureShape: part.featureShape,
    numFolds: 5,
    labelMap: new Map([['Dog bark', 0]]),
    instances: part.instances.map((i) => ({...i, labelNominal: 'Dog bark', labelNumeric: 0})),
    features: part.features,
  })
  await writeDataSet(join(dir, 'labels.nc'), relabelled)
  r = runCli(['merge', '--input', a, join(dir, 'labels.nc'), '--output', join(dir, 'm.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /labels\.nc: label map \[\["Dog bark",0\]\] differs from .*a\.nc's/)
  assert.equal(existsSync(join(dir, 'm.nc')), false)

  r = runCli(['merge', '--input', a, a, '--output', join(dir, 'twice.nc')])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /2 instance\(s\) occur in more than one input.*was a file given twice\?/)
  assertSameDataSet(
    await readDataSet(join(dir, 'twice.nc')),
    concatInstances([
      {name: 'a', data: part},
      {name: 'a', data: part},
    ]),
  )
})
