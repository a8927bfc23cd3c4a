// The data-set commands, run as a user runs them, against the original auDeep's outputs.

import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {readDataSet} from '../../src/data/netcdf/index.js'
import {needsShared, reference, runCli, tempDir} from '../helpers.js'

// Expected output of the original, from shared/reference/audeep/README.md.
const BROKEN_DETAILED = `FAIL validation

1. Instances with the same filename must have the same nominal labels:                1 violations
\tinstances for file 1-100032-A.ogg have different nominal labels: ['Dog bark', 'Rain']
2. Instances with the same filename must have the same numeric labels:                1 violations
\tinstances for file 1-100032-A.ogg have different numeric labels: [0, 5]
3. Instances with the same filename must have the same cross validation information:  1 violations
\tinstances for file 2-101676-A.ogg have different splits in cross validation fold 0: ['TRAIN', 'VALID']
4. Instances with the same filename must have the same partition:                     0 violations
5. If a label map is present, all labels must conform to this map:                    1 violations
\tchunk 1 of file 1-100032-A.ogg has invalid labels: Rain (5)
6. For each filename, there must be the same number of chunks:                        0 violations
7. For each filename, chunk numbers must be [0, 1, ..., num_chunks]:                  1 violations
\tinvalid chunk number for file 3-136288-A.ogg: expected 2, got 3
`

const INSPECT_SAMPLE = `
+------------------------------------------+
| global data set information              |
+-----------------------+------------------+
| number of instances   | 20               |
| cross validation info | True             |
| partition info        | False            |
| fully labeled         | True             |
| feature dimensions    | ['time', 'freq'] |
+-----------------------+------------------+

+-------------------------------------------------------------+
| instance 0 information:                                     |
+-------------------------+-----------------------------------+
| data file               | 1-100032-A.ogg                    |
| chunk number            | 0                                 |
| label                   | Dog bark (0)                      |
| cross validation splits | VALID, TRAIN, TRAIN, TRAIN, TRAIN |
| partition               | None                              |
| shape                   | [124, 128]                        |
+-------------------------+-----------------------------------+

`

test("validate prints auDeep's report and fails on violations", needsShared, () => {
  const detailed = runCli(['validate', '--input', reference('ops', 'broken.nc'), '--detailed'])
  assert.equal(detailed.stdout, BROKEN_DETAILED)
  assert.equal(detailed.status, 1)
  const brief = runCli(['validate', '--input', reference('ops', 'broken.nc')])
  assert.equal(
    brief.stdout,
    BROKEN_DETAILED.split('\n')
      .filter((l) => !l.startsWith('\t'))
      .join('\n'),
  )
  const pass = runCli(['validate', '--input', reference('esc10-sample-chunked.nc')])
  assert.equal(pass.stdout, 'PASS validation\n')
  assert.equal(pass.status, 0)
})

test("inspect netcdf prints auDeep's tables", needsShared, () => {
  const result = runCli(['inspect', 'netcdf', '--input', reference('esc10-sample.nc'), '--instance', '0'])
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stdout, INSPECT_SAMPLE)
  const partitioned = runCli(['inspect', 'netcdf', '--input', reference('ops', 'partitioned-parser.nc'), '--instance', '0'])
  assert.match(partitioned.stdout, /\| cross validation splits \| None +\|/)
  assert.match(partitioned.stdout, /\| partition +\| DEVEL +\|/)
  const folds = runCli(['inspect', 'netcdf', '--input', reference('esc10-sample.nc'), '--detailed-folds'])
  assert.equal(folds.status, 0, folds.stderr)
  assert.match(folds.stdout, /\| fold 5 +\|/)
  assert.match(folds.stdout, /\| Chainsaw +\| +1 \| +6\.25 % \| +1 \| +25\.00 % \|/)
})

test('fuse, fuse chunks, upsample and modify write what the library computes', needsShared, async () => {
  const dir = tempDir()
  const fusedPath = join(dir, 'out', 'fused.nc')
  let r = runCli([
    'fuse',
    '--input',
    reference('esc10-sample.nc'),
    reference('esc10-sample-db.nc'),
    '--dimension',
    'freq',
    '--output',
    fusedPath,
  ])
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual((await readDataSet(fusedPath)).features, (await readDataSet(reference('ops', 'fused-freq.nc'))).features)

  const chunksPath = join(dir, 'chunks.nc')
  r = runCli(['fuse', 'chunks', '--input', reference('esc10-sample-chunked.nc'), '--dimension', 'time', '--output', chunksPath])
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual((await readDataSet(chunksPath)).instances, (await readDataSet(reference('ops', 'chunked-fused.nc'))).instances)

  const upPath = join(dir, 'up.nc')
  r = runCli(['upsample', '--input', reference('ops', 'partitioned.nc'), '--partitions', 'TRAIN', '--output', upPath])
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual((await readDataSet(upPath)).instances, (await readDataSet(reference('ops', 'upsampled.nc'))).instances)

  const cvPath = join(dir, 'cv.nc')
  r = runCli(['modify', '--input', reference('esc10-sample-chunked.nc'), '--add-cv-setup', '2', '--seed', '4', '--output', cvPath])
  assert.equal(r.status, 0, r.stderr)
  assert.equal((await readDataSet(cvPath)).numFolds, 2)
  const cvAgain = join(dir, 'cv-again.nc')
  runCli(['modify', '--input', reference('esc10-sample-chunked.nc'), '--add-cv-setup', '2', '--seed', '4', '--output', cvAgain])
  assert.deepEqual((await readDataSet(cvAgain)).instances, (await readDataSet(cvPath)).instances, '--seed reproduces the order')

  const partPath = join(dir, 'part.nc')
  r = runCli(['modify', '--input', reference('esc10-sample.nc'), '--add-partitioning', 'train', 'devel', '--output', partPath])
  assert.equal(r.status, 0, r.stderr)
  assert.equal((await readDataSet(partPath)).hasPartitionInfo(), true)
  const noPart = join(dir, 'nopart.nc')
  r = runCli(['modify', '--input', partPath, '--remove-partitioning', '--output', noPart])
  assert.equal(r.status, 0, r.stderr)
  assert.equal((await readDataSet(noPart)).hasPartitionInfo(), false)
})

test('user errors are one line naming the problem, with a non-zero exit and nothing written', needsShared, () => {
  const dir = tempDir()
  const out = join(dir, 'never.nc')
  const cases: [string[], RegExp][] = [
    [['validate', '--input', join(dir, 'missing.nc')], /^audeep: error: .*missing\.nc: no such file\n$/],
    [
      ['fuse', '--input', reference('esc10-sample.nc'), reference('esc10-sample-chunked.nc'), '--dimension', 'freq', '--output', out],
      /^audeep: error: .*esc10-sample-chunked\.nc: feature shape \[25, 128\] is incompatible/,
    ],
    [['fuse', '--input', reference('esc10-sample.nc'), '--output', out, '--bogus'], /^audeep: error: Nonexistent flag: --bogus/],
    [
      ['modify', '--input', reference('esc10-sample.nc'), '--add-cv-setup', '2', '--remove-cv-setup', '--output', out],
      /^audeep: error: .*cannot also be provided/,
    ],
    [
      ['upsample', '--input', reference('ops', 'nometa.nc'), '--output', out],
      /^audeep: error: upsampling needs a fully labelled data set\n$/,
    ],
    [['inspect', 'netcdf', '--input', reference('README.md')], /^audeep: error: .*README\.md: not a netCDF file\n$/],
  ]
  for (const [args, pattern] of cases) {
    const r = runCli(args)
    assert.notEqual(r.status, 0, args.join(' '))
    assert.match(r.stderr, pattern, args.join(' '))
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for: ${args.join(' ')}\n${r.stderr}`)
  }
  assert.equal(existsSync(out), false)
  assert.deepEqual(readdirSync(dir), [])
  // With -v the stack trace may follow.
  const verbose = runCli(['-v', 'validate', '--input', join(dir, 'missing.nc')])
  assert.match(verbose.stderr, /no such file\n.*UserError/s)
})

test('help for every command and topic', () => {
  const fuseHelp = runCli(['help', 'fuse'])
  assert.equal(fuseHelp.status, 0)
  assert.match(fuseHelp.stdout, /--dimension/)
  assert.match(runCli(['fuse', 'chunks', '--help']).stdout, /Merge the chunks of each file/)
  assert.match(runCli(['inspect', '--help']).stdout, /netcdf/)
  assert.match(runCli(['--version']).stdout, /^audeep\/\d+\.\d+\.\d+/)
  assert.match(runCli(['validate', '--help']).stdout, /-q, --quiet/)
})
