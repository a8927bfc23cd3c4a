// Tiny autoencoders trained for a few steps on a crop of the real ESC-10 spectrograms: every architecture
// and cell type learns, --continue and interruption resume exactly, and generated features have the
// documented layout.

import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, test} from 'node:test'

import {getLogger} from '../../src/core/log.js'
import {DataSet} from '../../src/data/dataset.js'
import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {readEvents} from '../../src/formats/tfevents.js'
import type {AutoencoderConfig} from '../../src/nn/autoencoders.js'
import {selectBackend} from '../../src/nn/engine/index.js'
import {generateFeatures} from '../../src/nn/generate.js'
import {StreamBatchOrder} from '../../src/nn/training.js'
import {reconstructionImage} from '../../src/training/tensorboard.js'
import {trainAutoencoder, type TrainRunOptions} from '../../src/training/train.js'
import {needsShared, reference, sharedMissing, tempDir} from '../helpers.js'

const FRAMES = 24
const BANDS = 40
let cropPath = ''

before(async () => {
  await selectBackend('auto')
  if (sharedMissing) return
  // The first 24 frames and 40 bands of each sample spectrogram: real data, small enough to train quickly.
  const full = await readDataSet(reference('esc10-sample.nc'))
  const crop = new Float32Array(full.numInstances * FRAMES * BANDS)
  for (let i = 0; i < full.numInstances; i++) {
    const src = full.instanceFeatures(i)
    for (let t = 0; t < FRAMES; t++) crop.set(src.subarray(t * 128, t * 128 + BANDS), (i * FRAMES + t) * BANDS)
  }
  cropPath = join(tempDir(), 'crop.nc')
  await writeDataSet(cropPath, new DataSet({...full, instances: full.instances, featureShape: [FRAMES, BANDS], features: crop}))
})

const arch = (bidirectional: boolean, cell: 'gru' | 'lstm' = 'gru', layers = 1, units = 8) => ({layers, units, bidirectional, cell})
const windows = {width: 16, overlap: 8}

function options(runDir: string, config: AutoencoderConfig, extra: Partial<TrainRunOptions> = {}): TrainRunOptions {
  return {
    runDir,
    inputs: [cropPath],
    config: () => config,
    hyperParameters: () => ({batchSize: 5, learningRate: 0.01, keepProb: 0.9, encoderNoise: 0.1, feedPreviousProb: 0}),
    numEpochs: 4,
    seed: 11,
    resume: false,
    logger: getLogger('test'),
    ...extra,
  }
}

const cases: [string, AutoencoderConfig][] = [
  ['t-rae GRU, bidirectional decoder', {kind: 't-rae', numFeatures: BANDS, encoder: arch(false), decoder: arch(true), maskSilence: false}],
  [
    't-rae GRU, 2017 bidirectional decoder',
    {kind: 't-rae', numFeatures: BANDS, encoder: arch(false), decoder: arch(true), maskSilence: false, decoderVariant: '2017'},
  ],
  [
    't-rae LSTM, bidirectional encoder, 2 layers',
    {kind: 't-rae', numFeatures: BANDS, encoder: arch(true, 'lstm', 2), decoder: arch(false, 'lstm', 2), maskSilence: false},
  ],
  ['f-rae GRU', {kind: 'f-rae', numFeatures: BANDS, encoder: arch(false), decoder: arch(false), windows}],
  [
    'f-rae LSTM, bidirectional decoder',
    {kind: 'f-rae', numFeatures: BANDS, encoder: arch(false, 'lstm'), decoder: arch(true, 'lstm'), windows},
  ],
  [
    'ft-rae GRU',
    {
      kind: 'ft-rae',
      numFeatures: BANDS,
      freqEncoder: arch(false),
      freqDecoder: arch(false),
      timeEncoder: arch(false),
      timeDecoder: arch(false),
      windows,
    },
  ],
  [
    'ft-rae LSTM, bidirectional time encoder',
    {
      kind: 'ft-rae',
      numFeatures: BANDS,
      freqEncoder: arch(false, 'lstm'),
      freqDecoder: arch(false, 'lstm'),
      timeEncoder: arch(true, 'lstm'),
      timeDecoder: arch(false, 'lstm'),
      windows,
    },
  ],
]

for (const [name, config] of cases) {
  test(`${name}: loss decreases and generated features have the documented shape`, needsShared, async () => {
    const dir = tempDir()
    const losses: number[] = []
    const result = await trainAutoencoder(options(join(dir, 'run'), config, {onBatch: (s) => losses.push(s.loss)}))
    assert.equal(result.progress.epoch, 4)
    assert.equal(losses.length, 16)
    const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4
    const last = losses.slice(-4).reduce((a, b) => a + b) / 4
    assert.ok(last < first, `loss should decrease: first epoch ${first.toFixed(4)}, last epoch ${last.toFixed(4)}`)

    const out = join(dir, 'features.nc')
    await generateFeatures({modelDir: join(dir, 'run', 'logs'), input: cropPath, output: out, batchSize: 7})
    const features = await readDataSet(out)
    const input = await readDataSet(cropPath)
    assert.deepEqual(features.instances, input.instances, 'metadata carried over')
    assert.deepEqual([...features.labelMap!], [...input.labelMap!])
    const expected =
      config.kind === 't-rae'
        ? {
            dims: ['generated'],
            shape: [8 * (config.decoder.cell === 'lstm' ? 2 : 1) * config.decoder.layers * (config.decoder.bidirectional ? 2 : 1)],
          }
        : config.kind === 'f-rae'
          ? {
              dims: ['generated_0', 'generated_1'],
              shape: [FRAMES, 8 * (config.decoder.cell === 'lstm' ? 2 : 1) * (config.decoder.bidirectional ? 2 : 1)],
            }
          : {dims: ['generated'], shape: [8 * (config.timeDecoder.cell === 'lstm' ? 2 : 1)]}
    assert.deepEqual({dims: features.featureDims, shape: features.featureShape}, expected)
    assert.ok(
      features.features.every((v) => v >= -1 && v <= 1 && Number.isFinite(v)),
      'representations are tanh outputs',
    )
  })
}

test('the tutorial architecture gives 1024 features (2 x 256 GRU, bidirectional decoder)', needsShared, async () => {
  const {createAutoencoder} = await import('../../src/nn/autoencoders.js')
  const {Random} = await import('../../src/core/random.js')
  const model = createAutoencoder(
    {kind: 't-rae', numFeatures: 128, encoder: arch(false, 'gru', 2, 256), decoder: arch(true, 'gru', 2, 256), maskSilence: false},
    new Random(1),
  )
  assert.deepEqual(model.representationLayout(124), {dims: ['generated'], shape: [1024]})
  model.params.dispose()
})

test('--continue and an interruption resume exactly where an uninterrupted run would be', needsShared, async () => {
  const dir = tempDir()
  const config = cases[0][1]
  await trainAutoencoder(options(join(dir, 'straight'), config, {numEpochs: 3}))
  await trainAutoencoder(options(join(dir, 'resumed'), config, {numEpochs: 1}))
  await trainAutoencoder(options(join(dir, 'resumed'), config, {numEpochs: 2, resume: true}))
  let batches = 0
  const stopped = await trainAutoencoder(
    options(join(dir, 'interrupted'), config, {numEpochs: 3, onBatch: () => batches++, shouldStop: () => batches === 6}),
  )
  assert.equal(stopped.interrupted, true)
  assert.deepEqual([stopped.progress.step, stopped.progress.epoch, stopped.progress.batchInEpoch], [6, 1, 2])
  const finished = await trainAutoencoder(options(join(dir, 'interrupted'), config, {numEpochs: 2, resume: true}))
  assert.equal(finished.progress.step, 12)
  const weights = (run: string, step: number) => readFileSync(join(dir, run, 'logs', `model-${step}`, 'weights.bin'))
  assert.ok(weights('resumed', 12).equals(weights('straight', 12)), '--continue is bit-identical to uninterrupted training')
  assert.ok(weights('interrupted', 12).equals(weights('straight', 12)), 'resuming after an interruption is bit-identical')
  await assert.rejects(trainAutoencoder(options(join(dir, 'straight'), config)), /already has checkpoints/)
  await assert.rejects(trainAutoencoder(options(join(dir, 'nothing'), config, {resume: true})), /no checkpoints/)
})

test('training writes TensorBoard events: loss per step and a reconstruction image per epoch', needsShared, async () => {
  const dir = tempDir()
  await trainAutoencoder(options(join(dir, 'run'), cases[0][1], {numEpochs: 2}))
  const logs = join(dir, 'run', 'logs')
  const files = readdirSync(logs).filter((f) => f.startsWith('events.out.tfevents.'))
  assert.equal(files.length, 1)
  const events = [...readEvents(join(logs, files[0]))]
  const losses = events.flatMap((e) => e.scalars.filter((s) => s.tag === 'model/loss/value').map((s) => e.step))
  assert.deepEqual(losses, [0, 1, 2, 3, 4, 5, 6, 7])
  const tags = new Set(events.flatMap((e) => [...e.scalars, ...e.histograms].map((v) => v.tag)))
  for (const tag of ['model/learning_rate', 'model/representation/mean', 'model/representation/stddev_1', 'model/representation/histogram'])
    assert.ok(tags.has(tag), tag)
  const images = events.flatMap((e) => e.images.map((i) => ({step: e.step, ...i})))
  assert.equal(images.length, 2)
  // auDeep's layout, [T, 2F]: a row per frame, targets and reconstruction side by side; logged at the step
  // of each epoch's last batch, numbered like the scalars.
  assert.deepEqual(
    [images[0].tag, images[0].height, images[0].width],
    ['model/reconstruction/targets_vs_reconstruction/image/0', FRAMES, 2 * BANDS],
  )
  assert.deepEqual(
    images.map((i) => i.step),
    [3, 7],
  )
})

test('the reconstruction image is scaled as tf.summary.image scales float images', () => {
  // T = 2 frames, F = 2 bands; with negative values: 127 / max |v| around 128, truncated.
  const signed = reconstructionImage(Float32Array.of(-1, 0.5, 0.25, 0), Float32Array.of(0.5, -0.5, 1, 0), 2, 2)
  assert.deepEqual([signed.height, signed.width], [2, 4])
  assert.deepEqual([...signed.pixels], [1, 191, 191, 64, 159, 128, 255, 128])
  // Non-negative: the largest value becomes 255.
  const positive = reconstructionImage(Float32Array.of(0, 0.5), Float32Array.of(0.25, 0.125), 1, 2)
  assert.deepEqual([...positive.pixels], [0, 255, 127, 63])
})

test('feed-previous decoding (step by step) trains too', needsShared, async () => {
  const dir = tempDir()
  const losses: number[] = []
  const config: AutoencoderConfig = {kind: 't-rae', numFeatures: BANDS, encoder: arch(false), decoder: arch(false), maskSilence: false}
  await trainAutoencoder({
    ...options(join(dir, 'run'), config, {numEpochs: 3, onBatch: (s) => losses.push(s.loss)}),
    hyperParameters: () => ({batchSize: 5, learningRate: 0.01, keepProb: 1, encoderNoise: 0, feedPreviousProb: 0.5}),
  })
  assert.ok(losses.every(Number.isFinite))
  assert.ok(losses.slice(-4).reduce((a, b) => a + b) < losses.slice(0, 4).reduce((a, b) => a + b), losses.join(' '))
})

test("--batch-order stream: auDeep's shuffle queue gives full batches, replays exactly, draws every instance evenly", () => {
  const sizes = [7, 5] // two input files, 12 instances
  const order = new StreamBatchOrder(9, sizes, 5)
  const first = Array.from({length: 40}, (_, step) => order.batch(step))
  assert.ok(first.every((b) => b.length === 5 && b.every((i) => Number.isInteger(i) && i >= 0 && i < 12)))
  // Asking for an earlier step replays the stream from the start: the same batches.
  assert.deepEqual(order.batch(3), first[3])
  assert.deepEqual(new StreamBatchOrder(9, sizes, 5).batch(17), first[17])
  assert.notDeepEqual(new StreamBatchOrder(10, sizes, 5).batch(0), first[0])
  // Over many draws every instance comes up about equally often (the buffer holds 100 batches).
  const counts = new Array<number>(12).fill(0)
  const long = new StreamBatchOrder(1, sizes, 5)
  for (let step = 0; step < 2400; step++) for (const i of long.batch(step)) counts[i]++
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`)
})

test('--batch-order stream: full batches each step, ceil(N/B) per epoch, and --continue resumes exactly', needsShared, async () => {
  const dir = tempDir()
  const config = cases[1][1]
  const stream = (extra: Partial<TrainRunOptions>) => ({
    ...extra,
    hyperParameters: () => ({
      batchSize: 6,
      learningRate: 0.01,
      keepProb: 0.9,
      encoderNoise: 0,
      feedPreviousProb: 0,
      batchOrder: 'stream' as const,
    }),
  })
  const steps: number[] = []
  const straight = await trainAutoencoder(
    options(join(dir, 'straight'), config, stream({numEpochs: 3, onBatch: (s) => steps.push(s.step)})),
  )
  const numInstances = straight.progress.numInstances
  assert.equal(straight.progress.step, 3 * Math.ceil(numInstances / 6))
  await trainAutoencoder(options(join(dir, 'resumed'), config, stream({numEpochs: 1})))
  await trainAutoencoder(options(join(dir, 'resumed'), config, stream({numEpochs: 2, resume: true})))
  const last = straight.progress.step
  const weights = (run: string) => readFileSync(join(dir, run, 'logs', `model-${last}`, 'weights.bin'))
  assert.ok(weights('resumed').equals(weights('straight')), '--continue is bit-identical to uninterrupted training')
  const manifest = JSON.parse(readFileSync(join(dir, 'straight', 'logs', `model-${last}`, 'checkpoint.json'), 'utf8'))
  assert.equal(manifest.hyperParameters.batchOrder, 'stream')
  assert.equal(manifest.config.decoderVariant, '2017')
})
