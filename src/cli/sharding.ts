// Static sharding for array jobs (dependencies.md §9): each job processes one contiguous slice of the
// work list and writes its own file; `audeep merge` concatenates the files in shard order, which gives
// exactly the single-machine result because every shard keeps the global order within its slice.
//
// The shard comes from --shard-index/--num-shards, or from the scheduler's environment: Slurm job arrays
// (SLURM_ARRAY_TASK_ID relative to SLURM_ARRAY_TASK_MIN, in steps of SLURM_ARRAY_TASK_STEP, count
// SLURM_ARRAY_TASK_COUNT) and Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, 0-based; Kubernetes does not
// export the completion count, so --num-shards must be given).

import {Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'

export interface Shard {
  /** 0-based. */
  readonly index: number
  readonly count: number
  /** Where the index came from, for log messages. */
  readonly source: string
}

export const shardFlags = {
  'shard-index': Flags.integer({
    description:
      'Process only shard I (0-based) of --num-shards contiguous slices of the input and write just that slice; combine the shard files with `audeep merge`. Default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when set.',
    min: 0,
    helpValue: 'I',
    helpGroup: 'SHARDING',
  }),
  'num-shards': Flags.integer({
    description:
      'Number of shards the work is split into (default: SLURM_ARRAY_TASK_COUNT in a Slurm array job; required with JOB_COMPLETION_INDEX). --num-shards 1 processes everything, whatever the environment says.',
    min: 1,
    helpValue: 'N',
    helpGroup: 'SHARDING',
  }),
}

/** Where `{shard}` in an output path is replaced by the zero-padded shard index (and `{shards}` by the count). */
export const SHARD_PLACEHOLDER = '{shard}'

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]
  if (text === undefined || text.trim() === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UserError(`environment variable ${name} must be a non-negative integer, got '${text}'`)
  return value
}

/** The shard index a Slurm array task has, or undefined outside Slurm arrays. */
function slurmShard(env: NodeJS.ProcessEnv): {index: number; count: number | undefined} | undefined {
  const id = envInteger(env, 'SLURM_ARRAY_TASK_ID')
  if (id === undefined) return undefined
  const min = envInteger(env, 'SLURM_ARRAY_TASK_MIN') ?? 0
  const step = Math.max(1, envInteger(env, 'SLURM_ARRAY_TASK_STEP') ?? 1)
  if (id < min || (id - min) % step !== 0) {
    throw new UserError(`SLURM_ARRAY_TASK_ID ${id} is not on the array's grid (min ${min}, step ${step}); use --shard-index`)
  }
  return {index: (id - min) / step, count: envInteger(env, 'SLURM_ARRAY_TASK_COUNT')}
}

/**
 * The shard this process handles, or null for the whole input. Flags win over the environment; a Slurm
 * array supplies both index and count, an Indexed Job only the index. `warn` hears about environment
 * variables that are present but not used.
 */
export function resolveShard(
  flags: {shardIndex?: number; numShards?: number},
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): Shard | null {
  const {shardIndex, numShards} = flags
  if (numShards === 1) {
    if (shardIndex !== undefined && shardIndex !== 0) throw new UserError(`--shard-index ${shardIndex} is out of range for --num-shards 1`)
    return null
  }
  let index = shardIndex
  let count = numShards
  let source = '--shard-index'
  if (index === undefined) {
    const slurm = slurmShard(env)
    const completion = envInteger(env, 'JOB_COMPLETION_INDEX')
    if (slurm !== undefined) {
      index = slurm.index
      source = 'SLURM_ARRAY_TASK_ID'
      if (count === undefined) {
        if (slurm.count === undefined)
          throw new UserError('SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --num-shards')
        count = slurm.count
      } else if (slurm.count !== undefined && slurm.count !== count) {
        throw new UserError(
          `--num-shards ${count} contradicts SLURM_ARRAY_TASK_COUNT ${slurm.count}; pass --shard-index too, or --num-shards 1 to process everything`,
        )
      }
    } else if (completion !== undefined) {
      if (count === undefined) {
        warn(`JOB_COMPLETION_INDEX is set (${completion}) but --num-shards is not: processing everything; pass --num-shards to shard`)
        return null
      }
      index = completion
      source = 'JOB_COMPLETION_INDEX'
    }
  } else if (count === undefined) {
    count = slurmShard(env)?.count
  }
  if (index === undefined && count === undefined) return null
  if (index === undefined)
    throw new UserError(`--num-shards ${count} needs --shard-index (or SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX in the environment)`)
  if (count === undefined) throw new UserError(`--shard-index ${index} needs --num-shards`)
  if (!Number.isSafeInteger(count) || count < 1) throw new UserError(`the number of shards must be a positive integer, got ${count}`)
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new UserError(`shard index ${index} (from ${source}) is out of range for ${count} shards (0..${count - 1})`)
  }
  return {index, count, source}
}

/**
 * The contiguous slice [start, end) of `total` items that a shard processes: sizes differ by at most one
 * and the slices of shards 0..count-1 tile 0..total in order.
 */
export function shardRange(total: number, shard: Shard | null): {start: number; end: number} {
  if (shard === null) return {start: 0, end: total}
  return {start: Math.floor((shard.index * total) / shard.count), end: Math.floor(((shard.index + 1) * total) / shard.count)}
}

/**
 * Fills `{shard}` (zero-padded to the width of the largest index, so that shell globs list the files in
 * shard order) and `{shards}` in an output path. Without a placeholder the path is used as given.
 */
export function shardOutputPath(template: string, shard: Shard | null): string {
  if (shard === null) {
    if (template.includes(SHARD_PLACEHOLDER))
      throw new UserError(
        `output path ${template} contains ${SHARD_PLACEHOLDER} but no shard was selected (see --shard-index/--num-shards)`,
      )
    return template
  }
  const width = String(shard.count - 1).length
  return template.replaceAll(SHARD_PLACEHOLDER, String(shard.index).padStart(width, '0')).replaceAll('{shards}', String(shard.count))
}

/** "shard 2 of 8 (from SLURM_ARRAY_TASK_ID): items 250..374 of 1000". */
export function describeShard(shard: Shard, range: {start: number; end: number}, total: number, what: string): string {
  return `shard ${shard.index} of ${shard.count} (from ${shard.source}): ${what} ${range.start}..${range.end - 1} of ${total}`
}
