// `hear export` and `hear evaluate` end to end on the real HEAR task ../shared/data/hear/spoken_digit-1.0.9-small:
// spectrograms from `preprocess --parser hear`, mean over time as cheap features, the embedding directory
// checked by our reader and by Python (numpy.memmap + pickle, as heareval reads it), then HEAR's protocol.

import assert from 'node:assert/strict'
import {cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {DataSet, type InstanceMeta} from '../../src/data/dataset.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {embeddingDirectoryFiles, embeddingsFromDataSet, readEmbeddingDirectory, writeEmbeddingDirectory} from '../../src/hear/embeddings.js'
import {readSplitLabels} from '../../src/hear/task.js'
import {Random} from '../../src/core/random.js'
import {needsShared, runCli, sharedDir, sharedMissing, tempDir} from '../helpers.js'
import {pythonWith, runPython} from '../python/interpreter.js'

const task = join(sharedDir, 'data', 'hear', 'spoken_digit-1.0.9-small')
const FOLDS = ['fold00', 'fold01', 'fold02', 'fold03', 'fold04']
const work = tempDir('audeep-hear-')
const spectrograms = join(work, 'spectrograms.nc')
const exported = join(work, 'embeddings', 'spoken_digit-1.0.9-small')

let prepared: Promise<void> | null = null
/** Spectrograms (49 frames x 40 mel bands per clip) and their exported mean-over-time embeddings. */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    const pre = runCli([
      'preprocess',
      '-q',
      '--basedir',
      task,
      '--parser',
      'hear',
      '--mel-spectrum',
      '40',
      '--window-width',
      '0.04',
      '--window-overlap',
      '0.02',
      '--workers',
      '2',
      '--output',
      spectrograms,
    ])
    assert.equal(pre.status, 0, pre.stderr)
    const exp = runCli(['hear', 'export', '--input', spectrograms, '--task', task, '--output', exported, '--pool', 'mean'])
    assert.equal(exp.status, 0, exp.stderr)
    assert.match(exp.stderr, /wrote 100 embeddings of dimension 40 in 5 splits/)
  })()
  return prepared
}

test('hear export writes the files heareval reads, task files copied byte for byte', needsShared, async () => {
  await prepare()
  const files = readdirSync(exported).sort()
  const expected = [
    '.done.embeddings',
    'labelvocabulary.csv',
    'task_metadata.json',
    ...FOLDS.flatMap((f) => [`${f}.embedding-dimensions.json`, `${f}.embeddings.npy`, `${f}.json`, `${f}.target-labels.pkl`]),
  ].sort()
  assert.deepEqual(files, expected)
  for (const name of ['task_metadata.json', 'labelvocabulary.csv', ...FOLDS.map((f) => `${f}.json`)]) {
    assert.deepEqual(readFileSync(join(exported, name)), readFileSync(join(task, name)), name)
  }
  for (const fold of FOLDS) {
    // Python's json.dumps((20, 40)).
    assert.equal(readFileSync(join(exported, `${fold}.embedding-dimensions.json`), 'utf8'), '[20, 40]')
    assert.equal(readFileSync(join(exported, `${fold}.embeddings.npy`)).length, 20 * 40 * 4)
  }
})

test("each row is the mean over time of its clip's spectrogram, with the clip's labels as Python ints", needsShared, async () => {
  await prepare()
  const ds = await readDataSet(spectrograms)
  const [frames, bands] = ds.featureShape
  const emb = await readEmbeddingDirectory(exported)
  assert.deepEqual(emb.vocabulary, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
  assert.deepEqual(
    emb.splits.map((s) => s.name),
    FOLDS,
  )
  for (const split of emb.splits) {
    const labels = await readSplitLabels(task, split.name)
    assert.deepEqual(split.labels, [...labels.values()])
    assert.ok(split.labels.every((l) => l.length === 1 && typeof l[0] === 'bigint'))
    for (const [row, file] of [...labels.keys()].entries()) {
      const index = ds.instances.findIndex((i) => i.filename === file)
      const x = ds.instanceFeatures(index)
      for (let b = 0; b < bands; b++) {
        let sum = 0
        for (let t = 0; t < frames; t++) sum += x[t * bands + b]
        assert.ok(Math.abs(split.embeddings[row * bands + b] - sum / frames) < 1e-6, `${file} band ${b}`)
      }
    }
  }
})

const numpy = pythonWith(['numpy', 'pickle'])

test(
  'Python reads the directory the way heareval does (numpy.memmap, pickle.load, str(label) in the vocabulary)',
  {skip: sharedMissing ?? (numpy === null ? 'no python3 with numpy' : false)},
  async () => {
    await prepare()
    const code = `
import json, pickle, sys
import numpy as np
import csv
d = sys.argv[1]
meta = json.load(open(f'{d}/task_metadata.json'))
vocab = {row['label']: int(row['idx']) for row in csv.DictReader(open(f'{d}/labelvocabulary.csv'))}
out = {}
for split in meta['splits']:
    dim = tuple(json.load(open(f'{d}/{split}.embedding-dimensions.json')))
    emb = np.memmap(f'{d}/{split}.embeddings.npy', dtype=np.float32, mode='r', shape=dim)
    labels = pickle.load(open(f'{d}/{split}.target-labels.pkl', 'rb'))
    assert len(labels) == dim[0] and np.all(np.isfinite(emb))
    truth = json.load(open(f'{d}/{split}.json'))
    assert labels == list(truth.values()), split
    out[split] = {'dim': list(dim), 'idx': [vocab[str(l[0])] for l in labels], 'types': sorted({type(l[0]).__name__ for l in labels}),
                  'sum': float(emb.astype(np.float64).sum()), 'first': [float(v) for v in emb[0, :3]]}
print(json.dumps(out))`
    const fromPython = JSON.parse(runPython(numpy!, code, [exported]))
    const emb = await readEmbeddingDirectory(exported)
    for (const split of emb.splits) {
      const py = fromPython[split.name]
      assert.deepEqual(py.dim, [20, 40])
      assert.deepEqual(py.types, ['int'])
      assert.deepEqual(
        py.idx,
        split.labels.map((l) => Number(l[0])),
      )
      assert.deepEqual(py.first, Array.from(split.embeddings.subarray(0, 3)))
      const sum = split.embeddings.reduce((a, b) => a + b, 0)
      assert.ok(Math.abs(py.sum - sum) < 1e-3, `${split.name}: ${py.sum} vs ${sum}`)
    }
  },
)

test('hear export refuses event tasks and features that miss a clip, naming the file', needsShared, async () => {
  await prepare()
  const eventTask = join(work, 'event-task')
  cpSync(task, eventTask, {recursive: true, filter: (src) => !src.includes('44100')})
  const meta = JSON.parse(readFileSync(join(task, 'task_metadata.json'), 'utf8'))
  writeFileSync(join(eventTask, 'task_metadata.json'), JSON.stringify({...meta, embedding_type: 'event'}))
  const event = runCli(['hear', 'export', '--input', spectrograms, '--task', eventTask, '--output', join(work, 'x')])
  assert.equal(event.status, 1)
  assert.match(event.stderr, /audeep: error: .*event-task.task_metadata\.json: 'spoken_digit' is an event task/)

  const extraTask = join(work, 'extra-task')
  cpSync(task, extraTask, {recursive: true, filter: (src) => !src.includes('44100')})
  const fold = JSON.parse(readFileSync(join(task, 'fold02.json'), 'utf8'))
  writeFileSync(join(extraTask, 'fold02.json'), JSON.stringify({...fold, 'unknown-clip.wav': [3]}))
  const missing = runCli(['hear', 'export', '--input', spectrograms, '--task', extraTask, '--output', join(work, 'y')])
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /spectrograms\.nc: no instance for 'unknown-clip\.wav' of fold02\.json/)
})

/** Python's JSON (NaN literals) as JavaScript values, NaN becoming null. */
function parsePythonScores(text: string): Record<string, Record<string, number | null | string>> {
  return JSON.parse(text.replace(/\bNaN\b/g, 'null'))
}

// Protocol runs with heareval's 'fast' grid (1024 hidden units, 5 folds) take about a minute each.
const slow = process.env.AUDEEP_SLOW_TESTS !== '1' && 'about a minute; set AUDEEP_SLOW_TESTS=1'

test(
  "hear evaluate prints heareval's score JSON; the data set and its exported directory score identically",
  {skip: sharedMissing ?? slow},
  async () => {
    await prepare()
    const json = join(work, 'scores.json')
    const common = ['--grid', 'fast', '--grid-points', '1', '--seed', '42', '--extra-metrics', 'mAP,d_prime']
    const fromDir = runCli(['hear', 'evaluate', '--embeddings', exported, ...common, '--json', json])
    assert.equal(fromDir.status, 0, fromDir.stderr)
    assert.equal(readFileSync(json, 'utf8'), fromDir.stdout.replace(/\n$/, ''))
    const scores = parsePythonScores(fromDir.stdout)
    assert.deepEqual(Object.keys(scores), [...FOLDS, 'aggregated_scores', 'hparams', 'postprocessing', 'score_mode', 'embedding_path'])
    for (const fold of FOLDS) {
      const s = scores[fold]
      assert.deepEqual(Object.keys(s), [
        'test_loss',
        'test_score',
        'test_top1_acc',
        'test_mAP',
        'test_d_prime',
        'validation_score',
        'epoch',
        'time_in_min',
      ])
      assert.equal(s.test_score, s.test_top1_acc)
      const acc = s.test_top1_acc as number
      assert.ok(acc >= 0 && acc <= 1 && Number.isInteger(acc * 20), `${fold} accuracy ${acc}`)
      assert.ok((s.test_mAP as number) > 0 && (s.test_mAP as number) <= 1)
      // Every fold of this small task lacks two digits, so ROC AUC (and d') is undefined, as in heareval.
      assert.equal(s.test_d_prime, null)
      assert.ok(Number.isInteger(s.epoch) && (s.test_loss as number) > 0)
    }
    const mean = FOLDS.reduce((a, f) => a + (scores[f].test_top1_acc as number), 0) / FOLDS.length
    assert.ok(Math.abs((scores.aggregated_scores.test_score_mean as number) - mean) < 1e-12)
    assert.equal(scores.score_mode as unknown, 'max')
    assert.deepEqual(scores.postprocessing as unknown, [])
    assert.equal(scores.hparams.hidden_dim, 1024)
    assert.match(fromDir.stderr, /test top1_acc: \d\.\d{4} \(mean over 5 folds\)/)

    const fromInput = runCli(['hear', 'evaluate', '--input', spectrograms, '--task', task, '--pool', 'mean', ...common])
    assert.equal(fromInput.status, 0, fromInput.stderr)
    const strip = (text: string) => text.replace(/"embedding_path": .*/, '').replace(/"time_in_min[^\n]*/g, '')
    assert.equal(strip(fromInput.stdout), strip(fromDir.stdout))
  },
)

/** A data set whose instances are the task's clips and whose features are the one-hot digit plus noise. */
async function oracleDataSet(): Promise<DataSet> {
  const random = new Random(3)
  const instances: InstanceMeta[] = []
  const rows: number[] = []
  for (const fold of FOLDS) {
    for (const [file, labels] of await readSplitLabels(task, fold)) {
      instances.push({filename: file, chunkNr: 0, labelNominal: null, labelNumeric: null, cvFolds: [], partition: null})
      const digit = Number(labels[0])
      for (let j = 0; j < 10; j++) rows.push((j === digit ? 1 : 0) + 0.1 * random.normal())
    }
  }
  return new DataSet({
    featureDims: ['generated'],
    featureShape: [10],
    numFolds: 0,
    labelMap: null,
    instances,
    features: Float32Array.from(rows),
  })
}

test("with features that encode the label, HEAR's protocol finds it (top1_acc near 1)", {skip: sharedMissing ?? slow}, async () => {
  const file = join(work, 'oracle.nc')
  await writeDataSet(file, await oracleDataSet())
  const result = runCli(['hear', 'evaluate', '-q', '--input', file, '--task', task, '--grid', 'fast', '--grid-points', '2'])
  assert.equal(result.status, 0, result.stderr)
  const scores = parsePythonScores(result.stdout)
  assert.ok((scores.aggregated_scores.test_top1_acc_mean as number) >= 0.9, result.stdout)
})

test('embeddings made in memory equal what the directory holds after a round trip', needsShared, async () => {
  const oracle = await oracleDataSet()
  const emb = await embeddingsFromDataSet(oracle, task)
  const dir = join(work, 'oracle-embeddings')
  await writeEmbeddingDirectory(dir, task, emb)
  const back = await readEmbeddingDirectory(dir)
  back.splits.forEach((s, i) => {
    assert.deepEqual(s.embeddings, emb.splits[i].embeddings)
    assert.deepEqual(s.labels, emb.splits[i].labels)
  })
})

test('an embedding directory is replaced whole; a directory that is not one is refused; no temporaries', needsShared, async () => {
  const emb = await embeddingsFromDataSet(await oracleDataSet(), task)
  const parent = join(work, 'replaced')
  const dir = join(parent, 'task')
  await writeEmbeddingDirectory(dir, task, emb)
  // heareval's outputs for the old embeddings, and a stray file.
  writeFileSync(join(dir, 'prediction-done.json'), '{}')
  writeFileSync(join(dir, 'fold00.predicted-scores.json'), '{}')
  await writeEmbeddingDirectory(dir, task, emb)
  assert.deepEqual(readdirSync(dir).sort(), embeddingDirectoryFiles(FOLDS).sort())
  assert.deepEqual(readdirSync(parent), ['task'])
  const other = join(parent, 'notes')
  mkdirSync(other)
  writeFileSync(join(other, 'mine.txt'), 'keep me')
  await assert.rejects(writeEmbeddingDirectory(other, task, emb), /notes: exists and is not an embedding directory/)
  assert.deepEqual(readdirSync(other), ['mine.txt'])
})
