// Running the preprocessing driver from a command: shard selection (flags or the batch system's
// environment), a progress bar, and a summary line. Shared by `preprocess` and `mel-avgs generate`.

import type {ParsedDataSet} from '../../parsers/types.js'
import {preprocess, type PreprocessOptions, type PreprocessSummary} from '../preprocess/driver.js'
import type {Logger} from '../core/log.js'
import {startProgress} from './progress.js'
import {describeShard, resolveShard, shardOutputPath, shardRange} from './sharding.js'

export interface PreprocessRunFlags {
  output: string
  shardIndex?: number
  numShards?: number
  workers?: number
  skipErrors: boolean
  /** Progress bar label, e.g. 'preprocessing'. */
  label: string
}

export async function runPreprocessing(
  dataSet: ParsedDataSet,
  options: PreprocessOptions,
  flags: PreprocessRunFlags,
  logger: Logger,
): Promise<{summary: PreprocessSummary; output: string}> {
  const shard = resolveShard({shardIndex: flags.shardIndex, numShards: flags.numShards}, process.env, (m) => logger.warn(m))
  const fileRange = shardRange(dataSet.instances.length, shard)
  const output = shardOutputPath(flags.output, shard)
  if (shard !== null) logger.info(describeShard(shard, fileRange, dataSet.instances.length, 'files'))
  const bar = startProgress(flags.label, fileRange.end - fileRange.start)
  let summary: PreprocessSummary
  try {
    summary = await preprocess(dataSet, options, {
      output,
      fileRange,
      workers: flags.workers,
      skipErrors: flags.skipErrors,
      logger,
      onProgress: (done) => bar.update(done),
    })
  } finally {
    bar.stop()
  }
  for (const {path, reason} of summary.skipped) logger.warn(`skipped ${path}: ${reason}`)
  const hours = summary.audioSeconds / 3600
  logger.info(
    `wrote ${summary.instances} instances of [${summary.featureShape.join(', ')}] (${summary.featureDims.join(', ')}) ` +
      `from ${summary.files - summary.skipped.length} files ` +
      (summary.augmentedInstances > 0 ? `(${summary.augmentedInstances} of them augmented copies) ` : '') +
      `to ${output} in ${summary.elapsedSeconds.toFixed(1)} s (${(summary.elapsedSeconds / Math.max(hours, 1e-9)).toFixed(1)} s per hour of audio)` +
      (summary.skipped.length > 0 ? `; ${summary.skipped.length} file(s) skipped` : ''),
  )
  return {summary, output}
}
