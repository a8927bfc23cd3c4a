// `audeep inspect raw` run as a user would (the built CLI in a child process).

import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {needsShared, runCli, sharedDir} from '../helpers.js'
import {freshDir, writeTree} from './fixtures.js'

// The table the original auDeep printed for ESC-10 (reference README, "Expected text output").
const ESC10_TABLE = `+-----------------------------------+
| data set information              |
+------------------------+----------+
| number of audio files  |      400 |
| number of labels       |       10 |
| cross validation folds |        5 |
| minimum sample length  |   3.64 s |
| maximum sample length  |   7.24 s |
| sample rate            | 44100 Hz |
| channels               |        1 |
+------------------------+----------+
`

test('inspect raw on ESC-10 prints auDeep table byte for byte and HEAR statistics with --json', needsShared, () => {
  const json = join(freshDir(), 'stats.json')
  const result = runCli(['inspect', 'raw', '--basedir', join(sharedDir, 'data', 'ESC-10'), '--json', json])
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stdout, ESC10_TABLE)
  // Values cross-checked with numpy (mean, population variance, linear percentiles, round(x, 2)) on the
  // per-file lengths; formatted like json.dump(..., indent=True).
  assert.equal(
    readFileSync(json, 'utf8'),
    `{
 "count": 400,
 "duration": {
  "mean": 5.01,
  "var": 0.03,
  "min": 3.64,
  "max": 7.24,
  "10th": 5.0,
  "25th": 5.0,
  "50th": 5.0,
  "75th": 5.0,
  "90th": 5.0,
  "95th": 5.0
 },
 "samplerates": {
  "44100": 400
 },
 "count_mono": 400,
 "summary": {
  "successfully_extracted": {
   ".ogg": 400
  },
  "failed_to_extract": {}
 }
}`,
  )
})

test('inspect raw on the HEAR task: constant durations give only mean and var', needsShared, () => {
  const json = join(freshDir(), 'stats.json')
  const result = runCli(['inspect', 'raw', '--basedir', join(sharedDir, 'data', 'hear', 'spoken_digit-1.0.9-small'), '--json', json])
  assert.equal(result.status, 0, result.stderr)
  assert.match(
    result.stdout,
    /\| number of audio files  \|      100 \|\n\| number of labels       \|       10 \|\n\| cross validation folds \|        5 \|\n\| minimum sample length  \|   1\.00 s \|/,
  )
  const stats = JSON.parse(readFileSync(json, 'utf8'))
  assert.deepEqual(stats, {
    count: 100,
    duration: {mean: 1, var: 0},
    samplerates: {'44100': 100},
    count_mono: 100,
    summary: {successfully_extracted: {'.wav': 100}, failed_to_extract: {}},
  })
  assert.match(readFileSync(json, 'utf8'), /"mean": 1\.0,\n  "var": 0\.0\n/)
})

test('inspect raw shows ranges for mixed sample rates and channels, 0 labels without a label map', () => {
  const root = writeTree(freshDir(), {
    'a.wav': {sampleRate: 16000, frames: 16000},
    'sub/b.wav': {sampleRate: 22050, channels: 2, frames: 44100},
  })
  const result = runCli(['inspect', 'raw', '--basedir', root, '--parser', 'no-metadata'])
  assert.equal(result.status, 0, result.stderr)
  assert.equal(
    result.stdout,
    `+----------------------------------------------+
| data set information                         |
+------------------------+---------------------+
| number of audio files  |                   2 |
| number of labels       |                   0 |
| cross validation folds |                   0 |
| minimum sample length  |              1.00 s |
| maximum sample length  |              2.00 s |
| sample rates           | 16000 Hz - 22050 Hz |
| channels               |               1 - 2 |
+------------------------+---------------------+
`,
  )
})

test('inspect raw with a user parser module, and clear errors for unreadable or empty files', () => {
  const root = writeTree(freshDir(), {
    'audio/x.wav': {sampleRate: 8000, frames: 8000},
    'labels.csv': 'file,label\nx.wav,cat\n',
  })
  const ok = runCli(['inspect', 'raw', '--basedir', root, '--parser', 'samples/my-parser.js'])
  assert.equal(ok.status, 0, ok.stderr)
  assert.match(
    ok.stdout,
    /\| number of audio files  \|       1 \|\n\| number of labels       \|       1 \|\n[^]*\| sample rate            \| 8000 Hz \|/,
  )

  writeFileSync(join(root, 'audio', 'bad.wav'), 'this is not audio')
  const bad = runCli(['inspect', 'raw', '--basedir', join(root, 'audio'), '--parser', 'no-metadata'])
  assert.equal(bad.status, 1)
  assert.equal(bad.stdout, '')
  assert.match(bad.stderr, /audeep: error: \S*bad\.wav: cannot decode audio/)

  writeFileSync(join(root, 'audio', 'bad.wav'), '')
  const empty = runCli(['inspect', 'raw', '--basedir', join(root, 'audio'), '--parser', 'no-metadata'])
  assert.equal(empty.status, 1)
  assert.match(empty.stderr, /audeep: error: \S*bad\.wav: empty file/)

  writeTree(root, {'audio/bad.wav': {frames: 0}})
  const silent = runCli(['inspect', 'raw', '--basedir', join(root, 'audio'), '--parser', 'no-metadata'])
  assert.equal(silent.status, 1)
  assert.match(silent.stderr, /audeep: error: \S*bad\.wav: the file contains no audio samples/)

  const none = runCli(['inspect', 'raw', '--basedir', root])
  assert.equal(none.status, 1)
  assert.match(none.stderr, /audeep: error: \S+: no parser recognises this layout/)
})
