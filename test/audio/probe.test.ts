// probeAudio reads lengths from headers; the full decoder (decodeAudioFile) is the independent reference.

import assert from 'node:assert/strict'
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {audioDirStats, percentile, probeAudio, probeAudioFiles, pythonFixed, pythonRound} from '../../src/audio/probe.js'
import {decodeAudioFile} from '../../src/audio/decode.js'
import {UserError} from '../../src/core/errors.js'
import {needsShared, sharedDir} from '../helpers.js'
import {freshDir} from '../parsers/fixtures.js'

interface WavOptions {
  container?: 'RIFF' | 'RF64'
  format?: 1 | 3 | 0xfffe
  subformat?: 1 | 3
  bits: number
  channels: number
  sampleRate: number
  frames: number
  /** Chunks placed between fmt and data (id, body length); odd lengths exercise the pad byte. */
  extraChunks?: [string, number][]
  /** Declared data size, if different from the bytes written. */
  declaredDataSize?: number
}

function chunk(id: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header.write(id, 0, 'ascii')
  header.writeUInt32LE(body.length, 4)
  return Buffer.concat([header, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
}

function buildWav(o: WavOptions): Buffer {
  const blockAlign = (o.bits / 8) * o.channels
  const extensible = o.format === 0xfffe
  const fmt = Buffer.alloc(extensible ? 40 : 16)
  fmt.writeUInt16LE(o.format ?? 1, 0)
  fmt.writeUInt16LE(o.channels, 2)
  fmt.writeUInt32LE(o.sampleRate, 4)
  fmt.writeUInt32LE(o.sampleRate * blockAlign, 8)
  fmt.writeUInt16LE(blockAlign, 12)
  fmt.writeUInt16LE(o.bits, 14)
  if (extensible) {
    fmt.writeUInt16LE(22, 16)
    fmt.writeUInt16LE(o.bits, 18)
    fmt.writeUInt32LE(o.channels === 1 ? 4 : 3, 20)
    // KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: the format tag followed by the fixed GUID tail.
    Buffer.from([o.subformat ?? 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 24)
  }
  const data = Buffer.alloc(o.frames * blockAlign)
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0x3f
  const dataChunk = chunk('data', data)
  if (o.declaredDataSize !== undefined) dataChunk.writeUInt32LE(o.container === 'RF64' ? 0xffffffff : o.declaredDataSize, 4)
  const parts = [chunk('fmt ', fmt), ...(o.extraChunks ?? []).map(([id, n]) => chunk(id, Buffer.alloc(n, 0x20))), dataChunk]
  if (o.container === 'RF64') {
    const ds64 = Buffer.alloc(28)
    ds64.writeBigUInt64LE(BigInt(o.declaredDataSize ?? data.length), 8)
    ds64.writeBigUInt64LE(BigInt(o.frames), 16)
    parts.unshift(chunk('ds64', ds64))
  }
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(12)
  head.write(o.container ?? 'RIFF', 0, 'ascii')
  head.writeUInt32LE(o.container === 'RF64' ? 0xffffffff : 4 + body.length, 4)
  head.write('WAVE', 8, 'ascii')
  return Buffer.concat([head, body])
}

test('WAV headers: PCM, extensible float, extra odd-sized chunks, truncated data, RF64; same as the decoder', async () => {
  const dir = freshDir()
  const cases: [string, WavOptions, {sampleRate: number; channels: number; frames: number}][] = [
    ['pcm16.wav', {bits: 16, channels: 1, sampleRate: 44100, frames: 1000}, {sampleRate: 44100, channels: 1, frames: 1000}],
    [
      'pcm24-stereo.wav',
      {
        bits: 24,
        channels: 2,
        sampleRate: 48000,
        frames: 777,
        extraChunks: [
          ['LIST', 13],
          ['junk', 4],
        ],
      },
      {sampleRate: 48000, channels: 2, frames: 777},
    ],
    [
      'float-ext.wav',
      {format: 0xfffe, subformat: 3, bits: 32, channels: 1, sampleRate: 22050, frames: 500},
      {sampleRate: 22050, channels: 1, frames: 500},
    ],
    [
      'truncated.wav',
      {bits: 16, channels: 2, sampleRate: 8000, frames: 300, declaredDataSize: 1_000_000},
      {sampleRate: 8000, channels: 2, frames: 300},
    ],
    [
      'rf64.wav',
      {container: 'RF64', bits: 16, channels: 1, sampleRate: 16000, frames: 640, declaredDataSize: 1280},
      {sampleRate: 16000, channels: 1, frames: 640},
    ],
  ]
  for (const [name, options, expected] of cases) {
    const file = join(dir, name)
    writeFileSync(file, buildWav(options))
    assert.deepEqual(await probeAudio(file), expected, name)
    if (options.container !== 'RF64' && options.declaredDataSize === undefined) {
      const decoded = await decodeAudioFile(file)
      assert.deepEqual(
        {sampleRate: decoded.sampleRate, channels: decoded.channels.length, frames: decoded.numSamples},
        expected,
        `${name} (decoder)`,
      )
    }
  }
})

test('Ogg Vorbis from ESC-10: header probe equals a full decode', needsShared, async () => {
  const classDir = join(sharedDir, 'data', 'ESC-10', '004 - Baby cry')
  const files = readdirSync(classDir)
    .sort()
    .slice(0, 8)
    .map((f) => join(classDir, f))
  // 1-187207-A.ogg is the one clip of the reference subset with 221 120 samples instead of 220 544.
  files.push(join(classDir, '1-187207-A.ogg'))
  const probes = await probeAudioFiles(files)
  for (const [i, file] of files.entries()) {
    const decoded = await decodeAudioFile(file)
    assert.deepEqual(probes[i], {sampleRate: decoded.sampleRate, channels: decoded.channels.length, frames: decoded.numSamples}, file)
  }
  assert.equal(probes[probes.length - 1].frames, 221120)
})

test('FLAC STREAMINFO is read without decoding', async () => {
  const file = join(freshDir(), 'x.flac')
  const header = Buffer.alloc(4 + 4 + 34)
  header.write('fLaC', 0, 'ascii')
  header[4] = 0x80 // last metadata block, type 0 (STREAMINFO)
  header.writeUIntBE(34, 5, 3)
  const info = 8
  // 20 bits sample rate 96000, 3 bits channels-1 = 5, 5 bits bps-1 = 23, 36 bits total samples 2^32 + 5.
  const rate = 96000
  header[info + 10] = rate >> 12
  header[info + 11] = (rate >> 4) & 0xff
  header[info + 12] = ((rate & 0xf) << 4) | (5 << 1) | (23 >> 4)
  header[info + 13] = ((23 & 0xf) << 4) | 1
  header.writeUInt32BE(5, info + 14)
  writeFileSync(file, header)
  assert.deepEqual(await probeAudio(file), {sampleRate: 96000, channels: 6, frames: 2 ** 32 + 5})
})

test('probe errors name the file', async () => {
  const dir = freshDir()
  await assert.rejects(
    probeAudio(join(dir, 'missing.wav')),
    (e: Error) => e instanceof UserError && e.message.includes('missing.wav: cannot open audio file'),
  )
  writeFileSync(join(dir, 'empty.ogg'), '')
  await assert.rejects(probeAudio(join(dir, 'empty.ogg')), /empty\.ogg: empty file/)
  const noData = buildWav({bits: 16, channels: 1, sampleRate: 8000, frames: 0}).subarray(0, 36)
  writeFileSync(join(dir, 'nodata.wav'), noData)
  await assert.rejects(probeAudio(join(dir, 'nodata.wav')), /nodata\.wav: WAV file without data chunk/)
})

test('Python rounding and numpy percentiles', () => {
  assert.equal(pythonFixed(0.125, 2), '0.12') // exact tie: to even (toFixed gives 0.13)
  assert.equal(pythonFixed(0.375, 2), '0.38')
  assert.equal(pythonFixed(-0.125, 2), '-0.12')
  assert.equal(pythonFixed(2.675, 2), '2.67') // 2.67499999... in binary
  assert.equal(pythonFixed(3.6440816326530614, 2), '3.64')
  assert.equal(pythonRound(7.240272108843538, 2), 7.24)
  assert.equal(percentile([1, 2, 3, 4], 10), 1.3)
  assert.equal(percentile([3.64, 5, 7.24], 50), 5)
  assert.equal(percentile([1, 2], 90), 1.9)
  const stats = audioDirStats(
    ['a/x.WAV', 'b/y', 'c/.z'],
    [
      {sampleRate: 10, channels: 1, frames: 10},
      {sampleRate: 10, channels: 2, frames: 30},
      {sampleRate: 20, channels: 1, frames: 20},
    ],
  )
  assert.deepEqual(stats.summary.successfully_extracted, {'.WAV': 1, '': 2})
  assert.deepEqual(stats.samplerates, {'10': 2, '20': 1})
  assert.equal(stats.count_mono, 2)
  assert.deepEqual(stats.duration, {
    mean: 1.67,
    var: 0.89,
    min: 1,
    max: 3,
    '10th': 1,
    '25th': 1,
    '50th': 1,
    '75th': 2,
    '90th': 2.6,
    '95th': 2.8,
  })
})
