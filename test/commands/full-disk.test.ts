// A full disk: writing commands fail with one line naming the file and ENOSPC, and leave neither a
// temporary nor a partial output (a previous output stays as it was). Uses a small tmpfs, which needs
// root (mount); skipped otherwise.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {reference, runCli, sampleDir, tempDir, TUTORIAL_PREPROCESS} from '../helpers.js'
import {haveGoldenSpectrograms, writeCrop} from '../nn/tiny-run.js'

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false
  const dir = tempDir()
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], {stdio: 'ignore'}).status !== 0) return false
  spawnSync('umount', [dir], {stdio: 'ignore'})
  return true
}

const skip = !canMount() && 'needs root and a mountable tmpfs'

/** Runs `body` with a fresh tmpfs of `size` mounted at a temporary directory. */
async function withFullDisk(size: string, body: (disk: string) => Promise<void> | void): Promise<void> {
  const disk = tempDir('audeep-full-disk-')
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk], {encoding: 'utf8'})
  assert.equal(mounted.status, 0, mounted.stderr)
  try {
    await body(disk)
  } finally {
    spawnSync('umount', [disk])
  }
}

/** Every entry under `dir`, recursively (hidden ones included). */
const entries = (dir: string): string[] => readdirSync(dir, {recursive: true, encoding: 'utf8'}).sort()

function assertOneLineNoSpace(result: {status: number | null; stderr: string}, file: string, what: string): void {
  assert.equal(result.status, 1, `${what}: exit status (stderr: ${result.stderr})`)
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('audeep:'))
  assert.equal(errors.length, 1, `${what}: one error line: ${result.stderr}`)
  assert.match(errors[0], /^audeep: error: .*(ENOSPC|no space left)/i, what)
  assert.ok(errors[0].includes(file), `${what}: the error names ${file}: ${errors[0]}`)
  assert.ok(errors[0].length < 300, `${what}: a short line`)
}

test('export on a full disk: one line, the previous export untouched, no staging directory', {skip}, async () => {
  await withFullDisk('256k', (disk) => {
    const output = join(disk, 'export')
    const small = runCli([
      'export',
      '--input',
      reference('ops', 'partial-labels.nc'),
      '--format',
      'CSV',
      '--name',
      'set',
      '--output',
      output,
    ])
    assert.equal(small.status, 0, small.stderr)
    const before = entries(disk)
    const file = join(output, before.find((f) => f.endsWith('set.csv'))!.slice('export/'.length))
    const content = readFileSync(file)
    const big = runCli(['export', '--input', reference('esc10-sample.nc'), '--format', 'CSV', '--name', 'set', '--output', output])
    assertOneLineNoSpace(big, output, 'export')
    assert.deepEqual(entries(disk), before)
    assert.ok(readFileSync(file).equals(content))
  })
})

test('preprocess and import on a full disk: one line naming the output, nothing left', {skip}, async () => {
  await withFullDisk('512k', (disk) => {
    const output = join(disk, 'out.nc')
    const pre = runCli(['preprocess', '--basedir', sampleDir, ...TUTORIAL_PREPROCESS, '--output', output])
    assertOneLineNoSpace(pre, output, 'preprocess')
    assert.deepEqual(entries(disk), [])
    const imported = join(disk, 'imported.nc')
    const imp = runCli(['import', '--basedir', reference('export', 'csv'), '--name', 'esc10-sample', '--output', imported])
    assertOneLineNoSpace(imp, imported, 'import')
    assert.deepEqual(entries(disk), [])
  })
})

test(
  't-rae train on a full disk: one line naming the checkpoint file, no temporary checkpoint left',
  {skip: skip || (!haveGoldenSpectrograms && 'the golden ESC-10 spectrograms are not available')},
  async () => {
    const input = join(tempDir(), 'crop.nc')
    await writeCrop(input)
    // Room for the event file, not for a checkpoint (its weights.bin alone is 53 KB).
    await withFullDisk('48k', (disk) => {
      const run = join(disk, 'run')
      const result = runCli([
        't-rae',
        'train',
        '--input',
        input,
        '--run-name',
        run,
        '--num-epochs',
        '1',
        '--num-units',
        '8',
        '--num-layers',
        '1',
        '--batch-size',
        '10',
      ])
      assertOneLineNoSpace(result, join(run, 'logs'), 't-rae train')
      assert.deepEqual(
        entries(disk).filter((f) => f.includes('model-')),
        [],
      )
    })
  },
)
