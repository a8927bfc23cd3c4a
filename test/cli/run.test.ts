import assert from 'node:assert/strict'
import {test} from 'node:test'

import {inputsToReadAhead} from '../../src/cli/run.js'

test('the inputs read ahead are the --input files of training and generation command lines, and only theirs', () => {
  assert.deepEqual(inputsToReadAhead(['t-rae', 'train', '--input', 'a.nc', '--input=b.nc', '--run-name', 'r']), ['a.nc', 'b.nc'])
  assert.deepEqual(inputsToReadAhead(['ft-rae:generate', '--model-dir', 'r', '--input', 'c.nc', '--output', 'o.nc']), ['c.nc'])
  assert.deepEqual(inputsToReadAhead(['f-rae', 'train', '--input', 'a.nc', '--', '--input', 'b.nc']), ['a.nc'])
  assert.deepEqual(inputsToReadAhead(['t-rae', 'train', '--input']), [])
  assert.deepEqual(inputsToReadAhead(['fuse', 'chunks', '--input', 'a.nc']), [])
  assert.deepEqual(inputsToReadAhead(['mlp', 'evaluate', '--input', 'a.nc']), [])
  assert.deepEqual(inputsToReadAhead([]), [])
})
