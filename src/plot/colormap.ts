// Colour maps as 256-entry RGB lookup tables for raster images, sampled from vega's named schemes so that
// rasters and vega-drawn legends use exactly the same colours.

const cache = new Map<string, Uint8Array>()

/** 256 x RGB bytes for a vega continuous scheme such as 'magma' or 'viridis'. */
export async function colormapLut(name: string): Promise<Uint8Array> {
  const cached = cache.get(name)
  if (cached) return cached
  const vega = await import('vega')
  const interpolate = vega.scheme(name) as ((t: number) => string) | undefined
  if (typeof interpolate !== 'function') throw new Error(`unknown colour scheme '${name}'`)
  const lut = new Uint8Array(256 * 3)
  for (let i = 0; i < 256; i++) {
    const rgb = parseColour(interpolate(i / 255))
    lut.set(rgb, i * 3)
  }
  cache.set(name, lut)
  return lut
}

function parseColour(colour: string): [number, number, number] {
  const m = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(colour)
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])]
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour)
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)]
  throw new Error(`cannot parse colour '${colour}'`)
}
