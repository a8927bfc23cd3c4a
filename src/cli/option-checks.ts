// Flag combinations that cannot work, checked before any file is read (and before a progress bar is
// drawn), with messages that name the flags involved. The library's own checks follow for the rest.

import {UserError} from '../core/errors.js'
import {type PreprocessOptions, validatePreprocessOptions} from '../preprocess/process-file.js'
import {resolveShard} from './sharding.js'

/** Checks `preprocess` / `mel-avgs generate` options; throws a UserError naming the flags. */
export function checkPreprocessFlags(options: PreprocessOptions): void {
  if (options.frontEnd !== 'mel-avgs') {
    const {windowWidth, windowOverlap, fixedLength, chunkLength, chunkCount, clipAbove, clipBelow} = options
    if (windowOverlap >= windowWidth) {
      throw new UserError(
        `--window-overlap ${windowOverlap} must be less than --window-width ${windowWidth} (the window step would be ${windowWidth - windowOverlap} s)`,
      )
    }
    if (fixedLength != null && windowWidth > fixedLength) {
      throw new UserError(`--window-width ${windowWidth} is longer than --fixed-length ${fixedLength}: no complete window fits`)
    }
    if (clipAbove != null && clipBelow != null && clipAbove <= clipBelow) {
      throw new UserError(`--clip-above ${clipAbove} must be greater than --clip-below ${clipBelow}`)
    }
    if (fixedLength != null && chunkLength != null && chunkCount != null && chunkLength * chunkCount > fixedLength + 1e-9) {
      throw new UserError(
        `--chunk-count ${chunkCount} x --chunk-length ${chunkLength} = ${+(chunkCount * chunkLength).toFixed(6)} s is longer than --fixed-length ${fixedLength}`,
      )
    }
  }
  validatePreprocessOptions(options)
}

/** --shard-index / --num-shards (and the batch system's variables) make sense; warnings come later, once. */
export function checkShardFlags(flags: {'shard-index'?: number; 'num-shards'?: number}): void {
  resolveShard({shardIndex: flags['shard-index'], numShards: flags['num-shards']}, process.env)
}
