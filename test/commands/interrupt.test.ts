// SIGINT and SIGTERM during a writing command: one line "interrupted", exit status 130, no temporary and no
// partial output, a previous output untouched. SIGKILL leaves a temporary, which the next run to the same
// output removes. The signal is sent once the command's temporary output exists, i.e. while it writes.

import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {needsShared, reference, repoRoot, runCli, sampleDir, tempDir, TUTORIAL_PREPROCESS} from '../helpers.js'

interface Run {
  status: number | null
  signal: NodeJS.Signals | null
  stderr: string
  /** False if the command ended before `ready` became true (the signal was never sent). */
  signalled: boolean
}

/** Runs the CLI and sends `signal` as soon as `ready()` holds (polled every 5 ms). */
function runAndSignal(args: string[], ready: () => boolean, signal: NodeJS.Signals): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    let signalled = false
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const poll = setInterval(() => {
      if (!signalled && ready()) {
        signalled = true
        child.kill(signal)
      }
    }, 5)
    child.on('error', reject)
    child.on('close', (status, sig) => {
      clearInterval(poll)
      resolve({status, signal: sig, stderr, signalled})
    })
  })
}

const temporaries = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'))

function preprocessArgs(output: string): string[] {
  // One worker: slow enough (about a second of work) to be caught while writing.
  return ['preprocess', '--basedir', sampleDir, ...TUTORIAL_PREPROCESS, '--workers', '1', '--output', output]
}

function assertInterrupted(run: Run, what: string): void {
  assert.ok(run.signalled, `${what}: the command finished before its temporary output appeared`)
  assert.equal(run.status, 130, `${what}: exit status (stderr: ${run.stderr})`)
  const lines = run.stderr.trim().split('\n')
  assert.equal(lines[lines.length - 1], 'audeep: error: interrupted', what)
  assert.equal(run.stderr.match(/interrupted/g)?.length, 1, `${what}: one line`)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during preprocess: exit 130, "interrupted", nothing written`, async () => {
    const dir = tempDir()
    const run = await runAndSignal(preprocessArgs(join(dir, 'out.nc')), () => temporaries(dir).length > 0, signal)
    assertInterrupted(run, `preprocess ${signal}`)
    assert.deepEqual(readdirSync(dir), [])
  })
}

test('SIGKILL during preprocess leaves a temporary; the next run to the same output removes it', async () => {
  const dir = tempDir()
  const output = join(dir, 'out.nc')
  const run = await runAndSignal(preprocessArgs(output), () => temporaries(dir).length > 0, 'SIGKILL')
  assert.ok(run.signalled && run.signal === 'SIGKILL')
  assert.equal(temporaries(dir).length, 1, 'the killed run left its temporary')
  const again = runCli(preprocessArgs(output))
  assert.equal(again.status, 0, again.stderr)
  assert.deepEqual(readdirSync(dir), ['out.nc'])
})

const golden = reference('esc10-sample.nc')
const skipExport = !existsSync(golden) && 'the golden esc10-sample.nc (../shared/reference/audeep) is not available'

test('SIGINT during export: exit 130, the previous export untouched, no staging directory left', {skip: skipExport}, async () => {
  const dir = tempDir()
  const output = join(dir, 'export')
  // A previous, complete export of another data set under the same name.
  const previous = runCli([
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
  assert.equal(previous.status, 0, previous.stderr)
  const before = readdirSync(output, {recursive: true, encoding: 'utf8'}).sort()
  const file = join(
    output,
    before.find((f) => f.endsWith('set.csv'))!,
  )
  const content = readFileSync(file)
  const run = await runAndSignal(
    ['export', '--input', golden, '--format', 'CSV', '--name', 'set', '--output', output],
    () => temporaries(output).length > 0,
    'SIGINT',
  )
  assertInterrupted(run, 'export SIGINT')
  assert.deepEqual(readdirSync(output, {recursive: true, encoding: 'utf8'}).sort(), before)
  assert.ok(readFileSync(file).equals(content), 'the previous file is unchanged')
})

test('SIGKILL during export into a new directory: the next export removes the stale staging directory', {skip: skipExport}, async () => {
  const dir = tempDir()
  const output = join(dir, 'export')
  const run = await runAndSignal(
    ['export', '--input', golden, '--format', 'CSV', '--output', output],
    () => temporaries(dir).length > 0,
    'SIGKILL',
  )
  assert.ok(run.signalled && run.signal === 'SIGKILL')
  assert.equal(temporaries(dir).length, 1, 'the killed run left its staging directory')
  assert.ok(!existsSync(output), 'no partial export tree')
  const again = runCli(['export', '--input', golden, '--format', 'CSV', '--output', output])
  assert.equal(again.status, 0, again.stderr)
  assert.deepEqual(readdirSync(dir), ['export'])
  assert.equal(readdirSync(output).length, 5)
})

test('SIGTERM during mlp evaluate: exit 130 and one line "interrupted" (the fits stop)', needsShared, async () => {
  // The signal goes out once the log says the first fold is being processed: the handlers are installed by then.
  const args = [
    'mlp',
    'evaluate',
    '--input',
    reference('esc10-sample-generated-layout.nc'),
    '--cross-validate',
    '--num-epochs',
    '20000',
    '--repeat',
    '20',
  ]
  const run = await new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    let signalled = false
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (!signalled && stderr.includes('processing cross validation fold')) {
        signalled = true
        child.kill('SIGTERM')
      }
    })
    child.on('error', reject)
    child.on('close', (status, signal) => resolve({status, signal, stderr, signalled}))
  })
  assertInterrupted(run, 'mlp evaluate SIGTERM')
})
