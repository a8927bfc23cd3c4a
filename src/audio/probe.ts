// Cheap audio facts (sample rate, channels, length in frames) for `inspect raw`, read from headers instead
// of decoding: WAV (RIFF/RIFX/RF64) chunk sizes, Ogg Vorbis/Opus identification header plus the last
// page's granule position, FLAC STREAMINFO. Anything else (MP3, FLAC without a total-samples count, Ogg
// FLAC, ...) is decoded in full, which is exact but slow.

import {open, type FileHandle} from 'node:fs/promises'

import {UserError} from '../core/errors.js'
import {pythonJsonDumps} from '../python/json.js'
import {decodeAudioFile} from './decode.js'

export interface AudioInfo {
  readonly sampleRate: number
  readonly channels: number
  /** Samples per channel. */
  readonly frames: number
}

const HEAD_BYTES = 64 * 1024
const OGG_TAIL_BYTES = 64 * 1024

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset + length > bytes.length) return ''
  return String.fromCharCode(...bytes.subarray(offset, offset + length))
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length)
  let filled = 0
  while (filled < length) {
    const {bytesRead} = await fh.read(buffer, filled, length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

/** Walks RIFF chunks; reads only chunk headers and the fmt / ds64 bodies. */
async function probeWav(fh: FileHandle, head: Uint8Array, fileSize: number): Promise<AudioInfo> {
  const container = ascii(head, 0, 4)
  const little = container !== 'RIFX'
  let fmt: {channels: number; sampleRate: number; bits: number} | null = null
  let ds64DataSize: number | null = null
  let offset = 12
  while (offset + 8 <= fileSize) {
    const header = await readAt(fh, offset, 8)
    if (header.length < 8) break
    const view = new DataView(header.buffer, header.byteOffset, 8)
    const id = ascii(header, 0, 4)
    let size = view.getUint32(4, little)
    const body = offset + 8
    if (id === 'fmt ') {
      const b = await readAt(fh, body, Math.min(size, 40))
      if (b.length < 16) throw new UserError('truncated WAV fmt chunk')
      const v = new DataView(b.buffer, b.byteOffset, b.length)
      fmt = {channels: v.getUint16(2, little), sampleRate: v.getUint32(4, little), bits: v.getUint16(14, little)}
    } else if (id === 'ds64') {
      const b = await readAt(fh, body, 20)
      if (b.length >= 20) {
        const v = new DataView(b.buffer, b.byteOffset, b.length)
        ds64DataSize = Number(v.getBigUint64(8, true))
      }
    } else if (id === 'data') {
      if (fmt === null) throw new UserError('WAV data chunk before fmt chunk')
      if (container === 'RF64' && size === 0xffffffff && ds64DataSize !== null) size = ds64DataSize
      // Streamed or truncated files declare more than they hold; count what is there, as decoders do.
      const bytes = Math.min(size, fileSize - body)
      const frameBytes = Math.ceil(fmt.bits / 8) * fmt.channels
      if (!(fmt.channels >= 1) || !(fmt.bits >= 1)) throw new UserError('WAV header declares no channels or no sample size')
      return {sampleRate: fmt.sampleRate, channels: fmt.channels, frames: Math.floor(bytes / frameBytes)}
    }
    offset = body + size + (size & 1)
  }
  throw new UserError(fmt === null ? 'WAV file without fmt chunk' : 'WAV file without data chunk')
}

interface OggPage {
  readonly granule: bigint
  readonly serial: number
  /** Offset of the first packet's data within the buffer. */
  readonly dataOffset: number
}

function oggPageAt(bytes: Uint8Array, offset: number): OggPage | null {
  if (ascii(bytes, offset, 4) !== 'OggS' || offset + 27 > bytes.length || bytes[offset + 4] !== 0) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 27)
  const segments = bytes[offset + 26]
  return {granule: view.getBigInt64(6, true), serial: view.getUint32(14, true), dataOffset: offset + 27 + segments}
}

async function probeOgg(fh: FileHandle, head: Uint8Array, fileSize: number, path: string): Promise<AudioInfo> {
  const first = oggPageAt(head, 0)
  if (first === null) throw new UserError('malformed Ogg page')
  const p = first.dataOffset
  let sampleRate: number
  let channels: number
  let preSkip = 0
  if (head[p] === 1 && ascii(head, p + 1, 6) === 'vorbis') {
    if (head.length < p + 16) throw new UserError('truncated Vorbis header')
    const v = new DataView(head.buffer, head.byteOffset + p, 16)
    channels = v.getUint8(11)
    sampleRate = v.getUint32(12, true)
  } else if (ascii(head, p, 8) === 'OpusHead') {
    if (head.length < p + 19) throw new UserError('truncated Opus header')
    const v = new DataView(head.buffer, head.byteOffset + p, 19)
    channels = v.getUint8(9)
    preSkip = v.getUint16(10, true)
    // Opus always decodes at 48 kHz whatever rate the encoder was fed.
    sampleRate = 48000
  } else {
    return probeByDecoding(path)
  }

  // The last page of the stream carries the total sample count as its granule position.
  for (let tail = OGG_TAIL_BYTES; ; tail *= 4) {
    const start = Math.max(0, fileSize - tail)
    const bytes = start === 0 && fileSize <= head.length ? head : await readAt(fh, start, fileSize - start)
    for (let i = bytes.length - 27; i >= 0; i--) {
      if (bytes[i] !== 0x4f) continue
      const page = oggPageAt(bytes, i)
      if (page !== null && page.serial === first.serial && page.granule >= 0n) {
        const frames = Number(page.granule) - preSkip
        return {sampleRate, channels, frames: Math.max(0, frames)}
      }
    }
    if (start === 0) throw new UserError('Ogg stream without a final granule position')
  }
}

function flacMarkerOffset(head: Uint8Array): number {
  let offset = 0
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 10) {
    const size = ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f)
    offset = 10 + size + (head[5] & 0x10 ? 10 : 0)
  }
  return ascii(head, offset, 4) === 'fLaC' ? offset : -1
}

function probeFlac(head: Uint8Array, marker: number): AudioInfo | null {
  const info = marker + 8 // "fLaC" + metadata block header
  if (head.length < info + 18) return null
  const b = (i: number): number => head[info + i]
  const sampleRate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4)
  const channels = ((b(12) >> 1) & 7) + 1
  const frames = (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17)
  // A zero count means "unknown" in STREAMINFO; only decoding can tell then.
  if (frames === 0 || sampleRate === 0) return null
  return {sampleRate, channels, frames}
}

async function probeByDecoding(path: string): Promise<AudioInfo> {
  const decoded = await decodeAudioFile(path)
  return {sampleRate: decoded.sampleRate, channels: decoded.channels.length, frames: decoded.numSamples}
}

/** Sample rate, channel count and length of an audio file. Errors are UserErrors naming the file. */
export async function probeAudio(path: string): Promise<AudioInfo> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (error) {
    throw new UserError(`${path}: cannot open audio file (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  try {
    const fileSize = (await fh.stat()).size
    if (fileSize === 0) throw new UserError('empty file')
    const head = await readAt(fh, 0, Math.min(HEAD_BYTES, fileSize))
    const magic = ascii(head, 0, 4)
    let info: AudioInfo | null = null
    if ((magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64') && ascii(head, 8, 4) === 'WAVE') {
      info = await probeWav(fh, head, fileSize)
    } else if (magic === 'OggS') {
      info = await probeOgg(fh, head, fileSize, path)
    } else {
      const marker = flacMarkerOffset(head)
      if (marker >= 0) info = probeFlac(head, marker)
    }
    info ??= await probeByDecoding(path)
    if (!(info.sampleRate > 0)) throw new UserError(`invalid sample rate ${info.sampleRate}`)
    if (!(info.channels > 0)) throw new UserError('no audio channels')
    return info
  } catch (error) {
    if (error instanceof UserError && !error.message.startsWith(path)) throw new UserError(`${path}: ${error.message}`, {cause: error})
    throw error
  } finally {
    await fh.close()
  }
}

/**
 * Probes many files with bounded parallelism (header reads are I/O bound; decoding fallbacks are CPU bound
 * but rare). Results are in input order; the first failure rejects.
 */
export async function probeAudioFiles(paths: readonly string[], concurrency = 16): Promise<AudioInfo[]> {
  const results = new Array<AudioInfo>(paths.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const index = next++
      results[index] = await probeAudio(paths[index])
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, paths.length)}, worker))
  return results
}

// ---------------------------------------------------------------------------------------------------------
// HEAR's `audio_dir_stats` summary (hearpreprocess.util.audio.get_audio_dir_stats), computed from probes.

/** Python's round(x, digits): the exact binary value rounded to nearest, ties to even. */
export function pythonRound(x: number, digits: number): number {
  return Number(pythonFixed(x, digits))
}

/** Python's '%.<digits>f' % x. JS toFixed rounds exact ties up; Python rounds them to even. */
export function pythonFixed(x: number, digits: number): string {
  const text = x.toFixed(digits)
  // toFixed works on the exact binary value, so it only differs from Python at exact ties, which the
  // exact decimal expansion (a 5 followed by zeros) reveals; x * 10^digits cannot, as it rounds itself.
  const extra = Math.min(30, 100 - digits)
  if (extra <= 0 || !Number.isFinite(x)) return text
  const expansion = x.toFixed(digits + extra)
  if (!/^50*$/.test(expansion.slice(-extra))) return text
  let kept = expansion.slice(0, -extra)
  if (kept.endsWith('.')) kept = kept.slice(0, -1)
  // An even last digit stays (Python rounds ties to even); an odd one is what toFixed rounded up.
  return Number(kept[kept.length - 1]) % 2 === 0 ? kept : text
}

/** numpy.percentile with the default linear method (including numpy's lerp for t >= 0.5). */
export function percentile(sorted: readonly number[], p: number): number {
  const index = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(index)
  const hi = Math.min(lo + 1, sorted.length - 1)
  const t = index - lo
  const a = sorted[lo]
  const b = sorted[hi]
  const diff = b - a
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
}

export interface AudioDirStats {
  count: number
  duration: Record<string, number>
  samplerates: Record<string, number>
  count_mono: number
  summary: {successfully_extracted: Record<string, number>; failed_to_extract: Record<string, number>}
}

/**
 * The fields of HEAR's audio_dir_stats JSON for a list of files and their probes. Unlike HEAR, every file is
 * used (HEAR samples 1000 in its own, file-system-dependent order), so `count_sample` never appears;
 * sample rates are listed in ascending order.
 */
export function audioDirStats(paths: readonly string[], infos: readonly AudioInfo[]): AudioDirStats {
  if (paths.length === 0 || paths.length !== infos.length) throw new Error('audioDirStats needs one probe per file')
  const durations = infos.map((i) => i.frames / i.sampleRate)
  const n = durations.length
  const mean = durations.reduce((s, d) => s + d, 0) / n
  const allEqual = durations.every((d) => d === durations[0])
  const variance = allEqual ? 0 : durations.reduce((s, d) => s + (d - mean) ** 2, 0) / n
  const duration: Record<string, number> = {mean: allEqual ? durations[0] : mean, var: variance}
  if (variance > 0) {
    const sorted = [...durations].sort((a, b) => a - b)
    duration.min = sorted[0]
    duration.max = sorted[n - 1]
    for (const p of [10, 25, 50, 75, 90, 95]) duration[`${p}th`] = percentile(sorted, p)
  }
  for (const key of Object.keys(duration)) duration[key] = pythonRound(duration[key], 2)

  const rates = new Map<number, number>()
  for (const info of infos) rates.set(info.sampleRate, (rates.get(info.sampleRate) ?? 0) + 1)
  const samplerates: Record<string, number> = {}
  for (const rate of [...rates.keys()].sort((a, b) => a - b)) samplerates[String(rate)] = rates.get(rate)!

  const extensions: Record<string, number> = {}
  for (const p of paths) {
    const base = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1)
    const dot = base.lastIndexOf('.')
    // pathlib's suffix: none for names without a dot or starting with their only dot.
    const ext = dot > 0 ? base.slice(dot) : ''
    extensions[ext] = (extensions[ext] ?? 0) + 1
  }
  return {
    count: n,
    duration,
    samplerates,
    count_mono: infos.filter((i) => i.channels === 1).length,
    summary: {successfully_extracted: extensions, failed_to_extract: {}},
  }
}

function pythonFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
  const s = String(x)
  if (Number.isInteger(x) && !s.includes('e')) return `${s}.0`
  // JS writes 1e+21 where Python writes 1e+21 too, but 1e-7 where Python writes 1e-07.
  return s.replace(/e([+-])(\d)$/, 'e$10$2')
}

/** json.dump(stats, f, indent=True) as HEAR writes it: one-space indent, floats in Python's repr, no final newline. */
export function formatAudioDirStats(stats: AudioDirStats): string {
  const floatKeys = new Set(['duration'])
  const write = (value: unknown, indent: string, floats: boolean): string => {
    if (typeof value === 'number') return floats ? pythonFloatRepr(value) : String(value)
    if (typeof value === 'string') return pythonJsonDumps(value)
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return '{}'
    const inner = indent + ' '
    const items = entries.map(([k, v]) => `${inner}${pythonJsonDumps(k)}: ${write(v, inner, floats || floatKeys.has(k))}`)
    return `{\n${items.join(',\n')}\n${indent}}`
  }
  return write(stats, '', false)
}
