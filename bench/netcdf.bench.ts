// Streaming netCDF-4 write and read of a tutorial-sized spectrogram set (400 x 124 x 128 float32), against
// the baseline of writing/reading the same bytes as one raw file.

import {readFileSync, rmSync, writeFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {InstanceMeta} from '../src/data/dataset.js'
import {createDataSetWriter, openDataSetReader, schemaFor} from '../src/data/netcdf/index.js'

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function time(fn: () => void | Promise<void>): Promise<number> {
  const start = process.hrtime.bigint()
  return Promise.resolve(fn()).then(() => Number(process.hrtime.bigint() - start) / 1e9)
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-'))
  const n = 400
  const shape = [124, 128]
  const size = shape[0] * shape[1]
  const instances: InstanceMeta[] = Array.from({length: n}, (_, i) => ({
    filename: `${1 + (i % 5)}-${100000 + i}-A.ogg`,
    chunkNr: 0,
    labelNominal: `class ${i % 10}`,
    labelNumeric: i % 10,
    cvFolds: [0, 1, 2, 3, 4].map((k) => (k === i % 5 ? 1 : 0)),
    partition: null,
  }))
  const row = new Float32Array(size).map((_, j) => Math.sin(j))
  const bytes = n * size * 4
  const ncPath = join(dir, 'bench.nc')
  const rawPath = join(dir, 'bench.raw')
  const writes: number[] = []
  const rawWrites: number[] = []
  const reads: number[] = []
  const rawReads: number[] = []
  for (let rep = 0; rep < 5; rep++) {
    writes.push(
      await time(async () => {
        const writer = await createDataSetWriter(
          ncPath,
          schemaFor(instances, {featureDims: ['time', 'freq'], featureShape: shape, numFolds: 5, labelMap: null}),
        )
        for (const inst of instances) writer.append(inst, row)
        await writer.close()
      }),
    )
    rawWrites.push(
      await time(() => {
        const all = new Float32Array(n * size)
        for (let i = 0; i < n; i++) all.set(row, i * size)
        writeFileSync(rawPath, all)
      }),
    )
    reads.push(
      await time(async () => {
        const reader = await openDataSetReader(ncPath)
        for (let i = 0; i < n; i += 32) reader.readFeatures(i, Math.min(32, n - i))
        reader.close()
      }),
    )
    rawReads.push(await time(() => void readFileSync(rawPath)))
  }
  const mb = bytes / 2 ** 20
  const w = median(writes)
  const rw = median(rawWrites)
  const r = median(reads)
  const rr = median(rawReads)
  console.log(`data: ${n} x ${shape.join(' x ')} float32 = ${mb.toFixed(1)} MiB, median of 5`)
  console.log(
    `streaming netCDF-4 write: ${w.toFixed(3)} s (${(mb / w).toFixed(0)} MiB/s); raw file write: ${rw.toFixed(3)} s; ratio ${(w / rw).toFixed(1)}x`,
  )
  console.log(
    `netCDF-4 read in 32-row blocks: ${r.toFixed(3)} s (${(mb / r).toFixed(0)} MiB/s); raw file read: ${rr.toFixed(3)} s; ratio ${(r / rr).toFixed(1)}x`,
  )
  rmSync(dir, {recursive: true, force: true})
}
