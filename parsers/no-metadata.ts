// auDeep's NoMetadataParser: every audio file below the base directory, unlabelled, no folds, no partitions.
//
// Fixes over the original (which took `rglob("*.wav")` in file-system order): the extension match is
// case-insensitive and covers the other common audio formats, hidden entries are skipped, and files are
// ordered by their path components (pathlib's sort order), so the instance order is reproducible.

import {realpath} from 'node:fs/promises'
import path from 'node:path'

import {hasAudioExtension, isHidden, listDirectory} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

export class NoMetadataParser implements Parser {
  readonly name = 'no-metadata'

  async canParse(_basedir: string): Promise<boolean> {
    return true
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const instances: ParsedInstance[] = []
    const visited = new Set<string>()

    const walk = async (dir: string, relative: string[]): Promise<void> => {
      // Guards against symbolic-link cycles.
      const real = await realpath(dir)
      if (visited.has(real)) return
      visited.add(real)
      for (const entry of await listDirectory(dir)) {
        if (isHidden(entry.name)) continue
        if (entry.isDirectory) {
          await walk(entry.path, [...relative, entry.name])
        } else if (hasAudioExtension(entry.name)) {
          instances.push({
            path: entry.path,
            filename: [...relative, entry.name].join('/'),
            labelNominal: null,
            labelNumeric: null,
            cvFolds: [],
            partition: null,
          })
        }
      }
    }

    await walk(root, [])
    return {labelMap: null, numFolds: 0, instances}
  }
}
