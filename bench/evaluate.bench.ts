// Evaluation speed: linear SVM 5-fold cross-validation (standardisation + LinearSVC-equivalent training and
// prediction per fold) on 400 x 1024 and 8000 x 1024 features with 10 classes, against scikit-learn's
// StandardScaler + LinearSVC on the same data in the same run (Debian's /usr/bin/python3 with
// python3-sklearn, when installed); then the tutorial's MLP evaluation (auDeep's defaults, 5 folds,
// --repeat 5) on the 400 x 1024 set, fast path and tfjs reference path in the same run.
// AUDEEP_BENCH_EVALUATE=svm|mlp runs one part only.

import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DataSet, Split} from '../src/data/dataset.js'
import {crossValidate} from '../src/evaluate/evaluation.js'
import {mlpLearner, svmLearner} from '../src/evaluate/learners.js'
import {MLP_DEFAULTS, mlpParallelFits, selectMlpBackend} from '../src/evaluate/mlp.js'
import {gaussianClasses} from '../src/evaluate/synthetic.js'
import {Random} from '../src/core/random.js'

const PYTHON = '/usr/bin/python3'
const COMPLEXITY = 0.01

const SKLEARN_SCRIPT = `
import sys, time, warnings
import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
warnings.simplefilter('ignore')
d, n, dim, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(n, dim)
y = np.fromfile(d + '/y.i32', dtype=np.int32)
folds = np.fromfile(d + '/folds.i32', dtype=np.int32)
times = []
for r in range(repeats):
    t0 = time.perf_counter()
    correct = 0
    for k in range(5):
        v = folds == k
        s = StandardScaler().fit(x[~v])
        m = LinearSVC(C=${COMPLEXITY}).fit(s.transform(x[~v]), y[~v])
        correct += int((m.predict(s.transform(x[v])) == y[v]).sum())
    times.append(time.perf_counter() - t0)
print(min(times), sorted(times)[len(times) // 2], correct / n)
`

function dataSet(n: number, d: number, separation: number): {ds: DataSet; features: Float32Array; labels: Int32Array; folds: Int32Array} {
  const data = gaussianClasses({n, d, classes: 10, separation, seed: 2024, constantColumns: 16})
  // Stratified: every block of 10 consecutive instances holds one of each class.
  const folds = Int32Array.from({length: n}, (_, i) => Math.floor(i / 10) % 5)
  const ds = new DataSet({
    featureDims: ['generated'],
    featureShape: [d],
    numFolds: 5,
    labelMap: new Map(Array.from({length: 10}, (_, c) => [`class ${c}`, c] as [string, number])),
    instances: Array.from(data.labels, (label, i) => ({
      filename: `f${String(i).padStart(5, '0')}.wav`,
      chunkNr: 0,
      labelNominal: `class ${label}`,
      labelNumeric: label,
      cvFolds: Array.from({length: 5}, (_, k) => (k === folds[i] ? Split.VALID : Split.TRAIN)),
      partition: null,
    })),
    features: data.features,
  })
  return {ds, features: data.features, labels: data.labels, folds}
}

async function timeOurs(ds: DataSet, repeats: number): Promise<{best: number; median: number; accuracy: number}> {
  const times: number[] = []
  let accuracy = 0
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint()
    const result = await crossValidate(ds, svmLearner({complexity: COMPLEXITY}), {
      repeat: 1,
      upsample: false,
      majorityVote: false,
      random: new Random(r + 1),
    })
    times.push(Number(process.hrtime.bigint() - start) / 1e9)
    accuracy = result.accuracy
  }
  const sorted = [...times].sort((a, b) => a - b)
  return {best: sorted[0], median: sorted[Math.floor(sorted.length / 2)], accuracy}
}

function timeSklearn(dir: string, n: number, d: number, repeats: number): {best: number; median: number; accuracy: number} | string {
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import sklearn'], {encoding: 'utf8'}).status !== 0) {
    return 'no baseline: Debian python3-sklearn is not installed (apt-get install python3-sklearn)'
  }
  const run = spawnSync(PYTHON, ['-c', SKLEARN_SCRIPT, dir, String(n), String(d), String(repeats)], {encoding: 'utf8'})
  if (run.status !== 0) return `no baseline: scikit-learn failed (${run.stderr.trim().split('\n').pop()})`
  const [best, median, accuracy] = run.stdout.trim().split(' ').map(Number)
  return {best, median, accuracy}
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'audeep-bench-evaluate-'))
  try {
    const only = process.env.AUDEEP_BENCH_EVALUATE // 'svm' or 'mlp' runs one part
    if (only !== 'mlp') await benchSvm(dir)
    if (only !== 'svm') await benchMlp()
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

async function benchSvm(dir: string): Promise<void> {
  console.log(`linear SVM (C = ${COMPLEXITY}), 5-fold cross-validation incl. standardisation, 10 classes; times in seconds (best / median)`)
  for (const [n, repeats, separation] of [
    [400, 5, 0.1],
    [8000, 1, 0.05],
  ] as const) {
    const d = 1024
    const {ds, features, labels, folds} = dataSet(n, d, separation)
    writeFileSync(join(dir, 'x.f32'), features)
    writeFileSync(join(dir, 'y.i32'), labels)
    writeFileSync(join(dir, 'folds.i32'), folds)
    if (n === 400) await timeOurs(ds, 1) // warm-up (JIT)
    const ours = await timeOurs(ds, repeats)
    const sk = timeSklearn(dir, n, d, repeats)
    const line = `${n} x ${d}: audeep ${ours.best.toFixed(3)} / ${ours.median.toFixed(3)} s (accuracy ${ours.accuracy.toFixed(4)})`
    if (typeof sk === 'string') console.log(`${line}; ${sk}`)
    else {
      console.log(
        `${line}; scikit-learn ${sk.best.toFixed(3)} / ${sk.median.toFixed(3)} s (accuracy ${sk.accuracy.toFixed(4)}); ratio sklearn/audeep (best) ${(sk.best / ours.best).toFixed(2)}x`,
      )
    }
  }
}

async function benchMlp(): Promise<void> {
  // The tutorial's MLP evaluation: auDeep's defaults, ESC-10's 5 folds, --repeat 5 (25 fits of 400
  // full-batch epochs) on 400 x 1024 features, the size of the tutorial's t-rae representations. No external
  // peer (the original needs TensorFlow 1.x); the same-run comparison is with our tfjs reference path (the
  // only path before the fast one; one fit at a time), which the fast path must reproduce exactly (same
  // accuracy). Target <= 20 s.
  const engine = await selectMlpBackend('auto')
  const {ds} = dataSet(400, 1024, 0.1)
  const repeat = Number(process.env.AUDEEP_BENCH_MLP_REPEAT ?? 5)
  const timeMlp = async (impl: 'auto' | 'reference') => {
    const start = process.hrtime.bigint()
    const cpu = process.cpuUsage()
    const result = await crossValidate(ds, mlpLearner({...MLP_DEFAULTS, impl}), {
      repeat,
      upsample: false,
      majorityVote: false,
      random: new Random(1),
    })
    const used = process.cpuUsage(cpu)
    return {seconds: Number(process.hrtime.bigint() - start) / 1e9, cpu: (used.user + used.system) / 1e6, accuracy: result.accuracy}
  }
  const describe = (r: {seconds: number; cpu: number; accuracy: number}) =>
    `${r.seconds.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU (accuracy ${r.accuracy.toFixed(4)})`
  const ours = await timeMlp('auto')
  const fastUsed = engine.backend === 'native' && process.env.AUDEEP_MLP_REFERENCE !== '1'
  const parallel = mlpParallelFits({...MLP_DEFAULTS, impl: 'auto'})
  const path = !fastUsed ? 'tfjs path' : parallel > 1 ? `native fits, ${parallel} at once` : 'fast path, one fit at a time'
  console.log(
    `MLP (auDeep defaults: 2 x 150 units, keep 0.6, 400 full-batch epochs), 5-fold CV x ${repeat} repeats on 400 x 1024, ` +
      `${path} on ${engine.description}: ${describe(ours)}; target <= 20 s`,
  )
  if (fastUsed && process.env.AUDEEP_BENCH_MLP_REFERENCE !== '0') {
    const ref = await timeMlp('reference')
    console.log(
      `  same run, tfjs reference path: ${describe(ref)}; ratio ${(ref.seconds / ours.seconds).toFixed(2)}x wall, ` +
        `${(ref.cpu / ours.cpu).toFixed(2)}x CPU; accuracy ${ref.accuracy === ours.accuracy ? 'identical' : 'DIFFERS'}` +
        ' (AUDEEP_BENCH_MLP_REFERENCE=0 skips this run)',
    )
  }
}
