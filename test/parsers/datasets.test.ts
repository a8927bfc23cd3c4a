// The ESC and HEAR parsers on the real data shipped in ../shared/data.

import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {HearParser, parseDataSet, toInstanceMeta} from '../../parsers/index.js'
import {compareStrings, Split} from '../../src/data/dataset.js'
import {openDataSetReader} from '../../src/data/netcdf/index.js'
import {needsShared, reference, sharedDir} from '../helpers.js'
import {freshDir, type WavSpec, wavs, writeTree} from './fixtures.js'

const ESC10 = join(sharedDir, 'data', 'ESC-10')
const SPOKEN_DIGIT = join(sharedDir, 'data', 'hear', 'spoken_digit-1.0.9-small')

test('esc on ESC-10: the metadata auDeep stored for all 400 clips, in sorted order', needsShared, async () => {
  const reader = await openDataSetReader(reference('esc10-full-0.08-0.04-128-60.nc'))
  reader.close()
  const expected = reader.meta
  const {parser, dataSet} = await parseDataSet(ESC10)
  assert.equal(parser.name, 'esc')
  assert.equal(dataSet.instances.length, 400)
  assert.equal(dataSet.numFolds, 5)
  assert.deepEqual(dataSet.labelMap, expected.labelMap)
  assert.deepEqual(
    [...dataSet.labelMap!.entries()].sort((a, b) => a[1] - b[1]).map(([label]) => label),
    ['Dog bark', 'Rain', 'Sea waves', 'Baby cry', 'Clock tick', 'Person sneeze', 'Helicopter', 'Chainsaw', 'Rooster', 'Fire crackling'],
  )

  // auDeep listed files in file-system order; compare per filename, then check our order is the sorted one.
  const expectedByName = new Map(expected.instances.map((i) => [i.filename, i]))
  assert.equal(expectedByName.size, 400)
  for (const inst of dataSet.instances) assert.deepEqual(toInstanceMeta(inst), expectedByName.get(inst.filename), inst.filename)
  for (let i = 1; i < 400; i++) {
    const [a, b] = [dataSet.instances[i - 1], dataSet.instances[i]]
    assert.ok(a.labelNumeric! < b.labelNumeric! || (a.labelNumeric === b.labelNumeric && compareStrings(a.filename, b.filename) < 0))
  }
  const first = dataSet.instances[0]
  assert.equal(first.path, join(ESC10, '001 - Dog bark', first.filename))
  assert.equal(first.cvFolds[Number(first.filename[0]) - 1], Split.VALID)
})

test('hear on spoken_digit: 5 folds of 20, labels from the split files, missing digits per fold', needsShared, async () => {
  const {parser, dataSet} = await parseDataSet(SPOKEN_DIGIT)
  assert.equal(parser.name, 'hear')
  assert.equal(dataSet.instances.length, 100)
  assert.equal(dataSet.numFolds, 5)
  assert.deepEqual(
    [...dataSet.labelMap!],
    Array.from({length: 10}, (_, d) => [String(d), d]),
  )

  for (let fold = 0; fold < 5; fold++) {
    const split = `fold0${fold}`
    const labels = JSON.parse(readFileSync(join(SPOKEN_DIGIT, `${split}.json`), 'utf8')) as Record<string, number[]>
    const instances = dataSet.instances.slice(fold * 20, fold * 20 + 20)
    assert.deepEqual(
      instances.map((i) => i.filename),
      Object.keys(labels).sort(compareStrings),
    )
    for (const inst of instances) {
      assert.equal(inst.path, join(SPOKEN_DIGIT, '44100', split, inst.filename))
      assert.equal(inst.labelNumeric, labels[inst.filename][0])
      assert.equal(inst.labelNominal, String(labels[inst.filename][0]))
      assert.deepEqual(
        inst.cvFolds,
        [0, 1, 2, 3, 4].map((k) => (k === fold ? Split.VALID : Split.TRAIN)),
      )
      assert.equal(inst.partition, null)
    }
  }
  const fold0Digits = new Set(dataSet.instances.slice(0, 20).map((i) => i.labelNumeric))
  assert.equal(fold0Digits.has(0) || fold0Digits.has(7), false, 'fold00 has no 0 and no 7 (hear-reference §2)')
})

function hearTask(
  splits: string[],
  labels: Record<string, Record<string, unknown[]>>,
  rates: number[],
  extra: Record<string, unknown> = {},
): string {
  const files: Record<string, string | WavSpec> = {
    'task_metadata.json': JSON.stringify({task_name: 't', embedding_type: 'scene', prediction_type: 'multiclass', splits, ...extra}),
    'labelvocabulary.csv': 'idx,label\n0,cat\n1,dog\n',
  }
  for (const split of splits) {
    files[`${split}.json`] = JSON.stringify(labels[split])
    for (const rate of rates)
      Object.assign(
        files,
        wavs(
          Object.keys(labels[split]).map((name) => `${rate}/${split}/${name}`),
          {sampleRate: rate},
        ),
      )
  }
  return writeTree(freshDir(), files)
}

test('hear: train/valid/test tasks become partitions; rate folders are selectable', async () => {
  const labels = {train: {'b.wav': ['dog'], 'a.wav': ['cat']}, valid: {'c.wav': ['cat']}, test: {'d.wav': ['dog']}}
  const root = hearTask(['train', 'valid', 'test'], labels, [16000, 48000])
  const {dataSet} = await parseDataSet(root)
  assert.equal(dataSet.numFolds, 0)
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNumeric, i.partition]),
    [
      ['a.wav', 0, 0],
      ['b.wav', 1, 0],
      ['c.wav', 0, 1],
      ['d.wav', 1, 2],
    ],
  )
  assert.equal(dataSet.instances[0].path, join(root, '48000', 'train', 'a.wav'), 'highest rate by default')
  const at16k = await parseDataSet(root, 'hear:16000')
  assert.equal(at16k.dataSet.instances[0].path, join(root, '16000', 'train', 'a.wav'))
  await assert.rejects(parseDataSet(root, new HearParser(22050)), /no 22050\/ folder \(available sample rates: 16000, 48000\)/)
})

test('hear: event tasks, multi-label clips and missing audio are refused with the file named', async () => {
  const event = hearTask(['train'], {train: {'a.wav': ['cat']}}, [16000], {embedding_type: 'event'})
  await assert.rejects(parseDataSet(event, 'hear'), /task_metadata\.json: embedding_type 'event' is not supported/)
  const multi = hearTask(['train'], {train: {'a.wav': ['cat', 'dog']}}, [16000])
  await assert.rejects(parseDataSet(multi, 'hear'), /train\.json: 'a\.wav' has 2 labels/)
  const missing = hearTask(['train'], {train: {'a.wav': ['cat']}}, [16000])
  writeTree(missing, {'train.json': JSON.stringify({'a.wav': ['cat'], 'zz.wav': ['dog']})})
  await assert.rejects(parseDataSet(missing, 'hear'), /16000[/\\]train[/\\]zz\.wav: audio file listed in train\.json is missing/)
  const unknown = hearTask(['train'], {train: {'a.wav': ['bird']}}, [16000])
  await assert.rejects(parseDataSet(unknown, 'hear'), /label 'bird' of 'a\.wav' is not in labelvocabulary\.csv/)
})
