// Flags of `svm|mlp evaluate|predict` (auDeep's names and defaults, reference §5.1 and §5.7), shared so that
// the four commands stay consistent.

import {Flags} from '@oclif/core'

import {floatFlag, partitionsFlag, seedFlag} from './flags.js'
import type {LinearSvmOptions} from '../evaluate/linear-svm.js'
import {BACKEND_CHOICES} from '../nn/engine/index.js'
import {MLP_DEFAULTS, type MlpOptions} from '../evaluate/mlp.js'

const positive = floatFlag({min: 0, exclusiveMin: true})

const sharedFlags = {
  upsample: Flags.boolean({
    description: 'Balance the classes of the training split by repeating instances (max_count // count times per class).',
  }),
  'majority-vote': Flags.boolean({
    description:
      'Label each file by a majority vote over its chunks (ties: smallest numeric label). Without it, as in auDeep, the last chunk of each file decides.',
  }),
  seed: seedFlag,
}

export const evaluateFlags = {
  input: Flags.string({
    description: 'The data set to evaluate (1-D features, e.g. from t-rae generate).',
    required: true,
    helpValue: 'FILE',
  }),
  'cross-validate': Flags.boolean({description: 'Evaluate with the cross-validation folds of the data set.'}),
  'train-partitions': partitionsFlag({description: 'Train on these partitions (train, devel, test); needs --eval-partitions.'}),
  'eval-partitions': partitionsFlag({description: 'Evaluate on these partitions; needs --train-partitions.'}),
  repeat: Flags.integer({description: 'Repeat the evaluation this many times and average the results.', default: 1, min: 1}),
  ...sharedFlags,
  json: Flags.string({
    description: 'Also write every figure (per fold and repeat, means, intervals, confusion matrices) to this JSON file.',
    helpValue: 'FILE',
  }),
  plot: Flags.string({
    description: 'Also draw the confusion matrix (summed over folds and repeats) to this PNG file.',
    helpValue: 'FILE.png',
  }),
}

export const predictFlags = {
  'train-input': Flags.string({description: 'The labelled data set to train on.', required: true, helpValue: 'FILE'}),
  'train-partitions': partitionsFlag({description: 'Only train on these partitions of the training data.'}),
  'eval-input': Flags.string({description: 'The data set to predict.', required: true, helpValue: 'FILE'}),
  'eval-partitions': partitionsFlag({description: 'Only predict these partitions of the evaluation data.'}),
  ...sharedFlags,
  output: Flags.string({
    description: 'Where to write the predictions: "<filename>\\t<label>" per file, sorted by filename.',
    required: true,
    helpValue: 'FILE',
  }),
}

export const svmFlags = {
  complexity: positive({description: 'The SVM complexity (penalty) parameter C.', required: true, helpValue: 'C'}),
}

export function svmOptions(flags: {complexity: number}): LinearSvmOptions {
  return {complexity: flags.complexity}
}

export const mlpFlags = {
  'learning-rate': positive({description: 'Adam learning rate.', default: MLP_DEFAULTS.learningRate}),
  'num-epochs': Flags.integer({
    description: 'Training epochs (one Adam step per epoch in full-batch training).',
    default: MLP_DEFAULTS.numEpochs,
    min: 1,
  }),
  'num-layers': Flags.integer({description: 'Number of hidden layers.', default: MLP_DEFAULTS.numLayers, min: 0}),
  'num-units': Flags.integer({description: 'Units per hidden layer.', default: MLP_DEFAULTS.numUnits, min: 1}),
  'keep-prob': floatFlag({min: 0, exclusiveMin: true, max: 1})({
    description: 'Probability of keeping a hidden unit in dropout (1 = no dropout).',
    default: MLP_DEFAULTS.keepProb,
  }),
  'batch-size': Flags.integer({
    description: 'Train on minibatches of this size (default: the whole training split at once, as auDeep).',
    min: 1,
  }),
  shuffle: Flags.boolean({
    description: "Draw a new minibatch order every epoch (no effect in full-batch training, where auDeep's --shuffle did nothing either).",
  }),
  'relu-logits': Flags.boolean({
    description: 'Apply a ReLU to the output logits, as the original auDeep did (a defect; only for comparisons).',
  }),
  backend: Flags.string({
    description: 'Compute backend: auto prefers the native kernels, then falls back to tfjs wasm.',
    options: [...BACKEND_CHOICES],
    default: 'auto',
  }),
}

export function mlpOptions(flags: {
  'learning-rate': number
  'num-epochs': number
  'num-layers': number
  'num-units': number
  'keep-prob': number
  'batch-size'?: number
  shuffle: boolean
  'relu-logits': boolean
}): MlpOptions {
  return {
    learningRate: flags['learning-rate'],
    numEpochs: flags['num-epochs'],
    numLayers: flags['num-layers'],
    numUnits: flags['num-units'],
    keepProb: flags['keep-prob'],
    batchSize: flags['batch-size'],
    shuffle: flags.shuffle,
    reluLogits: flags['relu-logits'],
  }
}
