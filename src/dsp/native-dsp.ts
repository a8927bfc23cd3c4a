// The spectrogram's hot loop (framing, Hann window, real FFT, power, mel filterbank) on the optional C++
// addon (native/dsp.cc), with the TypeScript path (stft.ts, fft.ts, mel.ts) as the reference it is tested
// against and the fallback when the addon is missing, disabled (AUDEEP_DISABLE_NATIVE=1, or
// AUDEEP_NATIVE_DSP=0 for this part only) or cannot handle the window length (odd, or a prime factor
// above 61).

import {loadNative} from '../nn/engine/native.js'
import {applyMelFilterbank, type MelFilterbank} from './mel.js'
import {forEachPowerFrame, frameCount, hannFor} from './stft.js'

interface DspAddon {
  melPowerSpectrogram?(
    signal: Float64Array,
    windowLength: number,
    overlap: number,
    window: Float64Array,
    melStart: Int32Array | null,
    melOffsets: Int32Array | null,
    melWeights: Float64Array | null,
    out: Float64Array,
  ): boolean
}

export type DspEngine = 'auto' | 'native' | 'typescript'

/** The filterbank's rows packed for the addon, once per filterbank. */
const packed = new WeakMap<MelFilterbank, {offsets: Int32Array; weights: Float64Array}>()

function packFilterbank(fb: MelFilterbank): {offsets: Int32Array; weights: Float64Array} {
  let p = packed.get(fb)
  if (p === undefined) {
    const offsets = new Int32Array(fb.numBands + 1)
    for (let m = 0; m < fb.numBands; m++) offsets[m + 1] = offsets[m] + fb.weights[m].length
    const weights = new Float64Array(offsets[fb.numBands])
    for (let m = 0; m < fb.numBands; m++) weights.set(fb.weights[m], offsets[m])
    p = {offsets, weights}
    packed.set(fb, p)
  }
  return p
}

/** True when `auto` runs the native path (the addon is built, loads, and has the DSP function). */
export function nativeDspAvailable(): boolean {
  if (process.env.AUDEEP_NATIVE_DSP === '0') return false
  return typeof (loadNative() as DspAddon | null)?.melPowerSpectrogram === 'function'
}

/**
 * Writes the [frame, band] mel energies (or, without a filterbank, the [frame, bin] power spectra) of the
 * signal into out (frameCount x bands) and returns the engine that computed them. `native` falls back to
 * TypeScript only when the addon declines the window length; it throws when the addon is missing.
 */
export function melPowerSpectrogram(
  signal: Float64Array,
  windowLength: number,
  overlap: number,
  fb: MelFilterbank | null,
  out: Float64Array,
  engine: DspEngine = 'auto',
): 'native' | 'typescript' {
  if (engine !== 'typescript' && (engine === 'native' || nativeDspAvailable())) {
    const addon = loadNative() as DspAddon | null
    if (typeof addon?.melPowerSpectrogram !== 'function') throw new Error('the native DSP addon is not available')
    const p = fb === null ? null : packFilterbank(fb)
    const done = addon.melPowerSpectrogram(
      signal,
      windowLength,
      overlap,
      hannFor(windowLength),
      fb === null ? null : fb.start,
      p === null ? null : p.offsets,
      p === null ? null : p.weights,
      out,
    )
    if (done) return 'native'
  }
  if (fb !== null) {
    const bands = fb.numBands
    forEachPowerFrame(signal, {windowLength, overlap}, (t, power) => applyMelFilterbank(fb, power, out, t * bands))
  } else {
    const bins = Math.floor(windowLength / 2) + 1
    forEachPowerFrame(signal, {windowLength, overlap}, (t, power) => out.set(power, t * bins))
  }
  return 'typescript'
}

export {frameCount}
