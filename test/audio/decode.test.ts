import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {UserError} from '../../src/core/errors.js'
import {decodeAudio, decodeAudioFile, flacBitsPerSample, oggPackets} from '../../src/audio/decode.js'
import {esc10Files} from '../dsp/golden.js'
import {needsShared, sampleClips, sampleDir, sharedMissing} from '../helpers.js'

// --- WAV fixtures written byte by byte, independently of the decoder under test ---

interface WavSpec {
  /** 1 PCM, 3 IEEE float, 6 A-law, 7 mu-law (raw 8-bit codes). */
  formatTag: 1 | 3 | 6 | 7
  bits: 8 | 16 | 24 | 32 | 64
  channels: number
  sampleRate: number
  extensible?: boolean
}

/** Interleaved frames; ints are raw sample codes (unsigned for 8-bit), floats are values. */
function wavBytes(spec: WavSpec, frames: number[][]): Buffer {
  const bytesPerSample = spec.bits / 8
  const blockAlign = bytesPerSample * spec.channels
  const data = Buffer.alloc(frames.length * blockAlign)
  let o = 0
  for (const frame of frames) {
    for (const v of frame) {
      if (spec.formatTag === 3) {
        if (spec.bits === 32) data.writeFloatLE(v, o)
        else data.writeDoubleLE(v, o)
      } else if (spec.bits === 8) data.writeUInt8(v, o)
      else if (spec.bits === 16) data.writeInt16LE(v, o)
      else if (spec.bits === 24) data.writeIntLE(v, o, 3)
      else data.writeInt32LE(v, o)
      o += bytesPerSample
    }
  }
  const fmtSize = spec.extensible ? 40 : 16
  const fmt = Buffer.alloc(fmtSize)
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.formatTag, 0)
  fmt.writeUInt16LE(spec.channels, 2)
  fmt.writeUInt32LE(spec.sampleRate, 4)
  fmt.writeUInt32LE(spec.sampleRate * blockAlign, 8)
  fmt.writeUInt16LE(blockAlign, 12)
  fmt.writeUInt16LE(spec.bits, 14)
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16) // cbSize
    fmt.writeUInt16LE(spec.bits, 18) // valid bits
    fmt.writeUInt32LE(spec.channels === 1 ? 4 : 3, 20) // channel mask
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
    fmt.writeUInt32LE(spec.formatTag, 24)
    Buffer.from([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(fmt, 28)
  }
  const chunk = (id: string, body: Buffer): Buffer => {
    const header = Buffer.alloc(8)
    header.write(id, 0, 'ascii')
    header.writeUInt32LE(body.length, 4)
    return Buffer.concat([header, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
  }
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), chunk('data', data)])
  const riff = Buffer.alloc(8)
  riff.write('RIFF', 0, 'ascii')
  riff.writeUInt32LE(body.length, 4)
  return Buffer.concat([riff, body])
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`)
  let max = 0
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]))
  assert.ok(max <= tolerance, `${what}: max abs difference ${max} > ${tolerance}`)
  return max
}

test('WAV integer PCM is scaled by 2^(bits-1) like libsndfile (8/16/24/32 bit)', async () => {
  const cases: [8 | 16 | 24 | 32, number[], number[]][] = [
    [8, [0, 1, 128, 255], [-1, -127 / 128, 0, 127 / 128]],
    [16, [-32768, -1, 0, 1, 32767], [-1, -1 / 32768, 0, 1 / 32768, 32767 / 32768]],
    [24, [-8388608, -1, 0, 1, 8388607], [-1, -1 / 8388608, 0, 1 / 8388608, 8388607 / 8388608]],
    [32, [-2147483648, -1, 0, 1, 2147483647], [-1, -1 / 2147483648, 0, 1 / 2147483648, 2147483647 / 2147483648]],
  ]
  for (const [bits, codes, expected] of cases) {
    for (const extensible of [false, true]) {
      const audio = await decodeAudio(
        wavBytes(
          {formatTag: 1, bits, channels: 1, sampleRate: 16000, extensible},
          codes.map((c) => [c]),
        ),
      )
      assert.equal(audio.sampleRate, 16000)
      assert.equal(audio.channels.length, 1)
      // 24/32-bit need float64 to keep every bit, as libsndfile's double output does.
      assert.deepEqual([...audio.channels[0]], expected, `${bits}-bit${extensible ? ' extensible' : ''}`)
    }
  }
})

test('WAV float, including WAVE_FORMAT_EXTENSIBLE float (which wavefile misreads as int32)', async () => {
  const values = [-1, -0.5, 0.123456789, 0.75, 1.5]
  for (const bits of [32, 64] as const) {
    for (const extensible of [false, true]) {
      const audio = await decodeAudio(
        wavBytes(
          {formatTag: 3, bits, channels: 1, sampleRate: 22050, extensible},
          values.map((v) => [v]),
        ),
      )
      const expected = bits === 32 ? [...Float32Array.from(values)] : values
      assert.deepEqual([...audio.channels[0]], expected, `float${bits}${extensible ? ' extensible' : ''}`)
    }
  }
})

test('WAV stereo is de-interleaved', async () => {
  const audio = await decodeAudio(
    wavBytes({formatTag: 1, bits: 16, channels: 2, sampleRate: 8000}, [
      [1, -1],
      [2, -2],
      [3, -3],
    ]),
  )
  assert.equal(audio.channels.length, 2)
  assert.deepEqual(
    [...audio.channels[0]],
    [1, 2, 3].map((v) => v / 32768),
  )
  assert.deepEqual(
    [...audio.channels[1]],
    [-1, -2, -3].map((v) => v / 32768),
  )
  assert.equal(audio.numSamples, 3)
})

test('unreadable input: missing file and garbage are UserErrors naming the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-decode-'))
  try {
    const missing = path.join(dir, 'missing.wav')
    await assert.rejects(decodeAudioFile(missing), (e: unknown) => e instanceof UserError && e.message.includes(missing))
    const garbage = path.join(dir, 'garbage.ogg')
    writeFileSync(garbage, Buffer.from('this is not audio at all, not even close'))
    await assert.rejects(decodeAudioFile(garbage), (e: unknown) => e instanceof UserError && e.message.includes(garbage))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

// --- FLAC / MP3 / OGG against external tools (skipped when absent) ---

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], {stdio: 'ignore'}).status === 0 || spawnSync(tool, ['-version'], {stdio: 'ignore'}).status === 0
}
const hasSox = has('sox')
const hasFfmpeg = has('ffmpeg')

/** sox's decoding of a file to 16-bit signed little-endian integers, one array per channel. */
function soxDecode16(file: string, channels: number): Int16Array[] {
  const raw = execFileSync('sox', [file, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-'], {maxBuffer: 1 << 28})
  const all = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
  const n = all.length / channels
  return Array.from({length: channels}, (_, c) => Int16Array.from({length: n}, (_, i) => all[i * channels + c]))
}

test('G.711 A-law and mu-law WAV: all 256 codes decode as sox decodes them', {skip: !hasSox && 'sox not installed'}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-g711-'))
  try {
    for (const [formatTag, name] of [
      [6, 'A-law'],
      [7, 'mu-law'],
    ] as const) {
      for (const extensible of [false, true]) {
        // Every code in both channels, the second reversed, so de-interleaving is checked as well.
        const frames = Array.from({length: 256}, (_, c) => [c, 255 - c])
        const file = path.join(dir, `${name}${extensible ? '-ext' : ''}.wav`)
        writeFileSync(file, wavBytes({formatTag, bits: 8, channels: 2, sampleRate: 8000, extensible}, frames))
        const audio = await decodeAudioFile(file)
        assert.equal(audio.sampleRate, 8000)
        assert.equal(audio.numSamples, 256)
        const reference = soxDecode16(file, 2)
        for (let c = 0; c < 2; c++) {
          assert.deepEqual(
            [...audio.channels[c]],
            [...reference[c]].map((v) => v / 32768),
            `${name}${extensible ? ' extensible' : ''} channel ${c}`,
          )
        }
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('G.711 WAV written by sox from an ESC-10 clip decodes as sox decodes it', {skip: !hasSox && 'sox not installed'}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-g711-sox-'))
  try {
    const source = path.join(sampleDir, '009 - Rooster', '1-26806-A.ogg')
    for (const encoding of ['a-law', 'u-law']) {
      const file = path.join(dir, `${encoding}.wav`)
      execFileSync('sox', [source, '-r', '8000', '-e', encoding, file])
      const audio = await decodeAudioFile(file)
      const reference = soxDecode16(file, 1)[0]
      assert.equal(audio.numSamples, reference.length)
      assert.deepEqual(
        audio.channels[0],
        Float32Array.from(reference, (v) => v / 32768),
        encoding,
      )
      t.diagnostic(`${encoding}: ${reference.length} samples identical to sox`)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

/** Decodes any file with ffmpeg to float32 little-endian, one array per channel. */
function ffmpegDecode(file: string, channels: number): Float32Array[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], {maxBuffer: 1 << 28})
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)
  const n = all.length / channels
  return Array.from({length: channels}, (_, c) => Float32Array.from({length: n}, (_, i) => all[i * channels + c]))
}

function testSignal(n: number, channels: number, bits: number): number[][] {
  const full = 2 ** (bits - 1)
  return Array.from({length: n}, (_, i) =>
    Array.from({length: channels}, (_, c) => Math.round(0.6 * full * Math.sin((2 * Math.PI * (440 + 220 * c) * i) / 44100) + (i % 7) - 3)),
  )
}

test('FLAC 16-bit and 24-bit decode to the exact integer codes / 2^(bits-1)', {skip: !hasSox && 'sox not installed'}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-flac-'))
  try {
    for (const bits of [16, 24] as const) {
      for (const channels of [1, 2]) {
        const frames = testSignal(20000, channels, bits)
        const wav = path.join(dir, `in-${bits}-${channels}.wav`)
        const flac = path.join(dir, `in-${bits}-${channels}.flac`)
        writeFileSync(wav, wavBytes({formatTag: 1, bits, channels, sampleRate: 44100}, frames))
        execFileSync('sox', [wav, flac])
        const bytes = readFileSync(flac)
        assert.equal(flacBitsPerSample(bytes), bits)
        const audio = await decodeAudio(bytes)
        assert.equal(audio.format, 'flac')
        assert.equal(audio.channels.length, channels)
        for (let c = 0; c < channels; c++) {
          const expected = frames.map((f) => f[c] / 2 ** (bits - 1))
          // float32 output: half an ulp of values up to 0.6 is ~3e-8.
          const max = assertClose(audio.channels[c], expected, 1.2e-7, `FLAC ${bits}-bit ch${c}`)
          t.diagnostic(`FLAC ${bits}-bit, ${channels} ch, channel ${c}: max abs difference to code/2^${bits - 1} = ${max.toExponential(2)}`)
        }
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('MP3 matches ffmpeg in length and samples', {skip: !hasFfmpeg && 'ffmpeg not installed'}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-mp3-'))
  try {
    for (const channels of [1, 2]) {
      const wav = path.join(dir, `in-${channels}.wav`)
      const mp3 = path.join(dir, `in-${channels}.mp3`)
      writeFileSync(wav, wavBytes({formatTag: 1, bits: 16, channels, sampleRate: 44100}, testSignal(44100, channels, 16)))
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', mp3])
      const audio = await decodeAudioFile(mp3)
      const reference = ffmpegDecode(mp3, channels)
      assert.equal(audio.sampleRate, 44100)
      assert.equal(audio.channels.length, channels)
      for (let c = 0; c < channels; c++) {
        const max = assertClose(audio.channels[c], reference[c], 1e-5, `MP3 ${channels} ch, channel ${c}`)
        t.diagnostic(
          `MP3 ${channels} ch, channel ${c}: ${reference[c].length} samples, max abs difference to ffmpeg ${max.toExponential(2)}`,
        )
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('OGG Vorbis (ESC-10 clips) matches ffmpeg', {skip: sharedMissing ?? (!hasFfmpeg && 'ffmpeg not installed')}, async (t) => {
  const files = esc10Files()
  for (const name of ['1-100032-A.ogg', '1-187207-A.ogg', '5-186924-A.ogg']) {
    const file = files.get(name)!
    const audio = await decodeAudioFile(file)
    assert.equal(audio.sampleRate, 44100)
    assert.equal(audio.channels.length, 1)
    const reference = ffmpegDecode(file, 1)[0]
    // Three decoders that each round differently (ours is stb_vorbis when the addon is built, libvorbis in
    // WebAssembly otherwise; ffmpeg has its own): 2e-6 as in vorbis-native.test.ts.
    const max = assertClose(audio.channels[0], reference, 2e-6, name)
    t.diagnostic(`${name}: ${audio.numSamples} samples, max abs difference to ffmpeg ${max.toExponential(2)}`)
  }
  assert.equal((await decodeAudioFile(files.get('1-187207-A.ogg')!)).numSamples, 221120)
})

test(
  'ffmpeg pcm_f32le WAV (the header wavefile misreads) decodes to the same floats',
  {skip: sharedMissing ?? (!hasFfmpeg && 'ffmpeg not installed')},
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'audeep-f32-'))
    try {
      const source = esc10Files().get('2-101676-A.ogg')!
      for (const channels of [1, 2, 3]) {
        const wav = path.join(dir, `f32-${channels}.wav`)
        execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-ac', String(channels), '-c:a', 'pcm_f32le', wav])
        const audio = await decodeAudioFile(wav)
        const reference = ffmpegDecode(wav, channels)
        assert.equal(audio.channels.length, channels)
        for (let c = 0; c < channels; c++) assert.deepEqual(audio.channels[c], reference[c], `${channels} ch, channel ${c}`)
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  },
)

/** Runs fn with AUDEEP_VORBIS=wasm: the WebAssembly libvorbis paths, not the native decoder. */
async function onWasm<T>(fn: () => Promise<T>): Promise<T> {
  const before = process.env.AUDEEP_VORBIS
  process.env.AUDEEP_VORBIS = 'wasm'
  try {
    return await fn()
  } finally {
    if (before === undefined) delete process.env.AUDEEP_VORBIS
    else process.env.AUDEEP_VORBIS = before
  }
}

test('the reused Vorbis decoder gives exactly what a fresh audio-decode instance gives, file after file', needsShared, async () => {
  const {default: decodeFresh} = await import('audio-decode')
  const files = esc10Files()
  const names = ['1-100032-A.ogg', '1-187207-A.ogg', '2-101676-A.ogg', '1-100032-A.ogg']
  const ours = []
  for (const name of names) ours.push(await onWasm(() => decodeAudioFile(files.get(name)!)))
  for (const [i, name] of names.entries()) {
    const fresh = await decodeFresh(readFileSync(files.get(name)!))
    assert.equal(ours[i].sampleRate, fresh.sampleRate)
    // Compared after all decodes: earlier results must not alias the decoder's memory.
    assert.deepEqual(ours[i].channels[0], fresh.channelData[0], name)
  }
})

test(
  'Ogg that is not one complete Vorbis stream still decodes (Opus; truncated Vorbis)',
  {skip: sharedMissing ?? (!hasFfmpeg && 'ffmpeg not installed')},
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'audeep-ogg-'))
    try {
      const source = esc10Files().get('3-136288-A.ogg')!
      const bytes = readFileSync(source)
      const truncated = path.join(dir, 'truncated.ogg')
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
      const partial = await decodeAudioFile(truncated)
      assert.ok(partial.numSamples > 0.4 * 220544 && partial.numSamples < 220544, `${partial.numSamples} samples`)
      // The shared decoder must still work afterwards.
      assert.equal((await decodeAudioFile(source)).numSamples, 220544)
      const opus = path.join(dir, 'opus.ogg')
      const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-c:a', 'libopus', opus])
      if (made.status !== 0) {
        t.diagnostic('ffmpeg has no libopus; Opus part skipped')
        return
      }
      const audio = await decodeAudioFile(opus)
      assert.ok(audio.numSamples > 0)
      assert.equal((await decodeAudioFile(source)).numSamples, 220544)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  },
)

/**
 * Decodes with the WebAssembly libvorbis through the packet loop of audeep (default) or of
 * @audio/decode-vorbis (AUDEEP_FAST_VORBIS=0).
 */
async function decodeWith(fast: boolean, file: string): Promise<Awaited<ReturnType<typeof decodeAudioFile>>> {
  const before = process.env.AUDEEP_FAST_VORBIS
  process.env.AUDEEP_FAST_VORBIS = fast ? '1' : '0'
  try {
    return await onWasm(() => decodeAudioFile(file))
  } finally {
    if (before === undefined) delete process.env.AUDEEP_FAST_VORBIS
    else process.env.AUDEEP_FAST_VORBIS = before
  }
}

test('the direct Vorbis packet loop decodes the bundled ESC-10 clips exactly like @audio/decode-vorbis', async () => {
  const files = sampleClips()
  assert.equal(files.length, 20)
  for (const file of files) {
    const bytes = readFileSync(file)
    const plan = oggPackets(bytes)
    assert.ok(plan !== null && plan.packets.length > 3, `${file}: one complete stream`)
    const fast = await decodeWith(true, file)
    const library = await decodeWith(false, file)
    assert.equal(fast.sampleRate, library.sampleRate)
    assert.equal(fast.channels.length, library.channels.length)
    for (let c = 0; c < fast.channels.length; c++) assert.deepEqual(fast.channels[c], library.channels[c], file)
  }
})

test('the direct Vorbis packet loop: stereo, and streams it leaves to the library', {skip: !hasSox && 'sox not installed'}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-vorbis-'))
  try {
    const [source, other] = readdirSync(path.join(sampleDir, '001 - Dog bark')).map((f) => path.join(sampleDir, '001 - Dog bark', f))
    const stereo = path.join(dir, 'stereo.ogg')
    // Two different clips as the left and right channel.
    const made = spawnSync('sox', ['-M', source, other, stereo])
    if (made.status !== 0) {
      t.diagnostic(`sox cannot write Ogg Vorbis here: ${made.stderr}`)
      return
    }
    const fast = await decodeWith(true, stereo)
    const library = await decodeWith(false, stereo)
    assert.equal(fast.channels.length, 2)
    for (let c = 0; c < 2; c++) assert.deepEqual(fast.channels[c], library.channels[c], `channel ${c}`)
    // Two streams one after the other (chained): not one stream, so the packet loop declines it.
    const bytes = readFileSync(source)
    assert.equal(oggPackets(Buffer.concat([bytes, bytes])), null)
    assert.equal(oggPackets(bytes.subarray(0, bytes.length - 100)), null)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
