// Seeded mutations of real input files, as a hostile user or a flaky disk would make them: cut short, bits
// flipped, a block zeroed, bytes inserted, a length field made huge, emptied, or a directory in the file's
// place. Positions favour the first kilobytes, where headers and length fields live.

import {mkdirSync, rmSync, writeFileSync} from 'node:fs'

import {Random} from '../../src/core/random.js'

export const MUTATIONS = ['truncate', 'flip', 'zero-block', 'insert', 'oversized-length', 'empty', 'directory'] as const
export type Mutation = (typeof MUTATIONS)[number]

/** Relative frequency of each mutation: byte-level damage dominates, the trivial cases appear now and then. */
const WEIGHTS: Record<Mutation, number> = {
  truncate: 4,
  flip: 6,
  'zero-block': 3,
  insert: 3,
  'oversized-length': 5,
  empty: 1,
  directory: 1,
}

export function pickMutation(random: Random): Mutation {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0)
  let r = random.next() * total
  for (const m of MUTATIONS) {
    r -= WEIGHTS[m]
    if (r < 0) return m
  }
  return 'flip'
}

/** A position in [0, length): half the time within the first 4 KiB (headers), else anywhere. */
function position(random: Random, length: number): number {
  if (length <= 1) return 0
  const range = random.next() < 0.5 ? Math.min(length, 4096) : length
  return random.int(range)
}

/** Applies `mutation` to `bytes`; returns the new content and a description of what was done. */
export function mutateBytes(
  bytes: Uint8Array,
  mutation: Exclude<Mutation, 'directory'>,
  random: Random,
): {bytes: Uint8Array; what: string} {
  const out = Uint8Array.from(bytes)
  switch (mutation) {
    case 'truncate': {
      const at = position(random, bytes.length)
      return {bytes: out.subarray(0, at), what: `truncated to ${at} bytes`}
    }
    case 'flip': {
      const count = 1 + random.int(8)
      const at: number[] = []
      for (let i = 0; i < count && out.length > 0; i++) {
        const p = position(random, out.length)
        out[p] ^= 1 << random.int(8)
        at.push(p)
      }
      return {bytes: out, what: `bits flipped at ${at.join(', ')}`}
    }
    case 'zero-block': {
      const at = position(random, out.length)
      const size = 1 + random.int(random.next() < 0.5 ? 16 : 512)
      out.fill(0, at, at + size)
      return {bytes: out, what: `${size} bytes zeroed at ${at}`}
    }
    case 'insert': {
      const at = position(random, bytes.length + 1)
      const size = 1 + random.int(64)
      const inserted = Uint8Array.from({length: size}, () => random.int(256))
      const result = new Uint8Array(bytes.length + size)
      result.set(bytes.subarray(0, at))
      result.set(inserted, at)
      result.set(bytes.subarray(at), at + size)
      return {bytes: result, what: `${size} random bytes inserted at ${at}`}
    }
    case 'oversized-length': {
      // A 2-, 4- or 8-byte field (either byte order) set to a value near its maximum, as a corrupted size or
      // count would be.
      const width = [2, 4, 4, 8][random.int(4)]
      if (out.length < width) return {bytes: out, what: 'too short for a length field; unchanged'}
      const at = position(random, out.length - width + 1)
      const patterns = [0xff, 0x7f, 0x80]
      const high = patterns[random.int(patterns.length)]
      const bigEndian = random.next() < 0.5
      for (let i = 0; i < width; i++) out[at + i] = i === (bigEndian ? 0 : width - 1) ? high : 0xff
      return {bytes: out, what: `${width}-byte ${bigEndian ? 'big' : 'little'}-endian field at ${at} set to 0x${high.toString(16)}ff...`}
    }
    case 'empty':
      return {bytes: new Uint8Array(0), what: 'emptied'}
  }
}

/** Writes the mutated version of `bytes` at `path` (or a directory there); returns the description. */
export function writeMutated(path: string, bytes: Uint8Array, mutation: Mutation, random: Random): string {
  rmSync(path, {recursive: true, force: true})
  if (mutation === 'directory') {
    mkdirSync(path)
    return 'replaced by an empty directory'
  }
  const mutated = mutateBytes(bytes, mutation, random)
  writeFileSync(path, mutated.bytes)
  return mutated.what
}
