// What the netCDF readers share: detecting the format of a file from its first bytes, and the
// format-neutral view of the variables a data set needs, which the HDF5 and classic readers provide.

import {closeSync, openSync, readSync} from 'node:fs'
import {basename} from 'node:path'

import {UserError} from '../../core/errors.js'

export const REQUIRED_VARIABLES = ['filename', 'chunk_nr', 'cv_folds', 'partition', 'label_nominal', 'label_numeric', 'features']

export type NetcdfFormat = 'netcdf4' | 'classic'

export function sniffFormat(path: string): NetcdfFormat {
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

export type RawValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | string[] | number[]

export interface RawVariable {
  dims: string[]
  shape: number[]
  kind: 'string' | 'integer' | 'float'
  read(): RawValues
}

export interface RawFile {
  attr(name: string): string | undefined
  variable(name: string): RawVariable | undefined
  readFeatureRows(start: number, count: number): Float32Array
  close(): void
}
