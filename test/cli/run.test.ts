import assert from 'node:assert/strict'
import {test} from 'node:test'

import {inputsToReadAhead} from '../../src/cli/run.js'

test('the inputs read ahead are the --input files of training and generation command lines, and only theirs', () => {
  const paths = (args: string[]): string[] => inputsToReadAhead(args).paths
  assert.deepEqual(inputsToReadAhead(['t-rae', 'train', '--input', 'a.nc', '--input=b.nc', '--run-name', 'r']), {
    paths: ['a.nc', 'b.nc'],
    whole: true,
  })
  // Generation reads its input in blocks: probed ahead, not read whole.
  assert.deepEqual(inputsToReadAhead(['ft-rae:generate', '--model-dir', 'r', '--input', 'c.nc', '--output', 'o.nc']), {
    paths: ['c.nc'],
    whole: false,
  })
  assert.deepEqual(paths(['f-rae', 'train', '--input', 'a.nc', '--', '--input', 'b.nc']), ['a.nc'])
  assert.deepEqual(paths(['t-rae', 'train', '--input']), [])
  assert.deepEqual(paths(['fuse', 'chunks', '--input', 'a.nc']), [])
  assert.deepEqual(paths(['mlp', 'evaluate', '--input', 'a.nc']), [])
  assert.deepEqual(paths([]), [])
})
