// Parser selection: the meta parser's auto-detection, names and auDeep aliases, user modules by path, and
// the validation every parser's output goes through.

import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {MetaParser, parseDataSet, PARSERS, resolveParser, validateParsedDataSet} from '../../parsers/index.js'
import {UserError} from '../../src/core/errors.js'
import {Partition} from '../../src/data/dataset.js'
import {repoRoot} from '../helpers.js'
import {freshDir, wavs, writeTree} from './fixtures.js'

function userError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`)
    assert.match(e.message, pattern)
    return true
  }
}

test('meta refuses a layout that two parsers accept, naming both, and one that none accepts', async () => {
  const both = writeTree(freshDir(), wavs(['train/a/1.wav', 'fold_1/a/2.wav', 'fold_2/a/3.wav']))
  assert.equal(await new MetaParser().canParse(both), false)
  await assert.rejects(parseDataSet(both), userError(/matches several parsers \(partitioned, cross-validated\); choose one with --parser/))
  // Either one is fine when chosen explicitly.
  assert.equal((await parseDataSet(both, 'partitioned')).dataSet.instances.length, 1)
  assert.equal((await parseDataSet(both, 'cross-validated')).dataSet.instances.length, 2)

  const flat = writeTree(freshDir(), wavs(['x.wav']))
  await assert.rejects(
    parseDataSet(flat),
    userError(
      /no parser recognises this layout \(tried dcase, partitioned, cross-validated, esc, urbansound8k, hear, compare18-atypical-affect, compare18-crying, compare18-heartbeat, compare18-sas, compare21, esc50, class-folders\); closest: class-folders \(audio file 'x\.wav' is not inside a class folder\)/,
    ),
  )
  await assert.rejects(parseDataSet(join(flat, 'nope')), userError(/nope: data set directory does not exist/))
})

test('built-in names and auDeep class names resolve; unknown and Python parsers are clear errors', async () => {
  const names = PARSERS.map((p) => p.name)
  assert.deepEqual(names, [
    'meta',
    'class-folders',
    'manifest',
    'no-metadata',
    'esc',
    'esc50',
    'urbansound8k',
    'dcase',
    'dcase18-task4',
    'partitioned',
    'cross-validated',
    'hear',
    'compare18-atypical-affect',
    'compare18-crying',
    'compare18-heartbeat',
    'compare18-sas',
    'compare19-bs',
    'compare19-cs',
    'compare19-oa',
    'compare19-sd',
    'compare20-elderly',
    'compare20-elderly-arousal',
    'compare20-mask',
    'compare21',
  ])
  for (const name of names) assert.equal((await resolveParser(name)).name, name)
  const aliases: Record<string, string> = {
    'audeep.backend.parsers.meta.MetaParser': 'meta',
    'audeep.backend.parsers.no_metadata.NoMetadataParser': 'no-metadata',
    'audeep.backend.parsers.esc.ESCParser': 'esc',
    'audeep.backend.parsers.urban_sound_8k.UrbanSound8KParser': 'urbansound8k',
    'audeep.backend.parsers.dcase.DCASEParser': 'dcase',
    'audeep.backend.parsers.dcase18_task4.DCASEParser': 'dcase18-task4',
    'audeep.backend.parsers.partitioned.PartitionedParser': 'partitioned',
    'audeep.backend.parsers.cross_validated.CrossValidatedParser': 'cross-validated',
  }
  for (const [alias, name] of Object.entries(aliases)) assert.equal((await resolveParser(alias)).name, name, alias)
  assert.equal((await resolveParser('hear:16000')).name, 'hear:16000')
  await assert.rejects(
    resolveParser('nonsense'),
    userError(/unknown parser 'nonsense' \(built-in parsers: meta, class-folders, manifest, no-metadata/),
  )
  await assert.rejects(resolveParser('my_parser.py:MyParser'), userError(/Python parser classes cannot be loaded/))
  await assert.rejects(resolveParser('audeep.backend.parsers.compare22.Compare22Parser'), userError(/is not implemented/))
})

test('a user module is loaded by path: default export object, class, or named `parser` export', async () => {
  const data = writeTree(freshDir(), wavs(['one.wav', 'two.wav']))
  const dir = freshDir()
  const methods = `
    async canParse(basedir) { return true }
    async parse(basedir) {
      return {labelMap: {b: 1, a: 0}, numFolds: 2, instances: [
        {path: 'two.wav', filename: 'two', labelNominal: 'b', labelNumeric: null, cvFolds: [1, 0], partition: 'devel'},
        {path: basedir + '/one.wav', filename: 'one', labelNominal: 'a', labelNumeric: 0, cvFolds: [0, 1], partition: null},
      ]}
    }`
  writeFileSync(join(dir, 'object.mjs'), `export default {name: 'mine', ${methods.replace('}\n    async parse', '},\n    async parse')}}\n`)
  writeFileSync(join(dir, 'class.js'), `export default class Mine {\n    name = 'mine-class'\n${methods}\n}\n`)
  writeFileSync(join(dir, 'named.js'), `export const parser = {${methods.replace('}\n    async parse', '},\n    async parse')}}\n`)
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n')

  for (const [file, name] of [
    ['object.mjs', 'mine'],
    ['class.js', 'mine-class'],
    ['named.js', 'named.js'],
  ]) {
    const {parser, dataSet} = await parseDataSet(data, join(dir, file))
    assert.equal(parser.name, name)
    assert.deepEqual(
      [...dataSet.labelMap!],
      [
        ['a', 0],
        ['b', 1],
      ],
    )
    assert.equal(dataSet.numFolds, 2)
    assert.deepEqual(
      dataSet.instances.map((i) => [i.path, i.filename, i.labelNumeric, i.cvFolds, i.partition]),
      [
        [join(data, 'two.wav'), 'two', 1, [1, 0], Partition.DEVEL],
        [join(data, 'one.wav'), 'one', 0, [0, 1], null],
      ],
    )
  }
})

test('user modules that are broken, throw, or return inconsistent data fail with clear messages', async () => {
  const data = writeTree(freshDir(), wavs(['one.wav']))
  const dir = freshDir()
  const module = (name: string, source: string): string => {
    writeFileSync(join(dir, name), source)
    return join(dir, name)
  }
  await assert.rejects(parseDataSet(data, join(dir, 'absent.mjs')), userError(/absent\.mjs: parser module not found/))
  await assert.rejects(parseDataSet(data, module('syntax.mjs', 'export default {')), userError(/syntax\.mjs: cannot load parser module/))
  await assert.rejects(parseDataSet(data, module('noparse.mjs', 'export default {name: "x"}')), userError(/has no parse\(basedir\) method/))
  await assert.rejects(
    parseDataSet(data, module('none.mjs', 'export const other = 1')),
    userError(/neither a default export nor a 'parser' export/),
  )
  await assert.rejects(
    parseDataSet(data, module('throws.mjs', 'export default {name: "boom", async parse() { throw new Error("labels.csv is broken") }}')),
    userError(/^parser boom: parse failed: labels\.csv is broken$/),
  )
  await assert.rejects(
    parseDataSet(data, module('refuses.mjs', 'export default {name: "picky", async canParse() { return false }, async parse() {}}')),
    userError(/the picky parser cannot parse this directory/),
  )
  const returning = (name: string, result: string): string =>
    module(name, `export default {name: '${name}', async parse(basedir) { return ${result} }}`)
  const one = (fields: string): string =>
    `{labelMap: {a: 0}, numFolds: 1, instances: [{path: 'one.wav', filename: 'one.wav', labelNominal: 'a', cvFolds: [0], ${fields}}]}`
  await assert.rejects(
    parseDataSet(data, returning('m1.mjs', one('labelNumeric: 3'))),
    userError(/instance 0 \(one\.wav\): numeric label 3 contradicts the label map \('a' -> 0\)/),
  )
  await assert.rejects(
    parseDataSet(data, returning('m2.mjs', one('labelNominal: "zz"'))),
    userError(/instance 0 \(one\.wav\): label 'zz' is not in the label map/),
  )
  await assert.rejects(parseDataSet(data, returning('m3.mjs', one('cvFolds: [0, 1]'))), userError(/cvFolds must be an array of 1 entries/))
  await assert.rejects(
    parseDataSet(data, returning('m4.mjs', one('partition: 7'))),
    userError(/partition must be null, 0 \(train\), 1 \(devel\) or 2 \(test\), got 7/),
  )
  await assert.rejects(parseDataSet(data, returning('m5.mjs', one('path: "gone.wav"'))), userError(/gone\.wav: audio file does not exist/))
  await assert.rejects(
    parseDataSet(data, returning('m6.mjs', '{labelMap: null, numFolds: 0, instances: []}')),
    userError(/found no audio files/),
  )
  writeFileSync(join(data, 'empty.wav'), '')
  await assert.rejects(parseDataSet(data, returning('m7.mjs', one('path: "empty.wav"'))), userError(/empty\.wav: empty file/))
})

test('validateParsedDataSet fills numeric labels from the map and sorts the map', () => {
  const result = validateParsedDataSet(
    {
      labelMap: new Map([
        ['z', 0],
        ['a', 1],
      ]),
      numFolds: 0,
      instances: [{path: 'x.wav', filename: 'x.wav', labelNominal: 'a', labelNumeric: null, partition: 'TEST'}],
    },
    '/data',
    'test',
  )
  assert.deepEqual([...result.labelMap!.keys()], ['a', 'z'])
  assert.equal(result.instances[0].labelNumeric, 1)
  assert.equal(result.instances[0].partition, Partition.TEST)
  assert.deepEqual(result.instances[0].cvFolds, [])
})

test('samples/my-parser.js parses its documented labels.csv layout', async () => {
  const data = writeTree(freshDir(), {
    ...wavs(['audio/b.wav', 'audio/a.wav', 'audio/c.wav']),
    'labels.csv': 'file,label,partition\nb.wav,yes,train\na.wav,no,devel\nc.wav,yes,\n',
  })
  const {parser, dataSet} = await parseDataSet(data, join(repoRoot, 'samples', 'my-parser.js'))
  assert.equal(parser.name, 'labels-csv')
  assert.deepEqual(
    [...dataSet.labelMap!],
    [
      ['no', 0],
      ['yes', 1],
    ],
  )
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNumeric, i.partition]),
    [
      ['a.wav', 0, Partition.DEVEL],
      ['b.wav', 1, Partition.TRAIN],
      ['c.wav', 1, null],
    ],
  )
})
