// The parallel driver writes what the pipeline computes, in input order, and cleans up on errors.

import {test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {UserError} from '../../src/core/errors.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {preprocess, type PreprocessInput, type PreprocessItem} from '../../src/preprocess/driver.js'
import {DifferenceStats, describe, esc10Files, referenceDir} from '../dsp/golden.js'
import {needsShared} from '../helpers.js'

const SAMPLE = {windowWidth: 0.08, windowOverlap: 0.04, melBands: 128, clipBelow: -60, fixedLength: 5, centerFixed: true}

async function sampleInput(): Promise<PreprocessInput> {
  const reference = await readDataSet(path.join(referenceDir(), 'esc10-sample.nc'))
  const files = esc10Files()
  // Sorted by name (the fixed parser order), unlike the reference's file-system order.
  const instances: PreprocessItem[] = [...reference.instances]
    .sort((a, b) => (a.filename < b.filename ? -1 : 1))
    .map((i) => ({...i, path: files.get(i.filename)!}))
  return {instances, labelMap: reference.labelMap, numFolds: reference.numFolds}
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'audeep-preprocess-'))
}

test('the worker pool writes esc10-sample.nc: same metadata, features within tolerance, input order', needsShared, async (t) => {
  const dir = tempDir()
  try {
    const input = await sampleInput()
    const output = path.join(dir, 'nested', 'sample.nc')
    const progress: number[] = []
    const summary = await preprocess(input, SAMPLE, {
      output,
      workers: 2,
      window: 3,
      onProgress: (done, total) => {
        assert.equal(total, 20)
        progress.push(done)
      },
    })
    assert.deepEqual(
      progress,
      Array.from({length: 20}, (_, i) => i + 1),
    )
    assert.deepEqual(summary.featureShape, [124, 128])
    assert.equal(summary.instances, 20)
    assert.equal(summary.sampleRate, 44100)
    t.diagnostic(`20 files, ${summary.audioSeconds.toFixed(1)} s of audio in ${summary.elapsedSeconds.toFixed(2)} s`)

    const ours = await readDataSet(output)
    const reference = await readDataSet(path.join(referenceDir(), 'esc10-sample.nc'))
    assert.deepEqual(ours.featureDims, ['time', 'freq'])
    assert.deepEqual([...ours.labelMap!], [...reference.labelMap!])
    assert.deepEqual(
      ours.instances.map((i) => i.filename),
      input.instances.map((i) => i.filename),
    )
    const byName = new Map(reference.instances.map((inst, index) => [inst.filename, index]))
    const stats = new DifferenceStats(1e-3)
    for (let i = 0; i < ours.numInstances; i++) {
      const j = byName.get(ours.instances[i].filename)!
      assert.deepEqual(ours.instances[i], reference.instances[j])
      stats.add(ours.instanceFeatures(i), reference.instanceFeatures(j))
    }
    const d = stats.result()
    t.diagnostic(describe(d))
    assert.ok(d.maxAbs <= 1e-2 && d.meanAbs <= 1e-4 && d.fractionOver < 1e-3)
    assert.deepEqual(readdirSync(path.dirname(output)), ['sample.nc'], 'no temporary files left')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('chunked output: chunks of a file are consecutive; in-process mode gives identical features', needsShared, async () => {
  const dir = tempDir()
  try {
    const input = await sampleInput()
    const few = {...input, instances: input.instances.slice(0, 3)}
    const options = {...SAMPLE, centerFixed: false, fixedLength: 5.2, chunkLength: 1, chunkCount: 5}
    await preprocess(few, options, {output: path.join(dir, 'pool.nc'), workers: 2})
    await preprocess(few, options, {output: path.join(dir, 'inline.nc'), workers: 0})
    const pool = await readDataSet(path.join(dir, 'pool.nc'))
    const inline = await readDataSet(path.join(dir, 'inline.nc'))
    assert.deepEqual(pool.featureShape, [25, 128])
    assert.deepEqual(
      pool.instances.map((i) => `${i.filename}#${i.chunkNr}`),
      few.instances.flatMap((i) => [0, 1, 2, 3, 4].map((c) => `${i.filename}#${c}`)),
    )
    assert.deepEqual(pool.features, inline.features)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('a bad file fails with a UserError naming it, and no output is left behind', needsShared, async () => {
  const dir = tempDir()
  try {
    const input = await sampleInput()
    const broken = path.join(dir, 'broken.ogg')
    writeFileSync(broken, 'not audio')
    const instances = [...input.instances.slice(0, 5), {...input.instances[5], path: broken}, ...input.instances.slice(6, 9)]
    const output = path.join(dir, 'out.nc')
    await assert.rejects(
      preprocess({...input, instances}, SAMPLE, {output, workers: 2}),
      (e: unknown) => e instanceof UserError && e.message.includes(broken),
    )
    assert.equal(existsSync(output), false)
    assert.deepEqual(readdirSync(dir), ['broken.ogg'])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

/** A mono 16-bit WAV of a decaying noise burst. */
function wav16(file: string, sampleRate: number, seconds: number): void {
  const n = Math.round(sampleRate * seconds)
  const data = Buffer.alloc(2 * n)
  let seed = 12345
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    data.writeInt16LE(Math.round((seed / 2 ** 32 - 0.5) * 20000 * Math.exp(-i / n)), 2 * i)
  }
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(2 * sampleRate, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(data.length, 40)
  writeFileSync(file, Buffer.concat([header, data]))
}

function items(files: string[]): PreprocessInput {
  return {
    instances: files.map((p) => ({
      path: p,
      filename: path.basename(p),
      labelNominal: null,
      labelNumeric: null,
      cvFolds: [],
      partition: null,
    })),
    labelMap: null,
    numFolds: 0,
  }
}

test('files of different length without fixed length: a clear error; with it, they fit', async () => {
  const dir = tempDir()
  try {
    const a = path.join(dir, 'a.wav')
    const b = path.join(dir, 'b.wav')
    wav16(a, 16000, 1)
    wav16(b, 16000, 1.5)
    const output = path.join(dir, 'out.nc')
    const options = {windowWidth: 0.04, windowOverlap: 0.02, melBands: 32}
    await assert.rejects(
      preprocess(items([a, b]), options, {output, workers: 2}),
      (e: unknown) => e instanceof UserError && e.message.includes(b) && /--fixed-length/.test(e.message),
    )
    assert.equal(existsSync(output), false)
    const summary = await preprocess(items([a, b]), {...options, fixedLength: 1.2}, {output, workers: 2})
    // 59 frames fit, but auDeep expects int((1.2 - 0.02) / 0.02) = int(58.999...) = 58 and widens the step.
    assert.deepEqual(summary.featureShape, [58, 32])
    const written = await readDataSet(output)
    assert.equal(written.numInstances, 2)
    assert.equal(written.labelMap, null)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('mixed sample rates: an error suggesting --sample-rate; with it, all files are resampled', async (t) => {
  const dir = tempDir()
  try {
    const a = path.join(dir, 'a.wav')
    const b = path.join(dir, 'b.wav')
    wav16(a, 16000, 1)
    wav16(b, 22050, 1)
    const output = path.join(dir, 'out.nc')
    const options = {windowWidth: 0.04, windowOverlap: 0.02, melBands: 32, fixedLength: 1}
    await assert.rejects(
      preprocess(items([a, b]), options, {output, workers: 0}),
      (e: unknown) => e instanceof UserError && e.message.includes(b) && /--sample-rate/.test(e.message),
    )
    const summary = await preprocess(items([a, b]), {...options, sampleRate: 16000}, {output, workers: 2})
    assert.equal(summary.sampleRate, 16000)
    assert.deepEqual(summary.featureShape, [49, 32])
    t.diagnostic(`resampled 22050 -> 16000 Hz: ${summary.featureShape.join(' x ')}`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
