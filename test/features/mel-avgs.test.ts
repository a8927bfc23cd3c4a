// EfficientAT mel averages: the front end against an independent numpy implementation (fixture written by
// make-mel-avgs-fixture.py), and `audeep mel-avgs generate` producing features that `fuse` combines with
// t-rae features of the same files.

import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {
  efficientAtLogMel,
  kaldiMelBanks,
  MEL_AVGS_DEFAULTS,
  melAverages,
  symmetricHann,
  type MelAvgsOptions,
} from '../../src/features/mel-avgs.js'
import {repoRoot, runCli, sampleDir, tempDir} from '../helpers.js'

interface FixtureCase {
  samples: number
  config: {n_mels?: number; hop?: number; fmax?: number}
  frames: number
  melAvgs: number[]
  float32MaxDiff: number
}

/** The fixture's synthetic 32 kHz signal: chirp, amplitude-modulated tone and 32-bit LCG noise. */
function synthetic(n: number, sr = 32000): Float64Array {
  const x = new Float64Array(n)
  const dur = n / sr
  let s = 12345
  for (let i = 0; i < n; i++) {
    const t = i / sr
    s = (Math.imul(1664525, s) + 1013904223) >>> 0
    const noise = s / 2 ** 32 - 0.5
    x[i] =
      0.5 * Math.sin(2 * Math.PI * (200 * t + 0.5 * (6000 / dur) * t * t)) +
      0.2 * Math.sin(2 * Math.PI * 5000 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t)) +
      0.05 * noise
  }
  return x
}

test('mel averages match an independent numpy implementation of the EfficientAT front end', (t) => {
  const fixture = JSON.parse(readFileSync(join(repoRoot, 'test', 'features', 'mel-avgs-fixture.json'), 'utf8')) as {cases: FixtureCase[]}
  assert.equal(fixture.cases.length, 3)
  for (const c of fixture.cases) {
    const options: MelAvgsOptions = {
      ...MEL_AVGS_DEFAULTS,
      melBands: c.config.n_mels ?? 128,
      hop: c.config.hop ?? 320,
      fmax: c.config.fmax ?? 15000,
    }
    const signal = synthetic(c.samples)
    const ours = melAverages(signal, options)
    assert.equal(ours.length, c.melAvgs.length)
    assert.equal(efficientAtLogMel(signal, options).frames, c.frames)
    let max = 0
    for (let m = 0; m < ours.length; m++) max = Math.max(max, Math.abs(ours[m] - c.melAvgs[m]))
    t.diagnostic(
      `${c.samples} samples, ${options.melBands} bands, hop ${options.hop}: max |diff| ${max.toExponential(2)} (float32 vs float64 in numpy: ${c.float32MaxDiff.toExponential(2)})`,
    )
    // float32 storage of values around -1..1 rounds at ~6e-8; everything else is float64 on both sides.
    assert.ok(max < 1e-6, `max difference ${max}`)
  }
})

test('Kaldi mel banks: triangles up to 1 between fmin and fmax, and the window is symmetric', (t) => {
  const banks = kaldiMelBanks(128, 1024, 32000, 0, 15000)
  let lastBin = 0
  let narrow = 0
  banks.weights.forEach((w, m) => {
    const peak = Math.max(0, ...w)
    assert.ok(peak <= 1)
    // The lowest bands are narrower than the 31.25 Hz bins and catch only a flank of one bin, as in EfficientAT.
    if (peak < 0.5) narrow++
    if (w.length > 0) lastBin = Math.max(lastBin, banks.start[m] + w.length - 1)
  })
  t.diagnostic(`${narrow} of 128 bands peak below 0.5`)
  assert.ok(narrow < 12)
  assert.ok(
    banks.weights.slice(20).every((w) => Math.max(...w) > 0.5),
    'from band 20 on every band catches its centre',
  )
  // 15 kHz is bin 480 at 31.25 Hz per bin; no weight reaches beyond it.
  assert.ok(lastBin <= 480 && lastBin >= 470, `last bin ${lastBin}`)
  const w = symmetricHann(800)
  assert.equal(w[0], 0)
  assert.ok(Math.abs(w[799]) < 1e-15)
  assert.ok(Math.abs(w[100] - w[699]) < 1e-15)
})

test('mel-avgs generate writes [n, 128] generated features that fuse with t-rae features of the same files', async () => {
  const dir = tempDir()
  const sample = sampleDir
  const mel = join(dir, 'mel-avgs.nc')
  let r = runCli(['mel-avgs', 'generate', '--basedir', sample, '--workers', '2', '--output', mel])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /wrote 20 instances of \[128\] \(generated\) from 20 files/)
  const features = await readDataSet(mel)
  assert.deepEqual(features.featureDims, ['generated'])
  assert.deepEqual(features.featureShape, [128])
  assert.equal(features.instances[0].filename, '1-100032-A.ogg')
  assert.deepEqual(features.instances[0].cvFolds, [1, 0, 0, 0, 0])
  // Normalised log-mel: log(1e-5) maps to (-11.5 + 4.5) / 5 = -1.40; real sounds lie between that and ~+1.
  for (const v of features.features) assert.ok(v >= -1.41 && v < 2, `value ${v}`)
  const rain = features.instanceFeatures(features.instances.findIndex((i) => i.labelNominal === 'Rain'))
  assert.ok(rain.reduce((a, b) => a + b, 0) / 128 > -0.9, 'rain is broadband noise well above the floor')

  const spectrograms = join(dir, 'spectrograms.nc')
  r = runCli([
    'preprocess',
    '-q',
    '--basedir',
    sample,
    '--window-width',
    '0.08',
    '--window-overlap',
    '0.04',
    '--mel-spectrum',
    '32',
    '--fixed-length',
    '2',
    '--output',
    spectrograms,
  ])
  assert.equal(r.status, 0, r.stderr)
  r = runCli([
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
    '1',
  ])
  assert.equal(r.status, 0, r.stderr)
  const trae = join(dir, 'trae.nc')
  r = runCli(['t-rae', 'generate', '-q', '--model-dir', join(dir, 'run', 'logs'), '--input', spectrograms, '--output', trae])
  assert.equal(r.status, 0, r.stderr)
  const fused = join(dir, 'fused.nc')
  r = runCli(['fuse', '--input', trae, mel, '--output', fused])
  assert.equal(r.status, 0, r.stderr)
  const both = await readDataSet(fused)
  assert.deepEqual(both.featureShape, [8 + 128])
  assert.deepEqual(both.instances, features.instances)
  assert.deepEqual(both.instanceFeatures(5).subarray(8), features.instanceFeatures(5))
})

test('mel-avgs generate refuses a mel range beyond Nyquist with one clear line', () => {
  const r = runCli(['mel-avgs', 'generate', '--basedir', sampleDir, '--fmax', '20000', '--output', join(tempDir(), 'x.nc')])
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /^audeep: error: --fmax must be a number in \(0, 16000\]/)
})
