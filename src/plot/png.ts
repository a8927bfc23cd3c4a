// Headless chart rendering: vega-lite spec -> vega SVG -> resvg PNG, plus a minimal PNG encoder for rasters
// (spectrogram heatmaps, TensorBoard images). vega, vega-lite and resvg are imported on first use: they take
// a few hundred milliseconds to load, which every CLI start would otherwise pay.

import {existsSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {deflateSync} from 'node:zlib'

import type {TopLevelSpec} from 'vega-lite'

import {UserError} from '../core/errors.js'
import {getLogger} from '../core/log.js'

export type {TopLevelSpec}

/** Settings shared by every chart so that the plots look like one family. */
export const CHART_CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Liberation Sans, Lato, sans-serif',
  padding: 12,
  title: {fontSize: 15, anchor: 'start', offset: 10},
  axis: {labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 220},
  legend: {labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260},
  view: {stroke: '#888'},
} as const

/** Output pixels per SVG pixel: crisp text without huge files. */
const ZOOM = 2

// ---------------------------------------------------------------------------------------------------------
// Fonts

// resvg draws no text at all when it finds no font, which would silently produce unlabelled plots.
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', '/Library/Fonts', 'C:\\Windows\\Fonts']
const PREFERRED_FONTS =
  /^(DejaVuSans\.ttf|DejaVuSans-Bold\.ttf|LiberationSans-Regular\.ttf|LiberationSans-Bold\.ttf|Arial\.ttf|arial\.ttf|Helvetica\.ttc|Lato-Regular\.ttf|Lato-Bold\.ttf)$/

let fontFiles: string[] | undefined
let anyFontFound = false

/** Whether any TrueType/OpenType font exists where resvg looks (plots have no text otherwise). */
export function haveFonts(): boolean {
  findFonts()
  return anyFontFound
}

/** The font files handed to resvg (besides its own system-font scan); empty when none was found. */
export function findFonts(): string[] {
  if (fontFiles !== undefined) return fontFiles
  const found: string[] = []
  let anyFont = false
  const walk = (dir: string, depth: number) => {
    let entries
    try {
      entries = readdirSync(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      if (e.isDirectory() && depth < 4) walk(join(dir, e.name), depth + 1)
      else if (/\.(ttf|otf|ttc)$/i.test(e.name)) {
        anyFont = true
        if (PREFERRED_FONTS.test(e.name)) found.push(join(dir, e.name))
      }
    }
  }
  const extra = process.env.AUDEEP_FONT_DIR
  for (const dir of extra ? [extra, ...FONT_DIRS] : FONT_DIRS) if (existsSync(dir)) walk(dir, 0)
  if (!anyFont) {
    getLogger('plot').warn(
      'no TrueType fonts found: plot text will be missing. Install some (Debian: apt-get install fonts-dejavu-core) or set AUDEEP_FONT_DIR.',
    )
  }
  fontFiles = found
  anyFontFound = anyFont
  return found
}

// ---------------------------------------------------------------------------------------------------------
// vega-lite -> SVG -> PNG

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')])
  const compiled = vl.compile({config: CHART_CONFIG as never, ...spec}).spec
  const view = new vega.View(vega.parse(compiled), {renderer: 'none'})
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const {Resvg} = await import('@resvg/resvg-js')
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: {mode: 'zoom', value: ZOOM},
    font: {loadSystemFonts: true, fontFiles: findFonts(), defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans'},
  })
  return resvg.render().asPng()
}

export async function specToPng(spec: TopLevelSpec): Promise<Buffer> {
  return svgToPng(await specToSvg(spec))
}

/** Renders a vega-lite chart to a PNG file. */
export async function renderSpecPng(spec: TopLevelSpec, outPath: string): Promise<void> {
  writeFileAtomic(outPath, await specToPng(spec))
}

/** Writes next to the target and renames, so a reader never sees half a file and a crash leaves none. */
export function writeFileAtomic(outPath: string, bytes: Uint8Array): void {
  const dir = dirname(outPath)
  if (!existsSync(dir)) throw new UserError(`${outPath}: directory ${dir} does not exist`)
  const temp = `${outPath}.tmp-${process.pid}`
  try {
    writeFileSync(temp, bytes)
    renameSync(temp, outPath)
  } catch (error) {
    rmSync(temp, {force: true})
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(`${outPath}: cannot write (${code ?? String(error)})`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Raster PNG encoding

/**
 * Encodes 8-bit pixels (`channels` = 1 grey, 3 RGB, 4 RGBA; row-major, top row first) as a PNG.
 * Uses the "up" filter, which suits images whose rows resemble each other (spectrograms, heatmaps).
 */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: Uint8Array): Buffer {
  if (pixels.length !== width * height * channels) {
    throw new Error(`PNG: ${pixels.length} bytes for ${width} x ${height} x ${channels}`)
  }
  const stride = width * channels
  const filtered = Buffer.allocUnsafe((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    const out = y * (stride + 1)
    const row = y * stride
    if (y === 0) {
      filtered[out] = 0
      filtered.set(pixels.subarray(row, row + stride), out + 1)
    } else {
      filtered[out] = 2
      for (let i = 0; i < stride; i++) filtered[out + 1 + i] = (pixels[row + i] - pixels[row - stride + i]) & 0xff
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(filtered, {level: 6})),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

const PNG_CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.allocUnsafe(data.length + 12)
  chunk.writeUInt32BE(data.length, 0)
  chunk.write(type, 4, 'latin1')
  data.copy(chunk, 8)
  let crc = 0xffffffff
  for (let i = 4; i < 8 + data.length; i++) crc = PNG_CRC_TABLE[(crc ^ chunk[i]) & 0xff] ^ (crc >>> 8)
  chunk.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 8 + data.length)
  return chunk
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): {width: number; height: number} {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return {width: view.getUint32(16), height: view.getUint32(20)}
}
