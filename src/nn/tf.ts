// TensorFlow.js as the library imports it: `import * as tf from './tf.js'` instead of from
// '@tensorflow/tfjs'. The bundle is CommonJS; an ES `import` of it makes Node lex the 5 MB of every package it
// re-exports (core, layers, converter, data, backends) to learn their export names and route each of their
// require()s through the ES module loader: about 0.4 s of every training command's start-up on this
// project's 2-core machines, against 0.13 s for require() (docs/benchmarks.md, one-epoch overhead). So the
// bundle is loaded with require() here, its types are re-exported as they are, and the values the library
// uses are re-exported by name (the compiler rejects a use of one not listed below).

import {createRequire} from 'node:module'

import type * as TF from '@tensorflow/tfjs'

export type * from '@tensorflow/tfjs'

const tfjs = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof TF

export const {
  add,
  backend,
  backend_util,
  cast,
  clipByValue,
  clone,
  concat,
  customGrad,
  dispose,
  div,
  dropout,
  engine,
  equal,
  expandDims,
  fill,
  getBackend,
  getKernel,
  keep,
  less,
  losses,
  matMul,
  mean,
  moments,
  mul,
  ones,
  randomUniform,
  ready,
  registerKernel,
  relu,
  reshape,
  reverse,
  setBackend,
  sigmoid,
  slice,
  slice_util,
  softmax,
  split,
  sqrt,
  square,
  squaredDifference,
  stack,
  sub,
  tanh,
  tensor,
  tensor1d,
  tensor2d,
  tensor3d,
  tidy,
  train,
  transpose,
  unregisterKernel,
  unstack,
  util,
  variable,
  variableGrads,
  where,
  zeros,
  zerosLike,
} = tfjs
