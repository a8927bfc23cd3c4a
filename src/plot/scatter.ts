// 2-D embeddings (visualize tsne/umap) as a scatter plot coloured by label, with a legend.

import {renderSpecPng, type TopLevelSpec} from './png.js'

export interface ScatterPlotOptions {
  x: ArrayLike<number>
  y: ArrayLike<number>
  /** Label per point; null = unlabelled (drawn near-black). */
  labels: readonly (string | null)[]
  title: string
  xTitle?: string
  yTitle?: string
}

const UNLABELLED = '(unlabelled)'

export function scatterSpec(opts: ScatterPlotOptions): TopLevelSpec {
  const n = opts.x.length
  if (opts.y.length !== n || opts.labels.length !== n) throw new Error('scatter plot: x, y and labels differ in length')
  const points = Array.from({length: n}, (_, i) => ({x: opts.x[i], y: opts.y[i], label: opts.labels[i] ?? UNLABELLED}))
  const classes = [...new Set(opts.labels.filter((l): l is string => l !== null))].sort()
  const hasUnlabelled = opts.labels.some((l) => l === null)
  const domain = hasUnlabelled ? [...classes, UNLABELLED] : classes
  const palette = classes.length <= 10 ? 'tableau10' : 'tableau20'
  // A scheme name cannot be mixed with a fixed colour, so with unlabelled points the range is explicit:
  // the scheme's colours for the classes, then near-black (unlike any palette colour) for the unlabelled.
  const colour = hasUnlabelled
    ? {scale: {domain, range: [...schemeColours(palette, classes.length), '#1a1a1a']}}
    : {scale: {domain, scheme: palette}}
  const size = n > 2000 ? 10 : n > 500 ? 18 : 30
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 560,
    height: 560,
    data: {values: points},
    mark: {type: 'circle', size, opacity: 0.8},
    encoding: {
      x: {field: 'x', type: 'quantitative', scale: {zero: false, nice: true}, axis: {title: opts.xTitle ?? 'dimension 1'}},
      y: {field: 'y', type: 'quantitative', scale: {zero: false, nice: true}, axis: {title: opts.yTitle ?? 'dimension 2'}},
      color: {field: 'label', type: 'nominal', ...colour, legend: {title: 'label', symbolOpacity: 1, columns: domain.length > 24 ? 2 : 1}},
    },
  } as TopLevelSpec
}

// Vega's tableau10 and tableau20 (https://vega.github.io/vega/docs/schemes/), for the explicit-range case.
const TABLEAU10 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac']
const TABLEAU20 = [
  '#4c78a8',
  '#9ecae9',
  '#f58518',
  '#ffbf79',
  '#54a24b',
  '#88d27a',
  '#b79a20',
  '#f2cf5b',
  '#439894',
  '#83bcb6',
  '#e45756',
  '#ff9d98',
  '#79706e',
  '#bab0ac',
  '#d67195',
  '#fcbfd2',
  '#b279a2',
  '#d6a5c9',
  '#9e765f',
  '#d8b5a5',
]

function schemeColours(palette: string, count: number): string[] {
  const colours = palette === 'tableau10' ? TABLEAU10 : TABLEAU20
  return Array.from({length: count}, (_, i) => colours[i % colours.length])
}

export async function renderScatterPng(opts: ScatterPlotOptions, outPath: string): Promise<void> {
  await renderSpecPng(scatterSpec(opts), outPath)
}
