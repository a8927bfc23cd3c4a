// Preprocessing of full ESC-10 (400 OGG clips, 44.1 kHz) with the tutorial options, as whole commands:
// `audeep preprocess` against auDeep's own preprocess (../shared/peers/audeep_preprocess.py on Debian's
// Python), run in turn on the same files in the same run, with pair-by-pair ratios of wall and CPU time,
// peak memory, and the largest difference between the two outputs. Then a single-thread breakdown of our
// side (decoding, spectrogram) and the FFT at auDeep's window size, which have no peer here.
// Knobs: AUDEEP_BENCH_PAIRS (default 3).

import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {availableParallelism, tmpdir} from 'node:os'
import path from 'node:path'
import {parseDataSet} from '../parsers/index.js'
import {decodeAudioFile, vorbisEngine, type DecodedAudio} from '../src/audio/decode.js'
import {configureLogging, LogLevel} from '../src/core/log.js'
import {readDataSet} from '../src/data/netcdf/index.js'
import {RealFft} from '../src/dsp/fft.js'
import {computeSpectrogram} from '../src/dsp/spectrogram.js'
import {TUTORIAL_PREPROCESS_FLAGS} from '../src/preprocess/tutorial.js'
import {NO_PEER, paired, peerCommand, ratios, repoRoot, sharedDir, spread, timeProcess, type ProcessTiming} from './peers.js'

const TUTORIAL = {windowWidth: 0.08, windowOverlap: 0.04, melBands: 128, fixedLength: 5, clipBelow: -60, centerFixed: true}
const TUTORIAL_FLAGS = TUTORIAL_PREPROCESS_FLAGS

function esc10(): string | null {
  const shared = sharedDir()
  const dir = shared === null ? null : path.join(shared, 'data', 'ESC-10')
  return dir !== null && existsSync(dir) && readdirSync(dir).length > 0 ? dir : null
}

/** Largest and mean absolute difference between two outputs, instances matched by file name and chunk. */
async function maxDifference(a: string, b: string): Promise<string> {
  const [x, y] = [await readDataSet(a), await readDataSet(b)]
  const size = x.featureSize
  if (size !== y.featureSize || x.numInstances !== y.numInstances) return 'the two outputs differ in shape'
  const where = new Map(y.instances.map((inst, i) => [`${inst.filename}#${inst.chunkNr}`, i]))
  let max = 0
  let sum = 0
  for (let i = 0; i < x.numInstances; i++) {
    const j = where.get(`${x.instances[i].filename}#${x.instances[i].chunkNr}`)
    if (j === undefined) return `${x.instances[i].filename} is missing from auDeep's output`
    for (let k = 0; k < size; k++) {
      const d = Math.abs(x.features[i * size + k] - y.features[j * size + k])
      sum += d
      if (d > max) max = d
    }
  }
  return `largest difference between the two outputs ${max.toExponential(1)}, mean ${(sum / x.features.length).toExponential(1)}`
}

export async function run(): Promise<void> {
  configureLogging({level: LogLevel.WARNING})
  const basedir = esc10()
  if (basedir === null) {
    console.log('ESC-10 (../shared/data/ESC-10) is absent: skipped')
    return
  }
  const {dataSet} = await parseDataSet(basedir, 'esc')
  const files = dataSet.instances.length
  const pairs = Number(process.env.AUDEEP_BENCH_PAIRS ?? 3)
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-bench-'))
  try {
    const oursOut = path.join(dir, 'ours.nc')
    const peerOut = path.join(dir, 'audeep.nc')
    const oursArgv = [process.execPath, path.join(repoRoot, 'bin', 'run.js'), 'preprocess', '-q', '--basedir', basedir, ...TUTORIAL_FLAGS]
    const ours = (): ProcessTiming => {
      rmSync(oursOut, {force: true})
      const t = timeProcess([...oursArgv, '--output', oursOut])
      if (t.status !== 0) throw new Error(`audeep preprocess failed: ${t.stderr.trim()}`)
      return t
    }
    console.log(
      `full ESC-10 (${files} clips), tutorial options (${TUTORIAL_FLAGS.join(' ')}), whole commands, ${availableParallelism()} cores`,
    )
    const peer = peerCommand('audeep_preprocess.py', ['numpy', 'scipy', 'xarray', 'netCDF4', 'soundfile', 'pandas', 'sklearn'])
    const row = (name: string, runs: ProcessTiming[]) =>
      console.log(
        `  ${name.padEnd(28)} wall ${spread(runs.map((r) => r.wall))} s, CPU ${spread(runs.map((r) => r.cpu))} s ` +
          `(${spread(
            runs.map((r) => (1000 * r.cpu) / files),
            1,
          )} ms per clip), peak ${spread(
            runs.map((r) => r.peakMiB),
            0,
          )} MiB`,
      )
    if ('missing' in peer) {
      ours()
      const runs = Array.from({length: pairs}, ours)
      row('audeep', runs)
      console.log(`  auDeep's own preprocess: ${NO_PEER} (${peer.missing})`)
    } else {
      const peerArgv = [...peer.argv, 'preprocess', '--basedir', basedir, ...TUTORIAL_FLAGS]
      const theirs = (): ProcessTiming => {
        rmSync(peerOut, {force: true})
        const t = timeProcess([...peerArgv, '--output', peerOut])
        if (t.status !== 0) throw new Error(`auDeep's preprocess failed: ${t.stderr.trim().split('\n').pop()}`)
        return t
      }
      const r = paired(pairs, ours, theirs)
      console.log(`  median (min-max) of ${pairs} pairs run in turn after one unmeasured run of each:`)
      row('audeep', r.ours)
      row("auDeep's own code (Python)", r.peer)
      console.log(
        `  ratio auDeep / audeep, pair by pair: wall ${ratios(
          r.ours.map((t) => t.wall),
          r.peer.map((t) => t.wall),
        )}x, CPU ${ratios(
          r.ours.map((t) => t.cpu),
          r.peer.map((t) => t.cpu),
        )}x, peak memory ${ratios(
          r.ours.map((t) => t.peakMiB),
          r.peer.map((t) => t.peakMiB),
        )}x`,
      )
      console.log(`  ${await maxDifference(oursOut, peerOut)}`)
    }

    // Single-thread breakdown of our side on the first 40 files (no peer: auDeep does not separate them).
    // Decoding is timed with each Vorbis decoder (native stb_vorbis when built, and the WebAssembly
    // libvorbis it falls back to), after one unmeasured file each.
    const sample = dataSet.instances.slice(0, 40)
    const engine = vorbisEngine()
    const decodeMsWith = async (force: 'wasm' | null): Promise<{ms: number; decoded: DecodedAudio[]}> => {
      const before = process.env.AUDEEP_VORBIS
      if (force !== null) process.env.AUDEEP_VORBIS = force
      try {
        await decodeAudioFile(sample[0].path)
        const decoded: DecodedAudio[] = []
        const start = performance.now()
        for (const item of sample) decoded.push(await decodeAudioFile(item.path))
        return {ms: (performance.now() - start) / sample.length, decoded}
      } finally {
        if (before === undefined) delete process.env.AUDEEP_VORBIS
        else process.env.AUDEEP_VORBIS = before
      }
    }
    const wasmMs = engine === 'wasm' ? null : (await decodeMsWith('wasm')).ms
    const {ms: decodeMs, decoded} = await decodeMsWith(null)
    for (const audio of decoded.slice(0, 5)) computeSpectrogram(audio, TUTORIAL)
    let t = performance.now()
    for (const audio of decoded) computeSpectrogram(audio, TUTORIAL)
    const dspMs = (performance.now() - t) / sample.length
    console.log(
      `audeep, one thread, ${sample.length} clips: decode ${decodeMs.toFixed(1)} ms per clip ` +
        `(${engine === 'native' ? 'native stb_vorbis' : 'WebAssembly libvorbis'}` +
        `${wasmMs === null ? '' : `; WebAssembly libvorbis ${wasmMs.toFixed(1)} ms, ${(wasmMs / decodeMs).toFixed(2)}x`}), ` +
        `spectrogram ${dspMs.toFixed(1)} ms per clip (no peer)`,
    )

    const fft = new RealFft(3528)
    const x = new Float64Array(3528).map((_, i) => Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.3))
    const out = new Float64Array(2 * fft.numBins)
    for (let i = 0; i < 500; i++) fft.transform(out, x)
    const reps = 3000
    t = performance.now()
    for (let i = 0; i < reps; i++) fft.transform(out, x)
    console.log(
      `TypeScript real FFT of 3528 points (mixed radix on 1764 complex points): ${((1000 * (performance.now() - t)) / reps).toFixed(1)} us (no peer)`,
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
