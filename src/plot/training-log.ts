// The loss history of a training run, read back from the TensorBoard event files in `<run>/logs`.

import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {UserError} from '../core/errors.js'
import {readEvents} from '../formats/tfevents.js'

/** Tags tried in order: auDeep's loss summary, then a plain `loss`. */
export const LOSS_TAGS = ['model/loss/value', 'loss']

export interface ScalarSeries {
  tag: string
  steps: Float64Array
  values: Float64Array
  /** Event files read, in order. */
  files: string[]
}

export function eventFiles(logDir: string): string[] {
  if (!existsSync(logDir) || !statSync(logDir).isDirectory()) throw new UserError(`${logDir}: no such directory`)
  return readdirSync(logDir)
    .filter((f) => f.includes('tfevents'))
    .sort()
    .map((f) => join(logDir, f))
}

/**
 * The first of `tags` found in the run's event files, as (step, value) pairs sorted by step. A step
 * logged more than once (a run continued after a crash) keeps its latest value.
 */
export function readScalarSeries(logDir: string, tags: readonly string[] = LOSS_TAGS): ScalarSeries {
  const files = eventFiles(logDir)
  if (files.length === 0)
    throw new UserError(`${logDir}: no TensorBoard event files (events.out.tfevents.*); is this a training run's logs directory?`)
  const byTag = new Map<string, Map<number, number>>()
  for (const file of files) {
    for (const event of readEvents(file)) {
      for (const {tag, value} of event.scalars) {
        if (!tags.includes(tag)) continue
        let series = byTag.get(tag)
        if (!series) byTag.set(tag, (series = new Map()))
        series.set(event.step, value)
      }
    }
  }
  const tag = tags.find((t) => byTag.has(t))
  if (tag === undefined) {
    const where = files.length === 1 ? `${files[0]}: the event file contains` : `${logDir}: the event files contain`
    throw new UserError(`${where} no scalar tagged ${tags.map((t) => `'${t}'`).join(' or ')}`)
  }
  const entries = [...byTag.get(tag)!].sort((a, b) => a[0] - b[0])
  return {
    tag,
    steps: Float64Array.from(entries, (e) => e[0]),
    values: Float64Array.from(entries, (e) => e[1]),
    files,
  }
}

/**
 * Steps at which epochs ended, from the checkpoints written after each epoch: audeep's `model-<step>/`
 * directories or auDeep's `model-<step>.index` files (`--checkpoints-to-keep` may have removed early ones).
 */
export function checkpointSteps(logDir: string): number[] {
  if (!existsSync(logDir)) return []
  return readdirSync(logDir)
    .map((f) => /^model-(\d+)(\.index)?$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] !== undefined || existsSync(join(logDir, m[0], 'checkpoint.json'))))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
}

/**
 * Steps after which epochs ended. Training keeps only the newest checkpoints (5 by default), so the
 * earlier epoch ends are recovered from the newest audeep checkpoint's progress (steps and epochs done),
 * when its steps divide evenly into its epochs; otherwise the checkpoints present are all there is.
 */
export function epochEndSteps(logDir: string): number[] {
  const steps = checkpointSteps(logDir)
  const newest = steps.length > 0 ? join(logDir, `model-${steps[steps.length - 1]}`, 'checkpoint.json') : null
  if (newest === null || !existsSync(newest)) return steps
  let progress: {step?: unknown; epoch?: unknown; batchInEpoch?: unknown}
  try {
    progress = (JSON.parse(readFileSync(newest, 'utf8')) as {progress?: typeof progress}).progress ?? {}
  } catch {
    return steps
  }
  const {step, epoch, batchInEpoch} = progress
  if (typeof step !== 'number' || typeof epoch !== 'number' || typeof batchInEpoch !== 'number' || epoch <= steps.length) return steps
  const done = step - batchInEpoch
  if (epoch < 1 || done % epoch !== 0) return steps
  const perEpoch = done / epoch
  return Array.from({length: epoch}, (_, e) => (e + 1) * perEpoch)
}
