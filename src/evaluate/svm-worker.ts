// Worker side of svm-parallel.ts: solves a range of one-vs-rest problems on shared memory.

import {parentPort, workerData} from 'node:worker_threads'

import {type LinearSvmOptions, solveSvmProblems, type SvmProblems} from './linear-svm.js'

export interface SvmWorkerTask {
  x: Float64Array
  n: number
  d: number
  labels: Int32Array
  options: LinearSvmOptions
  plan: SvmProblems
  gram: Float64Array | null
  first: number
  last: number
  weights: Float64Array
  intercepts: Float64Array
}

const task = workerData as SvmWorkerTask
const fits = solveSvmProblems(
  task.x,
  task.n,
  task.d,
  task.labels,
  task.options,
  task.plan,
  task.gram,
  task.first,
  task.last,
  task.weights,
  task.intercepts,
)
parentPort!.postMessage(fits)
