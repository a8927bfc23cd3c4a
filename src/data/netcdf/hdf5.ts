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
  const reason = detail ? detail.replace(/^.*\(\):\s*/, '') : (lines[0] ?? 'unknown error').replace(/^Error:\s*/, '')
  return reason.length > 200 ? reason.slice(0, 200) + '...' : reason
}

function hdfKind(dtype: unknown): RawVariable['kind'] {
  if (typeof dtype === 'string') {
    if (/^[<>|]?[SA]/.test(dtype)) return 'string'
    if (/^[<>|]?[bhiqBHIQ]/.test(dtype)) return 'integer'
    if (/^[<>|]?[efd]/.test(dtype)) return 'float'
  }
  return 'string'
}

// h5wasm decodes each byte of an ASCII-tagged char array as one windows-1252 character ('' for a zero byte);
// mapping them back to bytes lets the rows be decoded as UTF-8, which is what xarray writes into them.
const WINDOWS_1252_BYTE = new Map<string, number>(
  Array.from({length: 256}, (_, b) => [new TextDecoder('windows-1252').decode(Uint8Array.of(b)), b] as [string, number]),
)
const utf8 = new TextDecoder('utf-8')

/** Rows of a char(count, strlen) array given as one string per byte: the text of each, without its padding. */
function charRows(chars: readonly string[], count: number, strlen: number): string[] {
  const out: string[] = new Array(count)
  const row = new Uint8Array(strlen)
  for (let i = 0; i < count; i++) {
    let length = 0
    for (let j = 0; j < strlen; j++) {
      const c = chars[i * strlen + j] ?? ''
      row[j] = c === '' ? 0 : (WINDOWS_1252_BYTE.get(c) ?? 0x3f)
      if (row[j] !== 0) length = j + 1
    }
    out[i] = utf8.decode(row.subarray(0, length))
  }
  return out
}

export function openHdf(path: string, h5m: H5Module): RawFile {
  void h5m
  // Every HDF5 failure (a corrupt header, a bad offset, a truncated file) becomes one line naming the file
  // with HDF5's innermost reason.
  const guard = <T>(action: () => T): T => {
    try {
      return action()
    } catch (error) {
      if (error instanceof UserError) throw error
      throw new UserError(`${path}: not a readable netCDF-4/HDF5 file (${hdfReason(error)})`, {cause: error})
    }
  }
  const file = guard(() => new h5.File(path, 'r'))
  if (file.file_id < 0n) throw new UserError(`${path}: not a readable netCDF-4/HDF5 file (truncated or corrupt)`)
  try {
    return openedHdf(file, guard)
  } catch (error) {
    try {
      file.close()
    } catch {
      // Already failing.
    }
    throw error
  }
}

function openedHdf(file: h5.File, guard: <T>(action: () => T) => T): RawFile {
  const names = guard(() => new Set(file.keys()))
  const dimName = (ds: h5.Dataset, index: number): string => {
    const scales = ds.get_attached_scales(index)
    return scales.length > 0 ? scales[0].replace(/^\//, '') : `dim_${index}`
  }
  const features = guard(() => (names.has('features') ? (file.get('features') as h5.Dataset) : undefined))
  return {
    attr: (name) =>
      guard(() => {
        const attr = file.attrs[name]
        if (attr === undefined) return undefined
        const value = attr.value
        return typeof value === 'string' ? value : Array.isArray(value) ? value.join('') : String(value)
      }),
    variable: (name) =>
      guard((): RawVariable | undefined => {
        if (!names.has(name)) return undefined
        const ds = file.get(name)
        if (!(ds instanceof h5.Dataset)) return undefined
        const shape = ds.shape ?? []
        const meta = ds.metadata
        if (hdfKind(ds.dtype) === 'string' && !meta.vlen && meta.size === 1 && shape.length === 2) {
          // A netCDF char array, char(instance, strlen), as xarray writes text in the NETCDF4_CLASSIC format.
          const strlen = shape[1]
          return {
            dims: [dimName(ds, 0)],
            shape: [shape[0]],
            kind: 'string',
            read: () =>
              guard(() =>
                shape[0] === 0 || strlen === 0 ? new Array<string>(shape[0]).fill('') : charRows(ds.value as string[], shape[0], strlen),
              ),
          }
        }
        return {
          dims: shape.map((_, i) => dimName(ds, i)),
          shape,
          kind: hdfKind(ds.dtype),
          read: () =>
            guard(() => {
              if (shape.some((s) => s === 0)) return []
              return ds.value as RawValues
            }),
        }
      }),
    readFeatureRows: (start, count) =>
      guard(() => {
        if (!features) throw new Error('no features variable')
        if (count === 0) return new Float32Array(0)
        const rows = features.slice([[start, start + count]])
        return rows instanceof Float32Array ? rows : Float32Array.from(rows as ArrayLike<number>)
      }),
    close() {
      try {
        file.close()
      } catch {
        // Closing a damaged file can fail too; there is nothing left to save.
      }
    },
  }
}
