import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {compareStrings, DataSet, Partition, Split} from '../../src/data/dataset.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {
  fuseChunks,
  fuseDataSets,
  selectInstances,
  upsample,
  withCvSetup,
  withoutPartitioning,
  withPartitioning,
} from '../../src/data/ops.js'
import {Random} from '../../src/core/random.js'
import {needsShared, reference} from '../helpers.js'

const key = (ds: DataSet, i: number): string => `${ds.instances[i].filename}#${ds.instances[i].chunkNr}`

/** Instance index by (filename, chunk_nr): the reference README asks to match instances by key. */
function byKey(ds: DataSet): Map<string, number> {
  return new Map(ds.instances.map((_, i) => [key(ds, i), i]))
}

function assertSameData(actual: DataSet, expected: DataSet, message: string): void {
  assert.deepEqual(
    [actual.featureDims, actual.featureShape, actual.numFolds],
    [expected.featureDims, expected.featureShape, expected.numFolds],
    message,
  )
  assert.deepEqual([...(actual.labelMap ?? [])], [...(expected.labelMap ?? [])], message)
  assert.deepEqual(actual.instances, expected.instances, message)
  assert.ok(
    Buffer.from(actual.features.buffer, actual.features.byteOffset, actual.features.byteLength).equals(
      Buffer.from(expected.features.buffer, expected.features.byteOffset, expected.features.byteLength),
    ),
    `${message}: features differ`,
  )
}

test('fuse along freq reproduces ops/fused-freq.nc exactly', needsShared, async () => {
  const scaled = await readDataSet(reference('esc10-sample.nc'))
  const db = await readDataSet(reference('esc10-sample-db.nc'))
  const fused = fuseDataSets(
    [
      {name: 'a', data: scaled},
      {name: 'b', data: db},
    ],
    'freq',
  )
  assertSameData(fused, await readDataSet(reference('ops', 'fused-freq.nc')), 'fused-freq')
})

test('fuse along the first feature axis concatenates whole blocks', needsShared, async () => {
  const a = await readDataSet(reference('esc10-sample-generated-layout.nc'))
  const fused = fuseDataSets(
    [
      {name: 'a', data: a},
      {name: 'b', data: a},
      {name: 'c', data: a},
    ],
    'generated',
  )
  assert.deepEqual(fused.featureShape, [3072])
  assert.deepEqual(fused.instanceFeatures(5).subarray(2048), a.instanceFeatures(5))
})

test('fuse refuses inconsistent metadata and names the instance that differs', needsShared, async () => {
  const a = await readDataSet(reference('esc10-sample.nc'))
  const swapped = selectInstances(a, [1, 0, ...Array.from({length: 18}, (_, i) => i + 2)])
  assert.throws(
    () =>
      fuseDataSets(
        [
          {name: 'a.nc', data: a},
          {name: 'b.nc', data: swapped},
        ],
        'freq',
      ),
    (e: Error) =>
      e instanceof UserError &&
      e.message.startsWith('b.nc: instance 0 differs from a.nc') &&
      e.message.includes('filename 1-100032-A.ogg vs 3-136288-A.ogg'),
  )
  const chunked = await readDataSet(reference('esc10-sample-chunked.nc'))
  assert.throws(
    () =>
      fuseDataSets(
        [
          {name: 'a.nc', data: a},
          {name: 'c.nc', data: chunked},
        ],
        'freq',
      ),
    UserError,
  )
  assert.throws(
    () =>
      fuseDataSets(
        [
          {name: 'a.nc', data: a},
          {name: 'a2.nc', data: a},
        ],
        'generated',
      ),
    /no feature dimension 'generated'/,
  )
})

test('fuse chunks reproduces ops/chunked-fused.nc exactly (sorted by filename)', needsShared, async () => {
  const fused = fuseChunks(await readDataSet(reference('esc10-sample-chunked.nc')), 'time')
  assertSameData(fused, await readDataSet(reference('ops', 'chunked-fused.nc')), 'chunked-fused')
})

test('fuse chunks refuses files with unequal or misnumbered chunks', needsShared, async () => {
  const broken = await readDataSet(reference('ops', 'broken.nc'))
  assert.throws(() => fuseChunks(broken, 'time'), /3-136288-A.ogg has chunk numbers that are not 0..4/)
})

test('fuse chunks on a data set of another layout names the file and the dimensions it has', needsShared, async () => {
  const generated = reference('esc10-sample-generated-layout.nc')
  const ds = await readDataSet(generated)
  assert.throws(
    () => fuseChunks(ds, 'time', generated),
    (e: unknown) =>
      e instanceof UserError && e.message === `${generated}: has no feature dimension 'time' (it has generated; see --dimension)`,
  )
})

test('upsample reproduces ops/upsampled.nc exactly', needsShared, async () => {
  const partitioned = await readDataSet(reference('ops', 'partitioned.nc'))
  const result = upsample(partitioned, [Partition.TRAIN])
  assertSameData(result, await readDataSet(reference('ops', 'upsampled.nc')), 'upsampled')
})

test('upsample needs labels and, for --partitions, partition information', needsShared, async () => {
  await assert.rejects(async () => upsample(await readDataSet(reference('ops', 'nometa.nc')), null), /fully labelled/)
  await assert.rejects(async () => upsample(await readDataSet(reference('esc10-sample.nc')), [Partition.TRAIN]), /partition information/)
})

test('add-cv-setup gives the same fold rows as auDeep (ops/cv2-1.nc), reproducibly with a seed', needsShared, async () => {
  const chunked = await readDataSet(reference('esc10-sample-chunked.nc'))
  const result = withCvSetup(chunked, 2, new Random(7))
  for (const name of ['cv2-1.nc', 'cv2-2.nc']) {
    const expected = await readDataSet(reference('ops', name))
    const index = byKey(result)
    assert.equal(result.numInstances, expected.numInstances)
    expected.instances.forEach((inst, j) => {
      const i = index.get(key(expected, j))!
      assert.deepEqual(result.instances[i], inst)
      assert.deepEqual(result.instanceFeatures(i), expected.instanceFeatures(j))
    })
  }
  const again = withCvSetup(chunked, 2, new Random(7))
  assert.deepEqual(again.instances, result.instances)
  const removed = withCvSetup(result, 0, new Random(1))
  assert.equal(removed.numFolds, 0)
  assert.equal(removed.hasCvInfo(), false)
})

test('add-partitioning assigns whole files, balanced per class (fixing auDeep, see ops/partitioned.nc)', needsShared, async () => {
  const sample = await readDataSet(reference('esc10-sample.nc'))
  const expected = await readDataSet(reference('ops', 'partitioned.nc'))
  // auDeep wrote the partition intended for the g-th filename (sorted) to instance g; recover that intention.
  const sortedNames = expected.instances.map((i) => i.filename).sort(compareStrings)
  const intended = new Map(sortedNames.map((name, g) => [name, expected.instances[g].partition]))
  const result = withPartitioning(sample, [Partition.TRAIN, Partition.DEVEL], new Random(3))
  for (const inst of result.instances) assert.equal(inst.partition, intended.get(inst.filename), inst.filename)
  // And the original's bug is visible in the reference: its partitions disagree with the intention.
  assert.ok(expected.instances.some((inst) => inst.partition !== intended.get(inst.filename)))

  const chunked = await readDataSet(reference('esc10-sample-chunked.nc'))
  const parts = withPartitioning(chunked, [Partition.TRAIN, Partition.DEVEL, Partition.TEST], new Random(5))
  const perFile = new Map<string, Set<Partition | null>>()
  for (const inst of parts.instances) perFile.set(inst.filename, (perFile.get(inst.filename) ?? new Set()).add(inst.partition))
  assert.ok(
    [...perFile.values()].every((s) => s.size === 1),
    'all chunks of a file share a partition',
  )
  assert.equal(withoutPartitioning(parts).hasPartitionInfo(), false)
  assert.ok(parts.instances.every((i) => i.cvFolds.length === 5 && i.cvFolds.filter((s) => s === Split.VALID).length === 1))
})
