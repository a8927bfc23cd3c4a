// Small data sets for the evaluation tests.

import {DataSet, type InstanceMeta, type Partition, Split} from '../../src/data/dataset.js'

export function nominal(label: number): string {
  return `class ${String(label).padStart(2, '0')}`
}

/**
 * One instance per row (or `chunks` consecutive rows per file), 1-D features, label map from the labels,
 * cross-validation fold folds[i] (VALID there, TRAIN elsewhere) when `folds` is given.
 */
export function makeDataSet(options: {
  features: Float32Array
  d: number
  labels: ArrayLike<number | null>
  folds?: ArrayLike<number>
  numFolds?: number
  partitions?: ArrayLike<Partition | null>
  chunks?: number
}): DataSet {
  const {features, d, labels} = options
  const chunks = options.chunks ?? 1
  const numFolds = options.folds ? (options.numFolds ?? 5) : 0
  const classes = [...new Set(Array.from(labels).filter((l): l is number => l !== null))].sort((a, b) => a - b)
  const instances: InstanceMeta[] = Array.from(labels, (label, i) => ({
    filename: `file-${String(Math.floor(i / chunks)).padStart(5, '0')}.wav`,
    chunkNr: i % chunks,
    labelNominal: label === null ? null : nominal(label),
    labelNumeric: label,
    cvFolds: Array.from({length: numFolds}, (_, k) => (options.folds![i] === k ? Split.VALID : Split.TRAIN)),
    partition: options.partitions ? options.partitions[i] : null,
  }))
  return new DataSet({
    featureDims: ['generated'],
    featureShape: [d],
    numFolds,
    labelMap: new Map(classes.map((c) => [nominal(c), c])),
    instances,
    features,
  })
}
