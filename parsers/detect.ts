// Layout diagnoses for the meta parser: for each parser, whether a directory fits its layout, the first
// file or folder that does not, and how many of the layout's marks are present (to name the parser that
// came closest when none fits). Parsers may implement `diagnose` themselves; the older ones are diagnosed
// here from the outside, with the same checks as their canParse.

import path from 'node:path'

import {isDirectory, isFile, listDirectory, listFiles, listSubdirectories} from './common.js'
import {CrossValidatedParser} from './cross-validated.js'
import {ESCParser} from './esc.js'
import {isGlobbedFile} from './partitioned.js'
import type {LayoutDiagnosis, Parser} from './types.js'

type Diagnose = (basedir: string, parser: Parser) => Promise<Omit<LayoutDiagnosis, 'parser'>>

/** Marks that are files or folders of fixed names: matched = how many exist, problem = the first missing. */
function marks(...required: {path: string; dir?: boolean}[]): Diagnose {
  return async (basedir) => {
    let matched = 0
    let problem: string | null = null
    for (const mark of required) {
      const present = mark.dir ? await isDirectory(path.join(basedir, mark.path)) : await isFile(path.join(basedir, mark.path))
      if (present) matched++
      else problem ??= `no ${mark.path}${mark.dir ? '/ folder' : ''}`
    }
    return {problem, matched}
  }
}

const BUILT_IN: Readonly<Record<string, Diagnose>> = {
  dcase: marks({path: 'meta.txt'}, ...[1, 2, 3, 4].map((k) => ({path: path.join('evaluation_setup', `fold${k}_train.txt`)}))),
  urbansound8k: marks({path: 'audio', dir: true}, {path: path.join('metadata', 'UrbanSound8K.csv')}),
  hear: async (basedir, parser) => {
    const files = await marks({path: 'task_metadata.json'}, {path: 'labelvocabulary.csv'})(basedir, parser)
    if (files.problem !== null) return files
    const fits = await parser.canParse(basedir)
    return {problem: fits ? null : 'no <sample rate>/ folder (e.g. 16000/)', matched: files.matched + Number(fits)}
  },
  partitioned: async (basedir) => {
    let matched = 0
    let problem: string | null = null
    let classes = 0
    for (const name of ['train', 'devel', 'test']) {
      const dir = path.join(basedir, name)
      if (!(await isDirectory(dir))) continue
      matched++
      for (const classDir of await listSubdirectories(dir)) {
        classes++
        if (!(await listFiles(classDir.path)).some((f) => isGlobbedFile(f.name)))
          problem ??= `class folder '${name}/${classDir.name}' holds no file`
      }
    }
    if (matched > 0 && classes === 0) problem ??= 'no class folders in train/, devel/ or test/'
    return {problem: matched === 0 ? 'no train/, devel/ or test/ folder' : problem, matched}
  },
  'cross-validated': async (basedir, parser) => {
    const matched = (await listDirectory(basedir)).filter((e) => e.isDirectory && /^fold_\d+$/.test(e.name)).length
    const folds = await (parser as CrossValidatedParser).foldDirs(basedir)
    return {problem: typeof folds === 'string' ? folds : null, matched}
  },
  esc: async (basedir, parser) => {
    const matched = (await listSubdirectories(basedir)).filter((d) => /^\d{3} - /.test(d.name)).length
    return {problem: await (parser as ESCParser).problem(basedir), matched}
  },
}

/** How `basedir` fits `parser`'s layout. */
export async function diagnoseLayout(parser: Parser, basedir: string): Promise<LayoutDiagnosis> {
  const own = (parser as Partial<{diagnose: (basedir: string) => Promise<LayoutDiagnosis>}>).diagnose
  if (typeof own === 'function') return own.call(parser, basedir)
  const builtIn =
    parser instanceof ESCParser
      ? BUILT_IN.esc
      : parser instanceof CrossValidatedParser
        ? BUILT_IN['cross-validated']
        : BUILT_IN[parser.name.split(':')[0]]
  if (builtIn !== undefined) return {parser: parser.name, ...(await builtIn(basedir, parser))}
  const fits = await parser.canParse(basedir)
  return {parser: parser.name, problem: fits ? null : 'does not fit', matched: 0}
}
