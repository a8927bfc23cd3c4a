// Reading audio files into float PCM at their native rate, scaled like libsndfile (which auDeep uses):
// integer PCM divided by 2^(bits-1). WAV is decoded here (wavefile only parses the container, because its
// own conversion scales asymmetrically and misreads WAVE_FORMAT_EXTENSIBLE float as int32); complete Ogg
// Vorbis streams go to the native addon's stb_vorbis when it is built; everything else (and Vorbis without
// the addon: FLAC, MP3, AIFF, ...) goes through audio-decode.

import {readFile} from 'node:fs/promises'
import wavefile from 'wavefile'
import decodeCompressed from 'audio-decode'
import {UserError} from '../core/errors.js'
import {loadNative} from '../nn/engine/native.js'
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

// The packet loop of @audio/decode-vorbis (via @wasm-audio-decoders/ogg-vorbis), written again here for
// complete single-stream files: it parses the Ogg pages with a JavaScript codec parser and copies every
// decoded packet into new arrays before concatenating them, which together cost about a third of the
// decoding time and most of its garbage. Here the packets are cut from the pages' lacing values and each
// packet's samples are copied straight into one array per channel, sized from the last page's granule
// position. Same wasm calls in the same order, so the output is identical (tested on every ESC-10 clip);
// anything unusual (chained or multiplexed streams, more than two channels, unknown decoder internals)
// returns null and takes the library's own path.

interface HeapArray<T> {
  ptr: number
  len: number
}

interface VorbisCodecInternals {
  _common: {wasm: {HEAP: ArrayBuffer; decode_packets(decoder: number): void; malloc(n: number): number; free(p: number): void}}
  _decoder: number
  _firstPage: boolean
  _input: HeapArray<Uint8Array>
  _inputLen: HeapArray<Uint32Array>
  _outputBufferPtr: HeapArray<Uint32Array>
  _channels: HeapArray<Uint32Array>
  _sampleRate: HeapArray<Uint32Array>
  _samplesDecoded: HeapArray<Uint32Array>
  _errorsLength: HeapArray<Int32Array>
  sendSetupHeader(data: Uint8Array): void
  initDsp(): void
}

interface OggPacketPlan {
  /** Data of the first page (it holds the identification header). */
  firstPage: Uint8Array
  packets: Uint8Array[]
  /** Granule position of the last page: the stream's sample count. */
  lastGranule: number
}

/** The packets of one complete, single logical Ogg stream, or null if the file is anything else. */
export function oggPackets(bytes: Uint8Array): OggPacketPlan | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const packets: Uint8Array[] = []
  let pending: Uint8Array[] = []
  let offset = 0
  let serial: number | null = null
  let firstPage: Uint8Array | null = null
  let lastGranule = -1
  while (offset < bytes.length) {
    if (offset + 27 > bytes.length || !startsWith(bytes, 'OggS', offset) || bytes[offset + 4] !== 0) return null
    const flags = bytes[offset + 5]
    const pageSerial = view.getUint32(offset + 14, true)
    if (serial === null) serial = pageSerial
    else if (pageSerial !== serial) return null
    const granule = Number(view.getBigInt64(offset + 6, true))
    const segments = bytes[offset + 26]
    let at = offset + 27 + segments
    const pageStart = at
    let start = at
    for (let i = 0; i < segments; i++) {
      const lace = bytes[offset + 27 + i]
      at += lace
      if (lace < 255) {
        pending.push(bytes.subarray(start, at))
        const packet = pending.length === 1 ? pending[0] : concatBytes(pending)
        pending = []
        packets.push(packet)
        start = at
      }
    }
    if (at > bytes.length) return null
    if (start < at) pending.push(bytes.subarray(start, at))
    if (firstPage === null) firstPage = bytes.subarray(pageStart, at)
    if (granule >= 0) lastGranule = granule
    offset = at
    if (flags & 4) break
  }
  if (offset !== bytes.length || pending.length > 0 || firstPage === null || lastGranule < 0) return null
  return {firstPage, packets, lastGranule}
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

interface FastVorbis {
  codec: VorbisCodecInternals
  initialMemory: Uint8Array
}

let fastVorbis: Promise<FastVorbis | null> | null = null

/** A second decoder instance driven directly, with a snapshot of its initial memory to start each file from. */
function fastVorbisDecoder(): Promise<FastVorbis | null> {
  fastVorbis ??= import('@audio/decode-vorbis')
    .then(async (m) => {
      const upstream = (await m.decoder()) as unknown as {_decoder?: VorbisCodecInternals}
      const codec = upstream._decoder
      const wasm = codec?._common?.wasm
      if (
        codec === undefined ||
        wasm === undefined ||
        typeof codec.sendSetupHeader !== 'function' ||
        typeof codec.initDsp !== 'function' ||
        typeof wasm.decode_packets !== 'function' ||
        typeof wasm.malloc !== 'function' ||
        !(wasm.HEAP instanceof ArrayBuffer) ||
        [codec._input, codec._inputLen, codec._outputBufferPtr, codec._channels, codec._sampleRate, codec._samplesDecoded].some(
          (a) => typeof a?.ptr !== 'number',
        )
      ) {
        return null
      }
      // Everything the decoder has allocated lies below the first free block.
      const end = wasm.malloc(1)
      if (!end) return null
      wasm.free(end)
      const heapEnd = Math.min(wasm.HEAP.byteLength, Math.ceil((end + 65536) / 65536) * 65536)
      return {codec, initialMemory: new Uint8Array(wasm.HEAP, 0, heapEnd).slice()}
    })
    .catch(() => null)
  return fastVorbis
}

// Output buffers reused from file to file when the caller allows it (DecodeOptions.reuseBuffers).
let reusable: Float32Array[] = []

function outputBuffers(channels: number, length: number, reuse: boolean): Float32Array[] {
  if (!reuse) return Array.from({length: channels}, () => new Float32Array(length))
  for (let c = 0; c < channels; c++) {
    if (reusable.length <= c) reusable.push(new Float32Array(0))
    if (reusable[c].length < length) reusable[c] = new Float32Array(Math.max(length, Math.ceil(reusable[c].length * 1.25)))
  }
  return reusable.slice(0, channels).map((b) => b.subarray(0, length))
}

function decodeVorbisFast(
  state: FastVorbis,
  plan: OggPacketPlan,
  reuse: boolean,
): {channelData: Float32Array[]; sampleRate: number} | null {
  const {codec, initialMemory} = state
  const wasm = codec._common.wasm
  if (wasm.HEAP.byteLength < initialMemory.length) return null
  new Uint8Array(wasm.HEAP, 0, initialMemory.length).set(initialMemory)
  codec._firstPage = true
  if (plan.packets.length < 3 || plan.packets[0][0] !== 1 || plan.packets[2][0] !== 5) return null
  if (plan.packets.some((p) => p.length > codec._input.len) || plan.firstPage.length > codec._input.len) return null
  codec.sendSetupHeader(plan.firstPage)
  codec.sendSetupHeader(plan.packets[2])
  codec.initDsp()
  const total = plan.lastGranule
  if (total > 2 ** 26) return null // over ~25 min at 44.1 kHz: the library's path, which grows as it goes
  let channelData: Float32Array[] | null = null
  let written = 0
  let decoded = 0
  // Views of the wasm heap, made again only if the heap grows (which detaches the old buffer).
  let heap = wasm.HEAP
  let u8 = new Uint8Array(heap)
  let u32 = new Uint32Array(heap)
  let f32 = new Float32Array(heap)
  for (let i = 3; i < plan.packets.length; i++) {
    const packet = plan.packets[i]
    u8.set(packet, codec._input.ptr)
    u32[codec._inputLen.ptr >>> 2] = packet.length
    wasm.decode_packets(codec._decoder)
    if (wasm.HEAP !== heap) {
      heap = wasm.HEAP
      u8 = new Uint8Array(heap)
      u32 = new Uint32Array(heap)
      f32 = new Float32Array(heap)
    }
    const samples = u32[codec._samplesDecoded.ptr >>> 2]
    const channels = u32[codec._channels.ptr >>> 2]
    if (channels < 1 || channels > 2) return null
    channelData ??= outputBuffers(channels, total, reuse)
    if (channelData.length !== channels) return null
    decoded += samples
    const keep = Math.min(samples, total - written)
    if (keep > 0) {
      const pointers = u32[codec._outputBufferPtr.ptr >>> 2] >>> 2
      for (let c = 0; c < channels; c++) {
        const from = u32[pointers + c] >>> 2
        const out = channelData[c]
        for (let k = 0; k < keep; k++) out[written + k] = f32[from + k]
      }
      written += keep
    }
  }
  if (channelData === null || written === 0) return null
  const sampleRate = u32[codec._sampleRate.ptr >>> 2]
  // The library keeps everything decoded when the stream ends short of its granule position.
  const length = Math.min(decoded, total)
  return {channelData: channelData.map((c) => (length < total ? c.subarray(0, length) : c)), sampleRate}
}

// Complete single-stream Ogg Vorbis files are decoded by stb_vorbis in the native addon (native/vorbis.cc)
// when it is built: about half the CPU time of libvorbis in WebAssembly. Its samples differ from
// libvorbis' by float rounding only (at most 5.4e-7 on the 400 ESC-10 clips, tested), and its sample count
// is checked against the stream's granule position: whatever it rejects, or decodes short, goes to the
// WebAssembly decoder below, as do all files when AUDEEP_VORBIS=wasm.

interface VorbisAddon {
  vorbisDecode?(
    bytes: Uint8Array,
    limit: number,
    reuse: Float32Array[] | null,
  ): {sampleRate: number; channels: Float32Array[]; decoded: number} | {error: string}
}

export type VorbisEngine = 'native' | 'wasm'

/** The decoder for complete Ogg Vorbis streams: `native` when the addon has it, unless AUDEEP_VORBIS=wasm. */
export function vorbisEngine(): VorbisEngine {
  if (process.env.AUDEEP_VORBIS === 'wasm') return 'wasm'
  return typeof (loadNative() as VorbisAddon | null)?.vorbisDecode === 'function' ? 'native' : 'wasm'
}

/** Decodes with stb_vorbis; null when it rejects the stream or its sample count is not the granule's. */
export function decodeVorbisNative(
  bytes: Uint8Array,
  plan: OggPacketPlan,
  reuse: boolean,
): {channelData: Float32Array[]; sampleRate: number} | null {
  const addon = loadNative() as VorbisAddon | null
  if (typeof addon?.vorbisDecode !== 'function') return null
  const total = plan.lastGranule
  if (total > 2 ** 28) return null // over ~100 min at 44.1 kHz (1 GiB per channel): the library's path
  // The identification header's channel count (byte 11) sizes the reused buffers.
  const id = plan.packets[0]
  const channels = id !== undefined && id.length > 11 && id[0] === 1 ? id[11] : 0
  const buffers = reuse && channels > 0 ? outputBuffers(channels, total, true) : null
  const result = addon.vorbisDecode(bytes, total, buffers)
  if ('error' in result) return null
  if (result.channels.length === 0 || result.channels[0].length !== total) return null
  return {channelData: result.channels, sampleRate: result.sampleRate}
}

async function decodeVorbisShared(bytes: Uint8Array, reuse: boolean): Promise<{channelData: Float32Array[]; sampleRate: number} | null> {
  if (!isCompleteOggStream(bytes)) return null
  const plan = oggPackets(bytes)
  if (plan !== null && vorbisEngine() === 'native') {
    const result = decodeVorbisNative(bytes, plan, reuse)
    if (result !== null) return result
  }
  if (process.env.AUDEEP_FAST_VORBIS !== '0') {
    const fast = plan === null ? null : await fastVorbisDecoder()
    if (plan !== null && fast !== null) {
      try {
        const result = decodeVorbisFast(fast, plan, reuse)
        if (result !== null) return result
      } catch {
        // A broken stream: start the fast decoder afresh next time and let the library report it.
        fastVorbis = null
      }
    }
  }
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

export interface DecodeOptions {
  /**
   * Let the decoder write into buffers it reuses for the next file on this thread (Ogg Vorbis for now):
   * the samples are then valid only until the next decode call. For batch loops that are done with a
   * file before decoding the next; saves a signal-sized allocation per file and the memory it holds until
   * the next garbage collection.
   */
  reuseBuffers?: boolean
}

/** Decodes a file's bytes. */
export async function decodeAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedAudio> {
  if (isWav(bytes)) return decodeWav(bytes)
  let decoded: {channelData: Float32Array[]; sampleRate: number} | null = null
  if (startsWith(bytes, 'OggS')) decoded = await decodeVorbisShared(bytes, options.reuseBuffers ?? false)
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
export async function decodeAudioFile(path: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (e) {
    throw new UserError(`${path}: cannot read audio file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    return await decodeAudio(bytes, options)
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${path}: ${e.message}`, {cause: e})
    // Whatever else a decoder throws on damaged data (a range error, a failed allocation) concerns this file.
    throw new UserError(`${path}: cannot decode audio (${String((e as Error)?.message ?? e).split('\n')[0]})`, {cause: e})
  }
}
