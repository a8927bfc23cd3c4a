// The fuzz suite: seeded mutations of real inputs of every family, read in-process through the library.
// Each case must either succeed with output that checks out or fail with a UserError naming the damaged
// file; an internal error (any other exception), an unnamed error, accepted invalid output or a hang
// (no answer within 20 s) fails the test, listing the cases with what to reproduce them.
//
// CI runs AUDEEP_FUZZ_CASES (default 60) cases per family; AUDEEP_FUZZ_SEED (default 1) picks another
// sample; AUDEEP_FUZZ_REPORT=FILE writes the figures as JSON (docs/reliability.md quotes them).

import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {deriveSeed, Random} from '../../src/core/random.js'
import {tempDir} from '../helpers.js'
import {FAMILIES} from './families.js'
import {pickMutation, writeMutated, type Mutation} from './mutate.js'

const CASES = Number(process.env.AUDEEP_FUZZ_CASES ?? 60)
const SEED = Number(process.env.AUDEEP_FUZZ_SEED ?? 1)
const CASE_TIMEOUT_MS = 20_000
// HDF5 loops forever on some damaged files; the reader gives up on them after this many seconds (30 by
// default, generous for real files), which is plenty for the small seeds here.
process.env.AUDEEP_HDF5_TIMEOUT ??= '5'

type Outcome = 'accepted' | 'rejected' | 'internal error' | 'unnamed error' | 'accepted invalid' | 'hang'

interface FamilyReport {
  family: string
  seeds: string[]
  cases: number
  outcomes: Record<Outcome, number>
  mutations: Partial<Record<Mutation, number>>
  seconds: number
  failures: string[]
}

const reports: FamilyReport[] = []

after(() => {
  const file = process.env.AUDEEP_FUZZ_REPORT
  if (file) writeFileSync(file, JSON.stringify({cases: CASES, seed: SEED, node: process.version, families: reports}, null, 2) + '\n')
})

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

FAMILIES.forEach((family, familyIndex) => {
  test(`fuzz ${family.name}: ${CASES} damaged inputs, each accepted with valid output or a UserError naming the file`, async (t) => {
    const work = tempDir(`audeep-fuzz-`)
    const seeds = await family.seeds(work)
    if (typeof seeds === 'string') {
      t.skip(seeds)
      return
    }
    const report: FamilyReport = {
      family: family.name,
      seeds: seeds.map((s) => s.name),
      cases: CASES,
      outcomes: {accepted: 0, rejected: 0, 'internal error': 0, 'unnamed error': 0, 'accepted invalid': 0, hang: 0},
      mutations: {},
      seconds: 0,
      failures: [],
    }
    const sourceBytes = new Map(seeds.map((s) => [s, readFileSync(s.source)]))
    const started = process.hrtime.bigint()
    for (let i = 0; i < CASES; i++) {
      const random = new Random(deriveSeed(SEED, familyIndex, i))
      const seed = seeds[i % seeds.length]
      const mutation = pickMutation(random)
      report.mutations[mutation] = (report.mutations[mutation] ?? 0) + 1
      const dir = join(work, 'case')
      rmSync(dir, {recursive: true, force: true})
      mkdirSync(dir)
      const target = seed.prepare(dir)
      const what = writeMutated(target, sourceBytes.get(seed)!, mutation, random)
      let outcome: Outcome
      let detail = ''
      try {
        const result = await withTimeout(seed.run(dir, target), CASE_TIMEOUT_MS)
        outcome = result === 'timeout' ? 'hang' : 'accepted'
      } catch (error) {
        const message = (error as Error)?.message ?? String(error)
        if (error instanceof UserError) {
          outcome = message.includes(target) || message.includes(dir) ? 'rejected' : 'unnamed error'
        } else if (error instanceof assert.AssertionError) outcome = 'accepted invalid'
        else outcome = 'internal error'
        detail = `${(error as Error)?.name ?? typeof error}: ${message.split('\n')[0].slice(0, 300)}`
      }
      report.outcomes[outcome]++
      if (process.env.AUDEEP_FUZZ_VERBOSE) {
        process.stderr.write(`${family.name} ${i} ${seed.name} ${what}: ${outcome} ${detail}\n`)
      }
      if (outcome !== 'accepted' && outcome !== 'rejected') {
        report.failures.push(`case ${i} (AUDEEP_FUZZ_SEED=${SEED}), ${seed.name} ${what}: ${outcome}: ${detail}`)
      }
    }
    report.seconds = Number(process.hrtime.bigint() - started) / 1e9
    reports.push(report)
    rmSync(work, {recursive: true, force: true})
    const o = report.outcomes
    t.diagnostic(
      `${family.name}: ${CASES} cases in ${report.seconds.toFixed(1)} s: ${o.accepted} accepted, ${o.rejected} rejected with a UserError naming the file; ` +
        `${o['internal error']} internal errors, ${o['unnamed error']} unnamed errors, ${o['accepted invalid']} accepted invalid, ${o.hang} hangs`,
    )
    assert.deepEqual(report.failures, [], `${report.failures.length} failing cases:\n${report.failures.slice(0, 15).join('\n')}`)
  })
})
