// Reading an auDeep data set from a netCDF file of either format: the metadata at once, the features in
// row blocks on demand.

import {UserError} from '../../core/errors.js'
import {DataSet, DataSetMeta, type InstanceMeta, type LabelMap, Partition, sortedLabelMap, Split} from '../dataset.js'
import {openClassic} from './classic.js'
import {type NetcdfFormat, type RawValues, REQUIRED_VARIABLES, sniffFormat} from './format.js'
import {h5ready, hdfReason, openHdf} from './hdf5.js'
import {probeHdf5} from './hdf5-probe.js'

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
  const format = sniffFormat(path)
  // HDF5 starts on this thread while the probe (hdf5-probe.ts) walks the file on its own.
  const raw = format === 'netcdf4' ? openHdf(path, (await Promise.all([h5ready(), probeHdf5(path)]))[0]) : await openClassic(path)
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
  const reader = await openDataSetReader(path)
  try {
    const features = reader.readFeatures(0, reader.numInstances)
    return new DataSet({...reader.meta, instances: reader.meta.instances, features})
  } catch (error) {
    if (error instanceof UserError) throw error
    throw new UserError(`${path}: cannot read features (${hdfReason(error)})`)
  } finally {
    reader.close()
  }
}
