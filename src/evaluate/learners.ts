// The two classifiers behind one interface, so the evaluation protocol (evaluation.ts) is written once.

import type {Logger} from '../core/log.js'
import type {Random} from '../core/random.js'
import {type LinearSvmOptions, predictLinearSvm} from './linear-svm.js'
import {disposeMlp, type MlpOptions, mlpParallelFits, predictMlp, trainMlp} from './mlp.js'
import {trainLinearSvmParallel} from './svm-parallel.js'

/** One training and prediction task on standardised features. */
export interface LearningProblem<T extends Float32Array | Float64Array> {
  readonly d: number
  /** Row-major, standardised. */
  readonly trainX: T
  readonly trainLabels: Int32Array
  readonly evalX: T
  readonly evalN: number
  /** Every label of the data set's label map, ascending. */
  readonly classes: Int32Array
}

export interface Learner {
  readonly name: string
  /** The float type the learner computes in (standardised features are produced in it). */
  readonly precision: 'float32' | 'float64'
  fitPredict(problem: LearningProblem<Float32Array | Float64Array>, random: Random): Promise<Int32Array>
  /**
   * How many fitPredict calls may run at once (default 1). The evaluation protocol then trains that many
   * folds or repeats concurrently; each has its own random generator, so results do not depend on it.
   */
  parallelFits?(): number
}

/** LinearSVC(C) equivalent (auDeep's `svm`). */
export function svmLearner(options: LinearSvmOptions, logger?: Logger): Learner {
  return {
    name: 'svm',
    precision: 'float64',
    async fitPredict(problem, random) {
      const x = problem.trainX as Float64Array
      const model = await trainLinearSvmParallel(x, problem.trainLabels.length, problem.d, problem.trainLabels, options, random)
      const stuck = model.fits.filter((f) => !f.converged).length
      if (stuck > 0) {
        logger?.warn(
          `linear SVM: ${stuck} of ${model.fits.length} one-vs-rest problems did not converge in ${options.maxIterations ?? 1000} iterations (as LinearSVC would warn); the result may be less accurate`,
        )
      }
      logger?.debug(`linear SVM iterations per problem: ${model.fits.map((f) => f.iterations).join(', ')}`)
      return predictLinearSvm(model, problem.evalX as Float64Array, problem.evalN)
    },
  }
}

/** auDeep's `mlp` (see mlp.ts for the differences from the original). */
export function mlpLearner(options: MlpOptions, logger?: Logger): Learner {
  return {
    name: 'mlp',
    precision: 'float32',
    parallelFits: () => mlpParallelFits(options),
    async fitPredict(problem, random) {
      const model = await trainMlp(
        problem.trainX as Float32Array,
        problem.trainLabels.length,
        problem.d,
        problem.trainLabels,
        problem.classes,
        options,
        random,
      )
      logger?.debug(`MLP final training loss: ${model.finalLoss.toFixed(4)}`)
      try {
        return await predictMlp(model, problem.evalX as Float32Array, problem.evalN)
      } finally {
        disposeMlp(model)
      }
    },
  }
}
