// `audeep export`: a data set as a tree of CSV or ARFF files (audeep-reference.md §6.1).
//
// Rows hold filename, chunk_nr, the two labels (third and fourth, or last with labelsLast) and the
// features flattened row-major. The text is byte-identical to auDeep 0.9.6's, with two deliberate
// differences (§11), both logged as warnings when they apply:
// * the requested format is honoured for data sets without CV folds or partitions (auDeep always wrote
//   CSV there);
// * with CV folds and partitions, `<partition>/fold_k` holds the instances of that partition that are
//   VALID in fold k (auDeep wrote fold k of the whole data set into every partition's directory).

import {once} from 'node:events'
import {createWriteStream, mkdirSync, renameSync, rmSync, statSync, type WriteStream} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'

import {UserError} from '../core/errors.js'
import {checkInterrupted} from '../core/interrupt.js'
import {registerTemporary, removeStaleTemporariesOf, tempSibling} from '../core/temp-files.js'
import {getLogger} from '../core/log.js'
import {encodeArffHeader, encodeArffValue, type ArffAttribute} from '../formats/arff.js'
import {encodeCsvRecord} from '../formats/csv.js'
import {formatFloat32Numpy, formatFloat64Python} from '../python/number-format.js'
import {compareStrings, DataSet, Partition, PARTITION_NAMES, Split} from './dataset.js'

export type ExportFormat = 'CSV' | 'ARFF'

export interface ExportOptions {
  format: ExportFormat
  /** Base directory; created if missing. */
  outputDir: string
  /** File name without extension (the extension is appended unless already present). */
  name: string
  /** Write the labels as the last two columns instead of the third and fourth. */
  labelsLast: boolean
}

const log = getLogger('export')

/** Writes the export tree and returns the files written, in writing order. */
export async function exportDataSet(ds: DataSet, options: ExportOptions): Promise<string[]> {
  const {format, outputDir} = options
  const ext = format === 'CSV' ? '.csv' : '.arff'
  const fileName = options.name.toLowerCase().endsWith(ext) ? options.name : options.name + ext
  if (options.name === '' || fileName.includes('/') || fileName.includes('\\')) {
    throw new UserError(`invalid export name '${options.name}': it must be a plain file name`)
  }
  if (ds.featureShape.length > 1) {
    log.warn(
      `data set has ${ds.featureShape.length} feature dimensions [${ds.featureDims.join(', ')}]: features will be flattened row-major`,
    )
  }
  const writer = new RowWriter(ds, format, options.labelsLast)
  const tree = new StagedTree(outputDir, fileName)
  const written: string[] = []
  const write = async (dir: string, indices: number[]): Promise<void> => {
    const path = join(dir, fileName)
    checkInterrupted()
    log.info(`writing ${indices.length} instances to ${path}`)
    await writer.writeFile(tree.staged(path), indices, path)
    written.push(path)
  }
  try {
    await writeTree(ds, outputDir, format, write)
    // An interruption that arrived while the last file was written still keeps the previous output.
    checkInterrupted()
    tree.commit(written)
  } catch (error) {
    tree.abort()
    throw error
  }
  return written
}

/**
 * The export tree is written into a temporary directory and moved into place only when every file is
 * complete, so an interruption or a full disk leaves the previous output as it was. A new output directory
 * is the temporary renamed as a whole; into an existing directory (which may hold other files) each
 * complete file is renamed to its place.
 */
class StagedTree {
  private readonly existed: boolean
  private readonly stage: string
  private readonly registration: {release(): void}

  constructor(
    private readonly outputDir: string,
    fileName: string,
  ) {
    const info = statSync(outputDir, {throwIfNoEntry: false})
    if (info !== undefined && !info.isDirectory()) throw new UserError(`${outputDir}: exists and is not a directory`)
    this.existed = info !== undefined
    try {
      if (this.existed) {
        removeStaleTemporariesOf(join(outputDir, fileName))
        this.stage = tempSibling(join(outputDir, fileName))
      } else {
        mkdirSync(dirname(resolve(outputDir)), {recursive: true})
        removeStaleTemporariesOf(resolve(outputDir))
        this.stage = tempSibling(resolve(outputDir))
      }
      this.registration = registerTemporary(this.stage)
      mkdirSync(this.stage)
    } catch (error) {
      throw writeError(outputDir, error)
    }
  }

  /** Where a file of the final tree is written meanwhile. */
  staged(path: string): string {
    return join(this.stage, relative(this.outputDir, path))
  }

  commit(paths: readonly string[]): void {
    try {
      if (!this.existed) {
        renameSync(this.stage, this.outputDir)
      } else {
        for (const path of paths) {
          mkdirSync(dirname(path), {recursive: true})
          renameSync(this.staged(path), path)
        }
        rmSync(this.stage, {recursive: true, force: true})
      }
    } catch (error) {
      throw writeError(this.outputDir, error)
    } finally {
      this.registration.release()
    }
  }

  abort(): void {
    rmSync(this.stage, {recursive: true, force: true})
    this.registration.release()
  }
}

function writeError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return new UserError(`${path}: cannot write (${code})`, {cause: error})
  return error
}

async function writeTree(
  ds: DataSet,
  outputDir: string,
  format: ExportFormat,
  write: (dir: string, indices: number[]) => Promise<void>,
): Promise<void> {
  const all = ds.instances.map((_, i) => i)
  const hasCv = ds.hasCvInfo()
  const hasPartitions = ds.numInstances > 0 && ds.hasPartitionInfo()

  if (!hasCv && !hasPartitions) {
    if (format === 'ARFF') {
      log.warn('writing ARFF as requested; auDeep 0.9.6 wrote CSV for data sets without CV folds or partitions')
    }
    await write(outputDir, all)
  } else if (!hasPartitions) {
    if (ds.hasOverlappingFolds()) warnOverlap(ds, all, 'data set')
    for (let fold = 0; fold < ds.numFolds; fold++) {
      await write(join(outputDir, `fold_${fold + 1}`), validIn(ds, all, fold))
    }
  } else {
    if (hasCv) {
      log.warn(
        'each <partition>/fold_k file holds the instances of that partition that are VALID in fold k ' +
          '(auDeep 0.9.6 wrote fold k of the whole data set into every partition directory)',
      )
    }
    for (const partition of [Partition.TRAIN, Partition.DEVEL, Partition.TEST]) {
      const members = all.filter((i) => ds.instances[i].partition === partition)
      if (members.length === 0) continue
      const partitionDir = join(outputDir, PARTITION_NAMES[partition].toLowerCase())
      if (!hasCv) {
        await write(partitionDir, members)
        continue
      }
      warnOverlap(ds, members, `partition ${PARTITION_NAMES[partition].toLowerCase()}`)
      for (let fold = 0; fold < ds.numFolds; fold++) {
        await write(join(partitionDir, `fold_${fold + 1}`), validIn(ds, members, fold))
      }
    }
  }
}

function validIn(ds: DataSet, indices: number[], fold: number): number[] {
  return indices.filter((i) => ds.instances[i].cvFolds[fold] === Split.VALID)
}

/** A fold directory holds the fold's validation split, so only a partition of the instances is exact. */
function warnOverlap(ds: DataSet, indices: number[], what: string): void {
  let duplicated = 0
  let missing = 0
  for (const i of indices) {
    const count = ds.instances[i].cvFolds.filter((s) => s === Split.VALID).length
    if (count > 1) duplicated++
    else if (count === 0) missing++
  }
  if (duplicated > 0) {
    log.warn(
      `${what} has overlapping cross-validation folds: ${duplicated} instances are VALID in several folds and will be written once per fold`,
    )
  }
  if (missing > 0) {
    log.warn(`${what} has ${missing} instances that are VALID in no fold; they appear in no fold file`)
  }
}

/** Formats rows of one data set and streams them to files. */
class RowWriter {
  private readonly header: string
  /** auDeep stores numeric labels as doubles when any is missing, and pandas/liac then print "0.0". */
  private readonly numericLabelsAsFloats: boolean

  constructor(
    private readonly ds: DataSet,
    private readonly format: ExportFormat,
    private readonly labelsLast: boolean,
  ) {
    this.numericLabelsAsFloats = ds.instances.some((i) => i.labelNumeric === null)
    const featureNames = Array.from({length: ds.featureSize}, (_, k) => `feature_${k}`)
    if (format === 'CSV') {
      const labels = ['label_nominal', 'label_numeric']
      const columns = labelsLast
        ? ['filename', 'chunk_nr', ...featureNames, ...labels]
        : ['filename', 'chunk_nr', ...labels, ...featureNames]
      this.header = encodeCsvRecord(columns)
    } else {
      const nominal = nominalValues(ds)
      const labels: ArffAttribute[] = [
        // An empty nominal list `{}` is legal for Weka but breaks liac-arff; unlabelled data gets STRING.
        {name: 'label_nominal', type: nominal.length > 0 ? {kind: 'nominal', values: nominal} : {kind: 'string'}},
        {name: 'label_numeric', type: {kind: 'numeric', keyword: 'INTEGER'}},
      ]
      const features: ArffAttribute[] = featureNames.map((name) => ({name, type: {kind: 'numeric', keyword: 'REAL'}}))
      const meta: ArffAttribute[] = [
        {name: 'filename', type: {kind: 'string'}},
        {name: 'chunk_nr', type: {kind: 'numeric', keyword: 'INTEGER'}},
      ]
      const attributes = labelsLast ? [...meta, ...features, ...labels] : [...meta, ...labels, ...features]
      this.header = encodeArffHeader({relation: 'auDeep exported data set', attributes})
    }
  }

  private numericLabel(value: number | null): string | null {
    if (value === null) return null
    return this.numericLabelsAsFloats ? formatFloat64Python(value) : String(value)
  }

  private row(index: number): string {
    const inst = this.ds.instances[index]
    const features = this.ds.instanceFeatures(index)
    const numeric = this.numericLabel(inst.labelNumeric)
    if (this.format === 'CSV') {
      const fields = new Array<string>(features.length + 4)
      let k = 0
      fields[k++] = inst.filename
      fields[k++] = String(inst.chunkNr)
      const putLabels = (): void => {
        fields[k++] = inst.labelNominal ?? ''
        fields[k++] = numeric ?? ''
      }
      if (!this.labelsLast) putLabels()
      // pandas writes NaN as an empty field.
      for (let j = 0; j < features.length; j++) fields[k++] = Number.isNaN(features[j]) ? '' : formatFloat32Numpy(features[j])
      if (this.labelsLast) putLabels()
      return encodeCsvRecord(fields)
    }
    const parts = new Array<string>(features.length + 4)
    let k = 0
    parts[k++] = encodeArffValue(inst.filename)
    parts[k++] = String(inst.chunkNr)
    const putLabels = (): void => {
      parts[k++] = encodeArffValue(inst.labelNominal)
      parts[k++] = numeric ?? '?'
    }
    if (!this.labelsLast) putLabels()
    // liac-arff prints Python floats (the float32 widened to double); NaN is missing.
    for (let j = 0; j < features.length; j++) parts[k++] = Number.isNaN(features[j]) ? '?' : formatFloat64Python(features[j])
    if (this.labelsLast) putLabels()
    return parts.join(',') + '\n'
  }

  /** Writes header and rows to `path` (in the staging directory); errors name `finalPath`. */
  async writeFile(path: string, indices: readonly number[], finalPath: string): Promise<void> {
    let out: WriteStream | undefined
    try {
      mkdirSync(dirname(path), {recursive: true})
      const stream = createWriteStream(path)
      out = stream
      const failed = new Promise<never>((_, reject) => stream.once('error', reject))
      failed.catch(() => undefined)
      const put = async (text: string): Promise<void> => {
        if (!stream.write(text)) await Promise.race([once(stream, 'drain'), failed])
      }
      await put(this.header)
      let sinceCheck = 0
      for (const i of indices) {
        await put(this.row(i))
        if (++sinceCheck === 256) {
          sinceCheck = 0
          checkInterrupted()
        }
      }
      stream.end()
      await Promise.race([once(stream, 'close'), failed])
    } catch (error) {
      out?.destroy()
      throw writeError(finalPath, error)
    }
  }
}

/** The nominal values declared in ARFF: the label map's keys, else the labels present, sorted. */
function nominalValues(ds: DataSet): string[] {
  const values = new Set<string>(ds.labelMap?.keys() ?? [])
  // Labels outside the map would make the file unreadable; declaring them keeps it valid.
  for (const inst of ds.instances) if (inst.labelNominal !== null && inst.labelNominal !== '') values.add(inst.labelNominal)
  return [...values].sort(compareStrings)
}
