// Flag combinations that cannot work are refused before any file is read, naming the flags (the data set
// and inputs here do not even exist, and no progress bar is drawn); mistyped flags get a suggestion.

import assert from 'node:assert/strict'
import {join} from 'node:path'
import {test} from 'node:test'

import {editDistance, suggestFlag} from '../../src/cli/suggest.js'
import {runCli, tempDir} from '../helpers.js'

function refused(args: string[], pattern: RegExp): void {
  const r = runCli(args)
  assert.notEqual(r.status, 0, `expected ${args.join(' ')} to fail`)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /does not exist|preprocessing \[|internal error/)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
}

test('impossible flag combinations are refused before any file is read, naming both flags', () => {
  const missing = join(tempDir(), 'no-such-data')
  const pre = ['preprocess', '--basedir', missing, '--output', join(missing, 'x.nc')]
  refused([...pre, '--window-width', '0.04', '--window-overlap', '0.04'], /--window-overlap 0\.04 must be less than --window-width 0\.04/)
  refused([...pre, '--window-width', '0.5', '--fixed-length', '0.25'], /--window-width 0\.5 is longer than --fixed-length 0\.25/)
  refused([...pre, '--clip-above', '-60', '--clip-below', '-40'], /--clip-above -60 must be greater than --clip-below -40/)
  refused(
    [...pre, '--fixed-length', '5', '--chunk-length', '2', '--chunk-count', '3'],
    /--chunk-count 3 x --chunk-length 2 = 6 s is longer than --fixed-length 5/,
  )
  refused([...pre, '--shard-index', '3', '--num-shards', '2'], /shard index 3 \(from --shard-index\) is out of range for 2 shards/)
  refused(
    ['f-rae', 'train', '--input', join(missing, 'x.nc'), '--freq-window-width', '8', '--freq-window-overlap', '8'],
    /--freq-window-overlap 8 must be smaller than --freq-window-width 8/,
  )
})

test('a mistyped flag gets the closest flag of the command as a suggestion', () => {
  const r = runCli(['t-rae', 'train', '--input', 'x.nc', '--num-epoch', '3'])
  assert.equal(r.stderr, "audeep: error: Nonexistent flag: --num-epoch; did you mean --num-epochs? (see 'audeep t-rae train --help')\n")
  assert.match(runCli(['preprocess', '--basedir', '.', '--windowwidth=0.1']).stderr, /did you mean --window-width\?/)
  assert.doesNotMatch(runCli(['preprocess', '--basedir', '.', '--colour', 'red']).stderr, /did you mean/)

  const known = ['num-epochs', 'batch-size', 'learning-rate', 'seed', 'input', 'verbose']
  assert.equal(suggestFlag('--epochs', known), '--num-epochs')
  assert.equal(suggestFlag('--btach-size', known), '--batch-size')
  assert.equal(suggestFlag('--sed', known), '--seed')
  assert.equal(suggestFlag('--x', known), null)
  assert.equal(suggestFlag('--learning', known), '--learning-rate')
  assert.equal(editDistance('abc', 'acb'), 1)
  assert.equal(editDistance('kitten', 'sitting'), 3)
})
