// auDeep's PartitionedParser: `train/`, `devel/` and/or `test/`, each holding one folder per class.
// Instances come partition by partition in sorted directory order (devel, test, train), then by class
// folder and file name; the stored filename is `<partition>/<class>/<file>`; the label map numbers the
// sorted union of class names. Files are what auDeep's `*.*` glob matches (a name with a dot), minus
// hidden files.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {compareStrings, Partition} from '../src/data/dataset.js'
import {isDirectory, labelMapFromNames, listDirectory, listFiles, listSubdirectories} from './common.js'
import type {ParsedDataSet, ParsedInstance, Parser} from './types.js'

const PARTITION_DIRS: readonly [string, Partition][] = [
  ['train', Partition.TRAIN],
  ['devel', Partition.DEVEL],
  ['test', Partition.TEST],
]

const log = getLogger('parsers.partitioned')

/** auDeep's `*.*`: any file name containing a dot. */
export function isGlobbedFile(name: string): boolean {
  return name.includes('.')
}

/** Whether a directory's class folders are exactly the classes seen so far. */
export function sameNames(seen: ReadonlySet<string>, dirs: readonly {name: string}[]): boolean {
  return dirs.length === seen.size && dirs.every((d) => seen.has(d.name))
}

export class PartitionedParser implements Parser {
  readonly name = 'partitioned'

  private async partitionDirs(basedir: string): Promise<{name: string; dir: string; partition: Partition}[]> {
    const found = []
    for (const [name, partition] of PARTITION_DIRS) {
      const dir = path.join(basedir, name)
      if (await isDirectory(dir)) found.push({name, dir, partition})
    }
    return found.sort((a, b) => compareStrings(a.name, b.name))
  }

  async canParse(basedir: string): Promise<boolean> {
    const partitions = await this.partitionDirs(basedir)
    if (partitions.length === 0) return false
    let classes = 0
    for (const {dir} of partitions) {
      for (const classDir of await listSubdirectories(dir)) {
        if (!(await listFiles(classDir.path)).some((f) => isGlobbedFile(f.name))) return false
        classes++
      }
    }
    // Unlike auDeep, a train/ (or devel/, test/) without class folders is not claimed: it is more likely a
    // class named "train" in a folder-per-class layout.
    return classes > 0
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const partitions = await this.partitionDirs(root)
    if (partitions.length === 0) throw new UserError(`${root}: not a partitioned data set (no train/, devel/ or test/ directory)`)

    const instances: ParsedInstance[] = []
    const classes = new Set<string>()
    for (const {name, dir, partition} of partitions) {
      if ((await listDirectory(dir)).some((e) => !e.isDirectory && !e.name.startsWith('.'))) {
        log.warn(`partition directory ${dir} contains files that are not directories; they are ignored`)
      }
      const classDirs = await listSubdirectories(dir)
      if (classes.size > 0 && !sameNames(classes, classDirs)) log.warn(`classes differ between partitions (at ${dir})`)
      for (const classDir of classDirs) {
        classes.add(classDir.name)
        const files = (await listFiles(classDir.path)).filter((f) => isGlobbedFile(f.name))
        if (files.length === 0) throw new UserError(`${classDir.path}: class directory contains no audio file`)
        for (const file of files) {
          instances.push({
            path: file.path,
            filename: `${name}/${classDir.name}/${file.name}`,
            labelNominal: classDir.name,
            labelNumeric: null,
            cvFolds: [],
            partition,
          })
        }
      }
    }
    const labelMap = labelMapFromNames(classes)
    return {
      labelMap,
      numFolds: 0,
      instances: instances.map((i) => ({...i, labelNumeric: labelMap.get(i.labelNominal!)!})),
    }
  }
}
