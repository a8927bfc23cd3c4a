// Parser registry and the single entry point commands use: `parseDataSet(basedir, spec)`.
//
// `spec` is a built-in name (`meta`, `no-metadata`, `esc`, ...; auDeep's dotted class names work as aliases)
// or the path of a JavaScript module whose default or `parser` export implements the Parser interface
// (docs/parsers.md). Every parser's output goes through the same validation, so commands can rely on it.

import {stat} from 'node:fs/promises'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {type InstanceMeta, PARTITION_NAMES, Partition, sortedLabelMap, Split} from '../src/data/dataset.js'
import {ClassFoldersParser} from './class-folders.js'
import {CrossValidatedParser} from './cross-validated.js'
import {COMPARE_TASKS, CompareParser} from './compare.js'
import {DCASE2018Task4Parser, DCASEParser} from './dcase.js'
import {diagnoseLayout} from './detect.js'
import {ESCParser} from './esc.js'
import {ESC50Parser} from './esc50.js'
import {HearParser} from './hear.js'
import {ManifestParser} from './manifest.js'
import {MetaParser} from './meta.js'
import {NoMetadataParser} from './no-metadata.js'
import {PartitionedParser} from './partitioned.js'
import type {ParsedDataSet, ParsedInstance, Parser, ParserOptions} from './types.js'
import {UrbanSound8KParser} from './urbansound8k.js'

export type {LayoutDiagnosis, ParsedDataSet, ParsedInstance, Parser, ParserOptions} from './types.js'
export {
  ClassFoldersParser,
  CompareParser,
  CrossValidatedParser,
  DCASE2018Task4Parser,
  DCASEParser,
  ESC50Parser,
  ESCParser,
  HearParser,
  ManifestParser,
  MetaParser,
  NoMetadataParser,
  PartitionedParser,
  UrbanSound8KParser,
}

const log = getLogger('parsers')

interface Registration {
  readonly create: (options: ParserOptions) => Parser
  readonly aliases: readonly string[]
  readonly description: string
}

const REGISTRY: Readonly<Record<string, Registration>> = {
  meta: {
    create: () => new MetaParser(),
    aliases: ['audeep.backend.parsers.meta.MetaParser'],
    description:
      'auto-detect: the one of dcase, partitioned, cross-validated, esc, urbansound8k, hear, compare18-*, compare21, esc50 that accepts, else class-folders (with --manifest: manifest)',
  },
  'class-folders': {
    create: () => new ClassFoldersParser(),
    aliases: [],
    description: 'one folder per class: <class>/<audio file>, labels = folder names',
  },
  manifest: {
    create: (options) => new ManifestParser(options.manifest),
    aliases: [],
    description: 'a CSV manifest (--manifest FILE.csv): columns filename, label[, fold, partition]',
  },
  'no-metadata': {
    create: () => new NoMetadataParser(),
    aliases: ['audeep.backend.parsers.no_metadata.NoMetadataParser'],
    description: 'every audio file below basedir, unlabelled',
  },
  esc: {
    create: () => new ESCParser(),
    aliases: ['audeep.backend.parsers.esc.ESCParser'],
    description: "ESC-10/ESC-50: 'NNN - <class>/<fold>-<clip>.ogg'",
  },
  esc50: {
    create: () => new ESC50Parser(),
    aliases: [],
    description: "ESC-50's current layout: audio/*.wav + meta/esc50.csv",
  },
  urbansound8k: {
    create: () => new UrbanSound8KParser(),
    aliases: ['audeep.backend.parsers.urban_sound_8k.UrbanSound8KParser'],
    description: 'UrbanSound8K: audio/fold<N>/ + metadata/UrbanSound8K.csv',
  },
  dcase: {
    create: () => new DCASEParser(),
    aliases: ['audeep.backend.parsers.dcase.DCASEParser', 'audeep.backend.parsers.dcase17_task1.DCASEParser'],
    description: 'DCASE 2017 task 1: meta.txt + evaluation_setup/fold1..4_train.txt',
  },
  'dcase18-task4': {
    create: () => new DCASE2018Task4Parser(),
    aliases: ['audeep.backend.parsers.dcase18_task4.DCASEParser'],
    description: 'DCASE 2018 domestic activities, same layout as dcase',
  },
  partitioned: {
    create: () => new PartitionedParser(),
    aliases: ['audeep.backend.parsers.partitioned.PartitionedParser'],
    description: 'train/, devel/, test/ with one folder per class',
  },
  'cross-validated': {
    create: () => new CrossValidatedParser(),
    aliases: ['audeep.backend.parsers.cross_validated.CrossValidatedParser'],
    description: 'fold_1/ .. fold_N/ with one folder per class',
  },
  hear: {
    create: () => new HearParser(),
    aliases: [],
    description: 'HEAR task directory (hear:<rate> picks a sample-rate folder)',
  },
  ...Object.fromEntries(
    COMPARE_TASKS.map((task): [string, Registration] => [
      task.name,
      {
        create: () => new CompareParser(task),
        aliases: task.audeepClass === '' ? [] : [task.audeepClass],
        description: `${task.title}: wav/ + ${task.labelFiles.map((f) => `lab/${f}`).join(' + ')}`,
      },
    ]),
  ),
}

/** Built-in parser names with a one-line description each (for --help texts). */
export const PARSERS: readonly {name: string; description: string}[] = Object.entries(REGISTRY).map(([name, r]) => ({
  name,
  description: r.description,
}))

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || /\.(m?js|cjs)$/i.test(spec)
}

/** A parser that came from a user module; its failures are reported as the module's, not as audeep bugs. */
class UserModuleParser implements Parser {
  constructor(
    readonly name: string,
    private readonly inner: Parser,
  ) {}

  async canParse(basedir: string): Promise<boolean> {
    if (typeof this.inner.canParse !== 'function') return true
    try {
      return Boolean(await this.inner.canParse(basedir))
    } catch (error) {
      throw new UserError(`parser ${this.name}: canParse failed: ${(error as Error)?.message ?? String(error)}`, {cause: error})
    }
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    try {
      return await this.inner.parse(basedir)
    } catch (error) {
      if (error instanceof UserError) throw error
      throw new UserError(`parser ${this.name}: parse failed: ${(error as Error)?.message ?? String(error)}`, {cause: error})
    }
  }
}

async function loadParserModule(spec: string): Promise<Parser> {
  const file = path.resolve(spec)
  if (!(await stat(file).catch(() => null))?.isFile()) throw new UserError(`${file}: parser module not found`)
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    throw new UserError(`${file}: cannot load parser module: ${(error as Error)?.message ?? String(error)}`, {cause: error})
  }
  let exported = module.default ?? module.parser
  if (exported === undefined) throw new UserError(`${file}: the module has neither a default export nor a 'parser' export`)
  // A class (or factory-less constructor) is instantiated without arguments.
  if (typeof exported === 'function') {
    try {
      exported = new (exported as new () => unknown)()
    } catch (error) {
      throw new UserError(`${file}: cannot construct the exported parser: ${(error as Error)?.message ?? String(error)}`, {cause: error})
    }
  }
  const candidate = exported as Partial<Parser> | null
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.parse !== 'function') {
    throw new UserError(`${file}: the exported parser has no parse(basedir) method (see docs/parsers.md)`)
  }
  if (candidate.canParse !== undefined && typeof candidate.canParse !== 'function') {
    throw new UserError(`${file}: the exported parser's canParse is not a function`)
  }
  const name = typeof candidate.name === 'string' && candidate.name !== '' ? candidate.name : path.basename(file)
  return new UserModuleParser(name, candidate as Parser)
}

/**
 * A built-in parser by name or alias, or a user module by path. A manifest in `options` selects the
 * manifest parser when `spec` is the default `meta`; any other parser cannot use one.
 */
export async function resolveParser(spec: string, options: ParserOptions = {}): Promise<Parser> {
  if (options.manifest !== undefined) {
    if (spec === 'meta' || spec === 'manifest') return new ManifestParser(options.manifest)
    throw new UserError(
      `a manifest (${options.manifest}) is only read by the manifest parser, not by '${spec}'; leave out the parser or choose manifest`,
    )
  }
  const direct = REGISTRY[spec]
  if (direct) return direct.create(options)
  for (const registration of Object.values(REGISTRY)) {
    if (registration.aliases.includes(spec)) return registration.create(options)
  }
  const hearRate = /^hear:(\d+)$/.exec(spec)
  if (hearRate) return new HearParser(Number(hearRate[1]))
  if (/\.py(:|$)/.test(spec)) {
    throw new UserError(`parser '${spec}': Python parser classes cannot be loaded; write a JavaScript module instead (see docs/parsers.md)`)
  }
  if (looksLikePath(spec)) return loadParserModule(spec)
  if (spec.startsWith('audeep.backend.parsers.')) {
    throw new UserError(`parser '${spec}' is not implemented (built-in parsers: ${Object.keys(REGISTRY).join(', ')})`)
  }
  throw new UserError(`unknown parser '${spec}' (built-in parsers: ${Object.keys(REGISTRY).join(', ')}; or a path to a .js module)`)
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value))
}

function normalizeLabelMap(raw: unknown, source: string): Map<string, number> | null {
  if (raw === null || raw === undefined) return null
  let entries: [unknown, unknown][]
  if (raw instanceof Map) entries = [...raw.entries()]
  else if (typeof raw === 'object' && !Array.isArray(raw)) entries = Object.entries(raw as object)
  else throw new UserError(`${source}: labelMap must be a Map, a plain object or null, got ${describe(raw)}`)
  const map = new Map<string, number>()
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new UserError(`${source}: labelMap key ${describe(key)} is not a string`)
    if (!Number.isSafeInteger(value)) throw new UserError(`${source}: labelMap value for '${key}' is not an integer: ${describe(value)}`)
    map.set(key, value as number)
  }
  return sortedLabelMap(map) as Map<string, number>
}

function normalizePartition(raw: unknown, where: string): Partition | null {
  if (raw === null || raw === undefined) return null
  if (typeof raw === 'string') {
    const index = PARTITION_NAMES.indexOf(raw.toUpperCase() as (typeof PARTITION_NAMES)[number])
    if (index >= 0) return index as Partition
  }
  if (raw === Partition.TRAIN || raw === Partition.DEVEL || raw === Partition.TEST) return raw
  throw new UserError(`${where}: partition must be null, 0 (train), 1 (devel) or 2 (test), got ${describe(raw)}`)
}

/**
 * Checks a parser's output and brings it into canonical form: absolute paths, numeric labels filled from
 * the label map, sorted label map. Throws a UserError naming the instance for anything inconsistent.
 */
export function validateParsedDataSet(raw: unknown, basedir: string, source: string): ParsedDataSet {
  if (raw === null || typeof raw !== 'object') throw new UserError(`${source}: parse() must return an object, got ${describe(raw)}`)
  const result = raw as Record<string, unknown>
  const labelMap = normalizeLabelMap(result.labelMap, source)
  const numFolds = result.numFolds ?? 0
  if (!Number.isSafeInteger(numFolds) || (numFolds as number) < 0) {
    throw new UserError(`${source}: numFolds must be a non-negative integer, got ${describe(numFolds)}`)
  }
  if (!Array.isArray(result.instances)) throw new UserError(`${source}: instances must be an array`)
  const root = path.resolve(basedir)
  const instances: ParsedInstance[] = result.instances.map((item: unknown, index: number): ParsedInstance => {
    const where = `${source}: instance ${index}`
    if (item === null || typeof item !== 'object') throw new UserError(`${where} is not an object`)
    const inst = item as Record<string, unknown>
    if (typeof inst.path !== 'string' || inst.path === '') throw new UserError(`${where}: path must be a non-empty string`)
    const filename = inst.filename ?? path.basename(inst.path)
    if (typeof filename !== 'string' || filename === '') throw new UserError(`${where}: filename must be a non-empty string`)
    const at = `${source}: instance ${index} (${filename})`

    const nominal = inst.labelNominal ?? null
    if (nominal !== null && typeof nominal !== 'string') throw new UserError(`${at}: labelNominal must be a string or null`)
    let numeric = inst.labelNumeric ?? null
    if (numeric !== null && !Number.isSafeInteger(numeric))
      throw new UserError(`${at}: labelNumeric must be an integer or null, got ${describe(numeric)}`)
    if (nominal !== null && labelMap !== null) {
      const mapped = labelMap.get(nominal)
      if (mapped === undefined) throw new UserError(`${at}: label '${nominal}' is not in the label map`)
      if (numeric === null) numeric = mapped
      else if (numeric !== mapped)
        throw new UserError(`${at}: numeric label ${String(numeric)} contradicts the label map ('${nominal}' -> ${mapped})`)
    }

    const folds = inst.cvFolds ?? (numFolds === 0 ? [] : undefined)
    if (!Array.isArray(folds) || folds.length !== numFolds) {
      throw new UserError(`${at}: cvFolds must be an array of ${String(numFolds)} entries (0 = train, 1 = valid), got ${describe(folds)}`)
    }
    for (const s of folds) {
      if (s !== Split.TRAIN && s !== Split.VALID)
        throw new UserError(`${at}: cvFolds entries must be 0 (train) or 1 (valid), got ${describe(s)}`)
    }
    return {
      path: path.resolve(root, inst.path),
      filename,
      labelNominal: nominal,
      labelNumeric: numeric as number | null,
      cvFolds: folds as Split[],
      partition: normalizePartition(inst.partition, at),
    }
  })
  return {labelMap, numFolds: numFolds as number, instances}
}

/** Every listed audio file must exist and be non-empty; checked up front so no command fails half-way. */
async function checkFiles(instances: readonly ParsedInstance[]): Promise<void> {
  const problems = await Promise.all(
    instances.map(async (inst) => {
      try {
        const s = await stat(inst.path)
        if (!s.isFile()) return `${inst.path}: not a regular file`
        if (s.size === 0) return `${inst.path}: empty file`
        return null
      } catch {
        return `${inst.path}: audio file does not exist`
      }
    }),
  )
  const first = problems.findIndex((p) => p !== null)
  if (first >= 0) {
    const more = problems.filter((p) => p !== null).length - 1
    throw new UserError(problems[first]! + (more > 0 ? ` (and ${more} more problem file(s))` : ''))
  }
}

export interface ParseResult {
  /** The parser that produced the data set (for the meta parser: the one it selected). */
  readonly parser: Parser
  readonly dataSet: ParsedDataSet
}

/**
 * Parses the data set in `basedir` with a parser given by name, path or instance, validates the result and
 * checks that every audio file exists. Throws UserError for anything a user can fix.
 */
export async function parseDataSet(basedir: string, spec: string | Parser = 'meta', options: ParserOptions = {}): Promise<ParseResult> {
  const root = path.resolve(basedir)
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new UserError(`${root}: data set directory does not exist`)
  let parser = typeof spec === 'string' ? await resolveParser(spec, options) : spec
  if (parser instanceof MetaParser) {
    parser = await parser.select(root)
    log.info(`using ${parser.name} parser for data set at ${root}`)
  } else if (!(parser instanceof ManifestParser) && !(await parser.canParse(root))) {
    // (the manifest parser's own errors are more precise than a failed canParse)
    const {problem} = await diagnoseLayout(parser, root)
    throw new UserError(`${root}: the ${parser.name} parser cannot parse this directory${problem === null ? '' : `: ${problem}`}`)
  }
  const dataSet = validateParsedDataSet(await parser.parse(root), root, `parser ${parser.name}`)
  if (dataSet.instances.length === 0) throw new UserError(`${root}: the ${parser.name} parser found no audio files`)
  await checkFiles(dataSet.instances)
  const seen = new Set<string>()
  let duplicates = 0
  for (const inst of dataSet.instances) {
    if (seen.has(inst.filename)) duplicates++
    seen.add(inst.filename)
  }
  if (duplicates > 0)
    log.warn(`${duplicates} instance(s) share a filename with another instance; they will be hard to tell apart in the data set`)
  return {parser, dataSet}
}

/** Instance metadata for chunk `chunkNr` of a parsed file, as stored in a DataSet. */
export function toInstanceMeta(instance: ParsedInstance, chunkNr = 0): InstanceMeta {
  return {
    filename: instance.filename,
    chunkNr,
    labelNominal: instance.labelNominal,
    labelNumeric: instance.labelNumeric,
    cvFolds: instance.cvFolds,
    partition: instance.partition,
  }
}
