// Shared by the tests: where the team's reference material lives, temporary directories, running the CLI.

import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {TUTORIAL_PREPROCESS_FLAGS} from '../src/preprocess/tutorial.js'

/** The repository root (tests run from dist/test/...). */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

/** ../shared beside the checkout: reference outputs of the original auDeep and sample data. */
export const sharedDir = resolve(repoRoot, '..', 'shared')
export const referenceDir = join(sharedDir, 'reference', 'audeep')

/** Why tests that read ../shared are skipped, or undefined when it is there. */
export const sharedMissing: string | undefined = existsSync(referenceDir)
  ? undefined
  : `needs the team's reference material in ${sharedDir} (auDeep's outputs, ESC-10, a HEAR task), which is absent`

/** test() options of a test that reads ../shared: skipped, with the reason, when it is absent. */
export const needsShared = {skip: sharedMissing ?? false}

export function reference(...parts: string[]): string {
  return join(referenceDir, ...parts)
}

export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts)
}

const tempDirs: string[] = []

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'audeep-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (tempDirs.length === 0) process.on('exit', () => tempDirs.forEach((d) => rmSync(d, {recursive: true, force: true})))
  tempDirs.push(dir)
  return dir
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI (bin/run.js) as a user would. */
export function runCli(args: string[], options: {cwd?: string; input?: string; env?: NodeJS.ProcessEnv} = {}): CliResult {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? '',
    encoding: 'utf8',
    env: {...process.env, ...options.env},
    maxBuffer: 256 * 1024 * 1024,
  })
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** `KIND train --continue`: one more epoch of the run in `run` on the wasm backend, as a user would resume it. */
export function continueTraining(kind: 't-rae' | 'f-rae' | 'ft-rae', input: string, run: string): CliResult {
  return runCli([kind, 'train', '--input', input, '--run-name', run, '--continue', '--num-epochs', '1', '--backend', 'wasm'])
}

/** The 20 ESC-10 clips bundled with the project. */
export const sampleDir = join(repoRoot, 'samples', 'esc-10-subset')

/** preprocess options of auDeep's ESC-10 tutorial (those behind shared/reference/audeep/esc10-sample.nc). */
export const TUTORIAL_PREPROCESS = [...TUTORIAL_PREPROCESS_FLAGS]

/** Paths of the 20 bundled ESC-10 clips, in class-folder then file-name order. */
export function sampleClips(): string[] {
  const files: string[] = []
  for (const dir of readdirSync(sampleDir)
    .filter((d) => /^\d{3} - /.test(d))
    .sort())
    for (const f of readdirSync(join(sampleDir, dir)).sort()) if (f.endsWith('.ogg')) files.push(join(sampleDir, dir, f))
  return files
}
