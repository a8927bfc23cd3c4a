import {test} from 'node:test'
import assert from 'node:assert/strict'
import {resample, resampledLength} from '../../src/audio/resample.js'

function sine(n: number, rate: number, hz: number): Float32Array {
  return Float32Array.from({length: n}, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate))
}

test('resampling a tone to 16 kHz keeps it, with the exact expected length', async (t) => {
  const n = 44100 * 2 + 37
  const [out] = await resample([sine(n, 44100, 1000)], 44100, 16000)
  assert.equal(out.length, resampledLength(n, 44100, 16000))
  assert.equal(out.length, Math.round((n * 16000) / 44100))
  const ideal = sine(out.length, 16000, 1000)
  // Away from the edges (filter transients) the error is far below 16-bit quantisation.
  let err = 0
  let sig = 0
  for (let i = 1000; i < out.length - 1000; i++) {
    err += (out[i] - ideal[i]) ** 2
    sig += ideal[i] ** 2
  }
  const snr = 10 * Math.log10(sig / err)
  t.diagnostic(`SNR against the ideal 16 kHz tone: ${snr.toFixed(1)} dB`)
  assert.ok(snr > 90, `SNR ${snr}`)
})

test('upsampling, several channels, and identity when rates match', async () => {
  const a = sine(8000, 8000, 440)
  const b = sine(8000, 8000, 660)
  const out = await resample([a, b], 8000, 22050)
  assert.equal(out.length, 2)
  for (const c of out) assert.equal(c.length, 22050)
  const same = await resample([a], 8000, 8000)
  assert.equal(same[0], a)
})
