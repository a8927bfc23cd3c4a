// HEAR's downstream protocol piece by piece: scores against scikit-learn/scipy, grid order against
// Python's random + ParameterGrid, fold rotation, and the MLP on data with a known answer.

import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {HearTaskMetadata} from '../../src/hear/task.js'
import {gridPoints, hearGrid, selectGridPoints} from '../../src/hear/grid.js'
import {PythonRandom} from '../../src/python/random.js'
import {averagePrecision, dPrime, macroRocAuc, meanAveragePrecision, normalQuantile, rocAuc, top1Accuracy} from '../../src/hear/metrics.js'
import {disposeHearMlp, predictHearMlp, trainHearMlp} from '../../src/hear/mlp.js'
import {dataSplits} from '../../src/hear/protocol.js'
import {pythonJsonIndent} from '../../src/python/json.js'
import {gaussianClasses} from '../../src/evaluate/synthetic.js'
import {Random} from '../../src/core/random.js'
import {pythonWith, runPython} from '../python/interpreter.js'

const sklearn = pythonWith(['numpy', 'sklearn', 'scipy'])
const python = pythonWith(['random'])

/** Random predictions with ties, over k classes, some of which never occur. */
function problem(seed: number, n: number, k: number, absent: number[]) {
  const random = new Random(seed)
  const pred = new Float32Array(n * k)
  const target = new Uint8Array(n * k)
  const present = Array.from({length: k}, (_, c) => c).filter((c) => !absent.includes(c))
  for (let i = 0; i < n; i++) {
    const label = present[random.int(present.length)]
    target[i * k + label] = 1
    for (let c = 0; c < k; c++) pred[i * k + c] = Math.round((random.next() + (c === label ? 0.4 : 0)) * 8) / 8
  }
  return {pred, target}
}

test(
  'scores agree with scikit-learn and scipy (ties, a class without positives)',
  {skip: sklearn === null ? 'no python3 with numpy, sklearn, scipy' : false},
  () => {
    const n = 60
    const k = 5
    const cases = [problem(1, n, k, []), problem(2, n, k, [3]), problem(3, n, k, [0, 4])]
    const code = `
import sys, json, warnings
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from scipy import stats
warnings.simplefilter('ignore')
out = []
for case in json.loads(sys.stdin.read()):
    p = np.array(case['pred'], dtype=np.float32).reshape(-1, ${k})
    t = np.array(case['target']).reshape(-1, ${k})
    top1 = float(np.mean(np.argmax(p, 1) == np.argmax(t, 1)))
    mAP = float(average_precision_score(t, p, average='macro'))
    try:
        auc = roc_auc_score(t, p, average=None)
        d = float(np.mean(stats.norm().ppf(auc) * np.sqrt(2.0)))
        aucm = float(roc_auc_score(t, p, average='macro'))
    except ValueError:
        d = aucm = None
    out.append([top1, mAP, aucm, d])
print(json.dumps(out))`
    const input = JSON.stringify(cases.map((c) => ({pred: Array.from(c.pred), target: Array.from(c.target)})))
    const expected = JSON.parse(runPython(sklearn!, code, [], input)) as (number | null)[][]
    cases.forEach(({pred, target}, i) => {
      const [top1, mAP, aucroc, dprime] = expected[i]
      assert.equal(top1Accuracy(pred, target, n, k), top1)
      assert.ok(
        Math.abs(meanAveragePrecision(pred, target, n, k) - mAP!) < 1e-12,
        `mAP case ${i}: ${meanAveragePrecision(pred, target, n, k)} vs ${mAP}`,
      )
      if (aucroc === null) {
        assert.ok(Number.isNaN(macroRocAuc(pred, target, n, k)))
        assert.ok(Number.isNaN(dPrime(pred, target, n, k)))
      } else {
        assert.ok(Math.abs(macroRocAuc(pred, target, n, k) - aucroc) < 1e-12, `aucroc case ${i}`)
        assert.ok(Math.abs(dPrime(pred, target, n, k) - dprime!) < 1e-12, `d_prime case ${i}`)
      }
    })
  },
)

test('per-class AP and AUC on a hand-worked example', () => {
  // Scores 0.9 (+), 0.8 (-), 0.8 (+), 0.1 (-): thresholds 0.9 -> P 1, R 1/2; 0.8 -> P 2/3, R 1; AP = 1/2 + 1/3.
  const pred = Float32Array.from([0.9, 0.8, 0.8, 0.1])
  const target = Uint8Array.from([1, 0, 1, 0])
  assert.ok(Math.abs(averagePrecision(pred, target, 4, 1, 0) - 5 / 6) < 1e-12)
  // Positive pairs: (0.9 > 0.8, 0.9 > 0.1, 0.8 = 0.8 -> 1/2, 0.8 > 0.1) = 3.5 of 4.
  assert.equal(rocAuc(pred, target, 4, 1, 0), 3.5 / 4)
})

test('normalQuantile inverts the normal CDF to double precision', () => {
  const known: [number, number][] = [
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
    [0.8413447460685429, 1],
  ]
  for (const [p, z] of known) assert.ok(Math.abs(normalQuantile(p) - z) < 1e-12 * Math.max(1, Math.abs(z)), `${p}: ${normalQuantile(p)}`)
  assert.equal(normalQuantile(1), Infinity)
  assert.equal(normalQuantile(0), -Infinity)
})

test("PythonRandom is CPython's Mersenne Twister (seed 42: getrandbits and shuffle)", () => {
  const r = new PythonRandom(42)
  // random.seed(42); [random.getrandbits(32) for _ in range(3)]
  assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [2746317213, 478163327, 107420369])
})

test("the default grid has heareval's 16 points and seed 42 trains the same 8 as heareval --deterministic", () => {
  assert.equal(gridPoints(hearGrid('default')).length, 16)
  assert.equal(gridPoints(hearGrid('fast')).length, 64)
  assert.equal(gridPoints(hearGrid('faster')).length, 64)
  // Python: random.seed(42); random.shuffle(list(ParameterGrid(PARAM_GRID)))[:8] (verified with scikit-learn).
  const picked = selectGridPoints(hearGrid('default'), 8, 42).map((p) => [p.hidden_layers, p.initialization, p.lr])
  assert.deepEqual(picked, [
    [1, 'xavier_normal', 1e-4],
    [2, 'xavier_uniform', 1e-3],
    [1, 'xavier_normal', 1e-3],
    [1, 'xavier_normal', 3.2e-4],
    [2, 'xavier_normal', 3.2e-4],
    [2, 'xavier_uniform', 3.2e-4],
    [2, 'xavier_normal', 3.2e-3],
    [2, 'xavier_uniform', 3.2e-3],
  ])
})

test('grid order matches Python for every grid and other seeds', {skip: python === null ? 'no python3' : false}, () => {
  for (const name of ['default', 'fast', 'faster'] as const) {
    for (const seed of [0, 7, 2 ** 32 - 1]) {
      const grid = hearGrid(name)
      // ParameterGrid: keys sorted, product with the last key fastest (written out so scikit-learn is not needed).
      const code = `
import itertools, json, random, sys
grid = json.loads(sys.argv[1])
keys = sorted(grid)
points = [dict(zip(keys, v)) for v in itertools.product(*[grid[k] for k in keys])]
random.seed(${seed})
random.shuffle(points)
print(json.dumps(points[:8]))`
      const expected = JSON.parse(runPython(python!, code, [JSON.stringify(grid)]))
      assert.deepEqual(selectGridPoints(grid, 8, seed), expected, `${name} seed ${seed}`)
    }
  }
})

const meta = (splitMode: HearTaskMetadata['splitMode'], splits: string[]): HearTaskMetadata => ({
  taskName: 't',
  splits,
  splitMode,
  embeddingType: 'scene',
  predictionType: 'multiclass',
  evaluation: ['top1_acc'],
  useScoringForEarlyStopping: true,
  taskSpecificParamGrid: null,
})

test('fold rotation: test fold i, validation fold i+1, training the rest, over sorted folds', () => {
  const splits = dataSplits(meta('new_split_kfold', ['fold02', 'fold00', 'fold01', 'fold03']))
  assert.deepEqual(splits, [
    {train: ['fold02', 'fold03'], valid: ['fold01'], test: ['fold00']},
    {train: ['fold00', 'fold03'], valid: ['fold02'], test: ['fold01']},
    {train: ['fold00', 'fold01'], valid: ['fold03'], test: ['fold02']},
    {train: ['fold01', 'fold02'], valid: ['fold00'], test: ['fold03']},
  ])
  assert.deepEqual(dataSplits(meta('trainvaltest', ['train', 'valid', 'test'])), [{train: ['train'], valid: ['valid'], test: ['test']}])
  assert.throws(() => dataSplits(meta('trainvaltest', ['train', 'test'])), /needs a 'valid' split/)
})

test("pythonJsonIndent writes Python's json.dumps(indent=4)", () => {
  const text = pythonJsonIndent({a: {x: 0.5, n: 3n, z: NaN}, e: [], s: 'ü', l: [1n, 1e-5]})
  assert.equal(
    text,
    '{\n    "a": {\n        "x": 0.5,\n        "n": 3,\n        "z": NaN\n    },\n    "e": [],\n    "s": "\\u00fc",\n    "l": [\n        1,\n        1e-05\n    ]\n}',
  )
})

function matrix(n: number, d: number, k: number, seed: number, separation: number) {
  const data = gaussianClasses({n, d, classes: k, separation, seed})
  const targets = new Uint8Array(n * k)
  data.labels.forEach((l, i) => (targets[i * k + l] = 1))
  return {x: data.features, n, d, targets}
}

test('the MLP learns separable classes, reproducibly, and early stopping ends a hopeless run', async () => {
  const k = 4
  const train = matrix(200, 16, k, 1, 3)
  const valid = matrix(80, 16, k, 1, 3)
  const config = {
    ...selectGridPoints(hearGrid('default'), 1, 42)[0],
    hidden_dim: 64,
    max_epochs: 60,
    check_val_every_n_epoch: 3,
    lr: 3.2e-3,
  }
  const monitor = {mode: 'max' as const, score: (p: Float32Array) => top1Accuracy(p, valid.targets, valid.n, k)}
  const first = await trainHearMlp(train, valid, k, 'multiclass', config, monitor, new Random(5))
  assert.ok(first.validationScore >= 0.95, `validation accuracy ${first.validationScore}`)
  assert.equal((first.epoch + 1) % 3, 0)
  const {probabilities} = await predictHearMlp(first.model, valid)
  assert.equal(top1Accuracy(probabilities, valid.targets, valid.n, k), first.validationScore, 'the returned model is the best checkpoint')
  const second = await trainHearMlp(train, valid, k, 'multiclass', config, monitor, new Random(5))
  assert.equal(second.validationScore, first.validationScore)
  assert.equal(second.epoch, first.epoch)
  disposeHearMlp(first.model)
  disposeHearMlp(second.model)

  // Labels unrelated to the features: nothing to learn, so after `patience` checks without improvement it stops.
  const shuffled = new Uint8Array(valid.n * k)
  const pick = new Random(9)
  for (let i = 0; i < valid.n; i++) shuffled[i * k + pick.int(k)] = 1
  const noise = {...valid, targets: shuffled}
  const hopeless = {mode: 'min' as const, score: (_p: Float32Array, loss: number) => loss}
  const stopped = await trainHearMlp(
    train,
    noise,
    k,
    'multiclass',
    {...config, max_epochs: 500, check_val_every_n_epoch: 1, patience: 2},
    hopeless,
    new Random(1),
  )
  assert.ok(stopped.epochsRun < 100, `ran ${stopped.epochsRun} epochs`)
  assert.equal(stopped.epochsRun, stopped.epoch + 1 + 2)
  disposeHearMlp(stopped.model)
})
