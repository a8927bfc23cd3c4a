// Training loss against step (`audeep plot training`). Noisy per-batch losses get a smoothed line on top,
// like TensorBoard's, and epoch boundaries are marked so that the curve can be read in epochs.

import {renderSpecPng, type TopLevelSpec} from './png.js'

export interface LossCurvePlotOptions {
  steps: ArrayLike<number>
  losses: ArrayLike<number>
  /** Steps at which an epoch ended; marked with a point each (optional). */
  epochEnds?: readonly number[]
  logScale?: boolean
  title: string
  /** Y axis title (default 'loss'). */
  lossLabel?: string
}

/** Exponential moving average with TensorBoard's debiasing, so the start is not pulled towards zero. */
export function smoothLosses(losses: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(losses.length)
  let last = 0
  let debias = 1
  for (let i = 0; i < losses.length; i++) {
    last = last * weight + (1 - weight) * losses[i]
    debias *= weight
    out[i] = last / (1 - debias)
  }
  return out
}

export function lossCurveSpec(opts: LossCurvePlotOptions): TopLevelSpec {
  const n = opts.steps.length
  if (opts.losses.length !== n) throw new Error(`loss curve: ${n} steps but ${opts.losses.length} losses`)
  // Log scales cannot show non-positive losses; drop them rather than fail the whole plot.
  const keep = (i: number) => Number.isFinite(opts.losses[i]) && (!opts.logScale || opts.losses[i] > 0)
  const smooth = n > 50 ? smoothLosses(opts.losses, 0.9) : null
  const points: {step: number; loss: number; series: string}[] = []
  for (let i = 0; i < n; i++) if (keep(i)) points.push({step: opts.steps[i], loss: opts.losses[i], series: smooth ? 'per step' : 'loss'})
  if (smooth) for (let i = 0; i < n; i++) if (keep(i)) points.push({step: opts.steps[i], loss: smooth[i], series: 'smoothed'})

  const lossAtStep = new Map<number, number>()
  for (let i = 0; i < n; i++) if (keep(i)) lossAtStep.set(opts.steps[i], smooth ? smooth[i] : opts.losses[i])
  const epochs = (opts.epochEnds ?? [])
    .map((step, e) => ({step, loss: lossAtStep.get(step), epoch: e + 1}))
    .filter((p): p is {step: number; loss: number; epoch: number} => p.loss !== undefined)

  const yTitle = (opts.lossLabel ?? 'loss') + (opts.logScale ? ' (log scale)' : '')
  const y = {field: 'loss', type: 'quantitative', scale: opts.logScale ? {type: 'log'} : {zero: false}, axis: {title: yTitle}}
  const x = {field: 'step', type: 'quantitative', scale: {nice: false, padding: 8}, axis: {title: 'step', format: 'd'}}
  const layers: object[] = [
    {
      data: {values: points},
      mark: {type: 'line', strokeWidth: 1.5, clip: true},
      encoding: {
        x,
        y,
        color: {
          field: 'series',
          type: 'nominal',
          scale: {domain: smooth ? ['per step', 'smoothed'] : ['loss'], range: smooth ? ['#a6c8e8', '#1f5fa8'] : ['#1f5fa8']},
          legend: smooth ? {title: null, orient: 'top-right'} : null,
        },
      },
    },
  ]
  if (epochs.length > 0) {
    layers.push({
      data: {values: epochs},
      mark: {type: 'point', filled: true, size: epochs.length > 100 ? 12 : 30, color: '#d62728'},
      encoding: {x, y, tooltip: [{field: 'epoch'}]},
    })
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: epochs.length > 0 ? {text: opts.title, subtitle: `red dots: end of each of ${epochs.length} epochs`} : opts.title,
    width: 640,
    height: 360,
    layer: layers,
  } as TopLevelSpec
}

export async function renderLossCurvePng(opts: LossCurvePlotOptions, outPath: string): Promise<void> {
  await renderSpecPng(lossCurveSpec(opts), outPath)
}
