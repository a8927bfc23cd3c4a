// Unit behaviour of the pipeline's steps, including the fixes to auDeep's crashes.

import {test} from 'node:test'
import assert from 'node:assert/strict'
import {UserError} from '../../src/core/errors.js'
import {hzToMel, melFilterbank, melToHz} from '../../src/dsp/mel.js'
import {periodicHann} from '../../src/dsp/window.js'
import {frameCount, powerSpectrogram} from '../../src/dsp/stft.js'
import {computeSpectrogram, fixedLengthSignal, framing, powerToDb, scaleChunk} from '../../src/dsp/spectrogram.js'

function noise(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    x[i] = (s / 2 ** 32 - 0.5) * 0.5
  }
  return x
}

test('periodic Hann: zero at 0, one at n/2, symmetric about n/2', () => {
  const w = periodicHann(8)
  assert.equal(w[0], 0)
  assert.ok(Math.abs(w[4] - 1) < 1e-15)
  for (let j = 1; j < 8; j++) assert.ok(Math.abs(w[j] - w[8 - j]) < 1e-15)
})

test('HTK mel scale round trip and 1000 Hz ~ 1000 mel', () => {
  assert.ok(Math.abs(hzToMel(1000) - 1000) < 0.1)
  for (const hz of [0, 100, 4000, 22050]) assert.ok(Math.abs(melToHz(hzToMel(hz)) - hz) < 1e-9 * Math.max(1, hz))
})

test('mel filterbank: unnormalised triangles with peak 1, no weight on DC or Nyquist', () => {
  const fb = melFilterbank(44100, 3528, 128)
  assert.equal(fb.numBins, 1765)
  assert.equal(fb.zeroBands, 0)
  let nyquistWeight = 0
  for (let m = 0; m < 128; m++) {
    const row = fb.weights[m]
    const peak = Math.max(...row)
    assert.equal(peak, 1, `band ${m} peaks at 1`)
    assert.equal(row[0], 0, `band ${m} starts at weight 0`)
    if (fb.start[m] + row.length > 1764) nyquistWeight += row[1764 - fb.start[m]] ?? 0
  }
  assert.equal(nyquistWeight, 0)
  // Band 1's edges follow floor((W + 1) * hz / fs) on the mel grid from 0 to mel(fs/2).
  const step = hzToMel(22050) / 129
  const edges = [0, 1, 2].map((i) => Math.floor((3529 * melToHz(i * step)) / 44100))
  assert.equal(fb.start[0], edges[0])
  assert.equal(fb.weights[0].length, edges[2] - edges[0])
})

test('mel filterbank reports bands left empty by a coarse FFT', () => {
  const fb = melFilterbank(8000, 64, 40)
  assert.ok(fb.zeroBands > 0)
  const result = computeSpectrogram({sampleRate: 8000, channels: [noise(8000)]}, {windowWidth: 0.008, windowOverlap: 0.004, melBands: 40})
  assert.ok(result.warnings.some((w) => w.includes('zero bands')))
})

test('STFT framing follows scipy: trailing partial frame dropped, no padding', () => {
  assert.equal(frameCount(220500, 3528, 1764), 124)
  assert.equal(frameCount(3527, 3528, 1764), 0)
  const spec = powerSpectrogram(noise(10000), {windowLength: 1000, overlap: 250})
  assert.equal(spec.frames, Math.floor((10000 - 250) / 750))
  assert.equal(spec.bins, 501)
})

test('per-frame mean removal: a DC offset does not change the power spectrum', () => {
  const x = Float64Array.from(noise(4000))
  const shifted = x.map((v) => v + 0.25)
  const a = powerSpectrogram(x, {windowLength: 800, overlap: 400})
  const b = powerSpectrogram(shifted, {windowLength: 800, overlap: 400})
  let max = 0
  let peak = 0
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs(a.data[i] - b.data[i]))
    peak = Math.max(peak, a.data[i])
  }
  assert.ok(max < 1e-12 * peak, `difference ${max} against a peak of ${peak}`)
})

test('fixed length: truncation and padding, at the start or centred', () => {
  const x = [Float64Array.from([1, 2, 3, 4, 5])]
  assert.deepEqual([...fixedLengthSignal(x, 'MEAN', 3, false)], [1, 2, 3])
  assert.deepEqual([...fixedLengthSignal(x, 'MEAN', 3, true)], [2, 3, 4])
  // The scratch buffer is reused: padding must be re-zeroed each time.
  assert.deepEqual([...fixedLengthSignal(x, 'MEAN', 8, false)], [1, 2, 3, 4, 5, 0, 0, 0])
  assert.deepEqual([...fixedLengthSignal([Float64Array.from([9, 9, 9, 9, 9, 9, 9, 9])], 'MEAN', 8, false)], [9, 9, 9, 9, 9, 9, 9, 9])
  assert.deepEqual([...fixedLengthSignal(x, 'MEAN', 8, true)], [0, 1, 2, 3, 4, 5, 0, 0])
  assert.deepEqual([...fixedLengthSignal(x, 'MEAN', null, true)], [1, 2, 3, 4, 5])
  const stereo = [Float64Array.from([1, 2, 3, 4]), Float64Array.from([3, 4, 5, 6])]
  assert.deepEqual([...fixedLengthSignal(stereo, 'MEAN', 2, true)], [3, 4])
  assert.deepEqual([...fixedLengthSignal(stereo, 'DIFF', 6, true)], [0, -2, -2, -2, -2, 0])
})

test('frame-count correction happens once and may miss (reference example: 22 050 Hz, 0.03/0.02 s, 31 s)', () => {
  const n = Math.trunc(31 * 22050)
  const f = framing(22050, n, {windowWidth: 0.03, windowOverlap: 0.02, fixedLength: 31})
  assert.equal(f.expectedFrames, 3098)
  assert.ok(f.warning)
  assert.equal(frameCount(n, f.windowLength, f.overlap), 3090)
  const none = framing(44100, 220500, {windowWidth: 0.08, windowOverlap: 0.04, fixedLength: 5})
  assert.deepEqual([none.windowLength, none.overlap, none.warning], [3528, 1764, null])
})

test('dB conversion: 0 dB maximum, zeros raised to the smallest positive value, clip below then above', () => {
  const s = Float64Array.from([0, 1e-8, 1e-3, 1])
  assert.ok(powerToDb(s, null, null))
  assert.deepEqual(
    [...s].map((v) => Math.round(v * 1e6) / 1e6),
    [-80, -80, -30, 0],
  )
  const c = Float64Array.from([1e-8, 1e-3, 1])
  powerToDb(c, -45.5, -10.25)
  assert.deepEqual([...c], [-45.5, -30, -10.25])
  assert.equal(powerToDb(new Float64Array(3), -60, null), false)
})

test('chunk scaling: affine onto [-1, 1]; a constant chunk becomes all 0', () => {
  const out = new Float32Array(3)
  scaleChunk(Float64Array.from([-60, -30, 0]), out)
  assert.deepEqual([...out], [-1, 0, 1])
  scaleChunk(Float64Array.from([-60, -60, -60]), out)
  assert.deepEqual([...out], [0, 0, 0])
})

test('FIX: digital silence gives zeros and a warning instead of a crash', () => {
  const result = computeSpectrogram(
    {sampleRate: 16000, channels: [new Float32Array(16000)]},
    {windowWidth: 0.04, windowOverlap: 0.02, melBands: 32, clipBelow: -60, chunkLength: 0.25, chunkCount: 2},
  )
  assert.equal(result.chunks.length, 2)
  for (const c of result.chunks) assert.ok(c.every((v) => v === 0))
  assert.ok(result.warnings.some((w) => w.includes('silence')))
})

test('FIX: fewer than chunk_count full chunks is a UserError', () => {
  const audio = {sampleRate: 16000, channels: [noise(16000)]}
  const options = {windowWidth: 0.04, windowOverlap: 0.02, melBands: 32, chunkLength: 0.3, chunkCount: 4}
  assert.throws(
    () => computeSpectrogram(audio, options),
    (e: unknown) => e instanceof UserError && /too few chunks/.test(e.message),
  )
  // 49 frames, 15 per chunk: 3 full chunks are enough for a count of 3.
  const ok = computeSpectrogram(audio, {...options, chunkCount: 3})
  assert.deepEqual([ok.chunks.length, ok.timeSteps, ok.freqBands], [3, 15, 32])
})

test('chunk options must come together; float clip values are accepted', () => {
  const audio = {sampleRate: 16000, channels: [noise(16000)]}
  assert.throws(() => computeSpectrogram(audio, {windowWidth: 0.04, windowOverlap: 0.02, chunkLength: 0.3}), UserError)
  const r = computeSpectrogram(audio, {windowWidth: 0.04, windowOverlap: 0.02, melBands: 16, clipBelow: -37.5, scale: false})
  assert.ok(Math.min(...r.chunks[0]) >= -37.5)
  assert.equal(Math.max(...r.chunks[0]), 0)
})

test('audio shorter than one window is a UserError, not an empty instance', () => {
  assert.throws(() => computeSpectrogram({sampleRate: 16000, channels: [noise(100)]}, {windowWidth: 0.04, windowOverlap: 0.02}), UserError)
})

test('channel fusion: MEAN of stereo equals the mono mean; LEFT/RIGHT/DIFF pick or subtract', () => {
  const left = noise(8000, 1)
  const right = noise(8000, 2)
  const options = {windowWidth: 0.04, windowOverlap: 0.02, melBands: 16, scale: false}
  const mean = Float64Array.from(left, (v, i) => (v + right[i]) / 2)
  const diff = Float64Array.from(left, (v, i) => v - right[i])
  const stereo = {sampleRate: 8000, channels: [left, right]}
  const pairs: [object, Float64Array | Float32Array][] = [
    [{channels: 'MEAN'}, mean],
    [{channels: 'LEFT'}, left],
    [{channels: 'RIGHT'}, right],
    [{channels: 'DIFF'}, diff],
  ]
  for (const [extra, mono] of pairs) {
    const a = computeSpectrogram(stereo, {...options, ...extra})
    const b = computeSpectrogram({sampleRate: 8000, channels: [mono]}, options)
    assert.deepEqual(a.chunks[0], b.chunks[0], JSON.stringify(extra))
  }
  // FIX: more than two channels: MEAN averages all; DIFF is refused.
  const third = noise(8000, 3)
  const mean3 = Float64Array.from(left, (v, i) => (v + right[i] + third[i]) / 3)
  const a = computeSpectrogram({sampleRate: 8000, channels: [left, right, third]}, options)
  const b = computeSpectrogram({sampleRate: 8000, channels: [mean3]}, options)
  assert.deepEqual(a.chunks[0], b.chunks[0])
  assert.throws(() => computeSpectrogram({sampleRate: 8000, channels: [left, right, third]}, {...options, channels: 'DIFF'}), UserError)
})
