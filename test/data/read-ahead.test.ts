// Reading ahead (src/data/netcdf/read-ahead.ts): the HDF5 probe a command starts before loading its code is
// used by the read that follows only for the same, unchanged file; a changed file is probed again, so what
// the probe exists to reject is still rejected.

import assert from 'node:assert/strict'
import {copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import * as h5 from 'h5wasm/node'

import {UserError} from '../../src/core/errors.js'
import {openDataSetReader, readDataSet} from '../../src/data/netcdf/index.js'
import {probeRequestCount} from '../../src/data/netcdf/hdf5-probe.js'
import {readAhead} from '../../src/data/netcdf/read-ahead.js'
import {fixture, tempDir} from '../helpers.js'

const NETCDF4 = fixture('xarray-esc10-NETCDF4.nc')

test('a probe started ahead is used by the next read of the unchanged file, once', async () => {
  const path = join(tempDir(), 'data.nc')
  copyFileSync(NETCDF4, path)
  const direct = await readDataSet(NETCDF4)
  const before = probeRequestCount()
  readAhead([path], true)
  const ahead = await readDataSet(path)
  assert.equal(probeRequestCount(), before + 1, 'one probe for read-ahead and read together')
  assert.deepEqual(ahead.features, direct.features)
  assert.deepEqual(ahead.instances, direct.instances)
  assert.deepEqual(
    [ahead.featureDims, ahead.featureShape, ahead.numFolds, ahead.labelMap],
    [direct.featureDims, direct.featureShape, direct.numFolds, direct.labelMap],
  )
  await readDataSet(path)
  assert.equal(probeRequestCount(), before + 2, 'a later read probes again')
})

test('a file changed after its probe started is probed again: a damaged replacement is rejected naming it', async () => {
  const path = join(tempDir(), 'data.nc')
  copyFileSync(NETCDF4, path)
  readAhead([path], true)
  const before = probeRequestCount()
  // Replaced (as writers do: a new file renamed into place) by one of the same size whose superblock and
  // root group header are zeroed behind the HDF5 signature.
  const bytes = readFileSync(NETCDF4)
  bytes.fill(0, 8, 2048)
  writeFileSync(`${path}.new`, bytes)
  renameSync(`${path}.new`, path)
  await assert.rejects(readDataSet(path), (error: Error) => {
    assert.ok(error instanceof UserError, String(error))
    assert.match(error.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable netCDF-4/HDF5 file \\(`))
    return true
  })
  assert.ok(probeRequestCount() > before, 'the changed file was probed again')
})

test('a damaged file read ahead is rejected by the read, with the probe error naming it', async () => {
  const path = join(tempDir(), 'truncated.nc')
  writeFileSync(path, readFileSync(NETCDF4).subarray(0, 6000))
  readAhead([path], true)
  await assert.rejects(readDataSet(path), /truncated\.nc: not a readable netCDF-4\/HDF5 file \(/)
})

test('read-ahead of what is not a netCDF-4 file does nothing: the read reports it as usual', async () => {
  const dir = tempDir()
  const before = probeRequestCount()
  mkdirSync(join(dir, 'a-directory.nc'))
  readAhead([join(dir, 'missing.nc'), join(dir, 'a-directory.nc'), fixture('xarray-esc10-NETCDF3_CLASSIC.nc')], true)
  assert.equal(probeRequestCount(), before)
  await assert.rejects(readDataSet(join(dir, 'missing.nc')), /missing\.nc: no such file/)
  await assert.rejects(readDataSet(join(dir, 'a-directory.nc')), /a-directory\.nc: (is a directory|cannot read \(EISDIR\))/)
  assert.ok((await readDataSet(fixture('xarray-esc10-NETCDF3_CLASSIC.nc'))).numInstances > 0)
})

test('an HDF5 file that is no auDeep data set gives the same error read ahead or not, probed again after the failed read ahead', async () => {
  const path = join(tempDir(), 'other.h5')
  await h5.ready
  const file = new h5.File(path, 'w')
  file.create_dataset({name: 'temperature', data: new Float32Array([1, 2, 3])})
  file.close()
  const expected = /other\.h5: not an auDeep data set \(variable 'filename' is missing\)/
  await assert.rejects(readDataSet(path), expected)
  const before = probeRequestCount()
  readAhead([path], true)
  await assert.rejects(readDataSet(path), expected)
  assert.equal(probeRequestCount(), before + 2, 'the read ahead, then a full probe before reading here')
})

test('a streaming reader opened after a read ahead reads what readDataSet does', async () => {
  const path = join(tempDir(), 'data.nc')
  copyFileSync(NETCDF4, path)
  readAhead([path], true)
  const reader = await openDataSetReader(path)
  try {
    const direct = await readDataSet(NETCDF4)
    assert.deepEqual(reader.readFeatures(0, reader.numInstances), direct.features)
    assert.deepEqual(reader.meta.instances, direct.instances)
  } finally {
    reader.close()
  }
})

test('a probe-only read ahead (generation streams its input) is used by the next read, which reads the file itself', async () => {
  const path = join(tempDir(), 'data.nc')
  copyFileSync(NETCDF4, path)
  const before = probeRequestCount()
  readAhead([path], false)
  const read = await readDataSet(path)
  assert.equal(probeRequestCount(), before + 1, 'the probe started ahead, no other')
  assert.deepEqual(read.features, (await readDataSet(NETCDF4)).features)
})
