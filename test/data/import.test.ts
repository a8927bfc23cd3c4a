import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {DataSet, Partition, Split, type InstanceMeta} from '../../src/data/dataset.js'
import {exportDataSet} from '../../src/data/export.js'
import {importDataSet} from '../../src/data/import.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {needsShared, reference, runCli, tempDir} from '../helpers.js'

const key = (i: InstanceMeta): string => `${i.filename}#${i.chunkNr}`

/** Imported data equals the original per (filename, chunk_nr): metadata, label map and exact features. */
function assertSameData(imported: DataSet, original: DataSet): void {
  assert.deepEqual(imported.featureDims, ['generated'])
  assert.deepEqual(imported.featureShape, [original.featureSize])
  assert.equal(imported.numFolds, original.numFolds)
  assert.deepEqual([...(imported.labelMap ?? [])], [...(original.labelMap ?? [])])
  assert.equal(imported.numInstances, original.numInstances)
  const byKey = new Map(original.instances.map((inst, i) => [key(inst), i]))
  imported.instances.forEach((inst, i) => {
    const j = byKey.get(key(inst))
    assert.notEqual(j, undefined, `unexpected instance ${key(inst)}`)
    assert.deepEqual(inst, original.instances[j!])
    const a = imported.instanceFeatures(i)
    const b = original.instanceFeatures(j!)
    for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) assert.fail(`${key(inst)} feature ${k}: ${a[k]} != ${b[k]}`)
  })
}

test('the golden CSV export imports back to esc10-sample.nc exactly', needsShared, async () => {
  const original = await readDataSet(reference('esc10-sample.nc'))
  const imported = await importDataSet({basedir: reference('export', 'csv'), name: 'esc10-sample'})
  assertSameData(imported, original)
  // Fold order and data set order within a fold.
  assert.deepEqual(
    imported.instances.slice(0, 4).map((i) => i.filename),
    ['1-100032-A.ogg', '1-187207-A.ogg', '1-26143-A.ogg', '1-26806-A.ogg'],
  )
})

test('the golden ARFF (labels last) export imports back exactly, via the CLI', needsShared, async () => {
  const original = await readDataSet(reference('esc10-sample.nc'))
  const out = join(tempDir(), 'reimported.nc')
  const result = runCli(['import', '--basedir', reference('export', 'arff-ll'), '--name', 'esc10-sample', '--output', out])
  assert.equal(result.status, 0, result.stderr)
  assertSameData(await readDataSet(out), original)
})

function inst(
  filename: string,
  label: string | null,
  numeric: number | null,
  cvFolds: (Split | null)[],
  partition: Partition | null,
  chunkNr = 0,
): InstanceMeta {
  return {filename, chunkNr, labelNominal: label, labelNumeric: numeric, cvFolds, partition}
}

test('11 folds with partitions and chunks round-trip (folds sorted numerically)', async () => {
  const numFolds = 11
  const instances: InstanceMeta[] = []
  // 22 files of two chunks each; the chunks of a file share label, fold and partition (the data validates).
  for (let i = 0; i < 44; i++) {
    const file = Math.floor(i / 2)
    const cv = Array.from({length: numFolds}, (_, k) => (k === file % numFolds ? Split.VALID : Split.TRAIN))
    const label = ['a', 'b', 'c'][file % 3]
    instances.push(inst(`f${file}.wav`, label, file % 3, cv, [Partition.TRAIN, Partition.DEVEL][file % 2], i % 2))
  }
  const features = Float32Array.from({length: instances.length * 3}, (_, k) => Math.fround(Math.sin(k) * 10 ** ((k % 9) - 6)))
  const labelMap = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 2],
  ])
  const ds = new DataSet({featureDims: ['generated'], featureShape: [3], numFolds, labelMap, instances, features})
  for (const format of ['CSV', 'ARFF'] as const) {
    const out = tempDir()
    const files = await exportDataSet(ds, {format, outputDir: out, name: 'set', labelsLast: format === 'ARFF'})
    assert.equal(files.length, 2 * numFolds)
    assertSameData(await importDataSet({basedir: out, name: 'set'}), ds)
  }
})

test('overlapping folds merge back into one instance VALID in each fold; partial labels stay missing', async () => {
  const V = Split.VALID
  const T = Split.TRAIN
  const instances = [inst('a', 'x', 0, [V, V], null), inst('b', 'y', 1, [T, V], null), inst('c', null, null, [V, T], null)]
  const ds = new DataSet({
    featureDims: ['generated'],
    featureShape: [2],
    numFolds: 2,
    labelMap: new Map([
      ['x', 0],
      ['y', 1],
    ]),
    instances,
    features: new Float32Array([1, 2, 3, 4, NaN, -0]),
  })
  const out = tempDir()
  await exportDataSet(ds, {format: 'CSV', outputDir: out, name: 'o', labelsLast: false})
  assertSameData(await importDataSet({basedir: out, name: 'o'}), ds)
})

test('partial-labels.nc round-trips through a single ARFF file', needsShared, async () => {
  const ds = await readDataSet(reference('ops', 'partial-labels.nc'))
  const out = tempDir()
  await exportDataSet(ds, {format: 'ARFF', outputDir: out, name: 'p', labelsLast: false})
  const imported = await importDataSet({basedir: out, name: 'p'})
  // No CV info on export (a missing fold entry), so none on import; the labels define the map.
  assert.equal(imported.numFolds, 0)
  assert.deepEqual(
    [...imported.labelMap!],
    [
      ['a', 0],
      ['b', 1],
    ],
  )
  assert.deepEqual(
    imported.instances.map((i) => [i.filename, i.labelNominal, i.labelNumeric]),
    [
      ['f0', 'a', 0],
      ['f1', 'b', 1],
      ['f2', null, null],
    ],
  )
})

test('custom attribute names; no numeric column numbers labels in sorted order; no filename column is synthetic', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'x.csv'), 'class,v1,part,v2\nzeta,1,0,2\nalpha,3,0,4\n,5,0,6\n')
  const ds = await importDataSet({basedir: dir, name: 'x', labelNominalAttribute: 'class', chunkNrAttribute: 'part'})
  assert.deepEqual(
    [...ds.labelMap!],
    [
      ['alpha', 0],
      ['zeta', 1],
    ],
  )
  assert.deepEqual(
    ds.instances.map((i) => [i.filename, i.chunkNr, i.labelNominal, i.labelNumeric]),
    [
      [`synthetic_${join(dir, 'x.csv')}_0`, 0, 'zeta', 1],
      [`synthetic_${join(dir, 'x.csv')}_1`, 0, 'alpha', 0],
      [`synthetic_${join(dir, 'x.csv')}_2`, 0, null, null],
    ],
  )
  assert.deepEqual([...ds.features], [1, 2, 3, 4, 5, 6])
})

test('a partition missing a class still imports (label maps are merged)', async () => {
  const dir = tempDir()
  mkdirSync(join(dir, 'train'))
  mkdirSync(join(dir, 'test'))
  writeFileSync(join(dir, 'train', 's.csv'), 'filename,label_nominal,label_numeric,f\na,x,0,1\nb,y,1,2\n')
  writeFileSync(join(dir, 'test', 's.CSV'), 'filename,label_nominal,label_numeric,f\nc,y,1,3\n')
  const ds = await importDataSet({basedir: dir, name: 's'})
  assert.deepEqual(
    [...ds.labelMap!],
    [
      ['x', 0],
      ['y', 1],
    ],
  )
  assert.deepEqual(
    ds.instances.map((i) => [i.filename, i.partition]),
    [
      ['a', Partition.TRAIN],
      ['b', Partition.TRAIN],
      ['c', Partition.TEST],
    ],
  )
})

/** Builds a tree of files from a {relative path: content} map. */
function tree(files: Record<string, string>): string {
  const dir = tempDir()
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), {recursive: true})
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const CSV = 'filename,chunk_nr,label_nominal,label_numeric,f\na,0,x,0,1.5\n'

test('every failure mode is a UserError with a clear message', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /no data file s\.csv or s\.arff, and no train\/devel\/test or fold_N directories/],
    [{'s.csv': CSV, 's.arff': '@relation r\n'}, /ambiguous data files s\.arff, s\.csv/],
    [{'fold_1/s.csv': CSV, 'fold_3/s.csv': CSV}, /directory fold_2 is missing/],
    [{'fold_1/s.csv': CSV}, /two or more fold_N directories, found 1/],
    [{'fold_1/s.csv': CSV, 'fold_01/s.csv': CSV}, /both fold_1 and fold_01 name fold 1|both fold_01 and fold_1 name fold 1/],
    [{'fold_1/s.csv': CSV, 'fold_2/other.csv': CSV}, /fold_2: no data file s\.csv or s\.arff for fold 2/],
    [{'fold_1/s.csv': CSV, 'misc/s.csv': CSV}, /neither all train\/devel\/test nor all fold_N \(unexpected: misc\)/],
    [{'train/x.csv': CSV}, /no data file s\.csv or s\.arff in any partition directory/],
    [{'s.csv': 'filename,label,f\na,x,1\n'}, /required nominal label column 'label_nominal' is missing/],
    [{'s.csv': 'filename,label_nominal,f\na,x,1,2\n'}, /line 2: 4 fields, expected 3/],
    [{'s.csv': 'filename,label_nominal,f\na,x,abc\n'}, /line 2, column 3 \(f\): value 'abc' of feature column 'f' is not a number/],
    [{'s.csv': 'filename,label_nominal,label_numeric,f\na,x,0,1\nb,x,1,2\n'}, /nominal label 'x' has numeric labels 0 .* and 1/],
    [{'s.csv': 'filename,label_nominal,label_numeric,f\na,x,0,1\nb,y,0,2\n'}, /numeric label 0 belongs to both 'x' and 'y'/],
    [{'s.csv': 'filename,chunk_nr,label_nominal,f\na,1.5,x,1\n'}, /chunk number '1.5' is not a non-negative integer/],
    [{'s.csv': 'filename,label_nominal,label_numeric,f\na,x,0.5,1\n'}, /numeric label '0.5' is not an integer/],
    [{'s.csv': ''}, /empty CSV file/],
    [{'fold_1/s.csv': CSV, 'fold_2/s.csv': CSV.replace(',f\n', ',g\n')}, /have different columns \(column 5 is 'g' vs 'f'\)/],
    [{'train/s.csv': CSV, 'devel/s.csv': CSV}, /instance a chunk 0 appears in both .*train.* and .*devel/],
    [{'fold_1/s.csv': CSV, 'fold_2/s.csv': CSV.replace('1.5', '2.5')}, /appears in both .* with different partitions, labels or features/],
    [
      {'s.arff': '@relation r\n@attribute filename string\n@attribute label_nominal {x}\n@attribute f string\n@data\na,x,b\n'},
      /attribute 'f' is string; features must be numeric/,
    ],
    [
      {'s.arff': "@relation r\n@attribute label_nominal {x}\n@attribute f numeric\n@data\n'y',1\n"},
      /line 5: label 'y' is not among the declared values/,
    ],
    [{'s.arff': '@relation r\n@attribute label_nominal {x}\n@data\nx,1\n'}, /line 4: row has 2 values, expected 1/],
    // Values that do not fit exactly name the file, line and column.
    [
      {'s.csv': 'filename,label_nominal,label_numeric,f\na,x,99999999999999999999,1\n'},
      /s\.csv: line 2, column 3 \(label_numeric\): numeric label '99999999999999999999' does not fit exactly/,
    ],
    [
      {
        's.arff':
          '@relation r\n@attribute filename string\n@attribute label_nominal {x}\n@attribute label_numeric numeric\n@data\na,x,9007199254740993\n',
      },
      /s\.arff: line 6, column 3 \(label_numeric\): numeric label '9007199254740993' does not fit exactly/,
    ],
    [
      {'s.csv': 'filename,chunk_nr,label_nominal,f\na,2147483648,x,1\n'},
      /line 2, column 2 \(chunk_nr\): chunk number '2147483648' is out of range/,
    ],
    [{'s.csv': 'filename,label_nominal,f\na,x,1e39\n'}, /line 2, column 3 \(f\): value '1e39' is beyond the range of float32/],
    // Header only, or a header cut short: no instances.
    [{'s.csv': 'filename,label_nominal,f\n'}, /s\.csv: no instances, only a header/],
    [{'s.csv': 'filename,label_nominal,feat'}, /s\.csv: no instances, only a header/],
    [{'s.arff': '@relation r\n@attribute label_nominal {x}\n@attribute f numeric\n@data\n'}, /s\.arff: no instances/],
    [{'s.arff': '@relation r\n@attribute label_nominal {x}\n@attri'}, /s\.arff: line 3: .*|not an ARFF file/],
    // What validate would reject is not imported.
    [
      {'s.csv': 'filename,chunk_nr,label_nominal,f\na,0,x,1\na,2,x,2\nb,0,x,3\nb,1,x,4\n'},
      /s\.csv: the data would fail validation \(For each filename, chunk numbers must be \[0, 1, \.\.\., num_chunks\]: invalid chunk number for file a: expected 1, got 2/,
    ],
    [
      {'fold_1/s.csv': 'filename,chunk_nr,label_nominal,f\na,0,x,1\n', 'fold_2/s.csv': 'filename,chunk_nr,label_nominal,f\na,1,y,2\n'},
      /: the data would fail validation \(Instances with the same filename must have the same nominal labels/,
    ],
  ]
  for (const [files, pattern] of cases) {
    const dir = tree(files)
    await assert.rejects(
      importDataSet({basedir: dir, name: 's'}),
      (e: unknown) => e instanceof UserError && pattern.test(e.message),
      `${JSON.stringify(files)} should fail with ${pattern}`,
    )
  }
  await assert.rejects(
    importDataSet({basedir: join(tempDir(), 'none'), name: 's'}),
    (e: unknown) => e instanceof UserError && /directory does not exist/.test(e.message),
  )
})

test('import CLI reports user errors on one line with status 1', () => {
  const result = runCli(['import', '--basedir', tree({'fold_1/s.csv': CSV}), '--name', 's', '--output', join(tempDir(), 'x.nc')])
  assert.equal(result.status, 1)
  assert.match(result.stderr, /^audeep: error: .*two or more fold_N directories, found 1\n$/m)
})
