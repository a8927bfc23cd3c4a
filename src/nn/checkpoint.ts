// Training checkpoints: `<run>/logs/model-<STEP>/` holds checkpoint.json (model configuration, progress,
// seed, hyper-parameters, tensor index) and weights.bin (every parameter and Adam moment as little-endian
// float32). A checkpoint is written into a temporary sibling directory and renamed into place, so an
// interruption or a full disk never leaves a half-written one (and a later save removes the temporaries of
// killed runs); everything needed to resume or generate is inside, and it is validated when loaded.

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {join} from 'node:path'

import * as tf from './tf.js'

import {UserError} from '../core/errors.js'
import {processAlive, registerTemporary, removeStaleTemporaries, tempSibling} from '../core/temp-files.js'
import type {Adam} from './adam.js'
import {withNativeBuffers} from './engine/heap.js'
import type {AutoencoderConfig} from './autoencoders.js'
import {BATCH_ORDERS, type BatchOrder, DECODER_VARIANTS, type DecoderVariant, DEFAULT_CHECKPOINTS_TO_KEEP} from './options.js'
import type {RnnArchitecture} from './rnn-stack.js'

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

export {BATCH_ORDERS, type BatchOrder, DEFAULT_CHECKPOINTS_TO_KEEP} from './options.js'

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
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false // missing, or a path through a file (ENOTDIR)
  }
}

export function listCheckpoints(logDir: string): number[] {
  if (!isDirectory(logDir)) return []
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
  // The values go from the backend's memory (views of the wasm heap on wasm) straight to the file, tensor
  // after tensor: no copy of the 31 MB in between (a fresh buffer of that size costs more to fault in than
  // the copy itself).
  const tensors: [string, tf.Tensor][] = [...parameters]
  for (const [name, {m, v}] of adam.moments) tensors.push([`${name}/adam_m`, m], [`${name}/adam_v`, v])
  const entries: TensorEntry[] = []
  let offset = 0
  for (const [name, tensor] of tensors) {
    entries.push({name, shape: tensor.shape, offset})
    offset += tensor.size
  }
  const parameterCount = parameters.size
  const moments = entries.slice(parameterCount)
  const full: CheckpointManifest = {
    version: CHECKPOINT_VERSION,
    ...manifest,
    parameters: entries.slice(0, parameterCount),
    adam: {step: adam.step, moments},
  }
  const target = join(logDir, checkpointName(manifest.progress.step))
  removeStaleCheckpointTemporaries(logDir)
  const temp = tempSibling(target)
  const registration = registerTemporary(temp)
  let step = 'weights.bin'
  try {
    mkdirSync(temp, {recursive: true})
    const fd = openSync(join(temp, 'weights.bin'), 'w')
    try {
      for (const [, tensor] of tensors) withNativeBuffers([tensor], [], ([values]) => writeAll(fd, values!))
    } finally {
      closeSync(fd)
    }
    step = 'checkpoint.json'
    writeFileSync(join(temp, 'checkpoint.json'), JSON.stringify(full, null, 2) + '\n')
    step = ''
    replaceDirectory(temp, target)
  } catch (error) {
    rmSync(temp, {recursive: true, force: true})
    const code = (error as NodeJS.ErrnoException).code
    if (code !== undefined) throw new UserError(`${step ? join(target, step) : target}: cannot write checkpoint (${code})`, {cause: error})
    throw error
  } finally {
    registration.release()
  }
  return target
}

function writeAll(fd: number, values: Float32Array): void {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at)
}

/** Renames a complete directory into place; an existing one is moved aside first and removed after. */
function replaceDirectory(temp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(temp, target)
    return
  }
  const old = tempSibling(target)
  renameSync(target, old)
  try {
    renameSync(temp, target)
  } catch (error) {
    renameSync(old, target)
    throw error
  }
  rmSync(old, {recursive: true, force: true})
}

/** Temporaries of killed runs: `.model-N.<pid>.<random>.tmp`, and `model-N.tmp-<pid>` of earlier versions. */
function removeStaleCheckpointTemporaries(logDir: string): void {
  removeStaleTemporaries(logDir)
  let entries: string[]
  try {
    entries = readdirSync(logDir)
  } catch {
    return
  }
  for (const entry of entries) {
    const match = /^model-\d+\.tmp-(\d+)$/.exec(entry)
    if (match && !processAlive(Number(match[1]))) rmSync(join(logDir, entry), {recursive: true, force: true})
  }
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
  const info = statSync(logDir, {throwIfNoEntry: false})
  if (info !== undefined && !info.isDirectory()) throw new UserError(`${logDir}: not a directory (expected a run's logs directory)`)
  const steps = listCheckpoints(logDir)
  if (steps.length === 0) {
    throw new UserError(
      `${modelDir}: no checkpoints (model-<STEP> directories) found here or in ${join(modelDir, 'logs')}; give the run directory (--run-name of training) or its logs/`,
    )
  }
  const chosen = step ?? steps[steps.length - 1]
  if (!steps.includes(chosen)) throw new UserError(`${logDir}: no checkpoint for step ${chosen} (available: ${steps.join(', ')})`)
  const path = join(logDir, checkpointName(chosen))
  const manifestPath = join(path, 'checkpoint.json')
  let json: unknown
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new UserError(`${manifestPath}: cannot be read (${reason})`)
  }
  const manifest = validateManifest(manifestPath, json)
  const all = [...manifest.parameters, ...manifest.adam.moments]
  const declared = all.reduce((end, e) => Math.max(end, e.offset + tensorSize(e)), 0)
  const needed = minimumParameters(manifest.config)
  const parameterValues = manifest.parameters.reduce((n, e) => n + tensorSize(e), 0)
  if (parameterValues < needed) {
    throw new UserError(
      `${manifestPath}: the model configuration needs at least ${needed} parameter values, the checkpoint declares ${parameterValues}`,
    )
  }
  const weightsPath = join(path, 'weights.bin')
  const weightsInfo = statSync(weightsPath, {throwIfNoEntry: false})
  if (weightsInfo === undefined) throw new UserError(`${weightsPath}: missing`)
  if (!weightsInfo.isFile()) throw new UserError(`${weightsPath}: not a regular file`)
  if (weightsInfo.size !== declared * 4) {
    throw new UserError(
      `${weightsPath}: ${weightsInfo.size} bytes, but checkpoint.json declares ${declared} float32 values (${declared * 4} bytes)` +
        (weightsInfo.size < declared * 4 ? '; truncated?' : ''),
    )
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(weightsPath)
  } catch (error) {
    throw new UserError(`${weightsPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  if (bytes.byteLength !== declared * 4) throw new UserError(`${weightsPath}: changed while being read`)
  const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const tensors = new Map<string, Float32Array>()
  for (const e of all) tensors.set(e.name, weights.subarray(e.offset, e.offset + tensorSize(e)))
  return {path, manifest, tensors}
}

function tensorSize(entry: TensorEntry): number {
  return entry.shape.reduce((a, b) => a * b, 1)
}

// ---------------------------------------------------------------------------------------------------------
// Validating checkpoint.json: everything used later is checked here, so a damaged or hand-edited file is
// one error naming it (and the field), never a crash or an absurd allocation further on.

/** Upper bounds that no real model reaches; beyond them a value is damage, not a configuration. */
const MAX_LAYERS = 64
const MAX_UNITS = 1 << 16
const MAX_FEATURES = 1 << 20
const MAX_TENSOR_VALUES = 2 ** 40

class SchemaError extends Error {}

type Json = unknown

function field(object: Json, key: string, where: string): Json {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new SchemaError(`${where} is not an object`)
  if (!(key in object)) throw new SchemaError(`${where ? where + '.' : ''}${key} is missing`)
  return (object as Record<string, Json>)[key]
}

function integer(value: Json, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SchemaError(`${where} must be an integer from ${min} to ${max}, is ${describeJson(value)}`)
  }
  return value
}

function finite(value: Json, where: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new SchemaError(`${where} must be a number${Number.isFinite(min) ? ` from ${min} to ${max}` : ''}, is ${describeJson(value)}`)
  }
  return value
}

function optionalFinite(object: Json, key: string, where: string, min: number, max: number): void {
  const value = (object as Record<string, Json>)[key]
  if (value !== undefined) finite(value, `${where}.${key}`, min, max)
}

function describeJson(value: Json): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? text.slice(0, 40) + '...' : text
}

function architectureOk(value: Json, where: string): RnnArchitecture {
  integer(field(value, 'layers', where), `${where}.layers`, 1, MAX_LAYERS)
  integer(field(value, 'units', where), `${where}.units`, 1, MAX_UNITS)
  // Checkpoints of earlier versions omit `bidirectional` for a unidirectional network (an unset flag).
  const bidirectional = (value as Record<string, Json>).bidirectional ?? false
  if (typeof bidirectional !== 'boolean') throw new SchemaError(`${where}.bidirectional must be true or false`)
  const cell = field(value, 'cell', where)
  if (cell !== 'gru' && cell !== 'lstm') throw new SchemaError(`${where}.cell must be "gru" or "lstm", is ${describeJson(cell)}`)
  return {...(value as unknown as RnnArchitecture), bidirectional}
}

function configOk(config: Json): AutoencoderConfig {
  const kind = field(config, 'kind', 'config')
  const numFeatures = integer(field(config, 'numFeatures', 'config'), 'config.numFeatures', 1, MAX_FEATURES)
  const windows = (): void => {
    const w = field(config, 'windows', 'config')
    const width = integer(field(w, 'width', 'config.windows'), 'config.windows.width', 1, numFeatures)
    integer(field(w, 'overlap', 'config.windows'), 'config.windows.overlap', 0, width - 1)
  }
  switch (kind) {
    case 't-rae':
      architectureOk(field(config, 'encoder', 'config'), 'config.encoder')
      architectureOk(field(config, 'decoder', 'config'), 'config.decoder')
      {
        const maskSilence = (config as Record<string, Json>).maskSilence
        if (maskSilence !== undefined && typeof maskSilence !== 'boolean') throw new SchemaError('config.maskSilence must be true or false')
      }
      {
        // Absent in checkpoints written before the option existed.
        const variant = (config as Record<string, Json>).decoderVariant
        if (variant !== undefined && !DECODER_VARIANTS.includes(variant as DecoderVariant)) {
          throw new SchemaError(`config.decoderVariant must be one of ${DECODER_VARIANTS.join(', ')}, is ${describeJson(variant)}`)
        }
      }
      break
    case 'f-rae':
      architectureOk(field(config, 'encoder', 'config'), 'config.encoder')
      architectureOk(field(config, 'decoder', 'config'), 'config.decoder')
      windows()
      break
    case 'ft-rae':
      for (const part of ['freqEncoder', 'freqDecoder', 'timeEncoder', 'timeDecoder']) {
        architectureOk(field(config, part, 'config'), `config.${part}`)
      }
      windows()
      break
    default:
      throw new SchemaError(`config.kind must be "t-rae", "f-rae" or "ft-rae", is ${describeJson(kind)}`)
  }
  return config as AutoencoderConfig
}

function tensorEntries(value: Json, where: string, names: Set<string>): TensorEntry[] {
  if (!Array.isArray(value)) throw new SchemaError(`${where} is not a list`)
  value.forEach((entry: Json, i) => {
    const at = `${where}[${i}]`
    const name = field(entry, 'name', at)
    if (typeof name !== 'string' || name === '') throw new SchemaError(`${at}.name must be a non-empty string`)
    if (names.has(name)) throw new SchemaError(`${at}: tensor ${name} appears twice`)
    names.add(name)
    const shape = field(entry, 'shape', at)
    if (!Array.isArray(shape)) throw new SchemaError(`${at}.shape (${name}) is not a list`)
    let size = 1
    shape.forEach((d: Json, k) => {
      size *= integer(d, `${at}.shape[${k}] (${name})`, 0, MAX_TENSOR_VALUES)
    })
    if (size > MAX_TENSOR_VALUES) throw new SchemaError(`${at}.shape (${name}) declares ${size} values`)
    integer(field(entry, 'offset', at), `${at}.offset (${name})`, 0, MAX_TENSOR_VALUES)
  })
  return value as TensorEntry[]
}

/** The parsed checkpoint.json if it has every field training and generation use, with sane values. */
export function validateManifest(file: string, json: Json): CheckpointManifest {
  try {
    const version = field(json, 'version', '')
    if (version !== CHECKPOINT_VERSION) {
      throw new UserError(`${file}: checkpoint format ${describeJson(version)} is not supported (expected ${CHECKPOINT_VERSION})`)
    }
    configOk(field(json, 'config', ''))
    const hyper = field(json, 'hyperParameters', '')
    integer(field(hyper, 'batchSize', 'hyperParameters'), 'hyperParameters.batchSize', 1)
    finite(field(hyper, 'learningRate', 'hyperParameters'), 'hyperParameters.learningRate', 0)
    finite(field(hyper, 'keepProb', 'hyperParameters'), 'hyperParameters.keepProb', 0, 1)
    finite(field(hyper, 'encoderNoise', 'hyperParameters'), 'hyperParameters.encoderNoise', 0, 1)
    finite(field(hyper, 'feedPreviousProb', 'hyperParameters'), 'hyperParameters.feedPreviousProb', 0, 1)
    optionalFinite(hyper, 'timeEncoderNoise', 'hyperParameters', 0, 1)
    optionalFinite(hyper, 'timeFeedPreviousProb', 'hyperParameters', 0, 1)
    const order = (hyper as Record<string, Json>).batchOrder
    if (order !== undefined && !BATCH_ORDERS.includes(order as BatchOrder)) {
      throw new SchemaError(`hyperParameters.batchOrder must be one of ${BATCH_ORDERS.join(', ')}, is ${describeJson(order)}`)
    }
    const progress = field(json, 'progress', '')
    for (const key of ['step', 'epoch', 'batchInEpoch', 'numInstances']) integer(field(progress, key, 'progress'), `progress.${key}`, 0)
    integer(field(progress, 'seed', 'progress'), 'progress.seed', Number.MIN_SAFE_INTEGER)
    const inputs = field(progress, 'inputs', 'progress')
    if (!Array.isArray(inputs) || inputs.some((i) => typeof i !== 'string'))
      throw new SchemaError('progress.inputs must be a list of file names')
    const names = new Set<string>()
    tensorEntries(field(json, 'parameters', ''), 'parameters', names)
    const adam = field(json, 'adam', '')
    integer(field(adam, 'step', 'adam'), 'adam.step', 0)
    tensorEntries(field(adam, 'moments', 'adam'), 'adam.moments', names)
    return json as CheckpointManifest
  } catch (error) {
    if (error instanceof SchemaError) throw new UserError(`${file}: not a valid checkpoint (${error.message})`)
    throw error
  }
}

/**
 * A lower bound of the parameter values the configured model has (its recurrent weights alone), so that a
 * damaged configuration cannot make the model allocate far more than the checkpoint holds.
 */
function minimumParameters(config: AutoencoderConfig): number {
  const rnn = (a: RnnArchitecture, inputs: number): number => {
    const gates = a.cell === 'lstm' ? 4 : 3
    const dirs = a.bidirectional ? 2 : 1
    return dirs * gates * a.units * (inputs + a.units + (a.layers - 1) * 2 * a.units)
  }
  switch (config.kind) {
    case 't-rae':
      return rnn(config.encoder, config.numFeatures) + rnn(config.decoder, 0)
    case 'f-rae':
      return rnn(config.encoder, config.windows.width) + rnn(config.decoder, 0)
    case 'ft-rae':
      return (
        rnn(config.freqEncoder, config.windows.width) + rnn(config.freqDecoder, 0) + rnn(config.timeEncoder, 0) + rnn(config.timeDecoder, 0)
      )
  }
}

/** Copies a checkpoint's values into the model's parameters and (optionally) the optimiser. */
export function restoreCheckpoint(checkpoint: LoadedCheckpoint, parameters: ReadonlyMap<string, tf.Variable>, adam?: Adam): void {
  for (const [name, variable] of parameters) {
    const values = checkpoint.tensors.get(name)
    // The tensor index is in checkpoint.json: a name or shape that does not fit the model is found there.
    const manifest = join(checkpoint.path, 'checkpoint.json')
    if (!values) throw new UserError(`${manifest}: lists no values for parameter ${name} (different model options?)`)
    if (values.length !== variable.size)
      throw new UserError(
        `${manifest}: parameter ${name} has ${values.length} values, the model needs ${variable.size} (different model options?)`,
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

/** Keeps the newest `keep` checkpoints ('all': every one). */
export function pruneCheckpoints(logDir: string, keep: number | 'all' = DEFAULT_CHECKPOINTS_TO_KEEP): void {
  if (keep === 'all') return
  if (!Number.isInteger(keep) || keep < 1)
    throw new UserError(`the number of checkpoints to keep must be a positive integer or 'all', got ${keep}`)
  const steps = listCheckpoints(logDir)
  for (const step of steps.slice(0, Math.max(0, steps.length - keep)))
    rmSync(join(logDir, checkpointName(step)), {recursive: true, force: true})
}
