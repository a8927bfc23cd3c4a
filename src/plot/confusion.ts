// Confusion matrix figure for `evaluate --plot`: true labels down, predicted labels across, in the same
// (alphabetical) order on both axes (auDeep misaligned its tick labels). Cells are coloured by the row
// fraction, so classes of different sizes are comparable, and show the raw count.

import {renderSpecPng, type TopLevelSpec} from './png.js'

export interface ConfusionMatrixPlotOptions {
  /** Class names, the order of the matrix rows and columns. */
  labels: string[]
  /** matrix[true][predicted] = count. */
  matrix: number[][]
  title: string
}

export function confusionMatrixSpec(opts: ConfusionMatrixPlotOptions): TopLevelSpec {
  const n = opts.labels.length
  if (opts.matrix.length !== n || opts.matrix.some((row) => row.length !== n)) {
    throw new Error(`confusion matrix: expected ${n} x ${n} counts for ${n} labels`)
  }
  const cells: {truth: string; predicted: string; count: number; fraction: number}[] = []
  for (let t = 0; t < n; t++) {
    const total = opts.matrix[t].reduce((a, b) => a + b, 0)
    for (let p = 0; p < n; p++) {
      const count = opts.matrix[t][p]
      cells.push({truth: opts.labels[t], predicted: opts.labels[p], count, fraction: total > 0 ? count / total : 0})
    }
  }
  // Cells shrink as classes grow, but stay large enough for a three-digit count.
  const cell = Math.max(22, Math.min(48, Math.floor(560 / Math.max(n, 1))))
  const fontSize = cell >= 36 ? 12 : 10
  const order = {sort: null}
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: cell * n,
    height: cell * n,
    data: {values: cells},
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        scale: {domain: opts.labels},
        ...order,
        axis: {title: 'predicted label', labelAngle: -45, orient: 'bottom'},
      },
      y: {field: 'truth', type: 'ordinal', scale: {domain: opts.labels}, ...order, axis: {title: 'true label'}},
    },
    layer: [
      {
        mark: {type: 'rect', stroke: 'white', strokeWidth: 1},
        encoding: {
          color: {
            field: 'fraction',
            type: 'quantitative',
            scale: {scheme: 'blues', domain: [0, 1]},
            legend: {title: 'fraction of row', format: '.0%', gradientLength: Math.max(100, cell * n - 20)},
          },
        },
      },
      {
        mark: {type: 'text', fontSize},
        encoding: {
          text: {field: 'count', type: 'quantitative'},
          color: {condition: {test: 'datum.fraction > 0.55', value: 'white'}, value: 'black'},
        },
      },
    ],
  } as TopLevelSpec
}

export async function renderConfusionMatrixPng(opts: ConfusionMatrixPlotOptions, outPath: string): Promise<void> {
  await renderSpecPng(confusionMatrixSpec(opts), outPath)
}
