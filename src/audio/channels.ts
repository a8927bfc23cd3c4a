// Reducing multichannel audio to the single signal the spectrogram is computed from.

import {UserError} from '../core/errors.js'

export type Pcm = Float32Array | Float64Array

export const CHANNEL_FUSIONS = ['MEAN', 'DIFF', 'LEFT', 'RIGHT'] as const
export type ChannelFusion = (typeof CHANNEL_FUSIONS)[number]

/** Case-insensitive, like auDeep's enum options. */
export function parseChannelFusion(name: string): ChannelFusion {
  const upper = name.toUpperCase()
  const found = CHANNEL_FUSIONS.find((c) => c === upper)
  if (found === undefined) throw new UserError(`unknown channel fusion '${name}' (expected one of mean, diff, left, right)`)
  return found
}

/**
 * For stereo the result is auDeep's. For more channels auDeep produced interleaved garbage; here MEAN
 * averages all channels and LEFT/RIGHT take channel 0/1. Mono stays mono for MEAN/LEFT/RIGHT as in auDeep,
 * but DIFF of anything other than two channels is an error rather than a silent pass-through.
 */
export function fuseChannels(channels: readonly Pcm[], mode: ChannelFusion): Float64Array {
  const n = channels.length > 0 ? channels[0].length : 0
  const out = new Float64Array(n)
  fuseChannelsInto(channels, mode, out, 0, 0, n)
  return out
}

/**
 * Writes the fused samples [start, start + count) of the channels to out[outOffset ...], so that cutting
 * or padding to a fixed length needs no intermediate copy.
 */
export function fuseChannelsInto(
  channels: readonly Pcm[],
  mode: ChannelFusion,
  out: Float64Array,
  outOffset: number,
  start: number,
  count: number,
): void {
  const numChannels = channels.length
  if (numChannels === 0) throw new UserError('audio has no channels')
  const n = channels[0].length
  for (const c of channels) {
    if (c.length !== n) throw new Error('channels differ in length')
  }
  if (start < 0 || start + count > n) throw new Error(`sample range [${start}, ${start + count}) outside 0..${n}`)
  if (mode === 'DIFF' && numChannels !== 2) {
    throw new UserError(`channel fusion DIFF needs exactly 2 channels, the audio has ${numChannels}`)
  }
  const end = start + count
  const shift = outOffset - start
  if (numChannels === 1 || mode === 'LEFT' || mode === 'RIGHT') {
    const source = channels[numChannels > 1 && mode === 'RIGHT' ? 1 : 0]
    for (let i = start; i < end; i++) out[i + shift] = source[i]
  } else if (mode === 'DIFF') {
    const [a, b] = channels
    for (let i = start; i < end; i++) out[i + shift] = a[i] - b[i]
  } else {
    // numpy's mean: the sum, then one division.
    const first = channels[0]
    for (let i = start; i < end; i++) out[i + shift] = first[i]
    for (let c = 1; c < numChannels; c++) {
      const ch = channels[c]
      for (let i = start; i < end; i++) out[i + shift] += ch[i]
    }
    for (let i = start; i < end; i++) out[i + shift] /= numChannels
  }
}
