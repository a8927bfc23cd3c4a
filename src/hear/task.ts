// HEAR task directories (hear-preprocess output), read in one place for both the `hear` parser and the
// downstream protocol (hear-reference §2):
//   task_metadata.json      split_mode, splits, embedding_type, prediction_type, evaluation, ...
//   labelvocabulary.csv     "idx,label": the label map
//   <split>.json            file name -> list of labels
// Labels keep the Python type they have in <split>.json (spoken_digit's are ints), because heareval keys
// them as str(label): JavaScript's JSON.parse cannot tell 1 from 1.0, so label files go through the
// Python-compatible JSON reader.

import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {UserError} from '../core/errors.js'
import {splitCsvLine} from '../formats/csv.js'
import {parsePythonJson} from '../python/json.js'
import type {PyScalar} from '../python/value.js'

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

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : (error as Error).message})`)
  }
}

/** task_metadata.json as written, checked only to be a JSON object (the parser reads it with fewer demands). */
export async function readTaskFile(dir: string): Promise<{file: string; raw: Record<string, unknown>}> {
  const file = path.join(dir, 'task_metadata.json')
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(await readText(file)) as Record<string, unknown>
  } catch (error) {
    if (error instanceof UserError) throw error
    throw new UserError(`${file}: invalid JSON (${(error as Error).message})`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${file}: expected a JSON object`)
  return {file, raw}
}

/** task_metadata.json with every field the downstream protocol needs. */
export async function readTaskMetadata(dir: string): Promise<HearTaskMetadata> {
  const {file, raw} = await readTaskFile(dir)
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

export interface VocabularyRow {
  readonly idx: number
  readonly label: string
  /** 1-based line number in the file. */
  readonly line: number
}

/** The rows of labelvocabulary.csv ("idx,label", any column order), in file order. */
export async function readVocabularyRows(dir: string): Promise<{file: string; rows: VocabularyRow[]}> {
  const file = path.join(dir, 'labelvocabulary.csv')
  const lines = (await readText(file))
    .split(/\r?\n/)
    .map((text, i) => ({text, line: i + 1}))
    .filter((l) => l.text.trim() !== '')
  const header = lines.length > 0 ? splitCsvLine(lines[0].text).map((h) => h.trim()) : []
  const idxColumn = header.indexOf('idx')
  const labelColumn = header.indexOf('label')
  if (idxColumn < 0 || labelColumn < 0) throw new UserError(`${file}: expected the header 'idx,label'`)
  const rows: VocabularyRow[] = []
  for (const {text, line} of lines.slice(1)) {
    const fields = splitCsvLine(text)
    const idxText = (fields[idxColumn] ?? '').trim()
    const idx = /^\d+$/.test(idxText) ? Number(idxText) : NaN
    const label = fields[labelColumn]
    if (!Number.isSafeInteger(idx) || label === undefined)
      throw new UserError(`${file}, line ${line}: expected '<idx>,<label>', found '${text}'`)
    rows.push({idx, label, line})
  }
  if (rows.length === 0) throw new UserError(`${file}: no labels`)
  return {file, rows}
}

/** labelvocabulary.csv as a list indexed by idx; heareval requires the rows to be exactly 0..N-1. */
export async function readLabelVocabulary(dir: string): Promise<string[]> {
  const {file, rows} = await readVocabularyRows(dir)
  const labels: string[] = []
  for (const {idx, label, line} of rows) {
    if (labels[idx] !== undefined) throw new UserError(`${file}, line ${line}: idx ${idx} appears twice`)
    labels[idx] = label
  }
  if (labels.length !== rows.length || labels.some((l) => l === undefined)) {
    throw new UserError(`${file}: the idx column must run from 0 to ${rows.length - 1} without gaps (heareval requires it)`)
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
