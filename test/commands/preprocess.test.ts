// `audeep preprocess` as a user runs it, on the bundled ESC-10 sample, against the original's output.

import assert from 'node:assert/strict'
import {cpSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {needsShared, reference, runCli, sampleDir, tempDir, TUTORIAL_PREPROCESS} from '../helpers.js'

const SAMPLE = sampleDir
const TUTORIAL = TUTORIAL_PREPROCESS

test('preprocess reproduces esc10-sample.nc within the reference tolerances', needsShared, async (t) => {
  const out = join(tempDir(), 'nested', 'esc10-sample.nc')
  const r = runCli(['preprocess', '--basedir', SAMPLE, ...TUTORIAL, '--output', out])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /wrote 20 instances of \[124, 128\]/)
  const ours = await readDataSet(out)
  const theirs = await readDataSet(reference('esc10-sample.nc'))
  assert.deepEqual([...ours.labelMap!], [...theirs.labelMap!])
  const index = new Map(theirs.instances.map((inst, i) => [inst.filename, i]))
  let max = 0
  let sum = 0
  ours.instances.forEach((inst, i) => {
    const j = index.get(inst.filename)!
    assert.deepEqual(inst, theirs.instances[j])
    const a = ours.instanceFeatures(i)
    const b = theirs.instanceFeatures(j)
    for (let k = 0; k < a.length; k++) {
      const d = Math.abs(a[k] - b[k])
      max = Math.max(max, d)
      sum += d
    }
  })
  const mean = sum / ours.features.length
  t.diagnostic(`max abs difference ${max.toExponential(2)}, mean ${mean.toExponential(2)}`)
  assert.ok(max <= 1e-2 && mean <= 1e-4)
  // Files are sorted by name within each class (auDeep used filesystem order).
  assert.deepEqual(
    ours.instances.slice(0, 2).map((i) => i.filename),
    ['1-100032-A.ogg', '3-136288-A.ogg'],
  )
})

test('without the native addon preprocess gives the same spectrograms (TypeScript path, library Vorbis loop)', async (t) => {
  const dir = tempDir()
  // The native spectrogram loop with the WebAssembly libvorbis, as without the addon.
  const native = runCli(['preprocess', '--basedir', SAMPLE, ...TUTORIAL, '--output', join(dir, 'native.nc')], {
    env: {AUDEEP_VORBIS: 'wasm'},
  })
  assert.equal(native.status, 0, native.stderr)
  const plain = runCli(['preprocess', '--basedir', SAMPLE, ...TUTORIAL, '--output', join(dir, 'plain.nc')], {
    env: {AUDEEP_DISABLE_NATIVE: '1', AUDEEP_FAST_VORBIS: '0'},
  })
  assert.equal(plain.status, 0, plain.stderr)
  // Everything native (the default): the addon's Vorbis decoder too.
  const all = runCli(['preprocess', '--basedir', SAMPLE, ...TUTORIAL, '--output', join(dir, 'all.nc')])
  assert.equal(all.status, 0, all.stderr)
  const a = await readDataSet(join(dir, 'native.nc'))
  const b = await readDataSet(join(dir, 'plain.nc'))
  const c = await readDataSet(join(dir, 'all.nc'))
  assert.deepEqual(a.instances, b.instances)
  assert.deepEqual(c.instances, b.instances)
  const largest = (x: Float32Array, y: Float32Array): number => {
    let max = 0
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]))
    return max
  }
  const max = largest(a.features, b.features)
  assert.ok(max <= 1e-6, `largest difference ${max}`)
  // stb_vorbis' samples differ from libvorbis' by float rounding (<= 5.4e-7 on ESC-10); in these features
  // (dB, clipped at -60, scaled to [-1, 1]) that moves values by up to ~3e-5, about as much as ours differ
  // from auDeep's own (4.7e-5; test/dsp/spectrogram-golden.test.ts allows up to 1e-2 there).
  const decoderDifference = largest(c.features, b.features)
  assert.ok(decoderDifference <= 1e-4, `native Vorbis decoder: largest difference ${decoderDifference}`)
  t.diagnostic(`native Vorbis decoder vs WebAssembly libvorbis: largest feature difference ${decoderDifference.toExponential(2)}`)
})

test('preprocess --pretend prints the file table and writes a plot, but no data set', () => {
  const dir = tempDir()
  const png = join(dir, 'pretend.png')
  const r = runCli(['preprocess', '--basedir', SAMPLE, ...TUTORIAL, '--pretend', '3', '--pretend-plot', png, '--output', join(dir, 'x.nc')])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /\| label +\| Rain \(1\) +\|/)
  assert.match(r.stdout, /\| cross validation splits +\| TRAIN,TRAIN,TRAIN,VALID,TRAIN +\|/)
  assert.match(r.stdout, /\| time steps per chunk +\| 124 +\|/)
  assert.deepEqual([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG')
  assert.equal(existsSync(join(dir, 'x.nc')), false)
})

test('preprocess --skip-errors leaves out unreadable files and says which', async () => {
  const dir = tempDir()
  const data = join(dir, 'data')
  cpSync(SAMPLE, data, {recursive: true})
  const broken = join(data, '001 - Dog bark', '2-999999-A.ogg')
  writeFileSync(broken, 'not audio at all')
  const out = join(dir, 'out.nc')
  const failing = runCli(['preprocess', '--basedir', data, ...TUTORIAL, '--output', out])
  assert.notEqual(failing.status, 0)
  assert.match(failing.stderr, /2-999999-A\.ogg/)
  assert.equal(
    failing.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('audeep: error')).length,
    1,
  )
  assert.equal(existsSync(out), false, 'no half-written output')
  assert.deepEqual(readdirSync(dir).sort(), ['data'])

  const skipping = runCli(['preprocess', '--basedir', data, ...TUTORIAL, '--skip-errors', '--output', out])
  assert.equal(skipping.status, 0, skipping.stderr)
  assert.match(skipping.stderr, /skipped .*2-999999-A\.ogg/)
  assert.equal((await readDataSet(out)).numInstances, 20)
})

test('preprocess refuses inconsistent options with one clear line', () => {
  const r = runCli(['preprocess', '--basedir', SAMPLE, '--chunk-length', '1', '--output', join(tempDir(), 'x.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /^audeep: error: .*chunk-count/)
  const missing = runCli(['preprocess', '--basedir', join(tempDir(), 'nowhere')])
  assert.notEqual(missing.status, 0)
  assert.match(missing.stderr, /nowhere/)
})
