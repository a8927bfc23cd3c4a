// `visualize tsne|umap`: features of a data set -> PCA -> 2-D embedding -> scatter plot coloured by label.

import {basename} from 'node:path'

import {UserError} from '../core/errors.js'
import type {Logger} from '../core/log.js'
import {readDataSet} from '../data/netcdf/index.js'
import {renderScatterPng} from '../plot/scatter.js'
import {reduceDimensions, tsne2d, umap2d} from './embed.js'

export type VisualizeMethod =
  | {kind: 'tsne'; perplexity: number; learningRate: number; iterations?: number}
  | {kind: 'umap'; neighbors: number; minDist: number; epochs?: number}

export interface VisualizeOptions {
  input: string
  output: string
  method: VisualizeMethod
  seed: number
  logger: Logger
}

export interface VisualizeSummary {
  output: string
  instances: number
  features: number
  pcaComponents: number | null
  explainedVariance: number | null
}

export async function visualizeEmbedding(opts: VisualizeOptions): Promise<VisualizeSummary> {
  const ds = await readDataSet(opts.input)
  const rows = ds.numInstances
  // As auDeep: features of any shape are flattened to one vector per instance (row-major, so a spectrogram
  // becomes its frames one after the other).
  const cols = ds.featureShape.reduce((a, b) => a * b, 1)
  if (ds.featureDims.length !== 1) {
    opts.logger.info(
      `flattening features of shape [${ds.featureShape.join(', ')}] (${ds.featureDims.join(', ')}) to ${cols} values per instance`,
    )
  }
  if (rows < 3) throw new UserError(`${opts.input}: ${rows} instance(s); an embedding needs at least 3`)
  for (let i = 0; i < ds.features.length; i++) {
    if (!Number.isFinite(ds.features[i])) {
      throw new UserError(
        `${opts.input}: instance ${Math.floor(i / cols)} (${ds.instances[Math.floor(i / cols)].filename}) has a non-finite feature value`,
      )
    }
  }
  const reduced = await reduceDimensions(ds.features, rows, cols, opts.seed)
  if (reduced.explainedVariance !== null) {
    opts.logger.info(
      `PCA: ${cols} -> ${reduced.cols} dimensions, keeping ${(reduced.explainedVariance * 100).toFixed(1)} % of the variance`,
    )
  }
  let lastLogged = 0
  const onProgress = (done: number, total: number) => {
    const now = Date.now()
    if (now - lastLogged < 2000 && done < total) return
    lastLogged = now
    opts.logger.debug(`${opts.method.kind}: iteration ${done}/${total}`)
  }
  const m = opts.method
  const points =
    m.kind === 'tsne'
      ? await tsne2d(reduced.data, rows, reduced.cols, {
          perplexity: m.perplexity,
          learningRate: m.learningRate,
          iterations: m.iterations,
          seed: opts.seed,
          onProgress,
        })
      : await umap2d(reduced.data, rows, reduced.cols, {
          neighbors: m.neighbors,
          minDist: m.minDist,
          epochs: m.epochs,
          seed: opts.seed,
          onProgress,
        })
  const x = new Float64Array(rows)
  const y = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    x[i] = points[2 * i]
    y[i] = points[2 * i + 1]
  }
  const name = m.kind === 'tsne' ? 't-SNE' : 'UMAP'
  const settings = m.kind === 'tsne' ? `perplexity ${m.perplexity}` : `${m.neighbors} neighbours, min. distance ${m.minDist}`
  await renderScatterPng(
    {
      x,
      y,
      labels: ds.instances.map((i) => i.labelNominal),
      title: `${name} of ${basename(opts.input)}: ${rows} instances, ${cols} features (${settings})`,
      xTitle: `${name} 1`,
      yTitle: `${name} 2`,
    },
    opts.output,
  )
  opts.logger.info(`wrote ${opts.output}`)
  return {
    output: opts.output,
    instances: rows,
    features: cols,
    pcaComponents: reduced.explainedVariance === null ? null : reduced.cols,
    explainedVariance: reduced.explainedVariance,
  }
}
