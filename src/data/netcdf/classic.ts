// Classic netCDF (CDF-1, CDF-2) files through netcdfjs, read whole into memory.

import {UserError} from '../../core/errors.js'
import type {RawFile, RawVariable} from './format.js'

const utf8 = new TextDecoder('utf-8')
const TYPE_SIZES: Record<string, number> = {byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8}

export async function openClassic(path: string): Promise<RawFile> {
  const {NetCDFReader} = await import('netcdfjs')
  const {readFileSync} = await import('node:fs')
  // Any failure of netcdfjs on a damaged file (a bad offset, a short header) becomes one line naming the file.
  const guard = <T>(action: () => T): T => {
    try {
      return action()
    } catch (error) {
      if (error instanceof UserError) throw error
      const reason = String((error as Error)?.message ?? error).split('\n')[0]
      throw new UserError(`${path}: not a readable classic netCDF file (${reason.slice(0, 200)})`, {cause: error})
    }
  }
  const bytes = readFileSync(path)
  const reader = guard(() => new NetCDFReader(bytes))
  const dimNames = reader.dimensions.map((d) => d.name)
  const recordDim = reader.recordDimension
  const dimSize = (id: number): number => (recordDim && recordDim.id === id ? recordDim.length : reader.dimensions[id].size)
  const vars = new Map(reader.variables.map((v) => [v.name, v]))
  // Sizes declared in the header must fit in the file, or a damaged length field would have netcdfjs
  // allocate (and read) far beyond it.
  for (const v of reader.variables) {
    const typeSize = TYPE_SIZES[String(v.type)] ?? 8
    const shape = v.dimensions.map((id) => (dimNames[id] === undefined ? NaN : dimSize(id)))
    const perRecord = (v.record ? shape.slice(1) : shape).reduce((a, b) => a * b, typeSize)
    const records = v.record ? (recordDim?.length ?? 0) : 1
    const step = v.record ? (recordDim?.recordStep ?? 0) : 0
    const end = Number(v.offset) + (records > 0 ? (records - 1) * step + perRecord : 0)
    if (!Number.isFinite(end) || shape.some((d) => !Number.isSafeInteger(d) || d < 0) || end > bytes.length) {
      throw new UserError(`${path}: not a readable classic netCDF file (variable '${v.name}' extends past the end of the file; truncated?)`)
    }
  }
  const variable = (name: string): RawVariable | undefined => guard(() => describe(name))
  const describe = (name: string): RawVariable | undefined => {
    const v = vars.get(name)
    if (!v) return undefined
    const dims = v.dimensions.map((id) => dimNames[id])
    const shape = v.dimensions.map(dimSize)
    const type = String(v.type)
    if (type === 'char') {
      // Text is stored as char(instance, strlen): each value takes exactly strlen bytes, zero-padded. They
      // are read from the file's bytes by that declared length (netcdfjs drops the padding, which shifts
      // every value after a short one), and decoded as UTF-8 (xarray's _Encoding) without the padding.
      const strlen = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1
      return {
        dims: dims.slice(0, 1),
        shape: shape.slice(0, 1),
        kind: 'string',
        read: () => {
          if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new UserError(`${path}: variable '${name}' has an invalid shape`)
          const count = shape[0] ?? 0
          const step = v.record ? (recordDim?.recordStep ?? 0) : strlen
          const begin = Number(v.offset)
          const out: string[] = new Array(count)
          for (let i = 0; i < count; i++) {
            const start = begin + i * step
            if (start + strlen > bytes.length)
              throw new UserError(`${path}: variable '${name}' extends past the end of the file (truncated?)`)
            let end = start + strlen
            while (end > start && bytes[end - 1] === 0) end--
            out[i] = utf8.decode(bytes.subarray(start, end))
          }
          return out
        },
      }
    }
    return {
      dims,
      shape,
      kind: type === 'float' || type === 'double' ? 'float' : 'integer',
      read: () => guard(() => (reader.getDataVariable(name) as unknown as number[]).flat(Infinity) as number[]),
    }
  }
  let featureCache: Float32Array | undefined
  return {
    attr: (name) =>
      guard(() => {
        const a = reader.globalAttributes.find((g) => g.name === name)
        return a === undefined ? undefined : String(a.value)
      }),
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
