// The native Ogg Vorbis decoder (stb_vorbis in the addon, native/vorbis.cc) against libvorbis compiled to
// WebAssembly (the decoder it replaces, which stays the fallback): same sample rate, channels and sample
// count, samples within float rounding; and against libsndfile, the decoder auDeep reads audio with (through
// Debian's python3-soundfile, when installed). Also its handling of damaged files, which it must leave to the
// WebAssembly decoder instead of decoding them into noise (or crashing, as stb_vorbis 1.22 does on a
// malformed comment header).

import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {UserError} from '../../src/core/errors.js'
import {decodeAudio, decodeAudioFile, decodeVorbisNative, oggPackets, vorbisEngine, type DecodedAudio} from '../../src/audio/decode.js'
import {loadNative} from '../../src/nn/engine/native.js'
import {esc10Files} from '../dsp/golden.js'
import {sampleClips, sharedMissing, tempDir} from '../helpers.js'

type VorbisResult = {sampleRate: number; channels: Float32Array[]; decoded: number} | {error: string}
const addon = loadNative() as {vorbisDecode?(bytes: Uint8Array, limit: number, reuse: Float32Array[] | null): VorbisResult} | null
const noNative = typeof addon?.vorbisDecode === 'function' ? false : 'the native addon is not built (or predates its Vorbis decoder)'

// Vorbis decoders agree up to float rounding (libvorbis and stb_vorbis compute the inverse MDCT and the
// floor curve in different orders); on all 400 ESC-10 clips the largest difference is 5.4e-7 and the RMS
// difference 7e-9. 2e-6 is a fifteenth of a 16-bit step (3.05e-5): any real decoding difference (a
// shifted frame, a wrong window or floor) is orders of magnitude larger.
const TOLERANCE = 2e-6

/**
 * Runs a decode with the WebAssembly libvorbis (AUDEEP_VORBIS=wasm) or the default (native when built) and
 * copies the samples out (the decoder may reuse its buffers); AUDEEP_VORBIS is restored afterwards.
 */
async function withEngine(engine: 'wasm' | 'default', decode: () => Promise<DecodedAudio>): Promise<DecodedAudio> {
  const before = process.env.AUDEEP_VORBIS
  if (engine === 'wasm') process.env.AUDEEP_VORBIS = 'wasm'
  else delete process.env.AUDEEP_VORBIS
  try {
    const audio = await decode()
    return {...audio, channels: audio.channels.map((c) => c.slice())}
  } finally {
    if (before === undefined) delete process.env.AUDEEP_VORBIS
    else process.env.AUDEEP_VORBIS = before
  }
}

function decodeWith(engine: 'wasm' | 'default', bytes: Uint8Array): Promise<DecodedAudio> {
  return withEngine(engine, () => decodeAudio(bytes))
}

function nativeDecode(bytes: Uint8Array): {sampleRate: number; channels: Float32Array[]} {
  const plan = oggPackets(bytes)
  assert.ok(plan !== null, 'one complete Ogg stream')
  const result = decodeVorbisNative(bytes, plan, false)
  assert.ok(result !== null, 'the native decoder accepts the stream')
  return {sampleRate: result.sampleRate, channels: result.channelData}
}

/** Largest absolute difference, after checking rates, channel counts and lengths are equal. */
function compare(
  native: {sampleRate: number; channels: ArrayLike<number>[]},
  wasm: DecodedAudio,
  what: string,
): {max: number; sq: number; n: number} {
  assert.equal(native.sampleRate, wasm.sampleRate, `${what}: sample rate`)
  assert.equal(native.channels.length, wasm.channels.length, `${what}: channels`)
  let max = 0
  let sq = 0
  let n = 0
  for (let c = 0; c < wasm.channels.length; c++) {
    const a = native.channels[c]
    const b = wasm.channels[c]
    assert.equal(a.length, b.length, `${what}: samples of channel ${c}`)
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i])
      if (d > max) max = d
      sq += d * d
    }
    n += a.length
  }
  assert.ok(max <= TOLERANCE, `${what}: max abs difference ${max} > ${TOLERANCE}`)
  return {max, sq, n}
}

test('native Vorbis decoding of the 20 bundled ESC-10 clips matches libvorbis (WebAssembly)', {skip: noNative}, async (t) => {
  assert.equal(vorbisEngine(), 'native')
  let worst = 0
  for (const file of sampleClips()) {
    const bytes = readFileSync(file)
    const {max} = compare(nativeDecode(bytes), await decodeWith('wasm', bytes), path.basename(file))
    worst = Math.max(worst, max)
    // And decodeAudio takes the native path by default.
    assert.deepEqual((await decodeWith('default', bytes)).channels, nativeDecode(bytes).channels)
  }
  t.diagnostic(`20 clips: max abs difference ${worst.toExponential(2)}`)
})

test(
  'native Vorbis decoding of all 400 ESC-10 clips matches libvorbis (AUDEEP_SLOW_TESTS=1)',
  {skip: noNative || sharedMissing || (!process.env.AUDEEP_SLOW_TESTS && 'set AUDEEP_SLOW_TESTS=1 (about 10 s)')},
  async (t) => {
    let worst = 0
    let sq = 0
    let n = 0
    const files = [...esc10Files().values()]
    assert.equal(files.length, 400)
    for (const file of files) {
      const bytes = readFileSync(file)
      const r = compare(nativeDecode(bytes), await decodeWith('wasm', bytes), path.basename(file))
      worst = Math.max(worst, r.max)
      sq += r.sq
      n += r.n
    }
    t.diagnostic(`400 clips, ${n} samples: max abs difference ${worst.toExponential(2)}, RMS ${Math.sqrt(sq / n).toExponential(2)}`)
  },
)

const python = '/usr/bin/python3'
const noSoundfile =
  spawnSync(python, ['-c', 'import soundfile, numpy'], {stdio: 'ignore'}).status === 0
    ? false
    : "Debian's python3 with soundfile (libsndfile) is not installed"

test(
  "native Vorbis decoding of the bundled clips matches libsndfile's (auDeep's decoder, via python3-soundfile)",
  {skip: noNative || noSoundfile},
  async (t) => {
    const dir = tempDir('audeep-vorbis-sndfile-')
    const files = sampleClips()
    // libsndfile decodes each clip to float32, written as raw channel-major samples.
    const script = [
      'import sys, soundfile',
      'for i, f in enumerate(sys.argv[2:]):',
      "    d, sr = soundfile.read(f, dtype='float32', always_2d=True)",
      "    d.T.copy().tofile(f'{sys.argv[1]}/{i}-{sr}-{d.shape[1]}.f32')",
    ].join('\n')
    const run = spawnSync(python, ['-c', script, dir, ...files], {encoding: 'utf8'})
    assert.equal(run.status, 0, run.stderr)
    let worst = 0
    for (const [i, file] of files.entries()) {
      const name = readdirSync(dir).find((f) => f.startsWith(`${i}-`))!
      const [, rate, channels] = name.replace('.f32', '').split('-').map(Number)
      const raw = readFileSync(path.join(dir, name))
      const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)
      const n = all.length / channels
      const reference: DecodedAudio = {
        sampleRate: rate,
        channels: Array.from({length: channels}, (_, c) => all.subarray(c * n, (c + 1) * n)),
        numSamples: n,
        format: 'ogg',
      }
      worst = Math.max(worst, compare(nativeDecode(readFileSync(file)), reference, path.basename(file)).max)
    }
    t.diagnostic(`${files.length} clips: max abs difference to libsndfile ${worst.toExponential(2)}`)
  },
)

test('native Vorbis: reused output buffers hold the same samples, file after file', {skip: noNative}, async () => {
  const files = sampleClips().slice(0, 3)
  const fresh = files.map((f) => nativeDecode(readFileSync(f)).channels[0])
  let previous: ArrayBufferLike | null = null
  for (const [i, file] of files.entries()) {
    const audio = await decodeAudio(readFileSync(file), {reuseBuffers: true})
    assert.deepEqual(audio.channels[0], fresh[i], file)
    if (previous !== null) assert.equal(audio.channels[0].buffer, previous, 'the buffer is reused')
    previous = audio.channels[0].buffer
  }
})

test(
  'native Vorbis: a stereo file made by sox matches libvorbis',
  {skip: noNative || (spawnSync('sox', ['--version']).status !== 0 && 'sox not installed')},
  async (t) => {
    const [left, right] = sampleClips()
    const stereo = path.join(tempDir('audeep-vorbis-native-'), 'stereo.ogg')
    const made = spawnSync('sox', ['-M', left, right, stereo])
    if (made.status !== 0) {
      t.skip(`sox cannot write Ogg Vorbis here: ${made.stderr}`)
      return
    }
    const bytes = readFileSync(stereo)
    const native = nativeDecode(bytes)
    assert.equal(native.channels.length, 2)
    const {max} = compare(native, await decodeWith('wasm', bytes), 'stereo')
    t.diagnostic(`stereo, ${native.channels[0].length} samples: max abs difference ${max.toExponential(2)}`)
  },
)

// The Ogg page checksum (polynomial 0x04c11db7, not reflected, initial 0, CRC field read as zero), written
// here from the Ogg specification to craft damaged files that still have valid pages.
function oggCrc(page: Uint8Array): number {
  let crc = 0
  for (let i = 0; i < page.length; i++) {
    crc ^= (i >= 22 && i < 26 ? 0 : page[i]) << 24
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1
  }
  return crc >>> 0
}

/** Offsets and sizes of the Ogg pages in bytes. */
function pages(bytes: Uint8Array): {at: number; size: number; body: number}[] {
  const out = []
  let at = 0
  while (at < bytes.length) {
    const segments = bytes[at + 26]
    let size = 27 + segments
    for (let i = 0; i < segments; i++) size += bytes[at + 27 + i]
    out.push({at, size, body: at + 27 + segments})
    at += size
  }
  return out
}

/** Outcome of decoding a file: its samples, or the error's message. */
async function outcome(file: string, engine: 'wasm' | 'default'): Promise<DecodedAudio | string> {
  try {
    return await withEngine(engine, () => decodeAudioFile(file))
  } catch (e) {
    assert.ok(e instanceof UserError, `${file}: ${String(e)}`)
    assert.ok(e.message.startsWith(`${file}: `) && !e.message.includes('\n'), `one line naming the file: ${e.message}`)
    return e.message
  }
}

test(
  'native Vorbis: damaged files are refused and decode (or fail) exactly as with the WebAssembly decoder',
  {skip: noNative},
  async () => {
    const dir = tempDir('audeep-vorbis-damaged-')
    const source = sampleClips()[0]
    const bytes = readFileSync(source)
    const layout = pages(bytes)
    assert.ok(layout.length > 4)

    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.6))
    assert.deepEqual(addon!.vorbisDecode!(truncated, 1 << 20, null), {error: 'truncated Ogg page'})

    // One flipped bit in an audio page: the pages are still whole, but a checksum is wrong.
    const flipped = Uint8Array.from(bytes)
    const page = layout[Math.floor(layout.length / 2)]
    flipped[page.body + 10] ^= 0x10
    assert.deepEqual(addon!.vorbisDecode!(flipped, 1 << 20, null), {error: 'Ogg page checksum mismatch (damaged file)'})

    // A comment header claiming 2^31 - 1 comments, with the page's checksum made valid: stb_vorbis 1.22
    // tries to allocate them, fails, then crashes freeing the list. Refused before it gets there.
    const comments = Uint8Array.from(bytes)
    const second = layout[1]
    const header = comments.subarray(second.body)
    assert.equal(String.fromCharCode(...header.subarray(0, 7)), '\x03vorbis')
    const vendorLength = new DataView(header.buffer, header.byteOffset).getUint32(7, true)
    new DataView(header.buffer, header.byteOffset).setUint32(11 + vendorLength, 0x7fffffff, true)
    const fixed = comments.subarray(second.at, second.at + second.size)
    new DataView(fixed.buffer, fixed.byteOffset).setUint32(22, oggCrc(fixed), true)
    assert.deepEqual(addon!.vorbisDecode!(comments, 1 << 20, null), {error: 'invalid Vorbis comment header'})

    for (const [name, data] of [
      ['truncated.ogg', truncated],
      ['flipped.ogg', flipped],
      ['comments.ogg', comments],
    ] as const) {
      const file = path.join(dir, name)
      writeFileSync(file, data)
      const native = await outcome(file, 'default')
      const wasm = await outcome(file, 'wasm')
      if (typeof wasm === 'string') assert.equal(native, wasm, name)
      else {
        assert.ok(typeof native !== 'string', `${name}: ${String(native)}`)
        assert.equal(native.numSamples, wasm.numSamples, name)
        assert.deepEqual(native.channels, wasm.channels, `${name}: the WebAssembly decoder's samples`)
      }
    }
    // The decoder is unharmed.
    assert.deepEqual(nativeDecode(bytes).channels, nativeDecode(Uint8Array.from(bytes)).channels)
  },
)

test('AUDEEP_VORBIS=wasm selects the WebAssembly decoder', () => {
  const before = process.env.AUDEEP_VORBIS
  process.env.AUDEEP_VORBIS = 'wasm'
  try {
    assert.equal(vorbisEngine(), 'wasm')
  } finally {
    if (before === undefined) delete process.env.AUDEEP_VORBIS
    else process.env.AUDEEP_VORBIS = before
  }
})

// preprocess terminates its worker threads when a run fails or is interrupted, possibly in the middle of a
// native decode. The addon's calls into a terminating thread's environment then fail; node-addon-api must
// drop the exception it cannot throw (NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS) instead of aborting the
// whole process, which is what it did (SIGABRT, "terminate called after throwing an instance of
// 'Napi::Error'") before that was defined.
test('terminating a worker thread in the middle of native decoding leaves the process running', {skip: noNative}, () => {
  const native = new URL('../../src/nn/engine/native.js', import.meta.url).href
  const script = `
    import {Worker} from 'node:worker_threads'
    const code = \`
      import {workerData} from 'node:worker_threads'
      import {readFileSync} from 'node:fs'
      const {loadNative} = await import(workerData.native)
      const addon = loadNative()
      const bytes = new Uint8Array(readFileSync(workerData.file))
      for (;;) addon.vorbisDecode(bytes, 1 << 20, null)\`
    for (let i = 0; i < 20; i++) {
      const worker = new Worker(code, {eval: true, workerData: {native: ${JSON.stringify(native)}, file: ${JSON.stringify(sampleClips()[0])}}})
      await new Promise((resolve) => setTimeout(resolve, 150 + 10 * i))
      await worker.terminate()
    }
    console.log('survived')`
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
  assert.equal(run.signal, null, `the process died of ${run.signal}: ${run.stderr}`)
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /survived/)
})
