// One-vs-rest problems are independent, so large fits split them between this thread and a worker
// (the machines have two cores). Every problem has its own seed, so the model is identical to a
// single-threaded fit. Starting a worker costs ~40 ms, so small fits stay on this thread.

import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'

import type {Random} from '../core/random.js'
import {
  type BinaryFitResult,
  gramMatrix,
  type LinearSvmModel,
  type LinearSvmOptions,
  planSvmProblems,
  solveSvmProblems,
} from './linear-svm.js'
import type {SvmWorkerTask} from './svm-worker.js'

/** Multiply-adds per pass over all problems above which a second thread pays off (measured: bench/evaluate). */
export const PARALLEL_WORK_THRESHOLD = 2e7

function shared<T extends Float64Array | Int32Array>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return make(new SharedArrayBuffer(bytes))
}

/**
 * Fits a one-vs-rest linear SVM like trainLinearSvm, using a worker thread for half of the problems when
 * the fit is large enough (`minWork` multiply-adds per pass; 0 forces it) and more than one core exists.
 */
export async function trainLinearSvmParallel(
  x: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  options: LinearSvmOptions,
  random: Random,
  minWork = PARALLEL_WORK_THRESHOLD,
): Promise<LinearSvmModel> {
  const plan = planSvmProblems(n, d, labels, random)
  const problems = plan.positives.length
  const perPass = problems * n * (plan.useGram ? n : d)
  const parallel = problems >= 2 && perPass >= minWork && availableParallelism() >= 2
  const bias = options.interceptScaling ?? 1
  if (!parallel) {
    const weights = new Float64Array(problems * d)
    const intercepts = new Float64Array(problems)
    const gram = plan.useGram ? gramMatrix(x, n, d, bias) : null
    const fits = solveSvmProblems(x, n, d, labels, options, plan, gram, 0, problems, weights, intercepts)
    return {classes: plan.classes, numFeatures: d, weights, intercepts, fits}
  }
  const sharedX = shared((b) => new Float64Array(b), n * d * 8)
  sharedX.set(x.subarray(0, n * d))
  const sharedLabels = shared((b) => new Int32Array(b), n * 4)
  sharedLabels.set(labels.subarray(0, n))
  const weights = shared((b) => new Float64Array(b), problems * d * 8)
  const intercepts = shared((b) => new Float64Array(b), problems * 8)
  const gram = plan.useGram
    ? gramMatrix(
        sharedX,
        n,
        d,
        bias,
        shared((b) => new Float64Array(b), n * n * 8),
      )
    : null
  const split = Math.ceil(problems / 2)
  const task: SvmWorkerTask = {
    x: sharedX,
    n,
    d,
    labels: sharedLabels,
    options,
    plan,
    gram,
    first: split,
    last: problems,
    weights,
    intercepts,
  }
  const worker = new Worker(new URL('./svm-worker.js', import.meta.url), {workerData: task})
  const workerFits = new Promise<BinaryFitResult[]>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`linear SVM worker exited with code ${code}`)))
  })
  // Node runs this thread's half while the worker runs the other.
  let ownFits: BinaryFitResult[]
  try {
    ownFits = solveSvmProblems(sharedX, n, d, sharedLabels, options, plan, gram, 0, split, weights, intercepts)
  } catch (error) {
    await worker.terminate()
    throw error
  }
  const fits = [...ownFits, ...(await workerFits)]
  return {classes: plan.classes, numFeatures: d, weights, intercepts, fits}
}
