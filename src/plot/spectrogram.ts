// The `preprocess --pretend` figure: a spectrogram heatmap (time across, low frequencies at the bottom,
// magma colours as in auDeep) above a density histogram of its dB values.
//
// The heatmap is rasterised here, pixel for pixel at the output resolution (vega rect heatmaps are slow and
// show seams between cells), and placed into a vega-lite chart as an image so that it gets real axes.

import {colormapLut} from './colormap.js'
import {encodePng, renderSpecPng, specToPng, type TopLevelSpec} from './png.js'

export interface SpectrogramPlotOptions {
  /** dB values, row-major [frames, bands]. */
  values: Float32Array
  frames: number
  bands: number
  /** Seconds between frame starts (the window shift). */
  frameStepSeconds: number
  /** Title of the frequency axis, e.g. 'mel band' or 'frequency (Hz)'. */
  bandLabel: string
  /** Frequency-axis values at the bottom edge of band 0 and the top edge of the last band (default [0, bands]). */
  bandRange?: [number, number]
  clipBelow?: number
  clipAbove?: number
  title: string
}

const PLOT_WIDTH = 720
const PLOT_HEIGHT = 280
const HIST_HEIGHT = 150
// Must equal the zoom in png.ts so that one raster pixel is one output pixel.
const RASTER_SCALE = 2
const HIST_BINS = 100

function finiteRange(values: Float32Array): [number, number] {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  if (min === Infinity) return [0, 0]
  return [min, max]
}

/** Nearest-neighbour raster of the spectrogram at `width` x `height` pixels, low bands at the bottom. */
async function spectrogramRaster(opts: SpectrogramPlotOptions, width: number, height: number, lo: number, hi: number): Promise<Buffer> {
  const {values, frames, bands} = opts
  const lut = await colormapLut('magma')
  const span = hi > lo ? hi - lo : 1
  // Colour index per cell first: each cell covers many pixels.
  const cellColour = new Uint8Array(frames * bands)
  for (let i = 0; i < cellColour.length; i++) {
    const v = values[i]
    const t = Number.isNaN(v) ? 0 : (v - lo) / span
    cellColour[i] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255)
  }
  const columnFrame = new Int32Array(width)
  for (let x = 0; x < width; x++) columnFrame[x] = Math.min(frames - 1, Math.floor(((x + 0.5) * frames) / width))
  const pixels = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const band = bands - 1 - Math.min(bands - 1, Math.floor(((y + 0.5) * bands) / height))
    let p = y * width * 3
    for (let x = 0; x < width; x++) {
      const c = cellColour[columnFrame[x] * bands + band] * 3
      pixels[p++] = lut[c]
      pixels[p++] = lut[c + 1]
      pixels[p++] = lut[c + 2]
    }
  }
  return encodePng(width, height, 3, pixels)
}

/** Histogram range as auDeep's pretend plot: just inside the clipping bounds, else [min, 0]. */
export function histogramRange(opts: Pick<SpectrogramPlotOptions, 'values' | 'clipBelow' | 'clipAbove'>): [number, number] {
  const [min, max] = finiteRange(opts.values)
  const lo = opts.clipBelow !== undefined ? opts.clipBelow + 0.01 : min
  let hi = opts.clipAbove !== undefined ? opts.clipAbove - 0.01 : 0
  // Without clipping auDeep assumes dB values up to 0; other data (e.g. power spectra) would give an empty plot.
  if (opts.clipAbove === undefined && max > 0) hi = max
  return hi > lo ? [lo, hi] : [lo, lo + 1]
}

/** `bins` equal-width bins over [lo, hi]; density = count / (values in range x bin width), as matplotlib. */
export function densityHistogram(
  values: Float32Array,
  lo: number,
  hi: number,
  bins = HIST_BINS,
): {start: number; end: number; density: number}[] {
  const counts = new Float64Array(bins)
  const width = (hi - lo) / bins
  let inRange = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!(v >= lo && v <= hi)) continue
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++
    inRange++
  }
  const norm = inRange > 0 ? 1 / (inRange * width) : 0
  return Array.from(counts, (c, i) => ({start: lo + i * width, end: lo + (i + 1) * width, density: c * norm}))
}

export async function spectrogramSpec(opts: SpectrogramPlotOptions): Promise<TopLevelSpec> {
  if (opts.values.length !== opts.frames * opts.bands) {
    throw new Error(`spectrogram plot: ${opts.values.length} values for ${opts.frames} frames x ${opts.bands} bands`)
  }
  const [lo, hi] = finiteRange(opts.values)
  const raster = await spectrogramRaster(opts, PLOT_WIDTH * RASTER_SCALE, PLOT_HEIGHT * RASTER_SCALE, lo, hi)
  const duration = opts.frames * opts.frameStepSeconds
  const [bandLo, bandHi] = opts.bandRange ?? [0, opts.bands]
  const [histLo, histHi] = histogramRange(opts)
  const histogram = densityHistogram(opts.values, histLo, histHi)
  const exact = {nice: false, zero: false}
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    vconcat: [
      {
        width: PLOT_WIDTH,
        height: PLOT_HEIGHT,
        layer: [
          {
            data: {values: [{x0: 0, x1: duration, y0: bandLo, y1: bandHi, url: `data:image/png;base64,${raster.toString('base64')}`}]},
            mark: {type: 'image', aspect: false},
            encoding: {
              x: {field: 'x0', type: 'quantitative', scale: {domain: [0, duration], ...exact}, axis: {title: 'time (s)'}},
              x2: {field: 'x1'},
              y: {field: 'y0', type: 'quantitative', scale: {domain: [bandLo, bandHi], ...exact}, axis: {title: opts.bandLabel}},
              y2: {field: 'y1'},
              url: {field: 'url', type: 'nominal'},
            },
          },
          // Invisible marks whose only purpose is a colour bar for the raster's dB scale.
          {
            data: {values: [{db: lo}, {db: hi}]},
            mark: {type: 'point', opacity: 0},
            encoding: {
              color: {
                field: 'db',
                type: 'quantitative',
                scale: {scheme: 'magma', domain: [lo, hi], nice: false},
                legend: {title: 'dB', gradientLength: PLOT_HEIGHT - 20},
              },
            },
          },
        ],
      },
      {
        width: PLOT_WIDTH,
        height: HIST_HEIGHT,
        data: {values: histogram},
        mark: {type: 'rect', color: '#51127c'},
        encoding: {
          x: {field: 'start', type: 'quantitative', scale: {domain: [histLo, histHi], ...exact}, axis: {title: 'amplitude (dB)'}},
          x2: {field: 'end'},
          y: {field: 'density', type: 'quantitative', axis: {title: 'density'}},
        },
      },
    ],
  } as TopLevelSpec
}

/** The pretend figure as PNG bytes. */
export async function spectrogramPng(opts: SpectrogramPlotOptions): Promise<Buffer> {
  return specToPng(await spectrogramSpec(opts))
}

export async function renderSpectrogramPng(opts: SpectrogramPlotOptions, outPath: string): Promise<void> {
  await renderSpecPng(await spectrogramSpec(opts), outPath)
}

/**
 * A plain grey-scale image of a [frames, bands] block (time across, low bands at the bottom), one pixel per
 * value, for TensorBoard image summaries such as `targets_vs_reconstruction`.
 */
export function spectrogramGreyPng(values: Float32Array, frames: number, bands: number): Buffer {
  const [lo, hi] = finiteRange(values)
  const span = hi > lo ? hi - lo : 1
  const pixels = new Uint8Array(frames * bands)
  for (let f = 0; f < frames; f++) {
    for (let b = 0; b < bands; b++) {
      const v = (values[f * bands + b] - lo) / span
      pixels[(bands - 1 - b) * frames + f] = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255)
    }
  }
  return encodePng(frames, bands, 1, pixels)
}
