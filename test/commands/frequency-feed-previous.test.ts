// The frequency decoders' feed-previous default through the CLI: f-rae and ft-rae feed their frequency
// decoder its own outputs unless told otherwise (teacher forcing lets it copy bands of the frame it
// reconstructs, docs/differences.md), t-rae keeps auDeep's 0, and --continue keeps what the run used.

import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {continueTraining, needsShared, reference, runCli, tempDir} from '../helpers.js'

const spectrograms = reference('esc10-sample.nc')
const small = ['--batch-size', '10', '--backend', 'wasm', '--seed', '3', '--num-epochs', '1']

function train(kind: string, run: string, ...extra: string[]) {
  const units = kind === 'ft-rae' ? ['--num-f-units', '4', '--num-t-units', '4', '--num-t-layers', '1'] : ['--num-units', '4']
  const r = runCli([kind, 'train', '--input', spectrograms, '--run-name', run, ...small, ...units, ...extra])
  assert.equal(r.status, 0, r.stderr)
  return r.stderr
}

const hyperParameters = (run: string, step: number) =>
  JSON.parse(readFileSync(join(run, 'logs', `model-${step}`, 'checkpoint.json'), 'utf8')).hyperParameters

test(
  'f-rae: the frequency decoder is fed its own outputs by default; 0 is teacher forcing; --continue keeps the run own',
  needsShared,
  () => {
    const dir = tempDir()
    const fed = join(dir, 'fed'),
      forced = join(dir, 'forced')
    assert.match(train('f-rae', fed), /frequency decoder: feed-previous probability 1\n/)
    assert.equal(hyperParameters(fed, 2).feedPreviousProb, 1)
    assert.match(train('f-rae', forced, '--feed-previous-prob', '0'), /feed-previous probability 0 \(teacher forcing/)
    assert.equal(hyperParameters(forced, 2).feedPreviousProb, 0)
    // A run trained with teacher forcing (e.g. before the default changed) goes on with it.
    const r = continueTraining('f-rae', spectrograms, forced)
    assert.equal(r.status, 0, r.stderr)
    assert.equal(hyperParameters(forced, 4).feedPreviousProb, 0)
  },
)

test("ft-rae feeds its frequency decoder its own outputs by default, not its time decoder; t-rae keeps auDeep's 0", needsShared, () => {
  const dir = tempDir()
  train('ft-rae', join(dir, 'ft'))
  assert.deepEqual(
    (({feedPreviousProb, timeFeedPreviousProb}) => ({feedPreviousProb, timeFeedPreviousProb}))(hyperParameters(join(dir, 'ft'), 2)),
    {feedPreviousProb: 1, timeFeedPreviousProb: 0},
  )
  const trae = train('t-rae', join(dir, 't'))
  assert.doesNotMatch(trae, /frequency decoder/)
  assert.equal(hyperParameters(join(dir, 't'), 2).feedPreviousProb, 0)
})
