// The layout most people have: one folder per class, audio files in it under any name.
//   <basedir>/<class>/<file>.<wav|flac|ogg|mp3>     e.g. own/dog/bark1.wav
// Labels are the folder names (numbered in sorted order), the stored filename is `<class>/<file>`, and there
// are no folds or partitions (`preprocess --add-cv-setup N` or `modify --add-cv-setup N` adds folds).
// Class folders are taken in sorted order, files in each sorted by name. Hidden entries and files other
// than audio (a README, a labels.csv) are ignored at both levels; an audio file directly in the base
// directory (it would have no class) or a folder inside a class folder does not fit the layout.

import path from 'node:path'

import {UserError} from '../src/core/errors.js'
import {getLogger} from '../src/core/log.js'
import {hasAudioExtension, isHidden, labelMapFromNames, listDirectory, listSubdirectories} from './common.js'
import type {LayoutDiagnosis, ParsedDataSet, ParsedInstance, Parser} from './types.js'

const log = getLogger('parsers.class-folders')

export class ClassFoldersParser implements Parser {
  readonly name = 'class-folders'

  async diagnose(basedir: string): Promise<LayoutDiagnosis> {
    const diagnosis = (problem: string | null, matched: number): LayoutDiagnosis => ({parser: this.name, problem, matched})
    let matched = 0
    const entries = (await listDirectory(basedir)).filter((e) => !isHidden(e.name))
    const loose = entries.find((e) => !e.isDirectory && hasAudioExtension(e.name))
    const classDirs = entries.filter((e) => e.isDirectory)
    if (classDirs.length === 0) return diagnosis(loose ? `audio file '${loose.name}' is not inside a class folder` : 'no class folders', 0)
    let problem: string | null = null
    for (const dir of classDirs) {
      const inside = (await listDirectory(dir.path)).filter((e) => !isHidden(e.name))
      const nested = inside.find((e) => e.isDirectory)
      if (nested) problem ??= `'${dir.name}/${nested.name}' is a folder inside a class folder`
      else if (!inside.some((e) => hasAudioExtension(e.name))) problem ??= `class folder '${dir.name}' holds no audio file`
      else matched++
    }
    if (loose) problem = `audio file '${loose.name}' is not inside a class folder`
    return diagnosis(problem, matched)
  }

  async canParse(basedir: string): Promise<boolean> {
    return (await this.diagnose(basedir)).problem === null
  }

  async parse(basedir: string): Promise<ParsedDataSet> {
    const root = path.resolve(basedir)
    const {problem} = await this.diagnose(root)
    if (problem !== null) throw new UserError(`${root}: not a class-folders data set (<class>/<audio file>): ${problem}`)
    const classDirs = await listSubdirectories(root)
    const labelMap = labelMapFromNames(classDirs.map((d) => d.name))
    const instances: ParsedInstance[] = []
    let ignored = 0
    for (const dir of classDirs) {
      for (const file of await listDirectory(dir.path)) {
        if (isHidden(file.name)) continue
        if (!hasAudioExtension(file.name)) {
          ignored++
          continue
        }
        instances.push({
          path: file.path,
          filename: `${dir.name}/${file.name}`,
          labelNominal: dir.name,
          labelNumeric: labelMap.get(dir.name)!,
          cvFolds: [],
          partition: null,
        })
      }
    }
    if (ignored > 0) log.info(`ignored ${ignored} file(s) in the class folders that are not audio (by extension)`)
    return {labelMap, numFolds: 0, instances}
  }
}
