// The native spectrogram loop (native/dsp.cc) against its TypeScript reference (stft.ts, fft.ts, mel.ts)
// on real clips, plus the fallback for window lengths the native code declines.

import {test} from 'node:test'
import assert from 'node:assert/strict'
import {decodeAudioFile} from '../../src/audio/decode.js'
import {melFilterbank} from '../../src/dsp/mel.js'
import {melPowerSpectrogram, nativeDspAvailable} from '../../src/dsp/native-dsp.js'
import {computeSpectrogram, fixedLengthSignal, preEmphasis} from '../../src/dsp/spectrogram.js'
import {frameCount} from '../../src/dsp/stft.js'
import {sampleClips} from '../helpers.js'

const skip = !nativeDspAvailable() && 'the native addon is not built'

const clips = sampleClips

function relativeError(a: Float64Array, b: Float64Array): number {
  let worst = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]))
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale)
  return worst
}

test('native mel and linear power spectrograms equal the TypeScript reference on real clips', {skip}, async (t) => {
  const files = clips().slice(0, 6)
  // Window lengths at 44.1 kHz: 3528 (80 ms, 2^3 3^2 7^2), 1764, 2048 (radix 2/4), 2646 (3^3 7^2 2), 2210 (5 13 17 2).
  for (const [windowLength, overlap] of [
    [3528, 1764],
    [1764, 882],
    [2048, 512],
    [2646, 1323],
    [2210, 1105],
  ]) {
    let worstMel = 0
    let worstLinear = 0
    for (const file of files) {
      const audio = await decodeAudioFile(file)
      const signal = fixedLengthSignal(audio.channels, 'MEAN', null, false).slice()
      preEmphasis(signal)
      const frames = frameCount(signal.length, windowLength, overlap)
      const fb = melFilterbank(audio.sampleRate, windowLength, 128)
      const native = new Float64Array(frames * 128)
      const reference = new Float64Array(frames * 128)
      assert.equal(melPowerSpectrogram(signal, windowLength, overlap, fb, native, 'native'), 'native')
      assert.equal(melPowerSpectrogram(signal, windowLength, overlap, fb, reference, 'typescript'), 'typescript')
      worstMel = Math.max(worstMel, relativeError(native, reference))
      const bins = windowLength / 2 + 1
      const nativeLinear = new Float64Array(frames * bins)
      const referenceLinear = new Float64Array(frames * bins)
      melPowerSpectrogram(signal, windowLength, overlap, null, nativeLinear, 'native')
      melPowerSpectrogram(signal, windowLength, overlap, null, referenceLinear, 'typescript')
      worstLinear = Math.max(worstLinear, relativeError(nativeLinear, referenceLinear))
    }
    t.diagnostic(
      `window ${windowLength}: largest difference relative to the largest value: mel ${worstMel.toExponential(1)}, linear ${worstLinear.toExponential(1)}`,
    )
    assert.ok(worstMel < 1e-12 && worstLinear < 1e-12, `window ${windowLength}: ${worstMel}, ${worstLinear}`)
  }
})

test('the tutorial spectrograms of all bundled clips are the same with either engine', {skip}, async () => {
  const options = {windowWidth: 0.08, windowOverlap: 0.04, melBands: 128, fixedLength: 5, clipBelow: -60, centerFixed: true}
  for (const file of clips()) {
    const audio = await decodeAudioFile(file)
    const native = computeSpectrogram(audio, {...options, dspEngine: 'native'}).chunks[0]
    const reference = computeSpectrogram(audio, {...options, dspEngine: 'typescript'}).chunks[0]
    let worst = 0
    for (let i = 0; i < native.length; i++) worst = Math.max(worst, Math.abs(native[i] - reference[i]))
    assert.ok(worst <= 1e-6, `${file}: ${worst}`)
  }
})

test('window lengths the native loop declines (odd, large prime factor) fall back to TypeScript', {skip}, () => {
  const signal = new Float64Array(20000).map((_, i) => Math.sin(i * 0.01) + 0.3 * Math.sin(i * 0.37))
  for (const windowLength of [1001, 2 * 67 * 7]) {
    const overlap = Math.floor(windowLength / 2)
    const frames = frameCount(signal.length, windowLength, overlap)
    const fb = melFilterbank(16000, windowLength, 40)
    const a = new Float64Array(frames * 40)
    const b = new Float64Array(frames * 40)
    assert.equal(melPowerSpectrogram(signal, windowLength, overlap, fb, a, 'native'), 'typescript')
    melPowerSpectrogram(signal, windowLength, overlap, fb, b, 'typescript')
    assert.deepEqual(a, b)
  }
})

test('auto uses the native loop when it is built, and TypeScript when AUDEEP_NATIVE_DSP=0', () => {
  const signal = new Float64Array(8000).map((_, i) => Math.sin(i * 0.05))
  const fb = melFilterbank(16000, 640, 40)
  const out = new Float64Array(frameCount(signal.length, 640, 320) * 40)
  assert.equal(melPowerSpectrogram(signal, 640, 320, fb, out, 'auto'), nativeDspAvailable() ? 'native' : 'typescript')
  const before = process.env.AUDEEP_NATIVE_DSP
  process.env.AUDEEP_NATIVE_DSP = '0'
  try {
    assert.equal(melPowerSpectrogram(signal, 640, 320, fb, out, 'auto'), 'typescript')
  } finally {
    if (before === undefined) delete process.env.AUDEEP_NATIVE_DSP
    else process.env.AUDEEP_NATIVE_DSP = before
  }
})
