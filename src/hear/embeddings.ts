// HEAR embedding directories: what hear-eval-kit's predictions runner (heareval.predictions.runner) reads
// for a scene task, written from an auDeep data set and read back (hear-reference §3):
//   task_metadata.json, labelvocabulary.csv, <split>.json      copied byte for byte from the task
//   <split>.embedding-dimensions.json                          json.dumps((rows, dim)): "[20, 64]"
//   <split>.embeddings.npy                                     raw little-endian float32 [rows, dim], no
//                                                              NPY header (heareval memmaps it)
//   <split>.target-labels.pkl                                  pickle of a list of label lists, one per row
//   .done.embeddings                                           heareval's "embeddings finished" marker
// Labels keep the Python type they have in <split>.json (see task.ts).

import {existsSync, renameSync, rmSync} from 'node:fs'
import {chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {endianness} from 'node:os'
import path from 'node:path'

import {UserError} from '../core/errors.js'
import {checkInterrupted} from '../core/interrupt.js'
import {registerTemporary, removeStaleTemporariesOf, tempSibling} from '../core/temp-files.js'
import {getLogger} from '../core/log.js'
import type {DataSet} from '../data/dataset.js'
import {decodePickle, encodePickle, type PickleValue} from '../python/pickle.js'
import type {PyScalar} from '../python/value.js'
import {type HearTaskMetadata, readLabelVocabulary, readSplitLabels, readTaskMetadata, readText} from './task.js'

const log = getLogger('hear.embeddings')

// ----------------------------------------------------------------------------------------------------
// Embeddings in memory

export interface HearSplit {
  readonly name: string
  readonly rows: number
  readonly dim: number
  /** Row-major [rows, dim]. */
  readonly embeddings: Float32Array
  /** One label list per row, with the Python types of `<split>.json`. */
  readonly labels: readonly (readonly PyScalar[])[]
  /** The clip of each row, when known (not stored by the format). */
  readonly files: readonly string[] | null
}

export interface HearEmbeddings {
  readonly metadata: HearTaskMetadata
  /** Label strings by idx (labelvocabulary.csv). */
  readonly vocabulary: readonly string[]
  /** In the order of metadata.splits. */
  readonly splits: readonly HearSplit[]
}

/** How an instance's feature block becomes one embedding vector. */
export type PoolMode = 'flatten' | 'mean'

export interface FromDataSetOptions {
  /**
   * flatten: all feature values in row-major order; mean: the average over every feature axis but the last
   * (e.g. over time for [time, frequency] spectrograms). Rank-1 features are used as they are either way.
   */
  pool?: PoolMode
  /** Name of the data set, for messages. */
  source?: string
}

function checkSceneTask(meta: HearTaskMetadata, taskDir: string): void {
  if (meta.embeddingType !== 'scene') {
    throw new UserError(
      `${path.join(taskDir, 'task_metadata.json')}: '${meta.taskName}' is an event task; it needs timestamp embeddings, and auDeep features are one vector per clip, so only scene tasks are supported`,
    )
  }
}

/**
 * Assigns each clip of the task its embedding: the instances whose filename is the clip's name (or, failing
 * that, whose path ends in it), their chunks averaged, as HEAR averages the windows of a scene embedding.
 * Labels come from the task's `<split>.json`, so the data set's own labels are not needed.
 */
export async function embeddingsFromDataSet(ds: DataSet, taskDir: string, options: FromDataSetOptions = {}): Promise<HearEmbeddings> {
  const source = options.source ?? 'the data set'
  const metadata = await readTaskMetadata(taskDir)
  checkSceneTask(metadata, taskDir)
  const vocabulary = await readLabelVocabulary(taskDir)
  const pool = options.pool ?? 'flatten'
  const shape = ds.featureShape
  const size = ds.featureSize
  const dim = pool === 'mean' && shape.length > 1 ? shape[shape.length - 1] : size
  if (dim === 0) throw new UserError(`${source}: instances have no feature values`)

  const byName = new Map<string, number[]>()
  const byBase = new Map<string, number[]>()
  ds.instances.forEach((inst, i) => {
    const add = (map: Map<string, number[]>, key: string): void => {
      const list = map.get(key)
      if (list) list.push(i)
      else map.set(key, [i])
    }
    add(byName, inst.filename)
    add(byBase, inst.filename.split(/[\\/]/).pop()!)
  })
  const used = new Set<number>()
  const splits: HearSplit[] = []
  for (const split of metadata.splits) {
    const labelsByFile = await readSplitLabels(taskDir, split)
    const files = [...labelsByFile.keys()]
    const embeddings = new Float32Array(files.length * dim)
    const labels: PyScalar[][] = []
    for (const [row, file] of files.entries()) {
      let rows = byName.get(file)
      if (rows === undefined) {
        rows = byBase.get(file)
        if (rows !== undefined && new Set(rows.map((r) => ds.instances[r].filename)).size > 1) {
          throw new UserError(
            `${source}: several instances end in '${file}' (${rows
              .slice(0, 2)
              .map((r) => ds.instances[r].filename)
              .join(', ')}); their clip is ambiguous`,
          )
        }
      }
      if (rows === undefined)
        throw new UserError(`${source}: no instance for '${file}' of ${split}.json in ${taskDir} (was the data set made from this task?)`)
      const target = embeddings.subarray(row * dim, (row + 1) * dim)
      for (const r of rows) {
        used.add(r)
        accumulate(ds.features.subarray(r * size, (r + 1) * size), target, dim, pool)
      }
      const scale = 1 / (rows.length * (pool === 'mean' ? size / dim : 1))
      for (let j = 0; j < dim; j++) {
        target[j] *= scale
        if (!Number.isFinite(target[j]))
          throw new UserError(`${source}: the features of '${file}' contain NaN or infinite values (heareval rejects them)`)
      }
      const list = labelsByFile.get(file)!
      if (metadata.predictionType === 'multiclass' && list.length !== 1) {
        throw new UserError(`${path.join(taskDir, `${split}.json`)}: '${file}' has ${list.length} labels, but the task is multiclass`)
      }
      labels.push(list)
    }
    splits.push({name: split, rows: files.length, dim, embeddings, labels, files})
  }
  const unused = ds.numInstances - used.size
  if (unused > 0) log.warn(`${source}: ${unused} instance(s) belong to no clip of the task and are left out`)
  return {metadata, vocabulary, splits}
}

/** Adds one instance's features into `target` (sums; the caller divides). */
function accumulate(features: Float32Array, target: Float32Array, dim: number, pool: PoolMode): void {
  if (pool === 'flatten' || dim === features.length) {
    for (let j = 0; j < dim; j++) target[j] += features[j]
    return
  }
  for (let offset = 0; offset < features.length; offset += dim) {
    for (let j = 0; j < dim; j++) target[j] += features[offset + j]
  }
}

// ----------------------------------------------------------------------------------------------------
// Writing and reading the directory

const littleEndian = endianness() === 'LE'

function float32Bytes(data: Float32Array): Buffer {
  if (littleEndian) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const out = Buffer.alloc(data.byteLength)
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], 4 * i)
  return out
}

async function writeFileIn(file: string, data: string | Uint8Array, shown: string): Promise<void> {
  try {
    await writeFile(file, data)
  } catch (error) {
    throw new UserError(`${shown}: cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}

/** The file names an embedding directory consists of (task files first). */
export function embeddingDirectoryFiles(splits: readonly string[]): string[] {
  return [
    'task_metadata.json',
    'labelvocabulary.csv',
    ...splits.map((s) => `${s}.json`),
    ...splits.flatMap((s) => [`${s}.embedding-dimensions.json`, `${s}.embeddings.npy`, `${s}.target-labels.pkl`]),
    '.done.embeddings',
  ]
}

/**
 * Writes `emb` as the embedding directory `outDir` of the task in `taskDir`. The directory is written as a
 * temporary sibling and renamed into place when complete, so an interruption or a full disk leaves the
 * previous one (if any) untouched. An earlier embedding directory is replaced whole, heareval's outputs in it
 * included (prediction-done.json, predictions): they belong to the old embeddings. A directory that is not
 * an embedding directory is never replaced.
 */
export async function writeEmbeddingDirectory(outDir: string, taskDir: string, emb: HearEmbeddings): Promise<void> {
  const dims = new Set(emb.splits.map((s) => s.dim))
  if (dims.size !== 1) throw new Error(`embedding dimensions differ across splits: ${[...dims].join(', ')}`)
  const target = path.resolve(outDir)
  if (target === path.resolve(taskDir)) throw new UserError(`${outDir}: the output directory must not be the task directory`)
  const existing = await stat(target).catch(() => null)
  if (existing !== null) {
    const entries = existing.isDirectory() ? await readdir(target) : null
    if (entries === null || (entries.length > 0 && !entries.includes('task_metadata.json') && !entries.includes('.done.embeddings'))) {
      throw new UserError(`${outDir}: exists and is not an embedding directory; choose another --output`)
    }
  }
  let stage: string
  try {
    await mkdir(path.dirname(target), {recursive: true})
    removeStaleTemporariesOf(target)
    stage = tempSibling(target)
    await mkdir(stage)
  } catch (error) {
    throw new UserError(`${outDir}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  const registration = registerTemporary(stage)
  try {
    for (const name of ['task_metadata.json', 'labelvocabulary.csv', ...emb.metadata.splits.map((s) => `${s}.json`)]) {
      try {
        await copyFile(path.join(taskDir, name), path.join(stage, name))
        // Task archives unpack read-only; the copies belong to the embedding directory and stay writable.
        await chmod(path.join(stage, name), 0o644)
      } catch (error) {
        throw new UserError(
          `${path.join(taskDir, name)}: cannot copy to ${outDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        )
      }
    }
    for (const split of emb.splits) {
      checkInterrupted()
      const base = path.join(stage, split.name)
      const shown = path.join(outDir, split.name)
      await writeFileIn(`${base}.embedding-dimensions.json`, `[${split.rows}, ${split.dim}]`, `${shown}.embedding-dimensions.json`)
      await writeFileIn(`${base}.embeddings.npy`, float32Bytes(split.embeddings), `${shown}.embeddings.npy`)
      await writeFileIn(`${base}.target-labels.pkl`, encodePickle(split.labels as PickleValue[]), `${shown}.target-labels.pkl`)
    }
    await writeFileIn(path.join(stage, '.done.embeddings'), '', path.join(outDir, '.done.embeddings'))
    checkInterrupted()
    replaceDirectory(stage, target, outDir)
  } catch (error) {
    await rm(stage, {recursive: true, force: true})
    throw error
  } finally {
    registration.release()
  }
}

/** Moves the complete `stage` to `target`; an existing target is moved aside first and removed after. */
function replaceDirectory(stage: string, target: string, shown: string): void {
  try {
    if (!existsSync(target)) {
      renameSync(stage, target)
      return
    }
    const old = tempSibling(target)
    renameSync(target, old)
    try {
      renameSync(stage, target)
    } catch (error) {
      renameSync(old, target)
      throw error
    }
    rmSync(old, {recursive: true, force: true})
  } catch (error) {
    throw new UserError(`${shown}: cannot move into place (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}

function asScalarLists(value: PickleValue, rows: number, file: string): PyScalar[][] {
  if (!Array.isArray(value) || !value.every((l) => Array.isArray(l) && l.every((x) => !Array.isArray(x)))) {
    throw new UserError(`${file}: expected a list of label lists`)
  }
  if (value.length !== rows) throw new UserError(`${file}: ${value.length} label lists for ${rows} embedding rows`)
  return value as PyScalar[][]
}

/** Reads an embedding directory of a scene task (ours or one written by hear-eval-kit). */
export async function readEmbeddingDirectory(dir: string): Promise<HearEmbeddings> {
  const metadata = await readTaskMetadata(dir)
  checkSceneTask(metadata, dir)
  const vocabulary = await readLabelVocabulary(dir)
  const splits: HearSplit[] = []
  for (const split of metadata.splits) {
    const base = path.join(dir, split)
    const dimsFile = `${base}.embedding-dimensions.json`
    let dims: unknown
    try {
      dims = JSON.parse(await readText(dimsFile))
    } catch (error) {
      if (error instanceof UserError) throw error
      throw new UserError(`${dimsFile}: invalid JSON`)
    }
    if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new UserError(`${dimsFile}: expected [rows, dim]`)
    }
    const [rows, dim] = dims as [number, number]
    const matrixFile = `${base}.embeddings.npy`
    let bytes: Buffer
    try {
      bytes = await readFile(matrixFile)
    } catch (error) {
      throw new UserError(`${matrixFile}: cannot read (${(error as Error).message})`)
    }
    if (bytes.length !== rows * dim * 4) {
      throw new UserError(
        `${matrixFile}: ${bytes.length} bytes, but ${path.basename(dimsFile)} says ${rows} x ${dim} float32 (${rows * dim * 4} bytes)`,
      )
    }
    const embeddings = new Float32Array(rows * dim)
    if (littleEndian) new Uint8Array(embeddings.buffer).set(bytes)
    else for (let i = 0; i < embeddings.length; i++) embeddings[i] = bytes.readFloatLE(4 * i)
    for (let i = 0; i < embeddings.length; i++) {
      if (!Number.isFinite(embeddings[i])) throw new UserError(`${matrixFile}: row ${Math.floor(i / dim)} contains NaN or infinite values`)
    }
    const labelsFile = `${base}.target-labels.pkl`
    let pickled: Buffer
    try {
      pickled = await readFile(labelsFile)
    } catch (error) {
      throw new UserError(`${labelsFile}: cannot read (${(error as Error).message})`)
    }
    const labels = asScalarLists(decodePickle(pickled, labelsFile), rows, labelsFile)
    splits.push({name: split, rows, dim, embeddings, labels, files: null})
  }
  const dims = new Set(splits.map((s) => s.dim))
  if (dims.size !== 1) throw new UserError(`${dir}: embedding dimensions differ across splits (${[...dims].join(', ')})`)
  return {metadata, vocabulary, splits}
}
