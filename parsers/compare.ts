// auDeep's parsers for the Interspeech ComParE challenge data sets (2018-2021). They all share one layout:
//
//   <basedir>/wav/<partition>_<nnnn>.wav      the audio; the file-name prefix gives the partition
//   <basedir>/lab/<label file(s)>             a header row, then one row per file: file name, label, ...
//
// Instances are the files of wav/ whose names contain a dot (auDeep's `*.*` glob), sorted by name; the
// stored filename is the file name; there are no folds; the partition is TRAIN for `train*`, DEVEL for
// `devel*` and TEST for anything else (ComParE 2018 Crying: TEST for anything but `train*`, as in auDeep).
// Each task differs only in its label file(s), separator, key and label columns, label map and in how an
// unknown label is written (a missing row, an empty cell or `?`); COMPARE_TASKS below lists them.
//
// The label files are read the way pandas.read_csv reads them (header row, quoting, blank lines skipped,
// pandas' missing-value spellings such as '' or 'NA'), and where auDeep's code would crash or store junk
// (a label outside the fixed map, a file missing from the label file where auDeep requires it, a file
// listed twice, an empty label where auDeep would store 'nan'), this parser stops with one line naming
// the label file and line instead. Files of wav/ missing from a label file that does not list test files
// (2018 Atypical Affect, Heart Beats, Self-Assessed Affect) are unlabelled, as in auDeep.
//
// Differences from auDeep: hidden files and subdirectories of wav/ are skipped; rows naming a file that
// is not in wav/ only earn a warning (auDeep's Crying and Continuous Sleepiness parsers sized their
// output by the row count and so wrote empty instances); ComParE 2020 Elderly works (auDeep's module
// does not import because of mixed tabs and spaces) and `compare20-elderly-arousal` reads the arousal
// column its comment mentions; a ComParE 2021 label that pandas read as a number in one CSV and as text
// in another (2.0 and '2.0') is numbered once (auDeep's map numbered the duplicate string twice, leaving
// a gap), and labels equal as numbers but written differently (2 and 2.0) both get a number (auDeep's
// set() kept one of them and then crashed on the other).

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {compareStrings, Partition} from '../src/data/dataset.js'
import {pyFloatRepr} from '../src/python/repr.js'
import {isDirectory, isFile, listFiles, nonBlankLines, readTextFile, splitCsvLine} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const log = getLogger('parsers.compare')

/** How a task's label column is read. */
type LabelKind =
  /** Class names from a fixed map. */
  | 'nominal'
  /** Class numbers (auDeep converts them with int()/float()); the nominal label is the number's text in the fixed map. */
  | 'integer'
  /** Any value; the map is the sorted set of all labels in the label files (ComParE 2021). */
  | 'open'

export interface CompareTask {
  /** Short name for --parser. */
  readonly name: string
  /** auDeep's module.Class, accepted as an alias. */
  readonly audeepClass: string
  readonly title: string
  /** Label files below lab/, all read and concatenated (ComParE 2021 has three). */
  readonly labelFiles: readonly string[]
  /** Read instead of labelFiles when present (the label file with the test labels). */
  readonly confidentialFile?: string
  readonly separator: ',' | '\t'
  readonly keyColumn: string
  readonly labelColumn: string
  readonly kind: LabelKind
  /** The fixed label map in auDeep's order (null for 'open'). */
  readonly labelMap: readonly (readonly [string, number])[] | null
  /** Whether a label of '?' means "unknown" (2019-2021). */
  readonly questionMark: boolean
  /** Whether an empty cell means "unknown" (2018 Crying, whose labels auDeep reads as float and NaN). */
  readonly emptyIsUnknown: boolean
  /** Whether files of wav/ without a row are unlabelled (2018 tasks whose label file omits the test files). */
  readonly unlistedIsUnknown: boolean
  /** auDeep's Crying parser puts devel files into TEST. */
  readonly onlyTrainAndTest: boolean
}

const CSV_2019 = {
  labelFiles: ['labels.csv'],
  confidentialFile: 'labels_confidential.csv',
  separator: ',',
  keyColumn: 'file_name',
  labelColumn: 'label',
  questionMark: true,
  emptyIsUnknown: false,
  unlistedIsUnknown: false,
  onlyTrainAndTest: false,
} as const

const TSV_2018 = {
  separator: '\t',
  keyColumn: 'file_name',
  questionMark: false,
  emptyIsUnknown: false,
  unlistedIsUnknown: true,
  onlyTrainAndTest: false,
} as const

function numbered(names: readonly string[], first = 0): (readonly [string, number])[] {
  return names.map((name, i) => [name, first + i] as const)
}

const module = (file: string, cls: string): string => `audeep.backend.parsers.${file}.${cls}`

/** The eleven ComParE tasks auDeep has parsers for (plus the arousal variant of 2020 Elderly). */
export const COMPARE_TASKS: readonly CompareTask[] = [
  {
    ...TSV_2018,
    name: 'compare18-atypical-affect',
    audeepClass: module('compare18_atypical_affect', 'Compare18AtypicalAffectParser'),
    title: 'ComParE 2018 Atypical Affect',
    labelFiles: ['ComParE2018_AtypicalAffect.tsv'],
    confidentialFile: 'ComParE2018_AtypicalAffect.confidential.tsv',
    labelColumn: 'emotion',
    kind: 'nominal',
    labelMap: numbered(['happy', 'sad', 'neutral', 'angry']),
  },
  {
    ...TSV_2018,
    name: 'compare18-crying',
    audeepClass: module('compare18_crying', 'Compare18CryingParser'),
    title: 'ComParE 2018 Crying',
    labelFiles: ['ComParE2018_Crying.tsv'],
    confidentialFile: 'ComParE2018_Crying_confidential.tsv',
    labelColumn: 'label',
    kind: 'integer',
    labelMap: numbered(['0', '1', '2']),
    emptyIsUnknown: true,
    unlistedIsUnknown: false,
    onlyTrainAndTest: true,
  },
  {
    ...TSV_2018,
    name: 'compare18-heartbeat',
    audeepClass: module('compare18_heartbeat', 'Compare18HeartbeatParser'),
    title: 'ComParE 2018 Heart Beats',
    labelFiles: ['ComParE2018_Heartbeat.tsv'],
    confidentialFile: 'ComParE2018_Heartbeat_confidential.tsv',
    labelColumn: 'label',
    kind: 'integer',
    labelMap: numbered(['0', '1', '2']),
  },
  {
    ...TSV_2018,
    name: 'compare18-sas',
    audeepClass: module('compare18_sas', 'Compare18SASParser'),
    title: 'ComParE 2018 Self-Assessed Affect',
    labelFiles: ['ComParE2018_SelfAssessedAffect.tsv'],
    confidentialFile: 'ComParE2018_SelfAssessedAffect.confidential.tsv',
    labelColumn: 'Valence',
    kind: 'nominal',
    labelMap: numbered(['l', 'm', 'h']),
  },
  {
    ...CSV_2019,
    name: 'compare19-bs',
    audeepClass: module('compare19_bs', 'Compare19BSParser'),
    title: 'ComParE 2019 Baby Sounds',
    kind: 'nominal',
    labelMap: numbered(['Canonical', 'Crying', 'Junk', 'Laughing', 'Non-canonical']),
  },
  {
    ...CSV_2019,
    name: 'compare19-cs',
    audeepClass: module('compare19_cs', 'Compare19CSParser'),
    title: 'ComParE 2019 Continuous Sleepiness',
    kind: 'integer',
    labelMap: numbered(['1', '2', '3', '4', '5', '6', '7', '8', '9'], 1),
  },
  {
    ...CSV_2019,
    name: 'compare19-oa',
    audeepClass: module('compare19_oa', 'Compare19OAParser'),
    title: 'ComParE 2019 Orca Activity',
    kind: 'nominal',
    labelMap: numbered(['noise', 'orca']),
  },
  {
    ...CSV_2019,
    name: 'compare19-sd',
    audeepClass: module('compare19_sd', 'Compare19SDParser'),
    title: 'ComParE 2019 Styrian Dialects',
    kind: 'nominal',
    labelMap: numbered(['EasternS', 'NorthernS', 'UrbanS']),
  },
  {
    ...CSV_2019,
    name: 'compare20-elderly',
    audeepClass: module('compare20_elderly', 'Compare20ElderlyParser'),
    title: 'ComParE 2020 Elderly Emotion (valence)',
    keyColumn: 'filename_audio',
    labelColumn: 'V_cat',
    kind: 'nominal',
    labelMap: numbered(['L', 'M', 'H']),
  },
  {
    ...CSV_2019,
    name: 'compare20-elderly-arousal',
    audeepClass: '',
    title: 'ComParE 2020 Elderly Emotion (arousal)',
    keyColumn: 'filename_audio',
    labelColumn: 'A_cat',
    kind: 'nominal',
    labelMap: numbered(['L', 'M', 'H']),
  },
  {
    ...CSV_2019,
    name: 'compare20-mask',
    audeepClass: module('compare20_mask', 'Compare20MaskParser'),
    title: 'ComParE 2020 Mask',
    kind: 'nominal',
    labelMap: numbered(['clear', 'mask']),
  },
  {
    ...CSV_2019,
    name: 'compare21',
    audeepClass: module('compare21', 'Compare21Parser'),
    title: 'ComParE 2021',
    labelFiles: ['train.csv', 'devel.csv', 'test.csv'],
    confidentialFile: undefined,
    keyColumn: 'filename',
    kind: 'open',
    labelMap: null,
  },
]

/** pandas.read_csv's default missing-value spellings (pandas 1.5), which it reads as NaN in any column. */
const PANDAS_NA = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'n/a',
  'nan',
  'null',
])

const INTEGER = /^\s*[+-]?\d+\s*$/
const FLOAT = /^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?)\s*$/i
const TRUE = new Set(['True', 'TRUE', 'true'])
const FALSE = new Set(['False', 'FALSE', 'false'])

interface LabelRow {
  readonly file: string
  readonly line: number
  readonly key: string
  /** The cell text, or null for a pandas missing value. */
  readonly raw: string | null
  /** The label as Python's str() of what pandas read (ComParE 2021), else the cell text. */
  text: string | null
}

/** The dtype pandas infers for a column from its cells (null = missing). */
type ColumnKind = 'int' | 'float' | 'bool' | 'object'

function columnKind(values: readonly (string | null)[]): ColumnKind {
  const present = values.filter((v): v is string => v !== null)
  const complete = present.length === values.length
  if (present.length === 0) return values.length === 0 ? 'object' : 'float'
  if (present.every((v) => INTEGER.test(v))) return complete ? 'int' : 'float'
  if (present.every((v) => FLOAT.test(v))) return 'float'
  if (complete && present.every((v) => TRUE.has(v) || FALSE.has(v))) return 'bool'
  return 'object'
}

/** Python's str() of a cell read as `kind`. */
function pythonStr(value: string, kind: ColumnKind): string {
  if (kind === 'int') return BigInt(value.trim()).toString()
  if (kind === 'float') return pyFloatRepr(Number(value.trim().replace(/inf(inity)?$/i, 'Infinity')))
  if (kind === 'bool') return TRUE.has(value) ? 'True' : 'False'
  return value
}

/**
 * ComParE 2021 labels as auDeep sees them: str() of the values of the label column after
 * pd.concat([train, devel, test]). Each file's column gets pandas' dtype (integers, floats, booleans or
 * text); the concatenation keeps integers as integers, turns integers and floats into floats, and
 * otherwise leaves every file's values as they were (header-only files do not count).
 */
function setConcatenatedLabelTexts(files: readonly LabelRow[][]): void {
  const kinds = files.map((rows) => columnKind(rows.map((r) => r.raw)))
  const present = new Set(kinds.filter((_, i) => files[i].length > 0))
  const common: ColumnKind | null =
    present.size === 1 ? [...present][0] : [...present].every((k) => k === 'int' || k === 'float') ? 'float' : null
  files.forEach((rows, i) => {
    for (const row of rows) row.text = row.raw === null ? null : pythonStr(row.raw, common ?? kinds[i])
  })
}

/** Reads one label file: header row, then rows keyed by the key column. */
async function readLabelFile(task: CompareTask, file: string): Promise<LabelRow[]> {
  const lines = nonBlankLines(await readTextFile(file))
  if (lines.length === 0)
    throw new UserError(`${file}: empty label file (expected a header row with '${task.keyColumn}' and '${task.labelColumn}')`)
  const header = splitCsvLine(lines[0].line, task.separator)
  const keyIndex = header.indexOf(task.keyColumn)
  const labelIndex = header.indexOf(task.labelColumn)
  const separatorName = task.separator === '\t' ? 'tab' : 'comma'
  for (const [column, index] of [
    [task.keyColumn, keyIndex],
    [task.labelColumn, labelIndex],
  ] as const) {
    if (index < 0) {
      throw new UserError(
        `${file}, line ${lines[0].number}: no column '${column}' in the header (found ${header.map((h) => `'${h}'`).join(', ')}; ${separatorName}-separated expected)`,
      )
    }
  }
  return lines.slice(1).map(({line, number}) => {
    const fields = splitCsvLine(line, task.separator)
    if (fields.length > header.length) {
      throw new UserError(`${file}, line ${number}: expected ${header.length} ${separatorName}-separated fields, found ${fields.length}`)
    }
    // pandas fills missing trailing fields with NaN.
    const cell = (i: number): string | null => (i < fields.length && !PANDAS_NA.has(fields[i]) ? fields[i] : null)
    const key = cell(keyIndex)
    if (key === null) throw new UserError(`${file}, line ${number}: empty ${task.keyColumn}`)
    const raw = cell(labelIndex)
    return {file, line: number, key, raw, text: raw}
  })
}

/** The label of one row as a key of the label map, or null if unknown. Throws for a malformed label. */
function labelOf(task: CompareTask, row: LabelRow, map: ReadonlyMap<string, number> | null): string | null {
  const at = `${row.file}, line ${row.line}`
  if (row.raw === null) {
    if (task.emptyIsUnknown) return null
    const hint = task.questionMark
      ? "; write '?' for an unknown label"
      : task.unlistedIsUnknown
        ? '; leave out the row of a file with an unknown label'
        : ''
    throw new UserError(`${at}: empty ${task.labelColumn} for '${row.key}'${hint}`)
  }
  if (task.questionMark && row.raw === '?') return null
  if (task.kind === 'open' || map === null) return row.text
  const choices = () => [...map.keys()].join(', ')
  if (task.kind === 'integer') {
    const value = INTEGER.test(row.raw) || FLOAT.test(row.raw) ? Number(row.raw) : Number.NaN
    const key = Number.isInteger(value) ? String(value) : null
    if (key === null || !map.has(key)) {
      throw new UserError(`${at}: ${task.labelColumn} '${row.raw}' of '${row.key}' is not one of the class numbers ${choices()}`)
    }
    return key
  }
  if (!map.has(row.raw)) throw new UserError(`${at}: ${task.labelColumn} '${row.raw}' of '${row.key}' is not one of ${choices()}`)
  return row.raw
}

export class CompareParser implements Parser {
  readonly name: string

  constructor(readonly task: CompareTask) {
    this.name = task.name
  }

  /** The label files this layout would be read from, or null if one is missing. */
  private async labelFiles(basedir: string): Promise<string[] | null> {
    const lab = path.join(basedir, 'lab')
    if (this.task.confidentialFile !== undefined) {
      const confidential = path.join(lab, this.task.confidentialFile)
      if (await isFile(confidential)) return [confidential]
    }
    const files = this.task.labelFiles.map((f) => path.join(lab, f))
    for (const f of files) if (!(await isFile(f))) return null
    return files
  }

  async canParse(basedir: string): Promise<boolean> {
    return (await isDirectory(path.join(basedir, 'wav'))) && (await this.labelFiles(basedir)) !== null
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const task = this.task
    const root = path.resolve(basedir)
    const wavDir = path.join(root, 'wav')
    const files = await this.labelFiles(root)
    if (!(await isDirectory(wavDir)) || files === null) {
      const wanted = task.labelFiles.map((f) => `lab/${f}`).join(', ')
      const alternative = task.confidentialFile === undefined ? '' : ` (or lab/${task.confidentialFile})`
      throw new UserError(`${root}: not a ${task.title} data set (needs wav/ and ${wanted}${alternative})`)
    }
    if (task.confidentialFile !== undefined && files[0].endsWith(task.confidentialFile)) {
      log.warn(`using confidential metadata file ${files[0]}`)
    }

    const perFile: LabelRow[][] = []
    for (const file of files) perFile.push(await readLabelFile(task, file))
    if (task.kind === 'open') setConcatenatedLabelTexts(perFile)
    const rows = perFile.flat()
    const byKey = new Map<string, LabelRow>()
    for (const row of rows) {
      const first = byKey.get(row.key)
      if (first !== undefined) {
        const where = first.file === row.file ? `line ${first.line}` : `${first.file}, line ${first.line}`
        throw new UserError(`${row.file}, line ${row.line}: '${row.key}' is listed a second time (first at ${where})`)
      }
      byKey.set(row.key, row)
    }

    let labelMap: Map<string, number>
    if (task.labelMap !== null) {
      labelMap = new Map(task.labelMap)
    } else {
      // auDeep: sorted(map(str, set(labels))) without '?', numbered from 0.
      const names = new Set<string>()
      for (const row of rows) {
        const label = labelOf(task, row, null)
        if (label !== null) names.add(label)
      }
      labelMap = new Map([...names].sort(compareStrings).map((name, i) => [name, i]))
    }
    const labels = new Map<string, string | null>()
    for (const row of rows) labels.set(row.key, labelOf(task, row, labelMap))

    const instances: ParsedInstance[] = []
    // auDeep's `wav/*.*`; listFiles skips hidden files and directories.
    const audio = (await listFiles(wavDir)).filter((e) => e.name.includes('.'))
    for (const entry of audio) {
      const row = byKey.get(entry.name)
      if (row === undefined && !task.unlistedIsUnknown) {
        throw new UserError(
          `${files.join(', ')}: no row for ${path.join(wavDir, entry.name)} (every file of wav/ needs one; write '?' as the label of an unlabelled file)`,
        )
      }
      const label = row === undefined ? null : labels.get(row.key)!
      const partition = entry.name.startsWith('train')
        ? Partition.TRAIN
        : entry.name.startsWith('devel') && !task.onlyTrainAndTest
          ? Partition.DEVEL
          : Partition.TEST
      instances.push({
        path: entry.path,
        filename: entry.name,
        labelNominal: label,
        labelNumeric: label === null ? null : labelMap.get(label)!,
        cvFolds: [],
        partition,
      })
    }
    if (task.onlyTrainAndTest && audio.some((e) => e.name.startsWith('devel'))) {
      log.warn(`the devel files are put into the TEST partition, as auDeep's ${task.title} parser does`)
    }
    const present = new Set(audio.map((e) => e.name))
    const orphans = rows.filter((r) => !present.has(r.key))
    if (orphans.length > 0) {
      log.warn(
        `${orphans.length} row(s) of the label file(s) name files that are not in ${wavDir}, e.g. '${orphans[0].key}' (${orphans[0].file}, line ${orphans[0].line})`,
      )
    }
    return {labelMap, numFolds: 0, instances}
  }
}

/** The parsers of the tasks, by short name. */
export function compareParser(name: string): CompareParser {
  const task = COMPARE_TASKS.find((t) => t.name === name)
  if (task === undefined) throw new Error(`no ComParE task '${name}'`)
  return new CompareParser(task)
}

/** The tasks `meta` may pick: those whose label file names no other task uses. */
export const META_COMPARE_TASKS: readonly string[] = [
  'compare18-atypical-affect',
  'compare18-crying',
  'compare18-heartbeat',
  'compare18-sas',
  'compare21',
]

/** A hint for `meta` when a directory has the ComParE 2019/2020 layout, which it cannot tell apart. */
export async function compareLayoutHint(basedir: string): Promise<string | null> {
  if (!(await isDirectory(path.join(basedir, 'wav')))) return null
  const lab = path.join(basedir, 'lab')
  if (!(await isFile(path.join(lab, 'labels.csv'))) && !(await isFile(path.join(lab, 'labels_confidential.csv')))) return null
  const names = COMPARE_TASKS.filter((t) => t.labelFiles[0] === 'labels.csv').map((t) => t.name)
  return `wav/ and lab/labels.csv look like a ComParE 2019/2020 data set: choose the task with --parser ${names.join(', ')}`
}
