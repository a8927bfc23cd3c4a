// A data set described by a CSV manifest: `--parser manifest --manifest FILE.csv`.
//
// The manifest has a header row; `filename` and `label` are required columns, `fold` (an integer) and
// `partition` (train, devel or test) optional, any other column is ignored. Column names are matched
// case-insensitively and may come in any order; the delimiter is a comma, or a tab or semicolon when the
// header has no comma. File names are relative to the base directory (absolute ones are taken as they are).
// Instances come in row order, the stored filename is the manifest's value (with forward slashes), labels
// are numbered in sorted order, and the distinct fold values, sorted, become folds 1..N: a file is VALID in
// its own fold and TRAIN in the others. An empty label cell means unlabelled, an empty partition cell no
// partition. A missing file, an unknown partition, a non-integer fold or a duplicate row is an error
// naming the manifest, the line and the value.
//
// readManifest is shared with the ESC-50 parser, whose meta/esc50.csv is a manifest with other column names.

import {open, stat} from 'node:fs/promises'
import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {Partition} from '../src/data/dataset.js'
import {isFile, labelMapFromNames, listFiles, nonBlankLines, readTextFile, splitCsvLine, validInFold} from './common.js'
import type {LayoutDiagnosis, ParsedDataSet, ParsedInstance, Parser} from './types.js'

const log = getLogger('parsers.manifest')

const PARTITIONS: Readonly<Record<string, Partition>> = {train: Partition.TRAIN, devel: Partition.DEVEL, test: Partition.TEST}

export interface ManifestColumns {
  readonly filename: string
  readonly label: string
  /** Optional columns: used when the header has them. */
  readonly fold?: string
  readonly partition?: string
}

export interface ManifestSpec {
  /** The CSV file. */
  readonly file: string
  /** Directory the file names are relative to. */
  readonly audioDir: string
  readonly columns: ManifestColumns
  /** Columns that must be present beyond filename and label (e.g. ESC-50's fold). */
  readonly require?: readonly ('fold' | 'partition')[]
}

function delimiterOf(header: string): string {
  if (header.includes(',')) return ','
  if (header.includes('\t')) return '\t'
  if (header.includes(';')) return ';'
  return ','
}

interface Row {
  readonly line: number
  readonly filename: string
  readonly path: string
  readonly label: string | null
  readonly fold: number | null
  readonly partition: Partition | null
}

/** Reads a manifest into a data set description; every problem is a UserError naming the file and line. */
export async function readManifest(spec: ManifestSpec): Promise<ParsedDataSet> {
  const file = path.resolve(spec.file)
  const lines = nonBlankLines(await readTextFile(file))
  if (lines.length === 0)
    throw new UserError(`${file}: empty manifest (expected a header row with the columns ${spec.columns.filename}, ${spec.columns.label})`)
  const delimiter = delimiterOf(lines[0].line)
  const header = splitCsvLine(lines[0].line, delimiter).map((h) => h.trim().toLowerCase())
  const columnIndex = (name: string | undefined): number => (name === undefined ? -1 : header.indexOf(name.toLowerCase()))
  const col = {
    filename: columnIndex(spec.columns.filename),
    label: columnIndex(spec.columns.label),
    fold: columnIndex(spec.columns.fold),
    partition: columnIndex(spec.columns.partition),
  }
  const required: [string, number][] = [
    [spec.columns.filename, col.filename],
    [spec.columns.label, col.label],
  ]
  for (const extra of spec.require ?? []) required.push([spec.columns[extra] ?? extra, col[extra]])
  for (const [name, index] of required) {
    if (index < 0) {
      throw new UserError(
        `${file}, line ${lines[0].number}: no '${name}' column in the header (found: ${header.join(', ') || 'nothing'}); required: ${required.map(([n]) => n).join(', ')}`,
      )
    }
  }

  const root = path.resolve(spec.audioDir)
  const rows: Row[] = []
  const firstLine = new Map<string, number>()
  for (const {line, number} of lines.slice(1)) {
    const at = `${file}, line ${number}`
    const fields = splitCsvLine(line, delimiter)
    if (fields.length < header.length) {
      throw new UserError(`${at}: expected ${header.length} fields as in the header, found ${fields.length}`)
    }
    const name = fields[col.filename].trim()
    if (name === '') throw new UserError(`${at}: empty ${spec.columns.filename}`)
    const filename = name.replaceAll('\\', '/')
    const target = path.resolve(root, filename)
    const seen = firstLine.get(target)
    if (seen !== undefined) throw new UserError(`${at}: duplicate row for '${name}' (first on line ${seen})`)
    firstLine.set(target, number)

    const label = fields[col.label].trim()
    let fold: number | null = null
    if (col.fold >= 0) {
      const text = fields[col.fold].trim()
      if (!/^[+-]?\d+$/.test(text)) throw new UserError(`${at}: ${spec.columns.fold} '${fields[col.fold]}' is not an integer`)
      fold = Number.parseInt(text, 10)
    }
    let partition: Partition | null = null
    if (col.partition >= 0) {
      const text = fields[col.partition].trim()
      if (text !== '') {
        const p = PARTITIONS[text.toLowerCase()]
        if (p === undefined) {
          throw new UserError(`${at}: unknown ${spec.columns.partition} '${text}' (expected train, devel or test, or an empty cell)`)
        }
        partition = p
      }
    }
    rows.push({line: number, filename, path: target, label: label === '' ? null : label, fold, partition})
  }
  if (rows.length === 0) throw new UserError(`${file}: the manifest lists no files (only a header row)`)

  // Every file must exist; the first missing one (in row order) is reported with its line.
  const missing = await Promise.all(
    rows.map(async (row) => {
      const s = await stat(row.path).catch(() => null)
      return s === null ? 'does not exist' : s.isFile() ? null : 'is not a regular file'
    }),
  )
  const bad = missing.findIndex((m) => m !== null)
  if (bad >= 0) {
    const count = missing.filter((m) => m !== null).length
    throw new UserError(
      `${file}, line ${rows[bad].line}: ${spec.columns.filename} '${rows[bad].filename}' ${missing[bad]} (looked for ${rows[bad].path})` +
        (count > 1 ? `; ${count - 1} more listed file(s) are missing too` : ''),
    )
  }

  const foldValues = [...new Set(rows.map((r) => r.fold).filter((f): f is number => f !== null))].sort((a, b) => a - b)
  const foldIndex = new Map(foldValues.map((v, i) => [v, i]))
  if (foldValues.length > 0 && !foldValues.every((v, i) => v === i + 1)) {
    log.info(`${file}: fold values ${foldValues.join(', ')} are stored as folds 1..${foldValues.length} in this order`)
  }
  const labels = rows.map((r) => r.label).filter((l): l is string => l !== null)
  const unlabelled = rows.length - labels.length
  if (unlabelled > 0)
    log.info(`${file}: ${unlabelled} of ${rows.length} row(s) have an empty ${spec.columns.label} and are stored unlabelled`)
  const labelMap = labels.length > 0 ? labelMapFromNames(labels) : null
  const numFolds = foldValues.length
  const instances: ParsedInstance[] = rows.map((row) => ({
    path: row.path,
    filename: row.filename,
    labelNominal: row.label,
    labelNumeric: row.label === null ? null : labelMap!.get(row.label)!,
    cvFolds: row.fold === null ? [] : validInFold(numFolds, foldIndex.get(row.fold)!),
    partition: row.partition,
  }))
  return {labelMap, numFolds, instances}
}

export class ManifestParser implements Parser {
  readonly name = 'manifest'

  constructor(readonly manifest?: string) {}

  private file(): string {
    if (this.manifest === undefined || this.manifest === '') {
      throw new UserError(
        'the manifest parser needs a CSV manifest: give it with --manifest FILE.csv (columns filename, label[, fold, partition])',
      )
    }
    return path.resolve(this.manifest)
  }

  async canParse(_basedir: string): Promise<boolean> {
    return this.manifest !== undefined && (await isFile(path.resolve(this.manifest)))
  }

  async diagnose(_basedir: string): Promise<LayoutDiagnosis> {
    const fits = await this.canParse(_basedir)
    return {parser: this.name, problem: fits ? null : `manifest ${this.manifest ?? '(none given)'} is not a file`, matched: fits ? 1 : 0}
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const file = this.file()
    if (!(await isFile(file))) throw new UserError(`${file}: manifest file does not exist`)
    return readManifest({file, audioDir: basedir, columns: {filename: 'filename', label: 'label', fold: 'fold', partition: 'partition'}})
  }
}

/** CSV files directly in `dir` whose header names the columns filename and label: likely manifests. */
export async function manifestCandidates(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const file of await listFiles(dir)) {
    if (!/\.(csv|tsv|txt)$/i.test(file.name)) continue
    let head = ''
    try {
      const handle = await open(file.path, 'r')
      try {
        const {bytesRead, buffer} = await handle.read(Buffer.alloc(4096), 0, 4096, 0)
        head = buffer.subarray(0, bytesRead).toString('utf8')
      } finally {
        await handle.close()
      }
    } catch {
      continue
    }
    const header = head.replace(/^\uFEFF/, '').split(/\r?\n/)[0]
    const columns = splitCsvLine(header, delimiterOf(header)).map((c) => c.trim().toLowerCase())
    if (columns.includes('filename') && columns.includes('label')) found.push(file.path)
  }
  return found
}
