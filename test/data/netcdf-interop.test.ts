// netCDF written by xarray in each of its four formats reads exactly like the original: text variables are
// char arrays of a declared length in the three classic-model formats (NETCDF4_CLASSIC, NETCDF3_64BIT,
// NETCDF3_CLASSIC) and variable-length strings in NETCDF4.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import type {DataSet} from '../../src/data/dataset.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {fixture, reference, repoRoot, tempDir} from '../helpers.js'

const FORMATS = ['NETCDF4', 'NETCDF4_CLASSIC', 'NETCDF3_64BIT', 'NETCDF3_CLASSIC'] as const
const golden = reference('esc10-sample.nc')

function assertSame(actual: DataSet, expected: DataSet, what: string): void {
  assert.deepEqual(actual.featureDims, expected.featureDims, `${what}: feature dims`)
  assert.deepEqual(actual.featureShape, expected.featureShape, `${what}: feature shape`)
  assert.equal(actual.numFolds, expected.numFolds, `${what}: folds`)
  assert.deepEqual([...(actual.labelMap ?? [])], [...(expected.labelMap ?? [])], `${what}: label map`)
  assert.deepEqual(actual.instances, expected.instances, `${what}: instances`)
  assert.deepEqual(actual.features, expected.features, `${what}: features`)
}

/** The slice make-xarray-fixtures.py takes: every second instance, frames 60-62, mel bands 40-43. */
function slice(ds: DataSet): {instances: DataSet['instances']; features: Float32Array} {
  const [frames, bands] = ds.featureShape
  const instances = ds.instances.filter((_, i) => i % 2 === 0)
  const features = new Float32Array(instances.length * 12)
  let k = 0
  for (let i = 0; i < ds.numInstances; i += 2) {
    for (let t = 60; t < 63; t++) for (let f = 40; f < 44; f++) features[k++] = ds.features[(i * frames + t) * bands + f]
  }
  return {instances, features}
}

test('the committed xarray fixtures of all four formats read identically, and like the golden file', async () => {
  const [reference4, ...others] = await Promise.all(FORMATS.map((f) => readDataSet(fixture(`xarray-esc10-${f}.nc`))))
  assert.equal(reference4.numInstances, 10)
  // Names and labels of different lengths: any shift or per-character split shows here.
  assert.deepEqual(
    reference4.instances.slice(0, 4).map((i) => [i.filename, i.labelNominal]),
    [
      ['1-100032-A.ogg', 'Dog bark'],
      ['2-101676-A.ogg', 'Rain'],
      ['5-200461-A.ogg', 'Sea waves'],
      ['4-167077-A.ogg', 'Baby cry'],
    ],
  )
  others.forEach((ds, i) => assertSame(ds, reference4, FORMATS[i + 1]))
  if (existsSync(golden)) {
    const original = await readDataSet(golden)
    const {instances, features} = slice(original)
    assert.deepEqual(reference4.instances, instances)
    assert.deepEqual(reference4.features, features)
    assert.deepEqual([...(reference4.labelMap ?? [])], [...(original.labelMap ?? [])])
  }
})

/** A Python with xarray and netCDF4 (Debian's python3-xarray, python3-netcdf4), or null. */
function xarrayPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import xarray, netCDF4'], {stdio: 'ignore'}).status === 0) return python
  }
  return null
}

const python = xarrayPython()

test(
  'esc10-sample.nc rewritten by xarray in each format reads identically to the original',
  {skip: (python === null && 'xarray and netCDF4 for Python are not installed') || (!existsSync(golden) && 'golden file not available')},
  async () => {
    const prefix = join(tempDir(), 'esc10')
    const made = spawnSync(python!, [join(repoRoot, 'test', 'fixtures', 'make-xarray-fixtures.py'), golden, prefix], {encoding: 'utf8'})
    assert.equal(made.status, 0, made.stderr)
    const original = await readDataSet(golden)
    for (const format of FORMATS) assertSame(await readDataSet(`${prefix}-${format}.nc`), original, format)
  },
)
