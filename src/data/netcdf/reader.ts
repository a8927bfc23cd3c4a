// Reading an auDeep data set from a netCDF file of either format: the metadata at once, the features in
// row blocks on demand.

import {UserError} from '../../core/errors.js'
import {DataSet, type DataSetInit, DataSetMeta, type InstanceMeta, type LabelMap, Partition, sortedLabelMap, Split} from '../dataset.js'
import {type NetcdfFormat, type RawFile, type RawValues, REQUIRED_VARIABLES, sniffFormat} from './format.js'
import {probeHdf5, takeReadAhead} from './hdf5-probe.js'

/** The metadata of a data set on disk, with features read on demand in row blocks (bounded memory). */
export interface DataSetReader {
  readonly path: string
  readonly format: NetcdfFormat
  /** The data set's metadata; its `features` array is empty. */
  readonly meta: DataSetMeta
  readonly numInstances: number
  readonly featureSize: number
  /** Features of instances [start, start + count), row-major. */
  readFeatures(start: number, count: number): Float32Array
  close(): void
}

function toNumbers(values: RawValues): number[] {
  if (Array.isArray(values)) return values.map((v) => (typeof v === 'string' ? Number(v) : v))
  if (values instanceof BigInt64Array) return Array.from(values, (v) => Number(v))
  return Array.from(values as ArrayLike<number>)
}

function optionalInt(value: number): number | null {
  return Number.isNaN(value) ? null : value
}

export async function openDataSetReader(path: string): Promise<DataSetReader> {
  return openReader(path, false)
}

/**
 * The readers of both formats are imported when first needed: a data set read ahead (hdf5-probe.ts) never
 * starts HDF5 on this thread.
 */
async function openRaw(path: string, format: NetcdfFormat, probed: boolean): Promise<RawFile> {
  if (format === 'classic') return (await import('./classic.js')).openClassic(path)
  const {h5ready, openHdf} = await import('./hdf5.js')
  // HDF5 starts on this thread while the probe (hdf5-probe.ts) walks the file on its own.
  const [module] = await Promise.all([h5ready(), probed ? undefined : probeHdf5(path)])
  return openHdf(path, module)
}

/** `probed`: the file has passed the HDF5 probe just now (or is being read by the probe's worker itself). */
async function openReader(path: string, probed: boolean): Promise<DataSetReader> {
  const format = sniffFormat(path)
  const raw = await openRaw(path, format, probed)
  try {
    for (const name of REQUIRED_VARIABLES) {
      if (!raw.variable(name)) throw new UserError(`${path}: not an auDeep data set (variable '${name}' is missing)`)
    }
    const featureDimsText = raw.attr('feature_dims')
    if (featureDimsText === undefined) throw new UserError(`${path}: not an auDeep data set (attribute 'feature_dims' is missing)`)
    let featureDims: string[]
    try {
      featureDims = JSON.parse(featureDimsText) as string[]
      if (!Array.isArray(featureDims) || featureDims.some((d) => typeof d !== 'string')) throw new Error('not a list of names')
    } catch (error) {
      throw new UserError(`${path}: attribute 'feature_dims' is not a JSON list of names: ${featureDimsText}`)
    }
    const labelMapText = raw.attr('label_map')
    let labelMap: LabelMap | null = null
    if (labelMapText !== undefined) {
      try {
        const pairs = JSON.parse(labelMapText) as [string, number][]
        if (!Array.isArray(pairs) || pairs.some((p) => !Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number')) {
          throw new Error('bad pairs')
        }
        labelMap = sortedLabelMap(pairs)
      } catch {
        throw new UserError(`${path}: attribute 'label_map' is not a JSON list of [label, number] pairs`)
      }
    }

    const featuresVar = raw.variable('features')!
    const numInstances = featuresVar.shape[0] ?? 0
    const featureShape = featuresVar.shape.slice(1)
    if (featureShape.length !== featureDims.length) {
      throw new UserError(`${path}: features have ${featureShape.length} feature axes but feature_dims names ${featureDims.length}`)
    }
    const varDims = featuresVar.dims.slice(1)
    if (varDims.every((d) => !d.startsWith('dim_')) && varDims.some((d, i) => d !== featureDims[i])) {
      throw new UserError(`${path}: features are stored along ${varDims.join(', ')} but feature_dims says ${featureDims.join(', ')}`)
    }

    const column = (name: string): RawValues => {
      const v = raw.variable(name)!
      if (v.shape[0] !== numInstances) {
        throw new UserError(`${path}: variable '${name}' has ${v.shape[0]} instances, features have ${numInstances}`)
      }
      return v.read()
    }
    const filenames = column('filename')
    if (!Array.isArray(filenames) || filenames.some((f) => typeof f !== 'string')) {
      throw new UserError(`${path}: variable 'filename' must hold strings`)
    }
    const chunkNrs = toNumbers(column('chunk_nr'))
    const cvVar = raw.variable('cv_folds')!
    const numFolds = cvVar.shape.length > 1 ? cvVar.shape[1] : 0
    const cvFolds = numFolds > 0 && numInstances > 0 ? toNumbers(column('cv_folds')) : []
    const partitions = toNumbers(column('partition'))
    const nominalVar = raw.variable('label_nominal')!
    const nominal =
      nominalVar.kind === 'string' ? (column('label_nominal') as string[]) : toNumbers(column('label_nominal')).map(() => null)
    const numeric = toNumbers(column('label_numeric'))

    // Metadata the data model defines as integers (missing values as NaN in float variables) must be so:
    // a damaged file otherwise yields labels such as 4.47e-108.
    const integral = (name: string, values: readonly number[], allowed?: (v: number) => boolean): void => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i]
        if (Number.isNaN(v)) continue
        if (!Number.isSafeInteger(v) || (allowed && !allowed(v))) {
          throw new UserError(`${path}: variable '${name}' holds an invalid value ${v} (entry ${i})`)
        }
      }
    }
    integral('chunk_nr', chunkNrs, (v) => v >= 0)
    integral('label_numeric', numeric)
    integral('cv_folds', cvFolds, (v) => v === Split.TRAIN || v === Split.VALID)
    integral('partition', partitions, (v) => v === Partition.TRAIN || v === Partition.DEVEL || v === Partition.TEST)
    if (chunkNrs.some((v) => Number.isNaN(v))) throw new UserError(`${path}: variable 'chunk_nr' has missing values`)

    const instances: InstanceMeta[] = new Array(numInstances)
    for (let i = 0; i < numInstances; i++) {
      const folds: (Split | null)[] = new Array(numFolds)
      for (let k = 0; k < numFolds; k++) folds[k] = optionalInt(cvFolds[i * numFolds + k]) as Split | null
      const label = nominal[i]
      instances[i] = {
        filename: filenames[i] as string,
        chunkNr: chunkNrs[i],
        // auDeep writes partially missing nominal labels as "" (reference §11: read them back as missing).
        labelNominal: label === null || label === '' ? null : label,
        labelNumeric: optionalInt(numeric[i]),
        cvFolds: folds,
        partition: optionalInt(partitions[i]) as Partition | null,
      }
    }
    const featureSize = featureShape.reduce((a, b) => a * b, 1)
    const meta = new DataSetMeta({featureDims, featureShape, numFolds, labelMap, instances})
    return {
      path,
      format,
      meta,
      numInstances,
      featureSize,
      readFeatures(start, count) {
        if (start < 0 || count < 0 || start + count > numInstances)
          throw new RangeError(`instances [${start}, ${start + count}) out of range`)
        return raw.readFeatureRows(start, count)
      },
      close: () => raw.close(),
    }
  } catch (error) {
    raw.close()
    throw error
  }
}

/** Reads a whole data set into memory. */
export async function readDataSet(path: string): Promise<DataSet> {
  // Read ahead (read-ahead.ts) by the probe's worker, if the file is unchanged since.
  const ahead = takeReadAhead(path)
  if (ahead !== undefined) {
    const {dataSet, walked} = await ahead
    // Not read ahead, or the worker's read failed: a read here (probed afresh if need be) reports why.
    return new DataSet(dataSet ?? (await readWhole(path, walked)))
  }
  return new DataSet(await readWhole(path, false))
}

/** What readDataSet reads, for the probe's worker after its walk of the file (hdf5-probe-worker.ts). */
export async function readWalkedDataSet(path: string): Promise<DataSetInit> {
  return readWhole(path, true)
}

async function readWhole(path: string, probed: boolean): Promise<DataSetInit> {
  const reader = await openReader(path, probed)
  try {
    const {featureDims, featureShape, numFolds, labelMap, instances} = reader.meta
    return {featureDims, featureShape, numFolds, labelMap, instances, features: reader.readFeatures(0, reader.numInstances)}
  } catch (error) {
    if (error instanceof UserError) throw error
    const {hdfReason} = await import('./hdf5.js')
    throw new UserError(`${path}: cannot read features (${hdfReason(error)})`)
  } finally {
    reader.close()
  }
}
