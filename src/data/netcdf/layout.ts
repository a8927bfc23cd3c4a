// The netCDF-4 structure of a data set in an HDF5 file, as xarray and netCDF-C write it: dimension scales
// in auDeep's order (instance, fold, the feature axes), one variable per metadata field, the features
// chunked by rows, and the global attributes; then blocks of rows written into it.

import * as h5 from 'h5wasm/node'

import {pythonJsonDumps} from '../../python/json.js'
import type {InstanceMeta} from '../dataset.js'
import type {RawValues} from './format.js'
import type {H5Module} from './hdf5.js'
import type {DataSetSchema} from './schema.js'

const DIMENSION_WITHOUT_VARIABLE = 'This is a netCDF dimension but not a netCDF variable.'
const TARGET_CHUNK_BYTES = 512 * 1024

export interface Row {
  meta: InstanceMeta
  features: Float32Array
}

/** Writes rows [start, start + rows.length) into the file's variables, growing them. */
export type RowBlockWriter = (written: number, rows: readonly Row[]) => void

/** Creates the dimensions, variables and attributes of an empty data set in `file`. */
export function createLayout(file: h5.File, h5m: H5Module, schema: DataSetSchema): RowBlockWriter {
  const {featureDims, featureShape, numFolds, labelMap, types} = schema
  const featureSize = featureShape.reduce((a, b) => a * b, 1)
  const rowsPerChunk = Math.max(1, Math.min(4096, Math.floor(TARGET_CHUNK_BYTES / Math.max(4, featureSize * 4))))
  const foldsUnlimited = numFolds === 0

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

  return (written, rows) => {
    const n = rows.length
    if (n === 0) return
    const total = written + n
    for (const ds of [scales.get('instance')!, vFilename, vChunk, vPartition, vNominal, vNumeric]) ds.resize([total])
    vFolds.resize([total, numFolds])
    vFeatures.resize([total, ...featureShape])
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
  }
}
