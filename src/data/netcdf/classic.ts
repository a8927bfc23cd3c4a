// Classic netCDF (CDF-1, CDF-2) files through netcdfjs, read whole into memory.

import {UserError} from '../../core/errors.js'
import type {RawFile, RawVariable} from './format.js'

export async function openClassic(path: string): Promise<RawFile> {
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
