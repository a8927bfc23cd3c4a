// Opt-in sample-rate conversion (auDeep never resamples; `--sample-rate` is new). libsamplerate's sinc
// converters (121 dB SNR for MEDIUM, 137 dB for BEST in dependencies.md §1.3) run in float32.

import {UserError} from '../core/errors.js'
import type {Pcm} from './channels.js'

export type ResampleQuality = 'best' | 'medium' | 'fastest'

const CONVERTER: Record<ResampleQuality, 0 | 1 | 2> = {best: 0, medium: 1, fastest: 2}

/** The length a resampled signal must have: round(n * to / from). */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  return Math.round((n * toRate) / fromRate)
}

/**
 * Resamples every channel from `fromRate` to `toRate`. The converter's output can be a sample short, so it
 * is zero-padded or trimmed to round(n * to / from). Identity when the rates are equal.
 */
export async function resample(
  channels: readonly Pcm[],
  fromRate: number,
  toRate: number,
  quality: ResampleQuality = 'medium',
): Promise<Pcm[]> {
  if (!(toRate > 0) || !Number.isFinite(toRate)) throw new UserError(`invalid target sample rate ${toRate}`)
  if (fromRate === toRate) return [...channels]
  // libsamplerate accepts ratios in [1/256, 256].
  if (toRate / fromRate > 256 || fromRate / toRate > 256) {
    throw new UserError(`cannot resample from ${fromRate} Hz to ${toRate} Hz (ratio beyond 256)`)
  }
  // Imported on first use: its wasm module costs memory in every preprocessing worker otherwise.
  const {default: libsamplerate} = await import('@alexanderolsen/libsamplerate-js')
  const out: Pcm[] = []
  for (const channel of channels) {
    const src = await libsamplerate.create(1, fromRate, toRate, {converterType: CONVERTER[quality]})
    try {
      const input = channel instanceof Float32Array ? channel : Float32Array.from(channel)
      const converted = src.simple(input)
      const target = new Float32Array(resampledLength(channel.length, fromRate, toRate))
      target.set(converted.subarray(0, target.length))
      out.push(target)
    } finally {
      src.destroy()
    }
  }
  return out
}
