// Training checkpoints: `<run>/logs/model-<STEP>/` holds checkpoint.json (model configuration, progress,
// seed, hyper-parameters, tensor index) and weights.bin (every parameter and Adam moment as little-endian
// float32). A checkpoint is written into a temporary directory and renamed into place, so an
// interruption never leaves a half-written one; everything needed to resume or generate is inside.

import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import * as tf from '@tensorflow/tfjs'

import {UserError} from '../core/errors.js'
import type {Adam} from './adam.js'
import type {AutoencoderConfig} from './autoencoders.js'

export const CHECKPOINT_VERSION = 1

export interface TrainingHyperParameters {
  batchSize: number
  learningRate: number
  keepProb: number
  encoderNoise: number
  timeEncoderNoise?: number
  feedPreviousProb: number
  timeFeedPreviousProb?: number
  /** 'epoch' (absent in older checkpoints): one permutation per epoch; 'stream': auDeep's shuffle queue. */
  batchOrder?: BatchOrder
}

export type BatchOrder = 'epoch' | 'stream'
export const BATCH_ORDERS: readonly BatchOrder[] = ['epoch', 'stream']

export interface TrainingProgress {
  /** Optimiser steps (batches) done so far. */
  step: number
  /** Epochs completed. */
  epoch: number
  /** Batches of the current, unfinished epoch already done (non-zero after an interruption). */
  batchInEpoch: number
  seed: number
  /** Input files and instance count, to check that --continue trains on the same data. */
  inputs: string[]
  numInstances: number
}

interface TensorEntry {
  name: string
  shape: number[]
  /** Offset in float32 elements into weights.bin. */
  offset: number
}

export interface CheckpointManifest {
  version: number
  config: AutoencoderConfig
  hyperParameters: TrainingHyperParameters
  progress: TrainingProgress
  parameters: TensorEntry[]
  adam: {step: number; moments: TensorEntry[]}
}

export function checkpointName(step: number): string {
  return `model-${step}`
}

/** Steps of the complete checkpoints in a run's log directory, ascending. */
export function listCheckpoints(logDir: string): number[] {
  if (!existsSync(logDir)) return []
  return readdirSync(logDir)
    .map((name) => /^model-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(logDir, m[0], 'checkpoint.json')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
}

export async function saveCheckpoint(
  logDir: string,
  manifest: Omit<CheckpointManifest, 'version' | 'parameters' | 'adam'>,
  parameters: ReadonlyMap<string, tf.Variable>,
  adam: Adam,
): Promise<string> {
  const entries: TensorEntry[] = []
  const chunks: Float32Array[] = []
  let offset = 0
  const add = async (name: string, tensor: tf.Tensor): Promise<TensorEntry> => {
    const data = (await tensor.data()) as Float32Array
    const entry = {name, shape: tensor.shape, offset}
    chunks.push(data)
    offset += data.length
    return entry
  }
  for (const [name, v] of parameters) entries.push(await add(name, v))
  const moments: TensorEntry[] = []
  for (const [name, {m, v}] of adam.moments) {
    moments.push(await add(`${name}/adam_m`, m))
    moments.push(await add(`${name}/adam_v`, v))
  }
  const weights = new Float32Array(offset)
  let at = 0
  for (const c of chunks) {
    weights.set(c, at)
    at += c.length
  }
  const full: CheckpointManifest = {version: CHECKPOINT_VERSION, ...manifest, parameters: entries, adam: {step: adam.step, moments}}
  const target = join(logDir, checkpointName(manifest.progress.step))
  const temp = `${target}.tmp-${process.pid}`
  rmSync(temp, {recursive: true, force: true})
  mkdirSync(temp, {recursive: true})
  writeFileSync(join(temp, 'weights.bin'), new Uint8Array(weights.buffer))
  writeFileSync(join(temp, 'checkpoint.json'), JSON.stringify(full, null, 2) + '\n')
  rmSync(target, {recursive: true, force: true})
  renameSync(temp, target)
  return target
}

export interface LoadedCheckpoint {
  path: string
  manifest: CheckpointManifest
  tensors: Map<string, Float32Array>
}

/**
 * The directory holding a run's checkpoints, given either it (auDeep's --model-dir, `<run>/logs`) or the run
 * directory itself (training's --run-name): `<dir>/logs` is used when `dir` has no checkpoints but it has.
 */
export function resolveModelDir(dir: string): string {
  if (listCheckpoints(dir).length === 0 && listCheckpoints(join(dir, 'logs')).length > 0) return join(dir, 'logs')
  return dir
}

export function loadCheckpoint(modelDir: string, step?: number): LoadedCheckpoint {
  const logDir = resolveModelDir(modelDir)
  const steps = listCheckpoints(logDir)
  if (steps.length === 0) {
    throw new UserError(
      `${modelDir}: no checkpoints (model-<STEP> directories) found here or in ${join(modelDir, 'logs')}; give the run directory (--run-name of training) or its logs/`,
    )
  }
  const chosen = step ?? steps[steps.length - 1]
  if (!steps.includes(chosen)) throw new UserError(`${logDir}: no checkpoint for step ${chosen} (available: ${steps.join(', ')})`)
  const path = join(logDir, checkpointName(chosen))
  let manifest: CheckpointManifest
  try {
    manifest = JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8')) as CheckpointManifest
  } catch (error) {
    throw new UserError(`${path}/checkpoint.json: cannot be read (${(error as Error).message})`)
  }
  if (manifest.version !== CHECKPOINT_VERSION)
    throw new UserError(`${path}: checkpoint format ${manifest.version} is not supported (expected ${CHECKPOINT_VERSION})`)
  const bytes = readFileSync(join(path, 'weights.bin'))
  const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const tensors = new Map<string, Float32Array>()
  for (const e of [...manifest.parameters, ...manifest.adam.moments]) {
    const size = e.shape.reduce((a, b) => a * b, 1)
    if (e.offset + size > weights.length) throw new UserError(`${path}/weights.bin: truncated (tensor ${e.name} is missing)`)
    tensors.set(e.name, weights.subarray(e.offset, e.offset + size))
  }
  return {path, manifest, tensors}
}

/** Copies a checkpoint's values into the model's parameters and (optionally) the optimiser. */
export function restoreCheckpoint(checkpoint: LoadedCheckpoint, parameters: ReadonlyMap<string, tf.Variable>, adam?: Adam): void {
  for (const [name, variable] of parameters) {
    const values = checkpoint.tensors.get(name)
    if (!values) throw new UserError(`${checkpoint.path}: has no value for parameter ${name} (different model options?)`)
    if (values.length !== variable.size)
      throw new UserError(
        `${checkpoint.path}: parameter ${name} has ${values.length} values, the model needs ${variable.size} (different model options?)`,
      )
    variable.assign(tf.tensor(values, variable.shape))
  }
  if (adam) {
    adam.dispose()
    adam.step = checkpoint.manifest.adam.step
    for (const name of parameters.keys()) {
      const m = checkpoint.tensors.get(`${name}/adam_m`)
      const v = checkpoint.tensors.get(`${name}/adam_v`)
      if (!m || !v) continue
      const shape = parameters.get(name)!.shape
      adam.moments.set(name, {m: tf.variable(tf.tensor(m, shape), false), v: tf.variable(tf.tensor(v, shape), false)})
    }
  }
}

/**
 * How many checkpoints training keeps by default: TensorFlow's Saver default, which auDeep relied on.
 * Each holds the weights and both Adam moments (3 float32 values per parameter), so keeping every epoch's
 * filled gigabytes on long runs.
 */
export const DEFAULT_CHECKPOINTS_TO_KEEP = 5

/** Keeps the newest `keep` checkpoints ('all': every one). */
export function pruneCheckpoints(logDir: string, keep: number | 'all' = DEFAULT_CHECKPOINTS_TO_KEEP): void {
  if (keep === 'all') return
  if (!Number.isInteger(keep) || keep < 1)
    throw new UserError(`the number of checkpoints to keep must be a positive integer or 'all', got ${keep}`)
  const steps = listCheckpoints(logDir)
  for (const step of steps.slice(0, Math.max(0, steps.length - keep)))
    rmSync(join(logDir, checkpointName(step)), {recursive: true, force: true})
}
