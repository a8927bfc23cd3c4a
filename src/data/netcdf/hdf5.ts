// netCDF-4 files through HDF5 (h5wasm): the module, readable HDF5 errors, and the reader of the variables.
//
// auDeep writes netCDF-4 (HDF5) through xarray; h5wasm is the only npm package that reads and writes that
// format, so the netCDF-4 conventions that netCDF-C relies on (dimension scales, _Netcdf4Dimid,
// _Netcdf4Coordinates, creation order) are spelled out by hand here and in layout.ts.

import * as h5 from 'h5wasm/node'

import {UserError} from '../../core/errors.js'
import type {RawFile, RawValues, RawVariable} from './format.js'

export type H5Module = Awaited<typeof h5.ready>

let h5module: H5Module | undefined

export async function h5ready(): Promise<H5Module> {
  if (h5module === undefined) {
    h5module = await h5.ready
    // HDF5 prints its error stack to stderr by default; have it thrown instead, so that a corrupt file
    // becomes one clear error line.
    h5module.activate_throwing_error_handler()
  }
  return h5module
}

/** The most telling line of an HDF5 error stack, e.g. "truncated file: eof = 600000, ...". */
export function hdfReason(error: unknown): string {
  const text = String((error as Error)?.message ?? error)
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const detail = lines.filter((l) => /\(\):/.test(l)).pop()
  return detail ? detail.replace(/^.*\(\):\s*/, '') : (lines[0] ?? 'unknown error')
}

function hdfKind(dtype: unknown): RawVariable['kind'] {
  if (typeof dtype === 'string') {
    if (/^[<>|]?[SA]/.test(dtype)) return 'string'
    if (/^[<>|]?[bhiqBHIQ]/.test(dtype)) return 'integer'
    if (/^[<>|]?[efd]/.test(dtype)) return 'float'
  }
  return 'string'
}

export function openHdf(path: string, h5m: H5Module): RawFile {
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
