// Augmentation in preprocess: each perturbation does what its flag says, copies are reproducible from the
// seed and the file's position whatever the worker count or sharding, and originals are untouched.

import assert from 'node:assert/strict'
import {join} from 'node:path'
import {test} from 'node:test'

import {parseDataSet} from '../../parsers/index.js'
import {Partition, type DataSet} from '../../src/data/dataset.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {concatInstances} from '../../src/data/ops.js'
import {checkIntegrity, isValid} from '../../src/data/validate.js'
import {augmentationHooks, maskSpectrogram, perturbSignal, type AugmentOptions} from '../../src/preprocess/augment.js'
import {preprocess, type PreprocessInput, type SpectrogramPreprocessOptions} from '../../src/preprocess/driver.js'
import {Random} from '../../src/core/random.js'
import {runCli, sampleDir, tempDir} from '../helpers.js'

const SAMPLE = sampleDir
const OPTIONS: SpectrogramPreprocessOptions = {
  windowWidth: 0.08,
  windowOverlap: 0.04,
  melBands: 64,
  fixedLength: 2,
  centerFixed: true,
  clipBelow: -60,
  chunkLength: 0.96,
  chunkCount: 2,
}
const base = (extra: Partial<AugmentOptions>): AugmentOptions => ({seed: 42, copies: 1, ...extra})

function tone(n: number, amplitude: number): Float64Array {
  const random = new Random(5)
  return Float64Array.from({length: n}, (_, i) => amplitude * Math.sin(i * 0.05) + 0.01 * random.normal())
}

function power(x: Float64Array): number {
  let s = 0
  for (const v of x) s += v * v
  return s / x.length
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

test('gain scales by at most the given dB and clips samples to [-1, 1]', () => {
  const x = tone(4000, 0.5)
  for (let fileIndex = 0; fileIndex < 20; fileIndex++) {
    const y = x.slice()
    perturbSignal(y, 16000, base({gainDb: 12}), fileIndex)
    const unclipped = x.findIndex((v, i) => Math.abs(y[i]) < 1 && Math.abs(v) > 0.1)
    const factor = y[unclipped] / x[unclipped]
    assert.ok(factor >= 10 ** (-12 / 20) - 1e-12 && factor <= 10 ** (12 / 20) + 1e-12, `factor ${factor}`)
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i] - Math.max(-1, Math.min(1, x[i] * factor))) < 1e-12)
    if (factor > 2) assert.ok(y.some((v) => v === 1) && y.some((v) => v === -1), 'loud parts clipped')
  }
})

test('time shift is a circular shift of at most the given time', () => {
  const x = tone(1000, 0.3)
  const shifts = new Set<number>()
  for (let fileIndex = 0; fileIndex < 30; fileIndex++) {
    const y = x.slice()
    perturbSignal(y, 1000, base({timeShift: 0.1}), fileIndex)
    const k = [...Array(x.length).keys()].find((s) => x.every((v, i) => y[(i + s) % x.length] === v))
    assert.notEqual(k, undefined, 'a rotation of the input')
    const signed = k! > x.length / 2 ? k! - x.length : k!
    assert.ok(Math.abs(signed) <= 100, `shift ${signed}`)
    shifts.add(signed)
  }
  assert.ok(shifts.size > 10, 'shifts vary with the file')
  assert.ok([...shifts].some((s) => s < 0) && [...shifts].some((s) => s > 0), 'both directions')
})

test('noise is added at the requested SNR, and none to digital silence', () => {
  const x = tone(200_000, 0.4)
  const y = x.slice()
  perturbSignal(y, 16000, base({noiseSnr: {min: 10, max: 10}}), 3)
  const noise = y.map((v, i) => v - x[i])
  const snr = 10 * Math.log10(power(x) / power(noise))
  assert.ok(Math.abs(snr - 10) < 0.05, `SNR ${snr}`)
  const silent = new Float64Array(100)
  perturbSignal(silent, 16000, base({noiseSnr: {min: 0, max: 0}}), 3)
  assert.ok(silent.every((v) => v === 0))
})

test('masks fill whole frames and bands with the minimum, within the width limits', () => {
  const frames = 50
  const bands = 40
  for (let fileIndex = 0; fileIndex < 10; fileIndex++) {
    const values = Float64Array.from({length: frames * bands}, (_, i) => -1 - (i % 7))
    const original = values.slice()
    maskSpectrogram(values, frames, bands, base({timeMasks: {count: 1, maxWidth: 8}}), fileIndex)
    const maskedFrames = [...Array(frames).keys()].filter((t) =>
      values.subarray(t * bands, (t + 1) * bands).some((v, b) => v !== original[t * bands + b]),
    )
    assert.ok(maskedFrames.length <= 8)
    for (const t of maskedFrames) assert.ok(values.subarray(t * bands, (t + 1) * bands).every((v) => v === -7))
    if (maskedFrames.length > 1) assert.equal(maskedFrames.at(-1)! - maskedFrames[0], maskedFrames.length - 1, 'contiguous')

    const f = Float64Array.from({length: frames * bands}, (_, i) => i)
    maskSpectrogram(f, frames, bands, base({freqMasks: {count: 2, maxWidth: 5}}), fileIndex)
    const maskedBands = [...Array(bands).keys()].filter((b) => f[b] === 0 && b !== 0)
    assert.ok(maskedBands.length <= 10)
    for (const b of maskedBands) for (let t = 0; t < frames; t++) assert.equal(f[t * bands + b], 0)
  }
})

test('copies depend only on seed, file and copy number; each perturbation draws from its own stream', () => {
  const x = tone(5000, 0.5)
  const run = (o: AugmentOptions, fileIndex: number, copy: number): Float64Array => {
    const y = x.slice()
    augmentationHooks(o, fileIndex, copy).signal!(y, 8000)
    return y
  }
  const o = base({timeShift: 0.2, noiseSnr: {min: 5, max: 20}})
  assert.deepEqual(run(o, 7, 1), run(o, 7, 1))
  assert.notDeepEqual(run(o, 7, 1), run(o, 7, 2))
  assert.notDeepEqual(run(o, 7, 1), run(o, 8, 1))
  assert.notDeepEqual(run(o, 7, 1), run({...o, seed: 43}, 7, 1))
  // Adding masks (spectrogram only) leaves the waveform perturbations as they were.
  assert.deepEqual(run({...o, timeMasks: {count: 2, maxWidth: 3}}, 7, 1), run(o, 7, 1))
})

async function sampleInput(files: number): Promise<PreprocessInput> {
  const {dataSet} = await parseDataSet(SAMPLE)
  return {...dataSet, instances: dataSet.instances.slice(0, files)}
}

test('preprocess with augmentation: originals unchanged, copies .aug<k> after their file, same with any workers and shards', async () => {
  const dir = tempDir()
  const input = await sampleInput(5)
  const plain = join(dir, 'plain.nc')
  await preprocess(input, OPTIONS, {output: plain, workers: 0})
  const augment = base({
    copies: 2,
    noiseSnr: {min: 5, max: 25},
    timeShift: 0.25,
    gainDb: 6,
    timeMasks: {count: 1, maxWidth: 5},
    freqMasks: {count: 1, maxWidth: 8},
  })
  const options = {...OPTIONS, augment}
  const single = join(dir, 'single.nc')
  const summary = await preprocess(input, options, {output: single, workers: 2, window: 2})
  assert.equal(summary.instances, 5 * 3 * 2)
  assert.equal(summary.augmentedInstances, 5 * 2 * 2)

  const original = await readDataSet(plain)
  const augmented = await readDataSet(single)
  assert.ok(isValid(checkIntegrity(augmented)), 'validate passes')
  const f0 = input.instances[0].filename
  assert.deepEqual(
    augmented.instances.slice(0, 6).map((i) => `${i.filename}#${i.chunkNr}`),
    [`${f0}#0`, `${f0}#1`, `${f0}.aug1#0`, `${f0}.aug1#1`, `${f0}.aug2#0`, `${f0}.aug2#1`],
  )
  for (let f = 0; f < 5; f++) {
    for (let c = 0; c < 2; c++) {
      const o = original.instances[f * 2 + c]
      const a = augmented.instances[f * 6 + c]
      assert.deepEqual(a, o)
      assert.ok(sameBits(augmented.instanceFeatures(f * 6 + c), original.instanceFeatures(f * 2 + c)), 'original unchanged')
      for (let k = 1; k <= 2; k++) {
        const copy = augmented.instances[f * 6 + k * 2 + c]
        assert.deepEqual(copy, {...o, filename: `${o.filename}.aug${k}`})
        assert.ok(!sameBits(augmented.instanceFeatures(f * 6 + k * 2 + c), original.instanceFeatures(f * 2 + c)), 'copy differs')
      }
    }
  }

  // In-process, and as two shards merged: the same bits.
  const inProcess = join(dir, 'in-process.nc')
  await preprocess(input, options, {output: inProcess, workers: 0})
  const shards: DataSet[] = []
  for (const [start, end] of [
    [0, 2],
    [2, 5],
  ]) {
    const out = join(dir, `shard-${start}.nc`)
    await preprocess(input, options, {output: out, workers: 1, fileRange: {start, end}})
    shards.push(await readDataSet(out))
  }
  const merged = concatInstances(shards.map((data, i) => ({name: `shard ${i}`, data})))
  for (const other of [await readDataSet(inProcess), merged]) {
    assert.deepEqual(other.instances, augmented.instances)
    assert.ok(sameBits(other.features, augmented.features))
  }
})

test('--augment-partitions limits copies to files of those partitions', async () => {
  const dir = tempDir()
  const input = await sampleInput(4)
  const withPartitions: PreprocessInput = {
    ...input,
    instances: input.instances.map((inst, i) => ({...inst, partition: i % 2 === 0 ? Partition.TRAIN : Partition.TEST})),
  }
  const out = join(dir, 'train-only.nc')
  await preprocess(
    withPartitions,
    {...OPTIONS, augment: base({freqMasks: {count: 1, maxWidth: 4}, partitions: [Partition.TRAIN]})},
    {output: out, workers: 0},
  )
  const ds = await readDataSet(out)
  const names = [...new Set(ds.instances.map((i) => i.filename))]
  const f = input.instances.map((i) => i.filename)
  assert.deepEqual(names, [f[0], `${f[0]}.aug1`, f[1], f[2], `${f[2]}.aug1`, f[3]])
  await assert.rejects(
    preprocess(input, {...OPTIONS, augment: base({gainDb: 1, partitions: [Partition.TRAIN]})}, {output: join(dir, 'x.nc'), workers: 0}),
    /needs a data set with partition information/,
  )
})

test('preprocess augmentation flags: copies need a perturbation; the seed is logged and reproduces the run', async () => {
  const dir = tempDir()
  let r = runCli(['preprocess', '--basedir', SAMPLE, '--augment-copies', '2', '--output', join(dir, 'x.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /^audeep: error: --augment-copies and --augment-partitions need a perturbation/m)
  r = runCli(['preprocess', '--basedir', SAMPLE, '--augment-noise-snr', '30:10', '--output', join(dir, 'x.nc')])
  assert.match(r.stderr, /^audeep: error: --augment-noise-snr 30:10: the minimum exceeds the maximum/m)

  const args = [
    'preprocess',
    '--basedir',
    SAMPLE,
    '--window-width',
    '0.08',
    '--window-overlap',
    '0.04',
    '--mel-spectrum',
    '32',
    '--fixed-length',
    '1',
    '--augment-noise-snr',
    '20',
    '--augment-time-mask',
    '4',
    '--augment-time-masks',
    '2',
    '--seed',
    '9',
  ]
  r = runCli([...args, '--output', join(dir, 'a.nc')])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /augmentation seed: 9\n/)
  assert.match(r.stderr, /wrote 40 instances of \[24, 32\] \(time, freq\) from 20 files \(20 of them augmented copies\)/)
  r = runCli([...args, '--workers', '1', '--output', join(dir, 'b.nc')])
  assert.equal(r.status, 0, r.stderr)
  const [a, b] = [await readDataSet(join(dir, 'a.nc')), await readDataSet(join(dir, 'b.nc'))]
  assert.deepEqual(a.instances, b.instances)
  assert.ok(sameBits(a.features, b.features))
})
