// Reading audio files into float PCM at their native rate, scaled like libsndfile (which auDeep uses):
// integer PCM divided by 2^(bits-1). WAV is decoded here (wavefile only parses the container, because its
// own conversion scales asymmetrically and misreads WAVE_FORMAT_EXTENSIBLE float as int32); everything
// else (OGG Vorbis, FLAC, MP3, AIFF, ...) goes through audio-decode.

import {readFile} from 'node:fs/promises'
import wavefile from 'wavefile'
import decodeCompressed from 'audio-decode'
import {UserError} from '../core/errors.js'
import type {Pcm} from './channels.js'

export interface DecodedAudio {
  sampleRate: number
  /** One array per channel, all of the same length, nominally in [-1, 1). */
  channels: Pcm[]
  numSamples: number
  /** Container/codec as detected, e.g. 'wav', 'oga', 'flac', 'mp3'. */
  format: string
}

const WAVE_FORMAT_PCM = 1
const WAVE_FORMAT_IEEE_FLOAT = 3
const WAVE_FORMAT_ALAW = 6
const WAVE_FORMAT_MULAW = 7
const WAVE_FORMAT_EXTENSIBLE = 0xfffe

function startsWith(bytes: Uint8Array, text: string, offset = 0): boolean {
  if (bytes.length < offset + text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false
  return true
}

function isWav(bytes: Uint8Array): boolean {
  return (startsWith(bytes, 'RIFF') || startsWith(bytes, 'RIFX') || startsWith(bytes, 'RF64')) && startsWith(bytes, 'WAVE', 8)
}

interface WavFmt {
  audioFormat: number
  numChannels: number
  sampleRate: number
  bitsPerSample: number
  subformat?: number[]
}

// G.711 (ITU-T) companded 8-bit codes expand to 16-bit linear values, which libsndfile then scales by 1/32768
// like 16-bit PCM. A-law: 13-bit magnitudes (shifted left by 3), even bits inverted in transmission. mu-law:
// 14-bit magnitudes (shifted left by 2), all bits inverted, biased by 0x84 (132) before the segment shift.

function alawToLinear(code: number): number {
  const a = code ^ 0x55
  const segment = (a >> 4) & 7
  let magnitude = ((a & 0x0f) << 4) + 8
  if (segment > 0) magnitude = (magnitude + 0x100) << (segment - 1)
  return a & 0x80 ? magnitude : -magnitude
}

function mulawToLinear(code: number): number {
  const u = ~code & 0xff
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
  return u & 0x80 ? 0 - magnitude : magnitude // 0 - 0 is +0, as the integer decoders give
}

/** The 256 linear values of each G.711 law, divided by 32768. */
const G711_TABLES = new Map<number, Float32Array>([
  [WAVE_FORMAT_ALAW, Float32Array.from({length: 256}, (_, c) => alawToLinear(c) / 32768)],
  [WAVE_FORMAT_MULAW, Float32Array.from({length: 256}, (_, c) => mulawToLinear(c) / 32768)],
])

/**
 * Decodes PCM (8/16/24/32-bit int), IEEE float (32/64-bit) and G.711 A-law/mu-law (8-bit) WAV, plain or
 * WAVE_FORMAT_EXTENSIBLE.
 */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  let wav: InstanceType<typeof wavefile.WaveFile>
  try {
    wav = new wavefile.WaveFile(bytes)
  } catch (e) {
    throw new UserError(`not a readable WAV file (${(e as Error).message})`)
  }
  const fmt = wav.fmt as WavFmt
  const data = (wav.data as {samples: Uint8Array}).samples
  let encoding = fmt.audioFormat
  // The extensible header carries the real format in the first field of its sub-format GUID.
  if (encoding === WAVE_FORMAT_EXTENSIBLE && fmt.subformat && fmt.subformat.length > 0) encoding = fmt.subformat[0]
  const bits = fmt.bitsPerSample
  const numChannels = fmt.numChannels
  if (!(numChannels >= 1)) throw new UserError('WAV file declares no channels')
  if (!(fmt.sampleRate >= 1)) throw new UserError(`WAV file declares a sample rate of ${fmt.sampleRate}`)
  const bytesPerSample = Math.ceil(bits / 8)
  const frameBytes = bytesPerSample * numChannels
  const numSamples = Math.floor(data.length / frameBytes)
  const littleEndian = wav.container !== 'RIFX'
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)

  let read: (offset: number) => number
  let useFloat64 = false
  if (encoding === WAVE_FORMAT_PCM) {
    switch (bytesPerSample) {
      case 1:
        read = (o) => (view.getUint8(o) - 128) / 128
        break
      case 2:
        read = (o) => view.getInt16(o, littleEndian) / 32768
        break
      case 3:
        read = littleEndian
          ? (o) => ((view.getInt8(o + 2) << 16) | (view.getUint8(o + 1) << 8) | view.getUint8(o)) / 8388608
          : (o) => ((view.getInt8(o) << 16) | (view.getUint8(o + 1) << 8) | view.getUint8(o + 2)) / 8388608
        useFloat64 = true
        break
      case 4:
        read = (o) => view.getInt32(o, littleEndian) / 2147483648
        useFloat64 = true
        break
      default:
        throw new UserError(`unsupported WAV sample size: ${bits} bits`)
    }
  } else if (encoding === WAVE_FORMAT_IEEE_FLOAT) {
    if (bits === 32) read = (o) => view.getFloat32(o, littleEndian)
    else if (bits === 64) {
      read = (o) => view.getFloat64(o, littleEndian)
      useFloat64 = true
    } else throw new UserError(`unsupported WAV float sample size: ${bits} bits`)
  } else if (G711_TABLES.has(encoding)) {
    if (bits !== 8) throw new UserError(`unsupported ${encoding === WAVE_FORMAT_ALAW ? 'A-law' : 'mu-law'} WAV sample size: ${bits} bits`)
    const table = G711_TABLES.get(encoding)!
    read = (o) => table[view.getUint8(o)]
  } else {
    throw new UserError(`unsupported WAV encoding (format tag ${encoding}); only PCM, IEEE float, A-law and mu-law are supported`)
  }

  const channels: Pcm[] = []
  for (let c = 0; c < numChannels; c++) {
    const out = useFloat64 ? new Float64Array(numSamples) : new Float32Array(numSamples)
    let offset = c * bytesPerSample
    for (let i = 0; i < numSamples; i++, offset += frameBytes) out[i] = read(offset)
    if (encoding === WAVE_FORMAT_IEEE_FLOAT) {
      // Float data can hold NaN or infinities (a damaged file); they would silently poison every feature.
      for (let i = 0; i < numSamples; i++) {
        if (!Number.isFinite(out[i])) throw new UserError(`sample ${i} of channel ${c + 1} is ${out[i]} (damaged float WAV?)`)
      }
    }
    channels.push(out)
  }
  return {sampleRate: fmt.sampleRate, channels, numSamples, format: 'wav'}
}

/** Offset of the "fLaC" marker, skipping an ID3v2 tag; -1 if absent. */
function flacMarker(bytes: Uint8Array): number {
  let offset = 0
  if (startsWith(bytes, 'ID3') && bytes.length >= 10) {
    const size = ((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) | ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f)
    offset = 10 + size + (bytes[5] & 0x10 ? 10 : 0)
  }
  return startsWith(bytes, 'fLaC', offset) ? offset : -1
}

/** Bits per sample from a FLAC STREAMINFO block (the first metadata block), or null. */
export function flacBitsPerSample(bytes: Uint8Array): number | null {
  const marker = flacMarker(bytes)
  if (marker < 0 || bytes.length < marker + 22) return null
  const info = marker + 8
  return (((bytes[info + 12] & 1) << 4) | (bytes[info + 13] >> 4)) + 1
}

/**
 * True if the bytes are one whole Ogg stream: pages from a beginning-of-stream page to an end-of-stream
 * page that ends exactly at the end of the data.
 */
export function isCompleteOggStream(bytes: Uint8Array): boolean {
  let offset = 0
  let first = true
  while (offset < bytes.length) {
    if (offset + 27 > bytes.length || !startsWith(bytes, 'OggS', offset) || bytes[offset + 4] !== 0) return false
    const flags = bytes[offset + 5]
    if (first && !(flags & 2)) return false
    const segments = bytes[offset + 26]
    const body = offset + 27 + segments
    if (body > bytes.length) return false
    let end = body
    for (let i = offset + 27; i < body; i++) end += bytes[i]
    if (end > bytes.length) return false
    if (flags & 4) return end === bytes.length
    offset = end
    first = false
  }
  return false
}

interface VorbisDecoder {
  decode(data: Uint8Array): {channelData: Float32Array[]; sampleRate: number}
  free(): void
}

// audio-decode builds a new WASM decoder instance per file; for Vorbis (the ESC data sets) that costs
// about a fifth of the decoding time, mostly in garbage collections of the discarded instances' memory.
// The Vorbis decoder it wraps restores its initial memory before each complete stream, so one instance
// per thread decodes any number of complete files with identical output.
let sharedVorbis: Promise<VorbisDecoder | null> | null = null

function vorbisDecoder(): Promise<VorbisDecoder | null> {
  sharedVorbis ??= import('@audio/decode-vorbis').then((m) => m.decoder() as Promise<VorbisDecoder>).catch(() => null)
  return sharedVorbis
}

async function decodeVorbisShared(bytes: Uint8Array): Promise<{channelData: Float32Array[]; sampleRate: number} | null> {
  if (!isCompleteOggStream(bytes)) return null
  const decoder = await vorbisDecoder()
  if (decoder === null) return null
  try {
    const result = decoder.decode(bytes)
    return result.channelData.length > 0 ? result : null
  } catch {
    // Not Vorbis (e.g. Opus in Ogg) or a broken stream: the instance's state is unknown, start afresh and
    // let audio-decode produce the result or the error.
    sharedVorbis = null
    decoder.free()
    return null
  }
}

/** Decodes a file's bytes. */
export async function decodeAudio(bytes: Uint8Array): Promise<DecodedAudio> {
  if (isWav(bytes)) return decodeWav(bytes)
  let decoded: {channelData: Float32Array[]; sampleRate: number} | null = null
  if (startsWith(bytes, 'OggS')) decoded = await decodeVorbisShared(bytes)
  try {
    decoded ??= await decodeCompressed(bytes)
  } catch (e) {
    throw new UserError(`cannot decode audio (${(e as Error).message})`)
  }
  const channels = decoded.channelData
  if (channels.length === 0 || !(decoded.sampleRate > 0)) throw new UserError('the decoder returned no audio')
  const bits = flacBitsPerSample(bytes)
  if (bits === 16) {
    // The FLAC decoder divides 16-bit samples by 32767; libsndfile (and so auDeep) by 32768.
    const factor = 32767 / 32768
    for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] *= factor
  }
  return {
    sampleRate: decoded.sampleRate,
    channels,
    numSamples: channels[0].length,
    format: bits !== null ? 'flac' : detectFormat(bytes),
  }
}

function detectFormat(bytes: Uint8Array): string {
  if (startsWith(bytes, 'OggS')) return 'ogg'
  if (startsWith(bytes, 'ID3') || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) return 'mp3'
  if (startsWith(bytes, 'FORM')) return 'aiff'
  return 'unknown'
}

/** Reads and decodes an audio file; errors name the file. */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (e) {
    throw new UserError(`${path}: cannot read audio file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    return await decodeAudio(bytes)
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${path}: ${e.message}`, {cause: e})
    // Whatever else a decoder throws on damaged data (a range error, a failed allocation) concerns this file.
    throw new UserError(`${path}: cannot decode audio (${String((e as Error)?.message ?? e).split('\n')[0]})`, {cause: e})
  }
}
