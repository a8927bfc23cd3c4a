// Directory-layout parsers on small trees shaped like the ones the original auDeep was run on
// (reference README, ops/ rows), compared with the metadata auDeep stored in the resulting .nc files.

import assert from 'node:assert/strict'
import {join} from 'node:path'
import {test} from 'node:test'

import {
  CrossValidatedParser,
  DCASE2018Task4Parser,
  DCASEParser,
  ESCParser,
  NoMetadataParser,
  parseDataSet,
  PartitionedParser,
  toInstanceMeta,
  UrbanSound8KParser,
} from '../../parsers/index.js'
import {UserError} from '../../src/core/errors.js'
import {compareStrings, type InstanceMeta, Partition, Split} from '../../src/data/dataset.js'
import {openDataSetReader} from '../../src/data/netcdf/index.js'
import {needsShared, reference} from '../helpers.js'
import {freshDir, wavs, writeTree} from './fixtures.js'

async function referenceMeta(name: string) {
  const reader = await openDataSetReader(reference('ops', name))
  reader.close()
  return reader.meta
}

function byFilename(instances: readonly InstanceMeta[]): Map<string, InstanceMeta> {
  return new Map(instances.map((i) => [i.filename, i]))
}

test('no-metadata on the NOMETA layout: same instances as nometa.nc, sorted instead of file-system order', needsShared, async () => {
  const root = writeTree(
    freshDir(),
    wavs([
      'sub0/1-100032-A.wav',
      'sub0/1-187207-A.wav',
      'sub0/2-101676-A.wav',
      'sub0/3-144827-A.wav',
      'sub1/3-136288-A.wav',
      'sub1/4-160999-A.wav',
      'sub1/4-167077-A.wav',
      'sub1/5-200461-A.wav',
    ]),
  )
  const expected = await referenceMeta('nometa.nc')
  const {dataSet} = await parseDataSet(root, 'audeep.backend.parsers.no_metadata.NoMetadataParser')
  const got = dataSet.instances.map((i) => toInstanceMeta(i))
  assert.equal(dataSet.labelMap, expected.labelMap)
  assert.equal(dataSet.numFolds, expected.numFolds)
  assert.deepEqual(byFilename(got), byFilename(expected.instances))
  assert.deepEqual(
    got.map((i) => i.filename),
    expected.instances.map((i) => i.filename).sort(compareStrings),
  )
  assert.equal(dataSet.instances[0].path, join(root, 'sub0', '1-100032-A.wav'))
})

test('no-metadata: case-insensitive audio extensions, other files and hidden entries ignored, path-component order', async () => {
  const root = writeTree(freshDir(), {
    ...wavs(['a/b.wav', 'a-c.WAV', 'x.Flac', '.hidden/h.wav', 'a/.h.wav']),
    'notes.txt': 'not audio',
  })
  const {dataSet} = await parseDataSet(root, 'no-metadata')
  // pathlib order: "a" < "a-c.WAV" component-wise, although "a-c.WAV" < "a/b.wav" as strings.
  assert.deepEqual(
    dataSet.instances.map((i) => i.filename),
    ['a/b.wav', 'a-c.WAV', 'x.Flac'],
  )
})

test('partitioned on the PART layout matches partitioned-parser.nc exactly, including order', needsShared, async () => {
  const root = writeTree(
    freshDir(),
    wavs([
      'train/Baby_cry/1-187207-A.wav',
      'train/Dog_bark/1-100032-A.wav',
      'train/Rain/4-160999-A.wav',
      'devel/Baby_cry/4-167077-A.wav',
      'devel/Dog_bark/3-136288-A.wav',
      'devel/Sea_waves/3-144827-A.wav',
      'test/Rain/2-101676-A.wav',
      'test/Sea_waves/5-200461-A.wav',
    ]),
  )
  const expected = await referenceMeta('partitioned-parser.nc')
  // The default meta parser must pick the partitioned parser here, as auDeep's did.
  const {parser, dataSet} = await parseDataSet(root)
  assert.equal(parser.name, 'partitioned')
  assert.deepEqual(dataSet.labelMap, expected.labelMap)
  assert.equal(dataSet.numFolds, 0)
  assert.deepEqual(
    dataSet.instances.map((i) => toInstanceMeta(i)),
    expected.instances,
  )
})

test('urbansound8k on the US8K layout matches us8k-fake.nc exactly', needsShared, async () => {
  const root = writeTree(freshDir(), {
    ...wavs(['audio/fold1/100032-3-0-0.wav', 'audio/fold2/100263-2-0-117.wav'], {sampleRate: 22050}),
    'metadata/UrbanSound8K.csv':
      'slice_file_name,fsID,start,end,salience,fold,classID,class\n' +
      '100032-3-0-0.wav,100032,0.0,0.317551,1,1,3,dog_bark\n' +
      '100263-2-0-117.wav,100263,58.5,62.5,1,2,2,children_playing\n',
  })
  const expected = await referenceMeta('us8k-fake.nc')
  const {parser, dataSet} = await parseDataSet(root)
  assert.equal(parser.name, 'urbansound8k')
  assert.deepEqual(dataSet.labelMap, expected.labelMap)
  assert.equal(dataSet.numFolds, 10)
  assert.deepEqual(
    dataSet.instances.map((i) => toInstanceMeta(i)),
    expected.instances,
  )
  assert.equal(dataSet.instances[1].path, join(root, 'audio', 'fold2', '100263-2-0-117.wav'))
})

test('urbansound8k: inconsistent class ids and bad folds are errors naming the CSV line', async () => {
  const header = 'slice_file_name,fsID,start,end,salience,fold,classID,class\n'
  const files = wavs(['audio/fold1/a.wav', 'audio/fold1/b.wav'])
  const inconsistent = writeTree(freshDir(), {
    ...files,
    'metadata/UrbanSound8K.csv': header + 'a.wav,1,0,1,1,1,3,dog\nb.wav,1,0,1,1,1,4,dog\n',
  })
  await assert.rejects(
    parseDataSet(inconsistent, 'urbansound8k'),
    (e: Error) => e instanceof UserError && /line 3: inconsistent labels: 'dog'/.test(e.message),
  )
  const badFold = writeTree(freshDir(), {...files, 'metadata/UrbanSound8K.csv': header + 'a.wav,1,0,1,1,11,3,dog\n'})
  await assert.rejects(parseDataSet(badFold, 'urbansound8k'), /UrbanSound8K\.csv, line 2: fold '11'/)
  const missing = writeTree(freshDir(), {...files, 'metadata/UrbanSound8K.csv': header + 'c.wav,1,0,1,1,1,3,dog\n'})
  await assert.rejects(parseDataSet(missing, 'urbansound8k'), /fold1[/\\]c\.wav: audio file does not exist/)
})

test('cross-validated: folds in numeric order, VALID in the own fold, sorted-union label map (crashed in auDeep)', async () => {
  const root = writeTree(freshDir(), {
    ...wavs(['fold_2/dog/b.wav', 'fold_2/cat/a.wav', 'fold_1/dog/z.wav', 'fold_1/dog/y.ogg', 'fold_10/bird/q.wav']),
    ...wavs([
      'fold_3/cat/c.wav',
      'fold_4/cat/d.wav',
      'fold_5/cat/e.wav',
      'fold_6/cat/f.wav',
      'fold_7/cat/g.wav',
      'fold_8/cat/h.wav',
      'fold_9/cat/i.wav',
    ]),
  })
  const parser = new CrossValidatedParser()
  assert.equal(await parser.canParse(root), true)
  const {dataSet} = await parseDataSet(root)
  assert.equal(dataSet.numFolds, 10)
  assert.deepEqual(
    [...dataSet.labelMap!],
    [
      ['bird', 0],
      ['cat', 1],
      ['dog', 2],
    ],
  )
  const names = dataSet.instances.map((i) => i.filename)
  assert.deepEqual(names.slice(0, 4), ['fold_1/dog/y.ogg', 'fold_1/dog/z.wav', 'fold_2/cat/a.wav', 'fold_2/dog/b.wav'])
  assert.equal(names[names.length - 1], 'fold_10/bird/q.wav')
  for (const inst of dataSet.instances) {
    const fold = Number(inst.filename.split('/')[0].slice(5))
    assert.deepEqual(
      inst.cvFolds,
      Array.from({length: 10}, (_, k) => (k === fold - 1 ? Split.VALID : Split.TRAIN)),
    )
    assert.equal(inst.labelNumeric, dataSet.labelMap!.get(inst.labelNominal!))
    assert.equal(inst.partition, null)
  }
})

test('cross-validated refuses gaps in fold numbers, a single fold, and empty class folders', async () => {
  const parser = new CrossValidatedParser()
  assert.equal(await parser.canParse(writeTree(freshDir(), wavs(['fold_1/a/x.wav', 'fold_3/a/y.wav']))), false)
  assert.equal(await parser.canParse(writeTree(freshDir(), wavs(['fold_1/a/x.wav']))), false)
  const empty = writeTree(freshDir(), wavs(['fold_1/a/x.wav', 'fold_2/a/y.wav']))
  writeTree(empty, {'fold_2/b/readme': 'no dot, so not a *.* file'})
  assert.equal(await parser.canParse(empty), false)
  await assert.rejects(parseDataSet(empty, 'cross-validated'), /cannot parse this directory/)
})

test('dcase: meta.txt order, base-name filenames, folds from the training lists, fixed label maps', async () => {
  const meta = 'audio/a1.wav\tbeach\tx\naudio/b2.wav\ttram\tx\n\naudio/c3.wav\tcafe/restaurant\tx\n'
  const lists: Record<string, string> = {
    'evaluation_setup/fold1_train.txt': 'audio/b2.wav\ttram\naudio/c3.wav\tcafe/restaurant\n',
    'evaluation_setup/fold2_train.txt': 'audio/a1.wav\tbeach\naudio/c3.wav\tcafe/restaurant\n',
    'evaluation_setup/fold3_train.txt': 'audio/a1.wav\tbeach\naudio/b2.wav\ttram\n',
    'evaluation_setup/fold4_train.txt': 'audio/a1.wav\tbeach\naudio/b2.wav\ttram\naudio/c3.wav\tcafe/restaurant\n',
  }
  const root = writeTree(freshDir(), {...wavs(['audio/a1.wav', 'audio/b2.wav', 'audio/c3.wav']), 'meta.txt': meta, ...lists})
  const {parser, dataSet} = await parseDataSet(root)
  assert.equal(parser.name, 'dcase')
  assert.equal(dataSet.numFolds, 4)
  assert.equal(dataSet.labelMap!.size, 15)
  assert.equal(dataSet.labelMap!.get('cafe/restaurant'), 2)
  const T = Split.TRAIN
  const V = Split.VALID
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNominal, i.labelNumeric, i.cvFolds]),
    [
      ['a1.wav', 'beach', 0, [V, T, T, T]],
      ['b2.wav', 'tram', 14, [T, V, T, T]],
      ['c3.wav', 'cafe/restaurant', 2, [T, T, V, T]],
    ],
  )

  const activities = writeTree(freshDir(), {
    ...wavs(['audio/a1.wav', 'audio/b2.wav']),
    'meta.txt': 'audio/a1.wav\tcooking\naudio/b2.wav\tother\n',
    ...lists,
  })
  const dcase18 = await parseDataSet(activities, 'audeep.backend.parsers.dcase18_task4.DCASEParser')
  assert.deepEqual(
    dcase18.dataSet.instances.map((i) => i.labelNumeric),
    [8, 0],
  )
  assert.ok(dcase18.parser instanceof DCASE2018Task4Parser)
  // The 2017 parser rejects the 2018 labels, naming the file and line.
  await assert.rejects(parseDataSet(activities, 'dcase'), /meta\.txt, line 1: invalid label 'cooking'/)
  assert.ok(new DCASEParser() instanceof DCASEParser)
})

test('esc: any common audio extension, sorted files, label = folder index, fold from the first character', async () => {
  const root = writeTree(
    freshDir(),
    wavs(['001 - Dog bark/5-2.wav', '001 - Dog bark/1-9.WAV', '002 - Rain/3-1.flac', '002 - Rain/.DS_Store', '010 - Zebra/2-1.ogg']),
  )
  const {dataSet} = await parseDataSet(root, 'esc')
  assert.deepEqual(
    [...dataSet.labelMap!],
    [
      ['Dog bark', 0],
      ['Rain', 1],
      ['Zebra', 2],
    ],
  )
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNominal, i.labelNumeric, i.cvFolds.indexOf(Split.VALID) + 1]),
    [
      ['1-9.WAV', 'Dog bark', 0, 1],
      ['5-2.wav', 'Dog bark', 0, 5],
      ['3-1.flac', 'Rain', 1, 3],
      ['2-1.ogg', 'Zebra', 2, 2],
    ],
  )
  const parser = new ESCParser()
  assert.equal(await parser.canParse(writeTree(freshDir(), wavs(['001 - Dog/6-1.wav']))), false, 'fold 6')
  assert.equal(await parser.canParse(writeTree(freshDir(), wavs(['01 - Dog/1-1.wav']))), false, 'two digits')
  assert.equal(await parser.canParse(writeTree(freshDir(), {'001 - Dog/1-1.txt': 'x'})), false, 'not audio')
  assert.equal(await parser.canParse(writeTree(freshDir(), wavs(['flat.wav']))), false, 'no class folders')
})

test('partitioned: non-directory entries warn, partitions alone decide, empty class folders refuse', async () => {
  const parser = new PartitionedParser()
  const root = writeTree(freshDir(), {...wavs(['test/b/2.wav', 'test/a/1.wav']), 'test/stray.txt': 'x'})
  const {dataSet} = await parseDataSet(root, 'partitioned')
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.partition]),
    [
      ['test/a/1.wav', Partition.TEST],
      ['test/b/2.wav', Partition.TEST],
    ],
  )
  const empty = writeTree(freshDir(), wavs(['train/a/1.wav']))
  writeTree(empty, {'train/b/noext': 'x'})
  assert.equal(await parser.canParse(empty), false)
  assert.equal(await new NoMetadataParser().canParse(empty), true)
  assert.equal(await new UrbanSound8KParser().canParse(empty), false)
})
