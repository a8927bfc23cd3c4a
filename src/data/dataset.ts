// The auDeep data model: instances with metadata plus a dense float32 feature block of any rank.
//
// A DataSet is immutable; every operation in ops.ts returns a new one. Missing values are `null` in
// memory (auDeep stores them as NaN doubles or empty strings on disk; netcdf.ts translates).

import {UserError} from '../core/errors.js'

export enum Split {
  TRAIN = 0,
  VALID = 1,
}

export enum Partition {
  TRAIN = 0,
  DEVEL = 1,
  TEST = 2,
}

export const SPLIT_NAMES = ['TRAIN', 'VALID'] as const
export const PARTITION_NAMES = ['TRAIN', 'DEVEL', 'TEST'] as const

/** Parses a partition name case-insensitively, as auDeep's CLI does. */
export function parsePartition(name: string): Partition {
  const index = PARTITION_NAMES.indexOf(name.toUpperCase() as (typeof PARTITION_NAMES)[number])
  if (index < 0) throw new UserError(`unknown partition '${name}' (expected one of train, devel, test)`)
  return index as Partition
}

export function partitionName(p: Partition | null): string {
  return p === null ? 'None' : PARTITION_NAMES[p]
}

/** Nominal label -> numeric label. Always kept sorted by nominal label, as auDeep stores it. */
export type LabelMap = ReadonlyMap<string, number>

export function sortedLabelMap(entries: Iterable<[string, number]>): LabelMap {
  return new Map([...entries].sort((a, b) => compareStrings(a[0], b[0])))
}

/** Code-point order, which is what Python's sorted() uses for str. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export interface InstanceMeta {
  readonly filename: string
  readonly chunkNr: number
  readonly labelNominal: string | null
  readonly labelNumeric: number | null
  /** One entry per fold; null marks a missing value. */
  readonly cvFolds: readonly (Split | null)[]
  readonly partition: Partition | null
}

export interface DataSetMetaInit {
  featureDims: readonly string[]
  featureShape: readonly number[]
  numFolds: number
  labelMap: LabelMap | null
  instances: readonly InstanceMeta[]
}

export interface DataSetInit extends DataSetMetaInit {
  /** Row-major [instance, ...featureShape]. */
  features: Float32Array
}

/** Everything about a data set except its feature values (what a streaming reader knows up front). */
export class DataSetMeta {
  readonly featureDims: readonly string[]
  readonly featureShape: readonly number[]
  readonly numFolds: number
  readonly labelMap: LabelMap | null
  readonly instances: readonly InstanceMeta[]

  constructor(init: DataSetMetaInit) {
    if (init.featureDims.length !== init.featureShape.length) {
      throw new Error(`feature dims ${JSON.stringify(init.featureDims)} do not match shape ${JSON.stringify(init.featureShape)}`)
    }
    if (new Set(init.featureDims).size !== init.featureDims.length) {
      throw new UserError(`duplicate feature dimension names: ${init.featureDims.join(', ')}`)
    }
    for (const reserved of ['instance', 'fold']) {
      if (init.featureDims.includes(reserved)) throw new UserError(`'${reserved}' cannot be a feature dimension name`)
    }
    for (const inst of init.instances) {
      if (inst.cvFolds.length !== init.numFolds) {
        throw new Error(`instance ${inst.filename} has ${inst.cvFolds.length} fold entries, expected ${init.numFolds}`)
      }
    }
    this.featureDims = [...init.featureDims]
    this.featureShape = [...init.featureShape]
    this.numFolds = init.numFolds
    this.labelMap = init.labelMap === null ? null : sortedLabelMap(init.labelMap)
    this.instances = init.instances
  }

  get numInstances(): number {
    return this.instances.length
  }

  /** Number of feature values per instance. */
  get featureSize(): number {
    return this.featureShape.reduce((a, b) => a * b, 1)
  }

  /** At least one fold and no missing fold entries. */
  hasCvInfo(): boolean {
    return this.numFolds > 0 && this.instances.every((i) => i.cvFolds.every((s) => s !== null))
  }

  hasPartitionInfo(): boolean {
    return this.instances.every((i) => i.partition !== null)
  }

  isFullyLabeled(): boolean {
    return this.instances.every((i) => i.labelNominal !== null && i.labelNumeric !== null)
  }

  /** Some instance is VALID in a number of folds other than one. */
  hasOverlappingFolds(): boolean {
    return this.instances.some((i) => i.cvFolds.filter((s) => s === Split.VALID).length !== 1)
  }
}

export class DataSet extends DataSetMeta {
  readonly features: Float32Array

  constructor(init: DataSetInit) {
    super(init)
    const size = init.featureShape.reduce((a, b) => a * b, 1)
    if (init.features.length !== size * init.instances.length) {
      throw new Error(`feature block has ${init.features.length} values, expected ${init.instances.length} x ${size}`)
    }
    this.features = init.features
  }

  /** A view (not a copy) of one instance's features. */
  instanceFeatures(index: number): Float32Array {
    const size = this.featureSize
    return this.features.subarray(index * size, (index + 1) * size)
  }

  /** Same metadata, new features (and possibly new feature dimensions). */
  withFeatures(featureDims: readonly string[], featureShape: readonly number[], features: Float32Array): DataSet {
    return new DataSet({...this.metaInit(), featureDims, featureShape, features})
  }

  /** Same features and global metadata, new instance metadata (same order and count). */
  withInstances(instances: readonly InstanceMeta[]): DataSet {
    if (instances.length !== this.instances.length) throw new Error('withInstances must keep the instance count')
    return new DataSet({...this.metaInit(), instances, features: this.features})
  }

  private metaInit(): DataSetMetaInit {
    return {
      featureDims: this.featureDims,
      featureShape: this.featureShape,
      numFolds: this.numFolds,
      labelMap: this.labelMap,
      instances: this.instances,
    }
  }
}
