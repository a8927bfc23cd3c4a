// End-to-end check of decode + spectrogram pipeline against auDeep's own outputs on ESC-10
// (../shared/reference/audeep, tolerances from its README, "How tests should compare").

import {test} from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import {readDataSet} from '../../src/data/netcdf/index.js'
import type {DataSet} from '../../src/data/dataset.js'
import {decodeAudioFile, type DecodedAudio} from '../../src/audio/decode.js'
import {computeSpectrogram, type SpectrogramOptions, type SpectrogramResult} from '../../src/dsp/spectrogram.js'
import {DifferenceStats, describe, esc10Files, referenceDir} from './golden.js'
import {needsShared, sharedMissing} from '../helpers.js'

const TUTORIAL: SpectrogramOptions = {windowWidth: 0.08, windowOverlap: 0.04, melBands: 128, clipBelow: -60}
const SAMPLE: SpectrogramOptions = {...TUTORIAL, fixedLength: 5, centerFixed: true}
const CHUNKED: SpectrogramOptions = {...TUTORIAL, fixedLength: 5.2, chunkLength: 1, chunkCount: 5}

const files = sharedMissing ? new Map<string, string>() : esc10Files()
const decoded = new Map<string, Promise<DecodedAudio>>()

function audioOf(filename: string): Promise<DecodedAudio> {
  let p = decoded.get(filename)
  if (p === undefined) {
    const where = files.get(filename)
    assert.ok(where, `ESC-10 clip ${filename} not found`)
    p = decodeAudioFile(where)
    decoded.set(filename, p)
  }
  return p
}

interface Comparison {
  stats: DifferenceStats
  /** Per file: [our max, reference max] over all its stored chunks. */
  fileMax: Map<string, [number, number]>
  /** Reference chunks that are all exactly zero, and whether ours are too. */
  zeroChunks: {key: string; oursZero: boolean}[]
  instances: number
}

async function compareWith(reference: DataSet, options: SpectrogramOptions, only?: Set<string>): Promise<Comparison> {
  const stats = new DifferenceStats(1e-3)
  const fileMax = new Map<string, [number, number]>()
  const zeroChunks: {key: string; oursZero: boolean}[] = []
  const results = new Map<string, SpectrogramResult>()
  let instances = 0
  for (let i = 0; i < reference.numInstances; i++) {
    const {filename, chunkNr} = reference.instances[i]
    if (only && !only.has(filename)) continue
    let result = results.get(filename)
    if (result === undefined) {
      result = computeSpectrogram(await audioOf(filename), options)
      results.set(filename, result)
      assert.deepEqual([result.timeSteps, result.freqBands], reference.featureShape, `shape for ${filename}`)
    }
    const ours = result.chunks[chunkNr]
    assert.ok(ours, `${filename} has no chunk ${chunkNr}`)
    const expected = reference.instanceFeatures(i)
    stats.add(ours, expected)
    let oursMax = -Infinity
    let refMax = -Infinity
    let refZero = true
    let oursZero = true
    for (let j = 0; j < ours.length; j++) {
      if (ours[j] > oursMax) oursMax = ours[j]
      if (expected[j] > refMax) refMax = expected[j]
      if (expected[j] !== 0) refZero = false
      if (ours[j] !== 0) oursZero = false
    }
    const prev = fileMax.get(filename) ?? [-Infinity, -Infinity]
    fileMax.set(filename, [Math.max(prev[0], oursMax), Math.max(prev[1], refMax)])
    if (refZero) zeroChunks.push({key: `${filename}#${chunkNr}`, oursZero})
    instances++
  }
  return {stats, fileMax, zeroChunks, instances}
}

function assertScaledTolerance(t: {diagnostic(m: string): void}, c: Comparison): void {
  const d = c.stats.result()
  t.diagnostic(`${c.instances} instances: ${describe(d)}`)
  assert.ok(d.maxAbs <= 1e-2, `max abs ${d.maxAbs}`)
  assert.ok(d.meanAbs <= 1e-4, `mean abs ${d.meanAbs}`)
  assert.ok(d.fractionOver < 1e-3, `fraction over 1e-3: ${d.fractionOver}`)
  for (const z of c.zeroChunks) assert.ok(z.oursZero, `${z.key} should be all zero`)
  if (c.zeroChunks.length > 0) t.diagnostic(`all-floor chunks stored as exact zeros: ${c.zeroChunks.map((z) => z.key).join(', ')}`)
}

function assertDbTolerance(t: {diagnostic(m: string): void}, c: Comparison): void {
  const d = c.stats.result()
  t.diagnostic(`${c.instances} instances: ${describe(d)} (dB)`)
  assert.ok(d.maxAbs <= 0.25, `max abs ${d.maxAbs} dB`)
  assert.ok(d.meanAbs <= 1e-3, `mean abs ${d.meanAbs} dB`)
  let exact = 0
  for (const [file, [ours, ref]] of c.fileMax) {
    if (ref === 0) {
      assert.equal(ours, 0, `${file}: the file's maximum must be exactly 0 dB`)
      exact++
    }
  }
  t.diagnostic(`${exact} of ${c.fileMax.size} files peak at exactly 0 dB in both`)
}

const ref = (name: string): Promise<DataSet> => readDataSet(path.join(referenceDir(), name))

test('esc10-sample.nc: scaled mel spectrograms, fixed 5 s centred', needsShared, async (t) => {
  assertScaledTolerance(t, await compareWith(await ref('esc10-sample.nc'), SAMPLE))
})

test('esc10-sample-db.nc: the unscaled dB path', needsShared, async (t) => {
  const c = await compareWith(await ref('esc10-sample-db.nc'), {...SAMPLE, scale: false})
  assertDbTolerance(t, c)
  assert.equal(c.fileMax.size, 20)
  for (const [file, [, refMax]] of c.fileMax) assert.equal(refMax, 0, `reference max of ${file}`)
})

test('esc10-sample-chunked.nc: 5 chunks of 25 frames, fixed 5.2 s padded at the end', needsShared, async (t) => {
  const c = await compareWith(await ref('esc10-sample-chunked.nc'), CHUNKED)
  assert.equal(c.instances, 100)
  assert.equal(c.zeroChunks.length, 10, 'the README lists 10 all-floor chunks')
  assertScaledTolerance(t, c)
})

test('ops/chunked-db.nc: chunked dB values', needsShared, async (t) => {
  assertDbTolerance(t, await compareWith(await ref('ops/chunked-db.nc'), {...CHUNKED, scale: false}))
})

test('esc10-full-0.08-0.04-128-60.nc: rows of the 20 sample files', needsShared, async (t) => {
  const sample = await ref('esc10-sample.nc')
  const subset = new Set(sample.instances.map((i) => i.filename))
  const c = await compareWith(await ref('esc10-full-0.08-0.04-128-60.nc'), SAMPLE, subset)
  assert.equal(c.instances, 20)
  assertScaledTolerance(t, c)
})

test(
  'esc10-full-0.08-0.04-128-60.nc: all 400 files',
  {skip: sharedMissing ?? (process.env.AUDEEP_SLOW_TESTS !== '1' && 'set AUDEEP_SLOW_TESTS=1')},
  async (t) => {
    const c = await compareWith(await ref('esc10-full-0.08-0.04-128-60.nc'), SAMPLE)
    assert.equal(c.instances, 400)
    assertScaledTolerance(t, c)
  },
)

test('esc10-sample-power-defaults.nc: linear power spectrum shape and branch', needsShared, async (t) => {
  // Unclipped values are not portable across decoders (README); check shape and the scaling invariants.
  const reference = await ref('esc10-sample-power-defaults.nc')
  assert.deepEqual(reference.featureShape, [249, 883])
  const first = reference.instances[0].filename
  const result = computeSpectrogram(await audioOf(first), {windowWidth: 0.04, windowOverlap: 0.02})
  assert.deepEqual([result.timeSteps, result.freqBands], [249, 883])
  assert.equal(result.windowLength, 1764)
  let min = Infinity
  let max = -Infinity
  for (const v of result.chunks[0]) {
    min = Math.min(min, v)
    max = Math.max(max, v)
  }
  assert.equal(min, -1)
  assert.equal(max, 1)
  const stats = new DifferenceStats(0.1)
  stats.add(result.chunks[0], reference.instanceFeatures(0))
  t.diagnostic(`${first} (informative only, not asserted): ${describe(stats.result())}`)
})
