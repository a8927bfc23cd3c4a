// Preprocessing throughput on ESC-10 (400 OGG clips, 44.1 kHz) with the tutorial options, against the
// original auDeep (about 23 s for the same 400 files on the reference machine), plus a single-thread
// breakdown into decoding and the spectrogram pipeline, and the FFT at auDeep's window size.

import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {availableParallelism, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseDataSet} from '../parsers/index.js'
import {decodeAudioFile, type DecodedAudio} from '../src/audio/decode.js'
import {configureLogging, LogLevel} from '../src/core/log.js'
import {RealFft} from '../src/dsp/fft.js'
import {computeSpectrogram} from '../src/dsp/spectrogram.js'
import {preprocess} from '../src/preprocess/driver.js'

const ORIGINAL_SECONDS = 23
const TUTORIAL = {windowWidth: 0.08, windowOverlap: 0.04, melBands: 128, fixedLength: 5, clipBelow: -60, centerFixed: true}

function esc10(): string {
  const fromCwd = path.resolve('../shared/data/ESC-10')
  if (readdirSafe(fromCwd)) return fromCwd
  return fileURLToPath(new URL('../../../shared/data/ESC-10', import.meta.url))
}

function readdirSafe(dir: string): boolean {
  try {
    readdirSync(dir)
    return true
  } catch {
    return false
  }
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

export async function run(): Promise<void> {
  configureLogging({level: LogLevel.WARNING})
  const basedir = esc10()
  const {dataSet} = await parseDataSet(basedir, 'esc')
  const files = dataSet.instances.length
  const workers = availableParallelism()
  const dir = mkdtempSync(path.join(tmpdir(), 'audeep-bench-'))
  try {
    // Full run, as `audeep preprocess` does it: parallel decode + DSP, in-order streaming netCDF writes.
    const cpu = process.cpuUsage()
    const summary = await preprocess(dataSet, TUTORIAL, {output: path.join(dir, 'esc10.nc'), workers})
    const mainCpu = cpuSeconds(cpu) // process.cpuUsage covers the workers too
    const s = summary.elapsedSeconds
    const hours = summary.audioSeconds / 3600
    console.log(`full ESC-10, tutorial options (${workers} workers): ${files} files, ${summary.audioSeconds.toFixed(0)} s of audio`)
    console.log(
      `  ${s.toFixed(2)} s wall, ${(files / s).toFixed(0)} files/s, ${(s / hours).toFixed(1)} s per hour of audio, ` +
        `${(summary.audioSeconds / s).toFixed(0)}x real time; ${mainCpu.toFixed(1)} s CPU over all threads`,
    )
    console.log(`  original auDeep: ~${ORIGINAL_SECONDS} s -> ${(ORIGINAL_SECONDS / s).toFixed(1)}x faster (target >= 4x)`)

    // Single-thread breakdown on the first 40 files.
    const sample = dataSet.instances.slice(0, 40)
    const decoded: DecodedAudio[] = []
    let t = performance.now()
    for (const item of sample) decoded.push(await decodeAudioFile(item.path))
    const decodeMs = (performance.now() - t) / sample.length
    for (const audio of decoded.slice(0, 5)) computeSpectrogram(audio, TUTORIAL)
    t = performance.now()
    for (const audio of decoded) computeSpectrogram(audio, TUTORIAL)
    const dspMs = (performance.now() - t) / sample.length
    console.log(`single thread, ${sample.length} files: decode ${decodeMs.toFixed(1)} ms/file, spectrogram ${dspMs.toFixed(1)} ms/file`)

    const fft = new RealFft(3528)
    const x = new Float64Array(3528).map((_, i) => Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.3))
    const out = new Float64Array(2 * fft.numBins)
    for (let i = 0; i < 500; i++) fft.transform(out, x)
    const reps = 3000
    t = performance.now()
    for (let i = 0; i < reps; i++) fft.transform(out, x)
    console.log(
      `real FFT of 3528 points (mixed radix 4*3*3*7*7 on 1764 complex): ${((1000 * (performance.now() - t)) / reps).toFixed(1)} us`,
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
