// Tiny data-set trees for the parser tests: directories with small WAV files written here.

import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {tempDir} from '../helpers.js'

let root: string | undefined

/** A new empty directory; all of them live in one temporary directory removed at exit. */
export function freshDir(): string {
  root ??= tempDir('audeep-parsers-')
  return mkdtempSync(join(root, 'case-'))
}

export interface WavSpec {
  sampleRate?: number
  channels?: number
  frames?: number
}

/** A 16-bit PCM WAV holding a quiet ramp (not silence, so decoders have something to chew on). */
export function wavBytes({sampleRate = 16000, channels = 1, frames = 160}: WavSpec = {}): Buffer {
  const dataBytes = frames * channels * 2
  const buf = Buffer.alloc(44 + dataBytes)
  buf.write('RIFF', 0, 'ascii')
  buf.writeUInt32LE(36 + dataBytes, 4)
  buf.write('WAVE', 8, 'ascii')
  buf.write('fmt ', 12, 'ascii')
  buf.writeUInt32LE(16, 16)
  buf.writeUInt16LE(1, 20)
  buf.writeUInt16LE(channels, 22)
  buf.writeUInt32LE(sampleRate, 24)
  buf.writeUInt32LE(sampleRate * channels * 2, 28)
  buf.writeUInt16LE(channels * 2, 32)
  buf.writeUInt16LE(16, 34)
  buf.write('data', 36, 'ascii')
  buf.writeUInt32LE(dataBytes, 40)
  for (let i = 0; i < frames * channels; i++) buf.writeInt16LE((i % 200) - 100, 44 + 2 * i)
  return buf
}

/** Writes files below `root`: a string is written as text, a WavSpec as a WAV file. */
export function writeTree(root: string, files: Record<string, string | WavSpec>): string {
  for (const [relative, content] of Object.entries(files)) {
    const target = join(root, relative)
    mkdirSync(dirname(target), {recursive: true})
    writeFileSync(target, typeof content === 'string' ? content : wavBytes(content))
  }
  return root
}

/** The same WAV spec for every listed path. */
export function wavs(paths: readonly string[], spec: WavSpec = {}): Record<string, WavSpec> {
  return Object.fromEntries(paths.map((p) => [p, spec]))
}
