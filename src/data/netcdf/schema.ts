// The on-disk types of a data set's variables, chosen before the first instance is written, and the
// checks an instance must pass to be stored under them.

import {UserError} from '../../core/errors.js'
import type {InstanceMeta, LabelMap} from '../dataset.js'

/**
 * What must be known before the first instance is written. auDeep picks on-disk types from the data:
 * metadata with missing values is stored as double (NaN), fully unlabelled nominal labels as double too.
 */
export interface DataSetSchema {
  featureDims: readonly string[]
  featureShape: readonly number[]
  numFolds: number
  labelMap: LabelMap | null
  types: {
    cvFolds: 'int64' | 'double'
    partition: 'int64' | 'double'
    labelNominal: 'string' | 'double'
    labelNumeric: 'int64' | 'double'
  }
}

/** The schema auDeep would choose for these instances. */
export function schemaFor(
  instances: readonly InstanceMeta[],
  layout: Pick<DataSetSchema, 'featureDims' | 'featureShape' | 'numFolds' | 'labelMap'>,
): DataSetSchema {
  const anyMissingFold = layout.numFolds === 0 || instances.some((i) => i.cvFolds.some((s) => s === null))
  return {
    featureDims: layout.featureDims,
    featureShape: layout.featureShape,
    numFolds: layout.numFolds,
    labelMap: layout.labelMap,
    types: {
      cvFolds: anyMissingFold ? 'double' : 'int64',
      partition: instances.some((i) => i.partition === null) ? 'double' : 'int64',
      labelNominal: instances.length > 0 && instances.every((i) => i.labelNominal === null) ? 'double' : 'string',
      labelNumeric: instances.some((i) => i.labelNumeric === null) ? 'double' : 'int64',
    },
  }
}

/** Throws unless an instance fits the schema (its features already have `featureSize` values). */
export function checkInstance(schema: DataSetSchema, meta: InstanceMeta, features: Float32Array, featureSize: number): void {
  const {numFolds, types, featureShape} = schema
  if (features.length !== featureSize) {
    throw new UserError(
      `${meta.filename}: invalid feature shape: ${features.length} values, expected ${featureShape.join(' x ')} = ${featureSize}`,
    )
  }
  if (meta.cvFolds.length !== numFolds) throw new Error(`${meta.filename}: ${meta.cvFolds.length} fold entries, expected ${numFolds}`)
  if (types.cvFolds === 'int64' && meta.cvFolds.some((s) => s === null))
    throw new Error(`${meta.filename}: missing fold entry in an int64 cv_folds variable`)
  if (types.partition === 'int64' && meta.partition === null)
    throw new Error(`${meta.filename}: missing partition in an int64 partition variable`)
  if (types.labelNumeric === 'int64' && meta.labelNumeric === null)
    throw new Error(`${meta.filename}: missing numeric label in an int64 variable`)
}
