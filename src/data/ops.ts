// Operations on data sets. Each returns a new DataSet; behaviour follows auDeep's commands
// (audeep-reference.md §7) with the defects of §11 fixed where noted.

import {UserError} from '../core/errors.js'
import {Random} from '../core/random.js'
import {compareStrings, DataSet, DataSetMeta, type InstanceMeta, Partition, partitionName, Split} from './dataset.js'
import type {DataSetReader} from './netcdf/index.js'

/** A new data set holding the given instances, in the given order. */
export function selectInstances(ds: DataSet, indices: readonly number[]): DataSet {
  const size = ds.featureSize
  const features = new Float32Array(indices.length * size)
  indices.forEach((src, dst) => features.set(ds.instanceFeatures(src), dst * size))
  return new DataSet({
    featureDims: ds.featureDims,
    featureShape: ds.featureShape,
    numFolds: ds.numFolds,
    labelMap: ds.labelMap,
    instances: indices.map((i) => ds.instances[i]),
    features,
  })
}

/** Indices of the instances in the training and validation split of fold `fold` (0-based). */
export function foldSplit(ds: DataSetMeta, fold: number): {train: number[]; valid: number[]} {
  const train: number[] = []
  const valid: number[] = []
  ds.instances.forEach((inst, i) => {
    if (inst.cvFolds[fold] === Split.TRAIN) train.push(i)
    else if (inst.cvFolds[fold] === Split.VALID) valid.push(i)
  })
  return {train, valid}
}

/** Indices of the instances in any of the given partitions. */
export function partitionIndices(ds: DataSetMeta, partitions: readonly Partition[]): number[] {
  const wanted = new Set(partitions)
  const result: number[] = []
  ds.instances.forEach((inst, i) => {
    if (inst.partition !== null && wanted.has(inst.partition)) result.push(i)
  })
  return result
}

// ---------------------------------------------------------------------------------------------------------
// fuse

function sameMeta(a: InstanceMeta, b: InstanceMeta): string | null {
  if (a.filename !== b.filename) return `filename ${a.filename} vs ${b.filename}`
  if (a.chunkNr !== b.chunkNr) return `chunk number ${a.chunkNr} vs ${b.chunkNr}`
  if (a.labelNominal !== b.labelNominal) return `nominal label ${a.labelNominal} vs ${b.labelNominal}`
  if (a.labelNumeric !== b.labelNumeric) return `numeric label ${a.labelNumeric} vs ${b.labelNumeric}`
  if (a.partition !== b.partition) return `partition ${partitionName(a.partition)} vs ${partitionName(b.partition)}`
  if (a.cvFolds.length !== b.cvFolds.length || a.cvFolds.some((s, k) => s !== b.cvFolds[k])) {
    return `cross-validation folds [${a.cvFolds.join(', ')}] vs [${b.cvFolds.join(', ')}]`
  }
  return null
}

function labelMapText(ds: DataSetMeta): string {
  return ds.labelMap === null ? 'none' : JSON.stringify([...ds.labelMap])
}

/**
 * Concatenates data sets along one feature dimension. Everything else (instances, their order and
 * metadata, label map, the other feature dimensions) must be identical.
 */
export function fuseDataSets(sets: readonly {name: string; data: DataSet}[], dimension: string): DataSet {
  if (sets.length < 2) throw new UserError('fuse needs at least two data sets')
  const first = sets[0].data
  const axis = first.featureDims.indexOf(dimension)
  for (const {name, data} of sets) {
    const d = data.featureDims.indexOf(dimension)
    if (d < 0) throw new UserError(`${name}: has no feature dimension '${dimension}' (it has ${data.featureDims.join(', ')})`)
    if (data.featureDims.join() !== first.featureDims.join() || d !== axis) {
      throw new UserError(
        `${name}: feature dimensions ${data.featureDims.join(', ')} differ from ${sets[0].name}'s ${first.featureDims.join(', ')}`,
      )
    }
    const otherAxes = data.featureShape.filter((_, i) => i !== axis).join('x')
    if (otherAxes !== first.featureShape.filter((_, i) => i !== axis).join('x')) {
      throw new UserError(
        `${name}: feature shape [${data.featureShape.join(', ')}] is incompatible with ${sets[0].name}'s [${first.featureShape.join(', ')}] outside '${dimension}'`,
      )
    }
    if (data.numInstances !== first.numInstances) {
      throw new UserError(`${name}: has ${data.numInstances} instances, ${sets[0].name} has ${first.numInstances}`)
    }
    if (data.numFolds !== first.numFolds) throw new UserError(`${name}: has ${data.numFolds} folds, ${sets[0].name} has ${first.numFolds}`)
    if (labelMapText(data) !== labelMapText(first)) throw new UserError(`${name}: label map differs from ${sets[0].name}'s`)
    for (let i = 0; i < first.numInstances; i++) {
      const difference = sameMeta(first.instances[i], data.instances[i])
      if (difference !== null) {
        throw new UserError(
          `${name}: instance ${i} differs from ${sets[0].name}'s (${difference}); data sets must hold the same instances in the same order`,
        )
      }
    }
  }
  // Row-major layout: the fused axis splits each instance into `outer` blocks of `inner * size(axis)` values.
  const outer = first.featureShape.slice(0, axis).reduce((a, b) => a * b, 1)
  const inner = first.featureShape.slice(axis + 1).reduce((a, b) => a * b, 1)
  const axisSizes = sets.map((s) => s.data.featureShape[axis])
  const fusedAxis = axisSizes.reduce((a, b) => a + b, 0)
  const shape = first.featureShape.map((s, i) => (i === axis ? fusedAxis : s))
  const size = outer * fusedAxis * inner
  const features = new Float32Array(first.numInstances * size)
  for (let i = 0; i < first.numInstances; i++) {
    let offset = 0
    sets.forEach(({data}, s) => {
      const block = axisSizes[s] * inner
      const src = data.instanceFeatures(i)
      for (let o = 0; o < outer; o++) {
        features.set(src.subarray(o * block, (o + 1) * block), i * size + o * fusedAxis * inner + offset)
      }
      offset += block
    })
  }
  return first.withFeatures(first.featureDims, shape, features)
}

/**
 * Merges the chunks of each file into one instance by concatenating them along `dimension`, in chunk
 * order. The output is sorted by filename (as auDeep does) and every chunk number becomes 0. Errors name
 * `source` (the input file).
 */
export function fuseChunks(ds: DataSet, dimension: string, source = 'the data set'): DataSet {
  const axis = ds.featureDims.indexOf(dimension)
  if (axis < 0) {
    throw new UserError(`${source}: has no feature dimension '${dimension}' (it has ${ds.featureDims.join(', ')}; see --dimension)`)
  }
  const groups = groupByFilename(ds)
  const names = [...groups.keys()].sort(compareStrings)
  let chunkCount = -1
  for (const name of names) {
    const members = groups.get(name)!
    members.sort((a, b) => ds.instances[a].chunkNr - ds.instances[b].chunkNr)
    if (chunkCount < 0) chunkCount = members.length
    if (members.length !== chunkCount) {
      throw new UserError(
        `${source}: file ${name} has ${members.length} chunks, ${names[0]} has ${chunkCount}; all files need the same number of chunks (see 'audeep validate')`,
      )
    }
    members.forEach((m, k) => {
      if (ds.instances[m].chunkNr !== k)
        throw new UserError(`${source}: file ${name} has chunk numbers that are not 0..${chunkCount - 1} (see 'audeep validate')`)
    })
  }
  const outer = ds.featureShape.slice(0, axis).reduce((a, b) => a * b, 1)
  const block = ds.featureShape.slice(axis).reduce((a, b) => a * b, 1)
  const shape = ds.featureShape.map((s, i) => (i === axis ? s * chunkCount : s))
  const size = ds.featureSize * chunkCount
  const features = new Float32Array(names.length * size)
  const instances: InstanceMeta[] = []
  names.forEach((name, n) => {
    const members = groups.get(name)!
    instances.push({...ds.instances[members[0]], chunkNr: 0})
    members.forEach((m, k) => {
      const src = ds.instanceFeatures(m)
      for (let o = 0; o < outer; o++) {
        features.set(src.subarray(o * block, (o + 1) * block), n * size + o * block * chunkCount + k * block)
      }
    })
  })
  return new DataSet({...metaOf(ds), featureShape: shape, instances, features})
}

function metaOf(ds: DataSetMeta): {
  featureDims: readonly string[]
  featureShape: readonly number[]
  numFolds: number
  labelMap: DataSetMeta['labelMap']
} {
  return {featureDims: ds.featureDims, featureShape: ds.featureShape, numFolds: ds.numFolds, labelMap: ds.labelMap}
}

/** Instance indices per filename, in order of first appearance. */
export function groupByFilename(ds: DataSetMeta): Map<string, number[]> {
  const groups = new Map<string, number[]>()
  ds.instances.forEach((inst, i) => {
    const list = groups.get(inst.filename)
    if (list) list.push(i)
    else groups.set(inst.filename, [i])
  })
  return groups
}

// ---------------------------------------------------------------------------------------------------------
// merge: concatenation along the instance axis (shards of one data set)

/**
 * Throws a UserError naming the first data set whose layout differs from the first one's: feature
 * dimensions and shape, number of folds, label map. Instances themselves may be anything.
 */
export function checkConcatenable(sets: readonly {name: string; meta: DataSetMeta}[]): void {
  if (sets.length === 0) throw new UserError('nothing to merge: no data sets given')
  const {name: firstName, meta: first} = sets[0]
  for (const {name, meta} of sets.slice(1)) {
    if (meta.featureDims.join('\0') !== first.featureDims.join('\0')) {
      throw new UserError(
        `${name}: feature dimensions (${meta.featureDims.join(', ')}) differ from ${firstName}'s (${first.featureDims.join(', ')})`,
      )
    }
    if (meta.featureShape.join('x') !== first.featureShape.join('x')) {
      throw new UserError(
        `${name}: feature shape [${meta.featureShape.join(', ')}] differs from ${firstName}'s [${first.featureShape.join(', ')}]`,
      )
    }
    if (meta.numFolds !== first.numFolds)
      throw new UserError(`${name}: has ${meta.numFolds} cross-validation folds, ${firstName} has ${first.numFolds}`)
    if (labelMapText(meta) !== labelMapText(first)) {
      throw new UserError(`${name}: label map ${labelMapText(meta)} differs from ${firstName}'s ${labelMapText(first)}`)
    }
  }
}

/**
 * Instances (filename and chunk number) that occur in more than one of the data sets: the sign of a shard
 * given twice. Returns one description per repeated instance, at most `limit`.
 */
export function repeatedInstances(sets: readonly {name: string; meta: DataSetMeta}[], limit = 5): {count: number; examples: string[]} {
  const owner = new Map<string, number>()
  let count = 0
  const examples: string[] = []
  sets.forEach(({meta}, s) => {
    const own = new Set<string>()
    for (const inst of meta.instances) {
      const key = `${inst.filename}\0${inst.chunkNr}`
      if (own.has(key)) continue
      own.add(key)
      const previous = owner.get(key)
      if (previous === undefined) {
        owner.set(key, s)
      } else {
        count++
        if (examples.length < limit) examples.push(`${inst.filename} chunk ${inst.chunkNr} (in ${sets[previous].name} and ${sets[s].name})`)
      }
    }
  })
  return {count, examples}
}

/** Concatenates in-memory data sets along the instance axis, in the given order. */
export function concatInstances(sets: readonly {name: string; data: DataSet}[]): DataSet {
  checkConcatenable(sets.map(({name, data}) => ({name, meta: data})))
  const first = sets[0].data
  const total = sets.reduce((n, s) => n + s.data.features.length, 0)
  const features = new Float32Array(total)
  let offset = 0
  for (const {data} of sets) {
    features.set(data.features, offset)
    offset += data.features.length
  }
  return new DataSet({...metaOf(first), instances: sets.flatMap((s) => s.data.instances), features})
}

/** Feature bytes read per block while merging files, so that memory stays bounded. */
const MERGE_BLOCK_BYTES = 32 * 1024 * 1024

/**
 * Streams data set files into one, instances in input order (what `audeep merge` does with shard files).
 * The output gets the storage types auDeep would choose for all instances together, so merging the
 * shards of a run gives the file a single-machine run writes.
 */
export async function mergeDataSetFiles(
  inputs: readonly string[],
  output: string,
  options: {onProgress?: (done: number, total: number) => void; warn?: (message: string) => void} = {},
): Promise<DataSetMeta> {
  // Loaded here so that the in-memory operations do not pull in HDF5.
  const {createDataSetWriter, openDataSetReader, schemaFor} = await import('./netcdf/index.js')
  const readers: DataSetReader[] = []
  try {
    for (const path of inputs) readers.push(await openDataSetReader(path))
    const sets = readers.map((r) => ({name: r.path, meta: r.meta}))
    checkConcatenable(sets)
    const repeated = repeatedInstances(sets)
    if (repeated.count > 0) {
      options.warn?.(
        `${repeated.count} instance(s) occur in more than one input, e.g. ${repeated.examples.join('; ')}; was a file given twice?`,
      )
    }
    const first = readers[0].meta
    const instances = readers.flatMap((r) => r.meta.instances)
    const writer = await createDataSetWriter(output, schemaFor(instances, first))
    try {
      const size = Math.max(1, first.featureSize)
      const rowsPerBlock = Math.max(1, Math.floor(MERGE_BLOCK_BYTES / (4 * size)))
      let done = 0
      for (const reader of readers) {
        for (let start = 0; start < reader.numInstances; start += rowsPerBlock) {
          const count = Math.min(rowsPerBlock, reader.numInstances - start)
          const block = reader.readFeatures(start, count)
          for (let i = 0; i < count; i++)
            writer.append(reader.meta.instances[start + i], block.subarray(i * first.featureSize, (i + 1) * first.featureSize))
          done += count
          options.onProgress?.(done, instances.length)
        }
      }
    } catch (error) {
      writer.abort()
      throw error
    }
    await writer.close()
    return new DataSetMeta({...metaOf(first), instances})
  } finally {
    for (const r of readers) r.close()
  }
}

// ---------------------------------------------------------------------------------------------------------
// upsample

/**
 * Balances classes by repeating instances: within the selected partitions (all instances when
 * `partitions` is null) each class is repeated max_count // count times. Unselected instances come first,
 * unchanged; then each selected instance, repeated consecutively and renamed `<file>.upsampled.<i>`.
 */
export function upsample(ds: DataSet, partitions: readonly Partition[] | null): DataSet {
  if (!ds.isFullyLabeled()) throw new UserError('upsampling needs a fully labelled data set')
  if (partitions !== null && !ds.hasPartitionInfo()) throw new UserError('--partitions needs a data set with partition information')
  const selected = (inst: InstanceMeta): boolean => partitions === null || (inst.partition !== null && partitions.includes(inst.partition))
  const counts = new Map<number, number>()
  for (const inst of ds.instances) {
    if (selected(inst)) counts.set(inst.labelNumeric!, (counts.get(inst.labelNumeric!) ?? 0) + 1)
  }
  if (counts.size === 0) throw new UserError(`no instances in partitions ${(partitions ?? []).map(partitionName).join(', ')}`)
  const maxCount = Math.max(...counts.values())
  const order: number[] = []
  const instances: InstanceMeta[] = []
  ds.instances.forEach((inst, i) => {
    if (!selected(inst)) {
      order.push(i)
      instances.push(inst)
    }
  })
  ds.instances.forEach((inst, i) => {
    if (!selected(inst)) return
    const factor = Math.floor(maxCount / counts.get(inst.labelNumeric!)!)
    for (let r = 1; r <= factor; r++) {
      order.push(i)
      instances.push({...inst, filename: `${inst.filename}.upsampled.${r}`})
    }
  })
  return selectInstances(ds, order).withInstances(instances)
}

// ---------------------------------------------------------------------------------------------------------
// modify: cross-validation folds and partitions

/**
 * File groups (all chunks of a file) in round-robin order per class: for each class, its files sorted by
 * name; the j-th file of a class gets slot j mod `slots`. Unlabelled data sets are treated as one class.
 */
function roundRobinSlots(ds: DataSetMeta, slots: number): Map<string, number> {
  const groups = groupByFilename(ds)
  const labelled = ds.isFullyLabeled()
  return roundRobinByClass(
    [...groups.keys()].map((name) => ({filename: name, label: labelled ? ds.instances[groups.get(name)![0]].labelNumeric : null})),
    slots,
  )
}

/**
 * The assignment behind `modify --add-cv-setup` and `--add-partitioning`, on bare files: per class (the
 * numeric label; all files one class unless every file has a label), files sorted by name, the j-th file
 * of a class gets slot j mod `slots`. Shared with `preprocess --add-cv-setup`, so both agree file by file.
 */
export function roundRobinByClass(files: readonly {filename: string; label: number | null}[], slots: number): Map<string, number> {
  const labelled = files.every((f) => f.label !== null)
  const classOf = new Map(files.map((f) => [f.filename, labelled ? String(f.label) : '']))
  const perClass = new Map<string, number>()
  const slotOf = new Map<string, number>()
  for (const name of [...classOf.keys()].sort(compareStrings)) {
    const cls = classOf.get(name)!
    const j = perClass.get(cls) ?? 0
    perClass.set(cls, j + 1)
    slotOf.set(name, j % slots)
  }
  return slotOf
}

/**
 * Replaces the cross-validation setup with `numFolds` folds (0 removes it). Chunks of a file share their
 * folds, and within each class files are dealt round-robin, so the assignment is deterministic. Like
 * auDeep, the instance order of the result is shuffled (reproducibly with a seeded `random`).
 */
export function withCvSetup(ds: DataSet, numFolds: number, random: Random): DataSet {
  if (!Number.isInteger(numFolds) || numFolds < 0)
    throw new UserError(`the number of folds must be a non-negative integer, got ${numFolds}`)
  const slotOf = numFolds > 0 ? roundRobinSlots(ds, numFolds) : new Map<string, number>()
  const order = random.permutation(ds.numInstances)
  const instances = order.map((i) => {
    const inst = ds.instances[i]
    const valid = slotOf.get(inst.filename) ?? -1
    return {...inst, cvFolds: Array.from({length: numFolds}, (_, k) => (k === valid ? Split.VALID : Split.TRAIN))}
  })
  return new DataSet({...metaOf(ds), numFolds, instances, features: selectInstances(ds, order).features})
}

/**
 * Assigns partitions round-robin per class over whole files. auDeep wrote each file group's partition to
 * the instance whose index equals the group's index (reference §7.2), so the wrong instances got
 * partitions and classes were unbalanced; here every chunk of a file gets its file's partition.
 */
export function withPartitioning(ds: DataSet, partitions: readonly Partition[], random: Random): DataSet {
  if (partitions.length === 0) throw new UserError('at least one partition is needed')
  const slotOf = roundRobinSlots(ds, partitions.length)
  const order = random.permutation(ds.numInstances)
  const instances = order.map((i) => ({...ds.instances[i], partition: partitions[slotOf.get(ds.instances[i].filename)!]}))
  return new DataSet({...metaOf(ds), instances, features: selectInstances(ds, order).features})
}

export function withoutPartitioning(ds: DataSet): DataSet {
  return ds.withInstances(ds.instances.map((inst) => ({...inst, partition: null})))
}

export {Partition}
