import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {test} from 'node:test'

import {DataSet, Partition, Split, type InstanceMeta} from '../../src/data/dataset.js'
import {exportDataSet} from '../../src/data/export.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {needsShared, reference, runCli, tempDir} from '../helpers.js'

const FOLDS = [1, 2, 3, 4, 5]

test('CSV export of esc10-sample.nc is byte-identical to the original (all 5 folds)', needsShared, async () => {
  const ds = await readDataSet(reference('esc10-sample.nc'))
  const out = tempDir()
  const files = await exportDataSet(ds, {format: 'CSV', outputDir: out, name: 'esc10-sample', labelsLast: false})
  assert.deepEqual(
    files,
    FOLDS.map((k) => join(out, `fold_${k}`, 'esc10-sample.csv')),
  )
  for (const k of FOLDS) {
    const ours = readFileSync(join(out, `fold_${k}`, 'esc10-sample.csv'))
    const golden = readFileSync(reference('export', 'csv', `fold_${k}`, 'esc10-sample.csv'))
    assert.ok(ours.equals(golden), `fold ${k} differs`)
  }
})

test('ARFF export with --labels-last of esc10-sample.nc is byte-identical to the original (CLI)', needsShared, () => {
  const out = tempDir()
  // The format is case-insensitive, as in auDeep.
  const result = runCli(['export', '--input', reference('esc10-sample.nc'), '--format', 'arff', '--labels-last', '--output', out])
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stderr, /features will be flattened/)
  for (const k of FOLDS) {
    const ours = readFileSync(join(out, `fold_${k}`, 'esc10-sample.arff'))
    const golden = readFileSync(reference('export', 'arff-ll', `fold_${k}`, 'esc10-sample.arff'))
    assert.ok(ours.equals(golden), `fold ${k} differs`)
  }
  assert.deepEqual(
    readdirSync(out).sort(),
    FOLDS.map((k) => `fold_${k}`),
  )
})

test('partial-labels.nc: CSV text as the reference shows it, and ARFF honoured (auDeep wrote CSV)', needsShared, async () => {
  const ds = await readDataSet(reference('ops', 'partial-labels.nc'))
  const out = tempDir()
  const csv = await exportDataSet(ds, {format: 'CSV', outputDir: out, name: 'partial-labels', labelsLast: false})
  assert.deepEqual(csv, [join(out, 'partial-labels.csv')])
  assert.equal(
    readFileSync(csv[0], 'utf8'),
    'filename,chunk_nr,label_nominal,label_numeric,feature_0,feature_1\nf0,0,a,0.0,0.0,0.0\nf1,0,b,1.0,0.0,0.0\nf2,0,,,0.0,0.0\n',
  )
  const arff = await exportDataSet(ds, {format: 'ARFF', outputDir: out, name: 'partial-labels', labelsLast: false})
  assert.deepEqual(arff, [join(out, 'partial-labels.arff')])
  assert.equal(
    readFileSync(arff[0], 'utf8'),
    '@RELATION "auDeep exported data set"\n\n@ATTRIBUTE filename STRING\n@ATTRIBUTE chunk_nr INTEGER\n' +
      '@ATTRIBUTE label_nominal {a, b}\n@ATTRIBUTE label_numeric INTEGER\n@ATTRIBUTE feature_0 REAL\n@ATTRIBUTE feature_1 REAL\n\n' +
      '@DATA\nf0,0,a,0.0,0.0,0.0\nf1,0,b,1.0,0.0,0.0\nf2,0,?,?,0.0,0.0\n',
  )
})

function instance(
  filename: string,
  label: string,
  numeric: number,
  cvFolds: Split[],
  partition: Partition | null,
  chunkNr = 0,
): InstanceMeta {
  return {filename, chunkNr, labelNominal: label, labelNumeric: numeric, cvFolds, partition}
}

/** Small data set: 6 instances, 2 folds, partitions train/devel, 1-D features [i, -i/4]. */
function partitionedCv(): DataSet {
  const V = Split.VALID
  const T = Split.TRAIN
  const instances = [
    instance('a.wav', 'x', 0, [V, T], Partition.TRAIN),
    instance('b.wav', 'y', 1, [T, V], Partition.TRAIN),
    instance('c.wav', 'x', 0, [V, T], Partition.DEVEL),
    instance('d.wav', 'y', 1, [T, V], Partition.DEVEL),
    instance('e.wav', 'x', 0, [V, T], Partition.TRAIN),
    instance('f.wav', 'y', 1, [T, V], Partition.DEVEL),
  ]
  const features = new Float32Array(instances.flatMap((_, i) => [i, -i / 4]))
  return new DataSet({
    featureDims: ['generated'],
    featureShape: [2],
    numFolds: 2,
    labelMap: new Map([
      ['x', 0],
      ['y', 1],
    ]),
    instances,
    features,
  })
}

function filenamesIn(csvPath: string): string[] {
  return readFileSync(csvPath, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0])
}

test('CV + partitions: <partition>/fold_k holds the instances of that partition VALID in fold k', async () => {
  const out = tempDir()
  const files = await exportDataSet(partitionedCv(), {format: 'CSV', outputDir: out, name: 'set.csv', labelsLast: false})
  assert.deepEqual(
    files.map((f) => relative(out, f)),
    ['train/fold_1/set.csv', 'train/fold_2/set.csv', 'devel/fold_1/set.csv', 'devel/fold_2/set.csv'],
  )
  assert.deepEqual(filenamesIn(join(out, 'train/fold_1/set.csv')), ['a.wav', 'e.wav'])
  assert.deepEqual(filenamesIn(join(out, 'train/fold_2/set.csv')), ['b.wav'])
  assert.deepEqual(filenamesIn(join(out, 'devel/fold_1/set.csv')), ['c.wav'])
  assert.deepEqual(filenamesIn(join(out, 'devel/fold_2/set.csv')), ['d.wav', 'f.wav'])
  assert.equal(existsSync(join(out, 'test')), false)
})

test('partitions only: one file per non-empty partition; labels last; no temporary files left', async () => {
  const ds = partitionedCv()
  const noCv = new DataSet({...ds, numFolds: 0, instances: ds.instances.map((i) => ({...i, cvFolds: []}))})
  const out = tempDir()
  const files = await exportDataSet(noCv, {format: 'CSV', outputDir: out, name: 'set', labelsLast: true})
  assert.deepEqual(
    files.map((f) => relative(out, f)),
    ['train/set.csv', 'devel/set.csv'],
  )
  assert.equal(
    readFileSync(files[0], 'utf8'),
    'filename,chunk_nr,feature_0,feature_1,label_nominal,label_numeric\na.wav,0,0.0,-0.0,x,0\nb.wav,0,1.0,-0.25,y,1\ne.wav,0,4.0,-1.0,x,0\n',
  )
  assert.deepEqual(readdirSync(join(out, 'train')), ['set.csv'])
})

test('overlapping folds duplicate instances into every fold they are VALID in', async () => {
  const V = Split.VALID
  const T = Split.TRAIN
  const instances = [instance('a', 'x', 0, [V, V], null), instance('b', 'x', 0, [T, V], null), instance('c', 'x', 0, [T, T], null)]
  const ds = new DataSet({
    featureDims: ['g'],
    featureShape: [1],
    numFolds: 2,
    labelMap: null,
    instances,
    features: new Float32Array([1, 2, 3]),
  })
  const out = tempDir()
  await exportDataSet(ds, {format: 'CSV', outputDir: out, name: 'o', labelsLast: false})
  assert.deepEqual(filenamesIn(join(out, 'fold_1/o.csv')), ['a'])
  assert.deepEqual(filenamesIn(join(out, 'fold_2/o.csv')), ['a', 'b'])
})

test('strings that need quoting are written readably in both formats', async () => {
  const instances = [instance('dir/it\'s, "odd".wav', 'Dog bark', 0, [], null), instance('50%\tx.wav', 'a{b}', 1, [], null)]
  const ds = new DataSet({
    featureDims: ['g'],
    featureShape: [1],
    numFolds: 0,
    labelMap: null,
    instances,
    features: new Float32Array([1e-5, NaN]),
  })
  const out = tempDir()
  const [csv] = await exportDataSet(ds, {format: 'CSV', outputDir: out, name: 'q', labelsLast: false})
  assert.equal(
    readFileSync(csv, 'utf8'),
    'filename,chunk_nr,label_nominal,label_numeric,feature_0\n"dir/it\'s, ""odd"".wav",0,Dog bark,0,1e-05\n50%\tx.wav,0,a{b},1,\n',
  )
  const [arff] = await exportDataSet(ds, {format: 'ARFF', outputDir: out, name: 'q', labelsLast: false})
  const text = readFileSync(arff, 'utf8')
  assert.match(text, /@ATTRIBUTE label_nominal \{'Dog bark', 'a\{b\}'\}\n/)
  assert.ok(
    text.endsWith("@DATA\n'dir/it\\'s, \\\"odd\\\".wav',0,'Dog bark',0,9.999999747378752e-06\n'50\\%\\tx.wav',0,'a{b}',1,?\n"),
    text,
  )
})

/** Weka's summary of an ARFF file, or null without java and Debian's weka.jar. */
function wekaSummary(path: string): {stdout: string; stderr: string} | null {
  const jar = '/usr/share/java/weka.jar'
  if (!existsSync(jar) || spawnSync('java', ['-version']).status !== 0) return null
  const result = spawnSync('java', ['-cp', jar, 'weka.core.Instances', path], {encoding: 'utf8', maxBuffer: 64 << 20})
  return {stdout: result.stdout, stderr: result.stderr}
}

test('Weka reads the exported ARFF files', needsShared, async (t) => {
  const out = tempDir()
  const sample = await readDataSet(reference('esc10-sample.nc'))
  const [fold1] = await exportDataSet(sample, {format: 'ARFF', outputDir: join(out, 'esc'), name: 'esc', labelsLast: false})
  const [partial] = await exportDataSet(await readDataSet(reference('ops', 'partial-labels.nc')), {
    format: 'ARFF',
    outputDir: out,
    name: 'partial',
    labelsLast: false,
  })
  const instances = [instance('dir/it\'s, "odd".wav', 'Dog bark', 0, [], null), instance('50%\tx\\y.wav', 'a{b}', 1, [], null)]
  const odd = new DataSet({
    featureDims: ['g'],
    featureShape: [1],
    numFolds: 0,
    labelMap: null,
    instances,
    features: new Float32Array([1e-5, NaN]),
  })
  const [quoted] = await exportDataSet(odd, {format: 'ARFF', outputDir: out, name: 'quoted', labelsLast: true})
  for (const [path, count, attributes] of [
    [fold1, 4, 15876],
    [partial, 3, 6],
    [quoted, 2, 5],
  ] as const) {
    const summary = wekaSummary(path)
    if (!summary) {
      t.skip('java or /usr/share/java/weka.jar (Debian package weka) not available')
      return
    }
    assert.doesNotMatch(summary.stderr, /Exception/, `${path}: ${summary.stderr}`)
    assert.match(summary.stdout, new RegExp(`Num Instances:\\s+${count}\\n`), path)
    assert.match(summary.stdout, new RegExp(`Num Attributes:\\s+${attributes}\\n`), path)
  }
})
