// `audeep import`: a data set from a tree of CSV or ARFF files (audeep-reference.md §6.2), the inverse
// of export. Every column that is not metadata becomes a float32 feature of dimension `generated`.
//
// Fixes over auDeep 0.9.6 (§11):
// * the chunk-number column is recognised (auDeep imported it as an extra feature, chunk_nr always 0);
// * fold directories are ordered numerically, so 10 or more folds work, and a fold directory without a
//   data file is an error instead of silently shifting the folds that follow;
// * missing labels (empty or `?`) become missing, not the label "";
// * files may lack classes: the label map is the union over all files (auDeep required identical maps),
//   and an instance exported into several fold directories (overlapping folds) is merged back into one
//   instance that is VALID in each of those folds;
// * `<partition>/fold_k` trees, which export writes for data sets with partitions and folds, import too;
// * only `<name>.csv` / `<name>.arff` count as data files, so other files beside them (`<name>.nc`) do
//   not make the import ambiguous.

import {readdirSync, statSync} from 'node:fs'
import {extname, join} from 'node:path'

import {UserError} from '../core/errors.js'
import {getLogger} from '../core/log.js'
import {readArffFile, type ArffAttribute} from '../formats/arff.js'
import {readCsvFile} from '../formats/csv.js'
import {checkIntegrity, CONSTRAINTS, isValid} from './validate.js'
import {compareStrings, DataSet, Partition, PARTITION_NAMES, Split, type InstanceMeta} from './dataset.js'

export interface ImportOptions {
  basedir: string
  /** Data files are `<name>.csv` or `<name>.arff` (extension case-insensitive). */
  name: string
  filenameAttribute?: string
  chunkNrAttribute?: string
  labelNominalAttribute?: string
  labelNumericAttribute?: string
}

const log = getLogger('import')

interface SourceFile {
  path: string
  partition: Partition | null
  /** 0-based fold in which the file's instances are VALID, or null without CV. */
  fold: number | null
}

interface Layout {
  sources: SourceFile[]
  numFolds: number
}

interface Row {
  filename: string
  chunkNr: number
  labelNominal: string | null
  labelNumeric: number | null
}

interface ParsedFile {
  source: SourceFile
  columns: string[]
  hasNumericLabel: boolean
  /** ARFF nominal values declared for the label attribute (they may include classes absent from the rows). */
  declaredLabels: string[]
  rows: Row[]
  /** Row-major [rows, featureCount]. */
  features: Float32Array
  featureCount: number
}

interface Attributes {
  filename: string
  chunkNr: string
  labelNominal: string
  labelNumeric: string
}

export async function importDataSet(options: ImportOptions): Promise<DataSet> {
  const attributes: Attributes = {
    filename: options.filenameAttribute ?? 'filename',
    chunkNr: options.chunkNrAttribute ?? 'chunk_nr',
    labelNominal: options.labelNominalAttribute ?? 'label_nominal',
    labelNumeric: options.labelNumericAttribute ?? 'label_numeric',
  }
  const names = Object.values(attributes)
  if (new Set(names).size !== names.length) {
    throw new UserError(`the filename, chunk number, nominal and numeric label attributes must differ (got ${names.join(', ')})`)
  }
  const layout = discoverLayout(options.basedir, options.name)
  const parsed: ParsedFile[] = []
  for (const source of layout.sources) {
    log.info(`reading ${describe(source)} from ${source.path}`)
    parsed.push(await parseFile(source, attributes))
  }
  const ds = combine(parsed, layout.numFolds)
  // What validate would reject is not written: a data set that fails it is unusable downstream.
  const report = checkIntegrity(ds)
  if (!isValid(report)) {
    const failed = report.violations.findIndex((v) => v.length > 0)
    const count = report.violations.reduce((n, v) => n + v.length, 0)
    const where = layout.sources.length === 1 ? layout.sources[0].path : options.basedir
    throw new UserError(
      `${where}: the data would fail validation (${CONSTRAINTS[failed].replace(/:$/, '')}: ${report.violations[failed][0]}` +
        `${count > 1 ? `; ${count - 1} more violation${count > 2 ? 's' : ''}` : ''})`,
    )
  }
  return ds
}

function describe(source: SourceFile): string {
  const parts: string[] = []
  if (source.partition !== null) parts.push(`partition ${PARTITION_NAMES[source.partition].toLowerCase()}`)
  if (source.fold !== null) parts.push(`fold ${source.fold + 1}`)
  return parts.length > 0 ? parts.join(' ') : 'data set'
}

// ---------------------------------------------------------------------------------------------------------
// Directory layout

function listDir(dir: string): {files: string[]; dirs: string[]} {
  let entries
  try {
    entries = readdirSync(dir, {withFileTypes: true})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UserError(`${dir}: directory does not exist`)
    if (code === 'ENOTDIR') throw new UserError(`${dir}: not a directory`)
    if (code === 'EACCES') throw new UserError(`${dir}: cannot read directory (EACCES)`)
    throw error
  }
  const files: string[] = []
  const dirs: string[] = []
  for (const entry of entries) {
    // Hidden entries include export's temporary files.
    if (entry.name.startsWith('.')) continue
    let isDir = entry.isDirectory()
    let isFile = entry.isFile()
    if (entry.isSymbolicLink()) {
      const target = statSync(join(dir, entry.name), {throwIfNoEntry: false})
      isDir = target?.isDirectory() ?? false
      isFile = target?.isFile() ?? false
    }
    if (isDir) dirs.push(entry.name)
    else if (isFile) files.push(entry.name)
  }
  return {files: files.sort(compareStrings), dirs: dirs.sort(compareStrings)}
}

/** `<name>.csv` or `<name>.arff` in dir, or null; two of them are ambiguous. */
function findDataFile(dir: string, name: string, files: readonly string[]): string | null {
  const matches = files.filter((f) => {
    const ext = extname(f)
    return f.slice(0, f.length - ext.length) === name && (ext.toLowerCase() === '.csv' || ext.toLowerCase() === '.arff')
  })
  if (matches.length > 1) throw new UserError(`${dir}: ambiguous data files ${matches.join(', ')} (keep one)`)
  return matches.length === 1 ? join(dir, matches[0]) : null
}

const FOLD_DIR = /^fold_(\d+)$/
const PARTITION_DIRS = new Map<string, Partition>([
  ['train', Partition.TRAIN],
  ['devel', Partition.DEVEL],
  ['test', Partition.TEST],
])

function discoverLayout(basedir: string, name: string): Layout {
  if (name === '' || name.includes('/') || name.includes('\\')) {
    throw new UserError(`invalid data set name '${name}': it must be a plain file name without extension`)
  }
  const {files, dirs} = listDir(basedir)
  const misplaced = findDataFile(basedir, name, dirs)
  if (misplaced !== null) throw new UserError(`${misplaced}: is a directory, not a data file`)
  const single = findDataFile(basedir, name, files)
  if (single !== null) return {sources: [{path: single, partition: null, fold: null}], numFolds: 0}

  const expected = `${name}.csv or ${name}.arff`
  if (dirs.length === 0) {
    throw new UserError(`${basedir}: no data file ${expected}, and no train/devel/test or fold_N directories`)
  }
  if (dirs.every((d) => PARTITION_DIRS.has(d))) {
    const sources: SourceFile[] = []
    let numFolds: number | null = null
    let foldsFrom = ''
    for (const [dirName, partition] of PARTITION_DIRS) {
      if (!dirs.includes(dirName)) continue
      const dir = join(basedir, dirName)
      const inner = listDir(dir)
      const file = findDataFile(dir, name, inner.files)
      if (file !== null) {
        if (numFolds !== null && numFolds > 0) throw mixedPartitionLayout(basedir, foldsFrom, dir)
        numFolds = 0
        foldsFrom = dir
        sources.push({path: file, partition, fold: null})
      } else if (inner.dirs.length > 0) {
        const folds = discoverFolds(dir, name, inner.dirs)
        if (numFolds !== null && numFolds !== folds.numFolds) throw mixedPartitionLayout(basedir, foldsFrom, dir)
        numFolds = folds.numFolds
        foldsFrom = dir
        for (const s of folds.sources) sources.push({...s, partition})
      } else {
        log.warn(`${dir}: no data file ${expected}; partition ${dirName} is empty`)
      }
    }
    if (sources.length === 0) throw new UserError(`${basedir}: no data file ${expected} in any partition directory`)
    return {sources, numFolds: numFolds ?? 0}
  }
  if (dirs.every((d) => FOLD_DIR.test(d))) return discoverFolds(basedir, name, dirs)
  const unexpected = dirs.filter((d) => !PARTITION_DIRS.has(d) && !FOLD_DIR.test(d))
  throw new UserError(
    `${basedir}: no data file ${expected}, and the subdirectories are neither all train/devel/test nor all fold_N ` +
      `(${unexpected.length > 0 ? 'unexpected: ' + unexpected.slice(0, 5).join(', ') : 'both kinds present: ' + dirs.join(', ')})`,
  )
}

function mixedPartitionLayout(basedir: string, a: string, b: string): UserError {
  return new UserError(`${basedir}: partition directories differ in layout (${a} and ${b} have different fold structures)`)
}

function discoverFolds(dir: string, name: string, dirs: readonly string[]): Layout {
  const bad = dirs.filter((d) => !FOLD_DIR.test(d))
  if (bad.length > 0) throw new UserError(`${dir}: expected only fold_N directories, found ${bad.slice(0, 5).join(', ')}`)
  const folds = dirs.map((d) => ({dir: d, number: Number(FOLD_DIR.exec(d)![1])})).sort((a, b) => a.number - b.number)
  if (folds.length < 2) throw new UserError(`${dir}: cross-validated import needs two or more fold_N directories, found ${folds.length}`)
  const sources: SourceFile[] = []
  for (let i = 0; i < folds.length; i++) {
    const {dir: foldDir, number} = folds[i]
    if (number !== i + 1) {
      const what = number === i ? `both ${folds[i - 1].dir} and ${foldDir} name fold ${number}` : `directory fold_${i + 1} is missing`
      throw new UserError(`${dir}: fold directories must be fold_1 ... fold_${folds.length}: ${what}`)
    }
    const path = join(dir, foldDir)
    const file = findDataFile(path, name, listDir(path).files)
    if (file === null) throw new UserError(`${path}: no data file ${name}.csv or ${name}.arff for fold ${number}`)
    sources.push({path: file, partition: null, fold: i})
  }
  return {sources, numFolds: folds.length}
}

// ---------------------------------------------------------------------------------------------------------
// Parsing one file

/** Collects rows and a growing feature block for one file. */
class FileBuilder {
  readonly rows: Row[] = []
  private features: Float32Array
  private used = 0
  declaredLabels: string[] = []
  private filenameIndex = -1
  private chunkNrIndex = -1
  private nominalIndex = -1
  private numericIndex = -1
  private featureIndices: Int32Array = new Int32Array(0)
  private columns: string[] = []

  constructor(
    private readonly source: SourceFile,
    private readonly attributes: Attributes,
  ) {
    this.features = new Float32Array(1024)
  }

  setColumns(columns: string[]): void {
    const path = this.source.path
    const seen = new Set<string>()
    for (const c of columns) {
      if (seen.has(c)) throw new UserError(`${path}: column '${c}' appears twice`)
      seen.add(c)
    }
    this.columns = columns
    this.nominalIndex = columns.indexOf(this.attributes.labelNominal)
    if (this.nominalIndex < 0) {
      throw new UserError(
        `${path}: required nominal label column '${this.attributes.labelNominal}' is missing ` +
          `(columns: ${columns.slice(0, 6).join(', ')}${columns.length > 6 ? ', ...' : ''}; see --label-nominal-attribute)`,
      )
    }
    this.filenameIndex = columns.indexOf(this.attributes.filename)
    this.chunkNrIndex = columns.indexOf(this.attributes.chunkNr)
    this.numericIndex = columns.indexOf(this.attributes.labelNumeric)
    if (this.filenameIndex < 0) {
      log.warn(
        `${path}: no filename column '${this.attributes.filename}'; using synthetic file names, so integrity checks cannot group chunks`,
      )
    }
    const meta = new Set([this.filenameIndex, this.chunkNrIndex, this.nominalIndex, this.numericIndex])
    this.featureIndices = Int32Array.from(columns.keys()).filter((i) => !meta.has(i))
  }

  get featureColumns(): string[] {
    return Array.from(this.featureIndices, (i) => this.columns[i])
  }

  get hasNumericLabel(): boolean {
    return this.numericIndex >= 0
  }

  addRow(values: readonly (string | null)[], line: number): void {
    const path = this.source.path
    const at = (index: number): string => `${path}: line ${line}, column ${index + 1} (${this.columns[index]})`
    const missing = (v: string | null): boolean => v === null || v === '' || v === '?'
    let filename: string
    if (this.filenameIndex < 0) filename = `synthetic_${path}_${this.rows.length}`
    else {
      const v = values[this.filenameIndex]
      if (missing(v)) throw new UserError(`${at(this.filenameIndex)}: missing filename`)
      filename = v!
    }
    let chunkNr = 0
    if (this.chunkNrIndex >= 0) {
      const v = values[this.chunkNrIndex]
      const n = missing(v) ? NaN : parseNumber(v!)
      if (!Number.isInteger(n) || n < 0) {
        throw new UserError(`${at(this.chunkNrIndex)}: chunk number '${clip(v ?? '')}' is not a non-negative integer`)
      }
      if (n > MAX_CHUNK_NR) {
        throw new UserError(`${at(this.chunkNrIndex)}: chunk number '${clip(v!)}' is out of range (at most ${MAX_CHUNK_NR})`)
      }
      chunkNr = n
    }
    const nominalText = values[this.nominalIndex]
    const labelNominal = missing(nominalText) ? null : nominalText!
    let labelNumeric: number | null = null
    if (this.numericIndex >= 0) {
      const v = values[this.numericIndex]
      if (!missing(v)) {
        const n = parseNumber(v!)
        if (!Number.isInteger(n)) throw new UserError(`${at(this.numericIndex)}: numeric label '${clip(v!)}' is not an integer`)
        // Beyond 2^53 the text no longer maps to one integer (99999999999999999999 would be stored rounded,
        // and wrapped in the int64 variable).
        if (!Number.isSafeInteger(n)) {
          throw new UserError(
            `${at(this.numericIndex)}: numeric label '${clip(v!)}' does not fit exactly (integers up to ±${Number.MAX_SAFE_INTEGER})`,
          )
        }
        labelNumeric = n
      }
    }
    this.rows.push({filename, chunkNr, labelNominal, labelNumeric})

    const width = this.featureIndices.length
    if (this.used + width > this.features.length) {
      const grown = new Float32Array(Math.max(this.features.length * 2, this.used + width))
      grown.set(this.features.subarray(0, this.used))
      this.features = grown
    }
    for (let k = 0; k < width; k++) {
      const v = values[this.featureIndices[k]]
      let x: number
      if (v === null || v === '' || v === '?') x = NaN
      else {
        x = parseNumber(v)
        if (Number.isNaN(x) && !NAN_TEXT.test(v)) {
          throw new UserError(
            `${at(this.featureIndices[k])}: value '${clip(v)}' of feature column '${this.columns[this.featureIndices[k]]}' is not a number`,
          )
        }
        if (Number.isFinite(x) && !Number.isFinite(Math.fround(x))) {
          throw new UserError(`${at(this.featureIndices[k])}: value '${clip(v)}' is beyond the range of float32 features`)
        }
      }
      this.features[this.used++] = x
    }
  }

  finish(columns: string[]): ParsedFile {
    return {
      source: this.source,
      columns,
      hasNumericLabel: this.hasNumericLabel,
      declaredLabels: this.declaredLabels,
      rows: this.rows,
      features: this.features.subarray(0, this.used),
      featureCount: this.featureIndices.length,
    }
  }
}

/**
 * Chunk numbers index the chunks of one audio file (0, 1, ...): no file has 2^31 chunks, so a larger number is
 * a corrupted value, not data (stored, it would also fail validate's chunk-number constraint).
 */
const MAX_CHUNK_NR = 2 ** 31 - 1

/** A value for an error message: at most 40 characters, control and replacement characters escaped. */
function clip(text: string): string {
  const short = text.length > 40 ? text.slice(0, 40) + '...' : text
  return short.replace(/[\x00-\x1f\x7f-\x9f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/
const NAN_TEXT = /^\s*[+-]?nan\s*$/i
const INF_TEXT = /^\s*([+-]?)inf(inity)?\s*$/i

/** Decimal number syntax as Python's float() reads it (no hex, no empty string); NaN if invalid. */
function parseNumber(text: string): number {
  if (NUMBER_TEXT.test(text)) return Number(text)
  const inf = INF_TEXT.exec(text)
  if (inf) return inf[1] === '-' ? -Infinity : Infinity
  return NaN
}

async function parseFile(source: SourceFile, attributes: Attributes): Promise<ParsedFile> {
  const builder = new FileBuilder(source, attributes)
  const ext = extname(source.path).toLowerCase()
  let columns: string[] = []
  if (ext === '.csv') {
    let width = -1
    await readCsvFile(source.path, (fields, line) => {
      if (width < 0) {
        columns = fields
        width = fields.length
        builder.setColumns(fields)
        return
      }
      if (fields.length !== width)
        throw new UserError(`${source.path}: line ${line}: ${fields.length} fields, expected ${width} as in the header`)
      builder.addRow(fields, line)
    })
    if (width < 0) throw new UserError(`${source.path}: empty CSV file (no header row)`)
  } else {
    let labelIndex = -1
    await readArffFile(
      source.path,
      (header) => {
        columns = header.attributes.map((a) => a.name)
        builder.setColumns(columns)
        labelIndex = columns.indexOf(attributes.labelNominal)
        checkArffTypes(source.path, header.attributes, attributes, builder.featureColumns)
        const label = header.attributes.find((a) => a.name === attributes.labelNominal)!
        if (label.type.kind === 'nominal') builder.declaredLabels = label.type.values
      },
      (values, line) => {
        const label = values[labelIndex]
        if (builder.declaredLabels.length > 0 && label !== null && label !== '' && !builder.declaredLabels.includes(label)) {
          throw new UserError(
            `${source.path}: line ${line}: label '${label}' is not among the declared values of '${attributes.labelNominal}'`,
          )
        }
        builder.addRow(values, line)
      },
    )
  }
  if (builder.rows.length === 0) {
    throw new UserError(`${source.path}: no instances, only a header (is the file truncated?)`)
  }
  return builder.finish(columns)
}

function checkArffTypes(path: string, declared: readonly ArffAttribute[], attributes: Attributes, featureColumns: readonly string[]): void {
  const features = new Set(featureColumns)
  for (const a of declared) {
    if (features.has(a.name) && a.type.kind !== 'numeric') {
      throw new UserError(
        `${path}: attribute '${a.name}' is ${a.type.kind}; features must be numeric (or name it with the --*-attribute flags)`,
      )
    }
    if ((a.name === attributes.chunkNr || a.name === attributes.labelNumeric) && a.type.kind !== 'numeric') {
      throw new UserError(`${path}: attribute '${a.name}' must be numeric, is ${a.type.kind}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Combining files

function combine(files: ParsedFile[], numFolds: number): DataSet {
  const first = files[0]
  for (const f of files.slice(1)) {
    if (f.columns.length !== first.columns.length || f.columns.some((c, i) => c !== first.columns[i])) {
      const i = f.columns.findIndex((c, k) => c !== first.columns[k])
      const detail =
        i < 0 || i >= first.columns.length
          ? `${f.columns.length} vs ${first.columns.length} columns`
          : `column ${i + 1} is '${f.columns[i]}' vs '${first.columns[i]}'`
      throw new UserError(`${f.source.path} and ${first.source.path} have different columns (${detail})`)
    }
  }
  const labelMap = buildLabelMap(files)
  const featureCount = first.featureCount
  const instances: InstanceMeta[] = []
  const cvRows: (Split | null)[][] = []
  const origin: ParsedFile[] = []
  const total = files.reduce((n, f) => n + f.rows.length, 0)
  const features = new Float32Array(total * featureCount)
  const bytes = new Uint8Array(features.buffer)
  const byKey = new Map<string, number>()
  let merged = 0

  for (const file of files) {
    const fileBytes = new Uint8Array(file.features.buffer, file.features.byteOffset, file.features.byteLength)
    const rowBytes = featureCount * 4
    for (let r = 0; r < file.rows.length; r++) {
      const row = file.rows[r]
      const labelNumeric = row.labelNumeric ?? (row.labelNominal !== null ? (labelMap?.get(row.labelNominal) ?? null) : null)
      const key = `${row.filename}\u0000${row.chunkNr}`
      const previous = byKey.get(key)
      if (previous !== undefined && origin[previous] !== file) {
        const prevFile = origin[previous]
        const inst = instances[previous]
        const sameFeatures = bytesEqual(bytes, previous * rowBytes, fileBytes, r * rowBytes, rowBytes)
        const sameMeta =
          inst.labelNominal === row.labelNominal && inst.labelNumeric === labelNumeric && inst.partition === file.source.partition
        if (file.source.fold === null || !sameFeatures || !sameMeta) {
          throw new UserError(
            `instance ${row.filename} chunk ${row.chunkNr} appears in both ${prevFile.source.path} and ${file.source.path}` +
              (file.source.fold !== null ? ' with different partitions, labels or features' : ''),
          )
        }
        // An instance VALID in several folds was exported once per fold.
        cvRows[previous][file.source.fold] = Split.VALID
        merged++
        continue
      }
      const index = instances.length
      if (previous === undefined) byKey.set(key, index)
      const cv: (Split | null)[] = new Array(numFolds).fill(Split.TRAIN)
      if (file.source.fold !== null) cv[file.source.fold] = Split.VALID
      cvRows.push(cv)
      origin.push(file)
      instances.push({
        filename: row.filename,
        chunkNr: row.chunkNr,
        labelNominal: row.labelNominal,
        labelNumeric,
        cvFolds: cv,
        partition: file.source.partition,
      })
      bytes.set(fileBytes.subarray(r * rowBytes, (r + 1) * rowBytes), index * rowBytes)
    }
  }
  if (merged > 0)
    log.warn(
      `${merged} rows repeat an instance of another fold (overlapping folds); merged them into single instances VALID in each of those folds`,
    )
  return new DataSet({
    featureDims: ['generated'],
    featureShape: [featureCount],
    numFolds,
    labelMap,
    instances,
    features: features.slice(0, instances.length * featureCount),
  })
}

function bytesEqual(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false
  return true
}

/**
 * With a numeric label column, the (nominal, numeric) pairs over all files, which must be one-to-one.
 * Without one, the nominal labels (present or declared in ARFF) in sorted order, numbered from 0.
 */
function buildLabelMap(files: ParsedFile[]): Map<string, number> | null {
  const withNumeric = files.filter((f) => f.hasNumericLabel)
  if (withNumeric.length > 0 && withNumeric.length < files.length) {
    const without = files.find((f) => !f.hasNumericLabel)!
    throw new UserError(`${without.source.path} has no numeric label column but ${withNumeric[0].source.path} has one`)
  }
  const map = new Map<string, number>()
  if (withNumeric.length > 0) {
    const inverse = new Map<number, string>()
    const firstSeen = new Map<string, string>()
    for (const file of files) {
      for (const row of file.rows) {
        if (row.labelNominal === null || row.labelNumeric === null) continue
        const known = map.get(row.labelNominal)
        if (known !== undefined && known !== row.labelNumeric) {
          throw new UserError(
            `${file.source.path}: nominal label '${row.labelNominal}' has numeric labels ${known} (${firstSeen.get(row.labelNominal)}) and ${row.labelNumeric}`,
          )
        }
        const other = inverse.get(row.labelNumeric)
        if (other !== undefined && other !== row.labelNominal) {
          throw new UserError(`${file.source.path}: numeric label ${row.labelNumeric} belongs to both '${other}' and '${row.labelNominal}'`)
        }
        if (known === undefined) firstSeen.set(row.labelNominal, file.source.path)
        map.set(row.labelNominal, row.labelNumeric)
        inverse.set(row.labelNumeric, row.labelNominal)
      }
    }
    for (const file of files) {
      for (const row of file.rows) {
        if (row.labelNominal !== null && !map.has(row.labelNominal)) {
          throw new UserError(`${file.source.path}: nominal label '${row.labelNominal}' has no numeric label in any row`)
        }
      }
    }
  } else {
    const labels = new Set<string>()
    for (const file of files) {
      for (const l of file.declaredLabels) labels.add(l)
      for (const row of file.rows) if (row.labelNominal !== null) labels.add(row.labelNominal)
    }
    ;[...labels].sort(compareStrings).forEach((l, i) => map.set(l, i))
  }
  return map.size > 0 ? map : null
}
