// Reading and writing auDeep data sets as netCDF.
//
// auDeep writes netCDF-4 (HDF5) through xarray; h5wasm is the only npm package that reads and writes that
// format, so the netCDF-4 conventions that netCDF-C relies on (dimension scales, _Netcdf4Dimid,
// _Netcdf4Coordinates, creation order) are spelled out here by hand. Classic (CDF-1/CDF-2) files are read
// with netcdfjs. The layout and its quirks (NaN doubles for missing metadata, an unlimited zero-length
// fold dimension) are documented in docs/data-format.md.

import {closeSync, mkdirSync, openSync, readSync, renameSync, rmSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import * as h5 from 'h5wasm/node'

import {UserError} from '../core/errors.js'
import {DataSet, DataSetMeta, type InstanceMeta, type LabelMap, Partition, sortedLabelMap, Split} from './dataset.js'
import {pythonJsonDumps} from '../python/json.js'

type H5Module = Awaited<typeof h5.ready>

let h5module: H5Module | undefined

async function h5ready(): Promise<H5Module> {
  if (h5module === undefined) {
    h5module = await h5.ready
    // HDF5 prints its error stack to stderr by default; have it thrown instead, so that a corrupt file
    // becomes one clear error line.
    h5module.activate_throwing_error_handler()
  }
  return h5module
}

/** The most telling line of an HDF5 error stack, e.g. "truncated file: eof = 600000, ...". */
function hdfReason(error: unknown): string {
  const text = String((error as Error)?.message ?? error)
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const detail = lines.filter((l) => /\(\):/.test(l)).pop()
  return detail ? detail.replace(/^.*\(\):\s*/, '') : (lines[0] ?? 'unknown error')
}

const REQUIRED_VARIABLES = ['filename', 'chunk_nr', 'cv_folds', 'partition', 'label_nominal', 'label_numeric', 'features']

// ---------------------------------------------------------------------------------------------------------
// Format detection

export type NetcdfFormat = 'netcdf4' | 'classic'

function sniffFormat(path: string): NetcdfFormat {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`)
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory, not a netCDF file`)
    throw new UserError(`${path}: cannot open (${code ?? String(error)})`)
  }
  const magic = Buffer.alloc(8)
  let n: number
  try {
    n = readSync(fd, magic, 0, 8, 0)
  } catch (error) {
    throw new UserError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  } finally {
    closeSync(fd)
  }
  if (n >= 8 && magic.equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'netcdf4'
  if (n >= 4 && magic.subarray(0, 3).toString('latin1') === 'CDF' && (magic[3] === 1 || magic[3] === 2)) return 'classic'
  if (n >= 4 && magic.subarray(0, 3).toString('latin1') === 'CDF' && magic[3] === 5) {
    throw new UserError(
      `${path}: CDF-5 (64-bit data) netCDF files are not supported; convert with 'nccopy -k nc4 ${basename(path)} out.nc'`,
    )
  }
  throw new UserError(`${path}: not a netCDF file${n === 0 ? ' (the file is empty)' : ''}`)
}

// ---------------------------------------------------------------------------------------------------------
// A format-neutral view of the variables we need

type RawValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | string[] | number[]

interface RawVariable {
  dims: string[]
  shape: number[]
  kind: 'string' | 'integer' | 'float'
  read(): RawValues
}

interface RawFile {
  attr(name: string): string | undefined
  variable(name: string): RawVariable | undefined
  readFeatureRows(start: number, count: number): Float32Array
  close(): void
}

function hdfKind(dtype: unknown): RawVariable['kind'] {
  if (typeof dtype === 'string') {
    if (/^[<>|]?[SA]/.test(dtype)) return 'string'
    if (/^[<>|]?[bhiqBHIQ]/.test(dtype)) return 'integer'
    if (/^[<>|]?[efd]/.test(dtype)) return 'float'
  }
  return 'string'
}

function openHdf(path: string, h5m: H5Module): RawFile {
  void h5m
  let file: h5.File
  try {
    file = new h5.File(path, 'r')
  } catch (error) {
    throw new UserError(`${path}: cannot read HDF5 data (${hdfReason(error)})`)
  }
  if (file.file_id < 0n) throw new UserError(`${path}: cannot read HDF5 data (truncated or corrupt file?)`)
  const names = new Set(file.keys())
  const dimName = (ds: h5.Dataset, index: number): string => {
    const scales = ds.get_attached_scales(index)
    return scales.length > 0 ? scales[0].replace(/^\//, '') : `dim_${index}`
  }
  const features = names.has('features') ? (file.get('features') as h5.Dataset) : undefined
  return {
    attr(name) {
      const attr = file.attrs[name]
      if (attr === undefined) return undefined
      const value = attr.value
      return typeof value === 'string' ? value : Array.isArray(value) ? value.join('') : String(value)
    },
    variable(name) {
      if (!names.has(name)) return undefined
      const ds = file.get(name)
      if (!(ds instanceof h5.Dataset)) return undefined
      const shape = ds.shape ?? []
      return {
        dims: shape.map((_, i) => dimName(ds, i)),
        shape,
        kind: hdfKind(ds.dtype),
        read: () => {
          if (shape.some((s) => s === 0)) return []
          return ds.value as RawValues
        },
      }
    },
    readFeatureRows(start, count) {
      if (!features) throw new Error('no features variable')
      if (count === 0) return new Float32Array(0)
      const rows = features.slice([[start, start + count]])
      return rows instanceof Float32Array ? rows : Float32Array.from(rows as ArrayLike<number>)
    },
    close() {
      file.close()
    },
  }
}

async function openClassic(path: string): Promise<RawFile> {
  const {NetCDFReader} = await import('netcdfjs')
  const {readFileSync} = await import('node:fs')
  let reader: InstanceType<typeof NetCDFReader>
  try {
    reader = new NetCDFReader(readFileSync(path))
  } catch (error) {
    throw new UserError(`${path}: cannot read classic netCDF data (truncated or corrupt file?): ${(error as Error).message}`)
  }
  const dimNames = reader.dimensions.map((d) => d.name)
  const recordDim = reader.recordDimension
  const dimSize = (id: number): number => (recordDim && recordDim.id === id ? recordDim.length : reader.dimensions[id].size)
  const vars = new Map(reader.variables.map((v) => [v.name, v]))
  const variable = (name: string): RawVariable | undefined => {
    const v = vars.get(name)
    if (!v) return undefined
    const dims = v.dimensions.map((id) => dimNames[id])
    const shape = v.dimensions.map(dimSize)
    const type = String(v.type)
    if (type === 'char') {
      // Classic files store strings as char(instance, strlen); join the characters back into strings.
      return {
        dims: dims.slice(0, 1),
        shape: shape.slice(0, 1),
        kind: 'string',
        read: () => {
          // netcdfjs returns a record (unlimited) char variable as one string per record, sometimes running
          // past strlen into the next variable's bytes, and a fixed one as a flat list of characters.
          const raw = reader.getDataVariable(name) as unknown
          const strlen = shape[1] ?? 1
          const strip = (s: string): string => s.slice(0, strlen).replace(/\0+$/, '')
          if (Array.isArray(raw) && raw.length === shape[0] && raw.every((r) => typeof r === 'string')) return (raw as string[]).map(strip)
          const text = Array.isArray(raw) ? (raw as unknown[]).flat(Infinity).join('') : String(raw)
          return Array.from({length: shape[0]}, (_, i) => strip(text.slice(i * strlen, (i + 1) * strlen)))
        },
      }
    }
    return {
      dims,
      shape,
      kind: type === 'float' || type === 'double' ? 'float' : 'integer',
      read: () => (reader.getDataVariable(name) as unknown as number[]).flat(Infinity) as number[],
    }
  }
  let featureCache: Float32Array | undefined
  return {
    attr(name) {
      const a = reader.globalAttributes.find((g) => g.name === name)
      return a === undefined ? undefined : String(a.value)
    },
    variable,
    readFeatureRows(start, count) {
      const v = variable('features')
      if (!v) throw new Error('no features variable')
      featureCache ??= Float32Array.from(v.read() as number[])
      const size = v.shape.slice(1).reduce((a, b) => a * b, 1)
      return featureCache.slice(start * size, (start + count) * size)
    },
    close() {
      featureCache = undefined
    },
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading

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
  const raw = format === 'netcdf4' ? openHdf(path, await h5ready()) : await openClassic(path)
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

// ---------------------------------------------------------------------------------------------------------
// Writing

/**
 * What must be known before the first instance is written. auDeep picks on-disk types from the data:
 * metadata with missing values is stored as double (NaN), fully unlabelled nominal labels as double too.
 */
export interface DataSetSchema {
  featureDims: readonly string[]
  featureShape: readonly number[]
  numFolds: number
  labelMap: LabelMap | null
  types: {
    cvFolds: 'int64' | 'double'
    partition: 'int64' | 'double'
    labelNominal: 'string' | 'double'
    labelNumeric: 'int64' | 'double'
  }
}

/** The schema auDeep would choose for these instances. */
export function schemaFor(
  instances: readonly InstanceMeta[],
  layout: Pick<DataSetSchema, 'featureDims' | 'featureShape' | 'numFolds' | 'labelMap'>,
): DataSetSchema {
  const anyMissingFold = layout.numFolds === 0 || instances.some((i) => i.cvFolds.some((s) => s === null))
  return {
    featureDims: layout.featureDims,
    featureShape: layout.featureShape,
    numFolds: layout.numFolds,
    labelMap: layout.labelMap,
    types: {
      cvFolds: anyMissingFold ? 'double' : 'int64',
      partition: instances.some((i) => i.partition === null) ? 'double' : 'int64',
      labelNominal: instances.length > 0 && instances.every((i) => i.labelNominal === null) ? 'double' : 'string',
      labelNumeric: instances.some((i) => i.labelNumeric === null) ? 'double' : 'int64',
    },
  }
}

export interface DataSetWriter {
  readonly path: string
  /** Instances appended so far. */
  readonly count: number
  append(meta: InstanceMeta, features: Float32Array): void
  /** Flushes, closes and moves the file into place. */
  close(): Promise<void>
  /** Removes the partial file. */
  abort(): void
}

const DIMENSION_WITHOUT_VARIABLE = 'This is a netCDF dimension but not a netCDF variable.'
const FLUSH_BYTES = 8 * 1024 * 1024
const TARGET_CHUNK_BYTES = 512 * 1024

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`)
}

/**
 * Opens a streaming writer: instances are appended one at a time along an unlimited `instance`
 * dimension and flushed in blocks, so memory stays bounded whatever the data set's size. The file is
 * written under a temporary name and renamed into place by close().
 */
export async function createDataSetWriter(path: string, schema: DataSetSchema): Promise<DataSetWriter> {
  const h5m = await h5ready()
  try {
    mkdirSync(dirname(path) || '.', {recursive: true})
  } catch (error) {
    throw new UserError(`${path}: cannot create the output directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  const tempPath = tempPathFor(path)
  let file: h5.File
  try {
    file = new h5.File(tempPath, 'w', {track_order: true})
    if (file.file_id < 0n) throw new Error('HDF5 could not create the file')
  } catch (error) {
    rmSync(tempPath, {force: true})
    throw new UserError(`${path}: cannot write here (${(error as Error).message})`)
  }
  const {featureDims, featureShape, numFolds, labelMap, types} = schema
  const featureSize = featureShape.reduce((a, b) => a * b, 1)
  const rowsPerChunk = Math.max(1, Math.min(4096, Math.floor(TARGET_CHUNK_BYTES / Math.max(4, featureSize * 4))))
  const foldsUnlimited = numFolds === 0

  try {
    // Dimension scales, in auDeep's dimension order: instance, fold, then the feature axes.
    const dims: {name: string; size: number; unlimited: boolean}[] = [
      {name: 'instance', size: 0, unlimited: true},
      {name: 'fold', size: numFolds, unlimited: foldsUnlimited},
      ...featureDims.map((name, i) => ({name, size: featureShape[i], unlimited: false})),
    ]
    const scales = new Map<string, h5.Dataset>()
    dims.forEach((dim, id) => {
      const ds = file.create_dataset({
        name: dim.name,
        data: new Float32Array(dim.size),
        shape: [dim.size],
        dtype: '<f',
        ...(dim.unlimited ? {maxshape: [null], chunks: [1024]} : {}),
        track_order: true,
      })
      ds.make_scale(DIMENSION_WITHOUT_VARIABLE + String(dim.size).padStart(10))
      ds.create_attribute('_Netcdf4Dimid', new Int32Array([id]), [], '<i')
      scales.set(dim.name, ds)
    })
    const dimId = new Map(dims.map((d, i) => [d.name, i]))

    const variable = (name: string, dimNames: string[], dtype: string, empty: RawValues, chunkRows: number): h5.Dataset => {
      const shape = dimNames.map((d) => (d === 'instance' ? 0 : dims[dimId.get(d)!].size))
      const maxshape = dimNames.map((d) => (d === 'instance' || (d === 'fold' && foldsUnlimited) ? null : dims[dimId.get(d)!].size))
      const chunks = dimNames.map((d, i) => (d === 'instance' ? chunkRows : Math.max(1, shape[i])))
      const ds = file.create_dataset({name, data: empty, shape, dtype, maxshape, chunks, track_order: true})
      dimNames.forEach((d, i) => ds.attach_scale(i, '/' + d))
      ds.create_attribute('_Netcdf4Coordinates', new Int32Array(dimNames.map((d) => dimId.get(d)!)), [dimNames.length], '<i')
      return ds
    }
    const typeOf = (t: string): [string, RawValues] =>
      t === 'int64' ? ['<q', new BigInt64Array(0)] : t === 'double' ? ['<d', new Float64Array(0)] : ['S', []]
    const vFilename = variable('filename', ['instance'], 'S', [], 1024)
    const vChunk = variable('chunk_nr', ['instance'], '<q', new BigInt64Array(0), 1024)
    const vFolds = variable('cv_folds', ['instance', 'fold'], ...typeOf(types.cvFolds), 1024)
    const vPartition = variable('partition', ['instance'], ...typeOf(types.partition), 1024)
    const vNominal = variable('label_nominal', ['instance'], ...typeOf(types.labelNominal), 1024)
    const vNumeric = variable('label_numeric', ['instance'], ...typeOf(types.labelNumeric), 1024)
    const vFeatures = variable('features', ['instance', ...featureDims], '<f', new Float32Array(0), rowsPerChunk)
    vFeatures.create_attribute('_FillValue', new Float32Array([NaN]), [1], '<f')

    // NC_CHAR attributes: fixed-length ASCII strings, as netCDF-C writes them. Python's json.dumps output
    // is pure ASCII, so the byte length equals the string length.
    const charAttribute = (name: string, text: string): void => {
      file.create_attribute(name, text, null, `A${Math.max(1, text.length)}`)
    }
    charAttribute('feature_dims', pythonJsonDumps([...featureDims]))
    if (labelMap !== null) charAttribute('label_map', pythonJsonDumps([...labelMap.entries()]))

    // Pending rows, flushed in blocks.
    let written = 0
    let pending: {meta: InstanceMeta; features: Float32Array}[] = []
    let pendingBytes = 0
    let closed = false

    const writeStrings = (ds: h5.Dataset, start: number, values: string[]): void => {
      // h5wasm cannot write a slice of a variable-length string dataset, so we hand HDF5 an array of C
      // string pointers in wasm memory ourselves (the in-memory type of a VLEN string is char*).
      const encoder = new TextEncoder()
      const encoded = values.map((v) => encoder.encode(v))
      const ptrs = h5m._malloc(4 * values.length)
      const allocations: number[] = []
      try {
        for (const bytes of encoded) {
          const p = h5m._malloc(bytes.length + 1)
          allocations.push(p)
        }
        const heap = h5m.HEAPU8
        const view = new DataView(heap.buffer)
        encoded.forEach((bytes, i) => {
          heap.set(bytes, allocations[i])
          heap[allocations[i] + bytes.length] = 0
          view.setUint32(ptrs + 4 * i, allocations[i], true)
        })
        const status = h5m.set_dataset_data(file.file_id, ds.path, [BigInt(values.length)], [BigInt(start)], [1n], BigInt(ptrs))
        if (status < 0) throw new Error(`HDF5 could not write ${ds.path}`)
      } finally {
        for (const p of allocations) h5m._free(p)
        h5m._free(ptrs)
      }
    }

    const flush = (): void => {
      const n = pending.length
      if (n === 0) return
      const total = written + n
      for (const ds of [scales.get('instance')!, vFilename, vChunk, vPartition, vNominal, vNumeric]) ds.resize([total])
      vFolds.resize([total, numFolds])
      vFeatures.resize([total, ...featureShape])
      const rows = pending
      writeStrings(
        vFilename,
        written,
        rows.map((r) => r.meta.filename),
      )
      vChunk.write_slice(
        [[written, total]],
        BigInt64Array.from(rows, (r) => BigInt(r.meta.chunkNr)),
      )
      if (numFolds > 0) {
        const folds = rows.flatMap((r) => r.meta.cvFolds.map((s) => (s === null ? NaN : s)))
        vFolds.write_slice(
          [
            [written, total],
            [0, numFolds],
          ],
          types.cvFolds === 'int64' ? BigInt64Array.from(folds, BigInt) : Float64Array.from(folds),
        )
      }
      const partitions = rows.map((r) => (r.meta.partition === null ? NaN : r.meta.partition))
      vPartition.write_slice(
        [[written, total]],
        types.partition === 'int64' ? BigInt64Array.from(partitions, BigInt) : Float64Array.from(partitions),
      )
      if (types.labelNominal === 'string') {
        writeStrings(
          vNominal,
          written,
          rows.map((r) => r.meta.labelNominal ?? ''),
        )
      } else {
        vNominal.write_slice([[written, total]], new Float64Array(n).fill(NaN))
      }
      const numeric = rows.map((r) => (r.meta.labelNumeric === null ? NaN : r.meta.labelNumeric))
      vNumeric.write_slice(
        [[written, total]],
        types.labelNumeric === 'int64' ? BigInt64Array.from(numeric, BigInt) : Float64Array.from(numeric),
      )
      const block = new Float32Array(n * featureSize)
      rows.forEach((r, i) => block.set(r.features, i * featureSize))
      vFeatures.write_slice([[written, total], ...featureShape.map((s) => [0, s] as [number, number])], block)
      written = total
      pending = []
      pendingBytes = 0
    }

    const abort = (): void => {
      if (closed) return
      closed = true
      try {
        file.close()
      } catch {
        // The file is being discarded anyway.
      }
      rmSync(tempPath, {force: true})
    }

    return {
      path,
      get count() {
        return written + pending.length
      },
      append(meta, features) {
        if (closed) throw new Error('writer is closed')
        if (features.length !== featureSize) {
          throw new UserError(
            `${meta.filename}: invalid feature shape: ${features.length} values, expected ${featureShape.join(' x ')} = ${featureSize}`,
          )
        }
        if (meta.cvFolds.length !== numFolds) throw new Error(`${meta.filename}: ${meta.cvFolds.length} fold entries, expected ${numFolds}`)
        if (types.cvFolds === 'int64' && meta.cvFolds.some((s) => s === null))
          throw new Error(`${meta.filename}: missing fold entry in an int64 cv_folds variable`)
        if (types.partition === 'int64' && meta.partition === null)
          throw new Error(`${meta.filename}: missing partition in an int64 partition variable`)
        if (types.labelNumeric === 'int64' && meta.labelNumeric === null)
          throw new Error(`${meta.filename}: missing numeric label in an int64 variable`)
        // Copy: callers commonly reuse their buffers.
        pending.push({meta, features: Float32Array.from(features)})
        pendingBytes += features.byteLength
        if (pendingBytes >= FLUSH_BYTES) {
          try {
            flush()
          } catch (error) {
            abort()
            throw error
          }
        }
      },
      async close() {
        if (closed) throw new Error('writer is closed')
        try {
          flush()
          closed = true
          file.close()
          renameSync(tempPath, path)
        } catch (error) {
          closed = false
          abort()
          throw new UserError(`${path}: could not be written: ${(error as Error).message}`)
        }
      },
      abort,
    }
  } catch (error) {
    try {
      file.close()
    } catch {
      // Already failing.
    }
    rmSync(tempPath, {force: true})
    throw error
  }
}

/** Writes a whole in-memory data set (atomically). */
export async function writeDataSet(path: string, ds: DataSet): Promise<void> {
  const writer = await createDataSetWriter(path, schemaFor(ds.instances, ds))
  try {
    for (let i = 0; i < ds.numInstances; i++) writer.append(ds.instances[i], ds.instanceFeatures(i))
  } catch (error) {
    writer.abort()
    throw error
  }
  await writer.close()
}
