import assert from 'node:assert/strict'
import {copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import * as h5 from 'h5wasm/node'

import {UserError} from '../../src/core/errors.js'
import {DataSet, type InstanceMeta, Split} from '../../src/data/dataset.js'
import {createDataSetWriter, openDataSetReader, readDataSet, schemaFor, writeDataSet} from '../../src/data/netcdf/index.js'
import {fixture, needsShared, reference, referenceDir, sharedMissing, tempDir} from '../helpers.js'

const referenceFiles = sharedMissing
  ? []
  : [...readdirSync(referenceDir).filter((f) => f.endsWith('.nc')), ...readdirSync(join(referenceDir, 'ops')).map((f) => join('ops', f))]

/** Variable name -> [HDF5 dtype, shape] plus global attribute values, read straight from the file. */
async function hdfStructure(path: string): Promise<Record<string, unknown>> {
  await h5.ready
  const file = new h5.File(path, 'r')
  try {
    const out: Record<string, unknown> = {}
    for (const name of file.keys()) {
      const ds = file.get(name) as h5.Dataset
      out[name] = [JSON.stringify(ds.dtype).replace('>', '<'), ds.shape, ds.get_attached_scales?.(0) ?? null]
    }
    for (const [name, attr] of Object.entries(file.attrs)) {
      if (name !== '_NCProperties') out['@' + name] = attr.value
    }
    out['#order'] = file.keys()
    return out
  } finally {
    file.close()
  }
}

function metadataOf(ds: DataSet): unknown {
  return [ds.featureDims, ds.featureShape, ds.numFolds, ds.labelMap && [...ds.labelMap], ds.instances]
}

test('reads every reference file of the original auDeep', needsShared, async () => {
  const esc = await readDataSet(reference('esc10-sample.nc'))
  assert.deepEqual(esc.featureDims, ['time', 'freq'])
  assert.deepEqual(esc.featureShape, [124, 128])
  assert.equal(esc.numInstances, 20)
  assert.equal(esc.numFolds, 5)
  assert.deepEqual(esc.instances[0], {
    filename: '1-100032-A.ogg',
    chunkNr: 0,
    labelNominal: 'Dog bark',
    labelNumeric: 0,
    cvFolds: [Split.VALID, Split.TRAIN, Split.TRAIN, Split.TRAIN, Split.TRAIN],
    partition: null,
  })
  assert.equal(esc.labelMap?.get('Fire crackling'), 9)
  const fingerprints = JSON.parse(readFileSync(reference('fingerprints.json'), 'utf8'))['esc10-sample.nc']
  assert.deepEqual(Array.from(esc.instanceFeatures(0).subarray(0, 10)), fingerprints.instance0_time0_freq0_9)
  // Per-instance sums in float64, as the fingerprint file computes them.
  esc.instances.forEach((_, i) => {
    const sum = esc.instanceFeatures(i).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(sum - fingerprints.per_instance_sum_f64[i]) < 1e-6 * Math.max(1, Math.abs(sum)), `instance ${i} sum`)
  })

  const nometa = await readDataSet(reference('ops', 'nometa.nc'))
  assert.equal(nometa.numFolds, 0)
  assert.equal(nometa.labelMap, null)
  assert.ok(nometa.instances.every((i) => i.labelNominal === null && i.labelNumeric === null && i.partition === null))
  assert.equal(nometa.instances[0].filename, 'sub1/3-136288-A.wav')

  const partial = await readDataSet(reference('ops', 'partial-labels.nc'))
  assert.deepEqual(
    partial.instances.map((i) => [i.labelNominal, i.labelNumeric, i.cvFolds]),
    [
      ['a', 0, [0, 1]],
      ['b', 1, [0, 1]],
      [null, null, [0, null]],
    ],
  )
  assert.equal(partial.hasCvInfo(), false)
})

test('round-trips every reference file (read, write, read) with identical content and layout', needsShared, async () => {
  const dir = tempDir()
  for (const name of referenceFiles) {
    const original = await readDataSet(reference(name))
    const out = join(dir, name.replace('/', '-'))
    await writeDataSet(out, original)
    const back = await readDataSet(out)
    assert.deepEqual(metadataOf(back), metadataOf(original), name)
    assert.ok(Buffer.from(back.features.buffer).equals(Buffer.from(original.features.buffer)), `${name}: features differ`)
    // Same variables, dtypes, shapes and attributes as the original's file, in the same order.
    assert.deepEqual(await hdfStructure(out), await hdfStructure(reference(name)), name)
  }
})

test('reads classic netCDF (CDF-1 and CDF-2) files', needsShared, async () => {
  // Made with python xarray from reference files (int64 -> int32, strings -> char), as a user converting would.
  const generated = await readDataSet(fixture('generated4-cdf1.nc'))
  const original = await readDataSet(reference('esc10-sample-generated-layout.nc'))
  assert.deepEqual(generated.instances, original.instances.slice(0, 4))
  assert.deepEqual(generated.features, original.features.slice(0, 4 * 1024))
  assert.deepEqual([...generated.labelMap!], [...original.labelMap!])
  const partial = await readDataSet(fixture('partial-labels-cdf2.nc'))
  assert.deepEqual(partial.instances, (await readDataSet(reference('ops', 'partial-labels.nc'))).instances)
})

test('the streaming writer flushes in blocks and reads back in row blocks', async () => {
  const dir = tempDir()
  const path = join(dir, 'nested', 'stream.nc')
  const instances: InstanceMeta[] = []
  const shape = [64, 128]
  const count = 300 // 300 x 32 KiB: several flushes of the 8 MiB buffer
  for (let i = 0; i < count; i++) {
    instances.push({
      filename: `f${i % 100}.wav`,
      chunkNr: Math.floor(i / 100),
      labelNominal: `c${i % 3}`,
      labelNumeric: i % 3,
      cvFolds: [i % 2, 1 - (i % 2)],
      partition: i % 3,
    })
  }
  const writer = await createDataSetWriter(
    path,
    schemaFor(instances, {
      featureDims: ['time', 'freq'],
      featureShape: shape,
      numFolds: 2,
      labelMap: new Map([
        ['c0', 0],
        ['c1', 1],
        ['c2', 2],
      ]),
    }),
  )
  const row = new Float32Array(64 * 128)
  for (let i = 0; i < count; i++) {
    row.fill(i)
    writer.append(instances[i], row)
    assert.equal(existsSync(path), false, 'nothing appears at the target before close')
  }
  await writer.close()
  const reader = await openDataSetReader(path)
  try {
    assert.equal(reader.numInstances, count)
    assert.deepEqual(reader.meta.instances, instances)
    const block = reader.readFeatures(250, 3)
    assert.deepEqual([block[0], block[8192], block[3 * 8192 - 1]], [250, 251, 252])
  } finally {
    reader.close()
  }
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['stream.nc'], 'no temporary files left behind')
})

test('an aborted write leaves nothing behind', async () => {
  const dir = tempDir()
  const path = join(dir, 'aborted.nc')
  const meta: InstanceMeta = {filename: 'a', chunkNr: 0, labelNominal: null, labelNumeric: null, cvFolds: [], partition: null}
  const writer = await createDataSetWriter(
    path,
    schemaFor([meta], {featureDims: ['generated'], featureShape: [4], numFolds: 0, labelMap: null}),
  )
  writer.append(meta, new Float32Array(4))
  assert.throws(() => writer.append(meta, new Float32Array(5)), UserError)
  writer.abort()
  assert.deepEqual(readdirSync(dir), [])
})

test('bad input files give one clear error naming the file', needsShared, async () => {
  const dir = tempDir()
  const missing = join(dir, 'missing.nc')
  await assert.rejects(readDataSet(missing), (e: Error) => e instanceof UserError && e.message === `${missing}: no such file`)

  const text = join(dir, 'notes.nc')
  writeFileSync(text, 'this is not netCDF\n')
  await assert.rejects(readDataSet(text), (e: Error) => e instanceof UserError && e.message === `${text}: not a netCDF file`)

  const empty = join(dir, 'empty.nc')
  writeFileSync(empty, '')
  await assert.rejects(readDataSet(empty), (e: Error) => e instanceof UserError && /empty/.test(e.message))

  const truncated = join(dir, 'truncated.nc')
  writeFileSync(truncated, readFileSync(reference('esc10-sample.nc')).subarray(0, 600_000))
  await assert.rejects(readDataSet(truncated), (e: Error) => e instanceof UserError && e.message.startsWith(truncated + ':'))

  // An HDF5 file that is not in auDeep's layout.
  await h5.ready
  const other = join(dir, 'other.nc')
  const file = new h5.File(other, 'w')
  file.create_dataset({name: 'temperature', data: new Float32Array([1, 2, 3])})
  file.close()
  await assert.rejects(
    readDataSet(other),
    (e: Error) => e instanceof UserError && e.message === `${other}: not an auDeep data set (variable 'filename' is missing)`,
  )

  const copy = join(dir, 'copy.nc')
  copyFileSync(reference('esc10-sample.nc'), copy)
  assert.equal((await readDataSet(copy)).numInstances, 20)
})
