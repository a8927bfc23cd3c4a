// HEAR embedding directories: what hear-eval-kit's predictions runner (heareval.predictions.runner) reads
// for a scene task, written from an auDeep data set and read back (docs/hear.md, hear-reference §3):
//   task_metadata.json, labelvocabulary.csv, <split>.json      copied byte for byte from the task
//   <split>.embedding-dimensions.json                          json.dumps((rows, dim)): "[20, 64]"
//   <split>.embeddings.npy                                     raw little-endian float32 [rows, dim], no
//                                                              NPY header (heareval memmaps it)
//   <split>.target-labels.pkl                                  pickle of a list of label lists, one per row
//   .done.embeddings                                           heareval's "embeddings finished" marker
// Labels keep the Python type they have in <split>.json (spoken_digit's are ints), because heareval looks
// them up as str(label). JavaScript's JSON.parse cannot tell 1 from 1.0, so label files go through a small
// parser of our own that keeps Python's int/float distinction.

import {chmod, copyFile, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {endianness} from 'node:os'
import path from 'node:path'

import {splitCsvLine} from '../../parsers/common.js'
import {UserError} from '../core/errors.js'
import {getLogger} from '../core/log.js'
import type {DataSet} from '../data/dataset.js'

const log = getLogger('formats.hear')

// ----------------------------------------------------------------------------------------------------
// Python values

/** A JSON scalar as Python's json module loads it: bigint = int, number = float. */
export type PyScalar = string | bigint | number | boolean | null
export type PyValue = PyScalar | PyValue[] | Map<string, PyValue>

/** Python's repr() of a float (shortest round trip; exponent form below 1e-4 and from 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, expText] = x.toExponential().split('e')
  const exponent = Number(expText)
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  const fixed = String(x)
  return fixed.includes('.') ? fixed : `${fixed}.0`
}

/** Python's str() of a label, which is how heareval keys labels in the vocabulary. */
export function pyStr(value: PyScalar): string {
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return pyFloatRepr(value)
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  return 'None'
}

/** JSON parsed the way Python's json.loads does it: integers stay ints (bigint), objects keep key order. */
export function parsePythonJson(text: string, file: string): PyValue {
  let i = 0
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length
    throw new UserError(`${file}: invalid JSON at line ${line}: ${what}`)
  }
  const skip = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  }
  const value = (): PyValue => {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      const out = new Map<string, PyValue>()
      skip()
      if (text[i] === '}') return (i++, out)
      for (;;) {
        skip()
        if (text[i] !== '"') fail('expected a string key')
        const key = string()
        skip()
        if (text[i++] !== ':') fail("expected ':'")
        out.set(key, value())
        skip()
        const sep = text[i++]
        if (sep === '}') return out
        if (sep !== ',') fail("expected ',' or '}'")
      }
    }
    if (c === '[') {
      i++
      const out: PyValue[] = []
      skip()
      if (text[i] === ']') return (i++, out)
      for (;;) {
        out.push(value())
        skip()
        const sep = text[i++]
        if (sep === ']') return out
        if (sep !== ',') fail("expected ',' or ']'")
      }
    }
    if (c === '"') return string()
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(word, i)) return ((i += word.length), v)
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (m === null || m[0] === '') return fail(`unexpected ${c === undefined ? 'end of file' : `'${c}'`}`)
    i += m[0].length
    return m[2] === undefined && m[3] === undefined ? BigInt(m[0]) : Number(m[0])
  }
  const string = (): string => {
    const start = i
    i++
    let escaped = false
    while (i < text.length) {
      const ch = text[i++]
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') {
        try {
          return JSON.parse(text.slice(start, i)) as string
        } catch (error) {
          // A raw control character or a bad escape inside the string.
          return fail(`invalid string (${(error as Error).message.replace(/ in JSON at position \d+$/, '')})`)
        }
      }
    }
    return fail('unterminated string')
  }
  const result = value()
  skip()
  if (i < text.length) fail('trailing characters')
  return result
}

// ----------------------------------------------------------------------------------------------------
// Pickle (protocol 2 out; protocols 2-5 in, for the value kinds heareval stores)

export type PickleValue = PyScalar | PickleValue[]

const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  LIST: 0x6c,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  PROTO: 0x80,
  FRAME: 0x95,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
} as const

/** Two's complement little-endian bytes of `v`, as short as Python's encode_long makes them. */
function longBytes(v: bigint): number[] {
  const bytes: number[] = []
  let x = v
  for (;;) {
    bytes.push(Number(x & 0xffn))
    x >>= 8n
    const sign = bytes[bytes.length - 1] & 0x80
    if ((x === 0n && sign === 0) || (x === -1n && sign !== 0)) return bytes
  }
}

/** A pickle (protocol 2) of nested lists of Python scalars; this is what pickle.load gives back. */
export function encodePickle(value: PickleValue): Buffer {
  const parts: Buffer[] = [Buffer.from([OP.PROTO, 2])]
  const byte = (...b: number[]): void => void parts.push(Buffer.from(b))
  const emit = (v: PickleValue): void => {
    if (Array.isArray(v)) {
      byte(OP.EMPTY_LIST, OP.MARK)
      v.forEach(emit)
      byte(OP.APPENDS)
    } else if (typeof v === 'string') {
      const utf8 = Buffer.from(v, 'utf8')
      const header = Buffer.alloc(5)
      header[0] = OP.BINUNICODE
      header.writeUInt32LE(utf8.length, 1)
      parts.push(header, utf8)
    } else if (typeof v === 'bigint') {
      if (v >= 0n && v < 256n) byte(OP.BININT1, Number(v))
      else if (v >= 0n && v < 65536n) byte(OP.BININT2, Number(v) & 0xff, Number(v) >> 8)
      else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
        const b = Buffer.alloc(5)
        b[0] = OP.BININT
        b.writeInt32LE(Number(v), 1)
        parts.push(b)
      } else {
        const bytes = longBytes(v)
        byte(OP.LONG1, bytes.length, ...bytes)
      }
    } else if (typeof v === 'number') {
      const b = Buffer.alloc(9)
      b[0] = OP.BINFLOAT
      b.writeDoubleBE(v, 1)
      parts.push(b)
    } else if (typeof v === 'boolean') byte(v ? OP.NEWTRUE : OP.NEWFALSE)
    else byte(OP.NONE)
  }
  emit(value)
  byte(OP.STOP)
  return Buffer.concat(parts)
}

/**
 * Reads a pickle of nested lists/tuples of str, int, float, bool and None (tuples become arrays), as
 * written by encodePickle or by Python's pickle.dump with any protocol from 2 up.
 */
export function decodePickle(bytes: Uint8Array, file = 'pickle'): PickleValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const stack: (PickleValue | typeof MARK)[] = []
  const memo = new Map<number, PickleValue>()
  let pos = 0
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new UserError(`${file}: truncated pickle`)
  }
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK)
    if (at < 0) throw new UserError(`${file}: malformed pickle (no MARK)`)
    const items = stack.splice(at) as PickleValue[]
    items.shift()
    return items
  }
  const top = (): PickleValue => {
    const v = stack[stack.length - 1]
    if (v === undefined || v === MARK) throw new UserError(`${file}: malformed pickle (empty stack)`)
    return v
  }
  const text = (n: number): string => {
    need(n)
    const s = buf.toString('utf8', pos, pos + n)
    pos += n
    return s
  }
  for (;;) {
    need(1)
    const op = buf[pos++]
    switch (op) {
      case OP.PROTO:
        need(1)
        pos += 1
        break
      case OP.FRAME:
        need(8)
        pos += 8
        break
      case OP.STOP: {
        if (stack.length !== 1) throw new UserError(`${file}: malformed pickle (${stack.length} values left at STOP)`)
        return top()
      }
      case OP.MARK:
        stack.push(MARK)
        break
      case OP.EMPTY_LIST:
        stack.push([])
        break
      case OP.EMPTY_TUPLE:
        stack.push([])
        break
      case OP.LIST:
      case OP.TUPLE:
        stack.push(popMark())
        break
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1
        if (stack.length < n) throw new UserError(`${file}: malformed pickle (short stack)`)
        stack.push(stack.splice(stack.length - n) as PickleValue[])
        break
      }
      case OP.APPEND: {
        const item = stack.pop() as PickleValue
        const list = top()
        if (!Array.isArray(list)) throw new UserError(`${file}: malformed pickle (APPEND to a non-list)`)
        list.push(item)
        break
      }
      case OP.APPENDS: {
        const items = popMark()
        const list = top()
        if (!Array.isArray(list)) throw new UserError(`${file}: malformed pickle (APPENDS to a non-list)`)
        for (const item of items) list.push(item)
        break
      }
      case OP.BINUNICODE:
        need(4)
        {
          const n = buf.readUInt32LE(pos)
          pos += 4
          stack.push(text(n))
        }
        break
      case OP.SHORT_BINUNICODE:
        need(1)
        {
          const n = buf[pos++]
          stack.push(text(n))
        }
        break
      case OP.BINUNICODE8:
        need(8)
        {
          const n = Number(buf.readBigUInt64LE(pos))
          pos += 8
          stack.push(text(n))
        }
        break
      case OP.BININT:
        need(4)
        stack.push(BigInt(buf.readInt32LE(pos)))
        pos += 4
        break
      case OP.BININT1:
        need(1)
        stack.push(BigInt(buf[pos++]))
        break
      case OP.BININT2:
        need(2)
        stack.push(BigInt(buf.readUInt16LE(pos)))
        pos += 2
        break
      case OP.LONG1: {
        need(1)
        const n = buf[pos++]
        need(n)
        let v = 0n
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(buf[pos + k])
        if (n > 0 && buf[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n)
        pos += n
        stack.push(v)
        break
      }
      case OP.BINFLOAT:
        need(8)
        stack.push(buf.readDoubleBE(pos))
        pos += 8
        break
      case OP.NONE:
        stack.push(null)
        break
      case OP.NEWTRUE:
        stack.push(true)
        break
      case OP.NEWFALSE:
        stack.push(false)
        break
      case OP.BINPUT:
        need(1)
        memo.set(buf[pos++], top())
        break
      case OP.LONG_BINPUT:
        need(4)
        memo.set(buf.readUInt32LE(pos), top())
        pos += 4
        break
      case OP.MEMOIZE:
        memo.set(memo.size, top())
        break
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const key = op === OP.BINGET ? (need(1), buf[pos]) : (need(4), buf.readUInt32LE(pos))
        pos += op === OP.BINGET ? 1 : 4
        const v = memo.get(key)
        if (v === undefined) throw new UserError(`${file}: malformed pickle (memo ${key} missing)`)
        stack.push(v)
        break
      }
      default:
        throw new UserError(
          `${file}: unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} (only lists of strings and numbers are read)`,
        )
    }
  }
}

const MARK = Symbol('mark')

// ----------------------------------------------------------------------------------------------------
// Task directories

export type SplitMode = 'trainvaltest' | 'new_split_kfold' | 'presplit_kfold'

export interface HearTaskMetadata {
  readonly taskName: string
  readonly splits: readonly string[]
  readonly splitMode: SplitMode
  readonly embeddingType: 'scene' | 'event'
  readonly predictionType: 'multiclass' | 'multilabel'
  /** Metric names; the first is the primary score. */
  readonly evaluation: readonly string[]
  readonly useScoringForEarlyStopping: boolean
  /** `evaluation_params.task_specific_param_grid`, if the task sets one. */
  readonly taskSpecificParamGrid: Readonly<Record<string, unknown>> | null
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : (error as Error).message})`)
  }
}

export async function readTaskMetadata(dir: string): Promise<HearTaskMetadata> {
  const file = path.join(dir, 'task_metadata.json')
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(await readText(file)) as Record<string, unknown>
  } catch (error) {
    if (error instanceof UserError) throw error
    throw new UserError(`${file}: invalid JSON (${(error as Error).message})`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${file}: expected a JSON object`)
  const str = (key: string, allowed?: readonly string[]): string => {
    const v = raw[key]
    if (typeof v !== 'string') throw new UserError(`${file}: '${key}' must be a string`)
    if (allowed && !allowed.includes(v)) throw new UserError(`${file}: '${key}' is '${v}', expected one of ${allowed.join(', ')}`)
    return v
  }
  const list = (key: string): string[] => {
    const v = raw[key]
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string'))
      throw new UserError(`${file}: '${key}' must be a non-empty list of strings`)
    return v as string[]
  }
  const params = raw.evaluation_params as Record<string, unknown> | undefined
  const grid = params?.task_specific_param_grid
  return {
    taskName: str('task_name'),
    splits: list('splits'),
    splitMode: str('split_mode', ['trainvaltest', 'new_split_kfold', 'presplit_kfold']) as SplitMode,
    embeddingType: str('embedding_type', ['scene', 'event']) as 'scene' | 'event',
    predictionType: str('prediction_type', ['multiclass', 'multilabel']) as 'multiclass' | 'multilabel',
    evaluation: list('evaluation'),
    useScoringForEarlyStopping: raw.use_scoring_for_early_stopping !== false,
    taskSpecificParamGrid: grid !== null && typeof grid === 'object' && !Array.isArray(grid) ? (grid as Record<string, unknown>) : null,
  }
}

/** labelvocabulary.csv as a list indexed by idx; heareval requires the rows to be exactly 0..N-1. */
export async function readLabelVocabulary(dir: string): Promise<string[]> {
  const file = path.join(dir, 'labelvocabulary.csv')
  const lines = (await readText(file)).split(/\r?\n/).filter((l) => l.trim() !== '')
  const header = lines.length > 0 ? splitCsvLine(lines[0]).map((h) => h.trim()) : []
  const idxColumn = header.indexOf('idx')
  const labelColumn = header.indexOf('label')
  if (idxColumn < 0 || labelColumn < 0) throw new UserError(`${file}: expected the header 'idx,label'`)
  const labels: string[] = []
  for (const [row, line] of lines.slice(1).entries()) {
    const fields = splitCsvLine(line)
    const idx = Number(fields[idxColumn])
    const label = fields[labelColumn]
    if (!Number.isInteger(idx) || idx < 0 || label === undefined)
      throw new UserError(`${file}, line ${row + 2}: expected '<idx>,<label>', found '${line}'`)
    if (labels[idx] !== undefined) throw new UserError(`${file}, line ${row + 2}: idx ${idx} appears twice`)
    labels[idx] = label
  }
  if (labels.length === 0) throw new UserError(`${file}: no labels`)
  if (labels.length !== lines.length - 1 || labels.some((l) => l === undefined)) {
    throw new UserError(`${file}: the idx column must run from 0 to ${lines.length - 2} without gaps (heareval requires it)`)
  }
  return labels
}

/** `<split>.json` of a scene task: file name -> labels, in the file's order. */
export async function readSplitLabels(dir: string, split: string): Promise<Map<string, PyScalar[]>> {
  const file = path.join(dir, `${split}.json`)
  const parsed = parsePythonJson(await readText(file), file)
  if (!(parsed instanceof Map)) throw new UserError(`${file}: expected an object mapping file names to label lists`)
  const out = new Map<string, PyScalar[]>()
  for (const [name, labels] of parsed) {
    if (!Array.isArray(labels) || labels.some((l) => Array.isArray(l) || l instanceof Map)) {
      throw new UserError(`${file}: '${name}' must map to a list of labels (is this an event task?)`)
    }
    out.set(name, labels as PyScalar[])
  }
  return out
}

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

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`
  try {
    await writeFile(temp, data)
    await rename(temp, file)
  } catch (error) {
    await rm(temp, {force: true})
    throw new UserError(`${file}: cannot write (${(error as Error).message})`)
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
 * Writes `emb` as the embedding directory `outDir` of the task in `taskDir` (created if needed; files of
 * an earlier export are replaced, each one atomically). heareval's output from an earlier run
 * (prediction-done.json) is removed so that its runner does not skip the new embeddings.
 */
export async function writeEmbeddingDirectory(outDir: string, taskDir: string, emb: HearEmbeddings): Promise<void> {
  const dims = new Set(emb.splits.map((s) => s.dim))
  if (dims.size !== 1) throw new Error(`embedding dimensions differ across splits: ${[...dims].join(', ')}`)
  try {
    await mkdir(outDir, {recursive: true})
  } catch (error) {
    throw new UserError(`${outDir}: cannot create the directory (${(error as Error).message})`)
  }
  if (path.resolve(outDir) === path.resolve(taskDir)) throw new UserError(`${outDir}: the output directory must not be the task directory`)
  await rm(path.join(outDir, 'prediction-done.json'), {force: true})
  await rm(path.join(outDir, '.done.embeddings'), {force: true})
  for (const name of ['task_metadata.json', 'labelvocabulary.csv', ...emb.metadata.splits.map((s) => `${s}.json`)]) {
    const temp = path.join(outDir, `${name}.tmp-${process.pid}`)
    try {
      await copyFile(path.join(taskDir, name), temp)
      // Task archives unpack read-only; the copies belong to the embedding directory and stay writable.
      await chmod(temp, 0o644)
      await rename(temp, path.join(outDir, name))
    } catch (error) {
      await rm(temp, {force: true})
      throw new UserError(`${path.join(taskDir, name)}: cannot copy to ${outDir} (${(error as Error).message})`)
    }
  }
  for (const split of emb.splits) {
    const base = path.join(outDir, split.name)
    await writeAtomic(`${base}.embedding-dimensions.json`, `[${split.rows}, ${split.dim}]`)
    await writeAtomic(`${base}.embeddings.npy`, float32Bytes(split.embeddings))
    await writeAtomic(`${base}.target-labels.pkl`, encodePickle(split.labels as PickleValue[]))
  }
  await writeAtomic(path.join(outDir, '.done.embeddings'), '')
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
