// The PNG figures: our PNG encoder against an independent decoder (pngjs), the spectrogram's
// orientation and histogram, chart data, text rendering, and the plot/visualize commands end to end.

import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {PNG} from 'pngjs'

import {readDataSet, writeDataSet} from '../../src/data/netcdf/index.js'
import {EventFileWriter} from '../../src/formats/tfevents.js'
import {colormapLut} from '../../src/plot/colormap.js'
import {confusionMatrixSpec, renderConfusionMatrixPng} from '../../src/plot/confusion.js'
import {lossCurveSpec, smoothLosses} from '../../src/plot/loss-curve.js'
import {encodePng, haveFonts, pngSize, specToPng, specToSvg} from '../../src/plot/png.js'
import {scatterSpec} from '../../src/plot/scatter.js'
import {densityHistogram, histogramRange, renderSpectrogramPng, spectrogramGreyPng, spectrogramSpec} from '../../src/plot/spectrogram.js'
import {needsShared, reference, runCli, tempDir} from '../helpers.js'

/** Decodes a PNG with pngjs, independent of our encoder, into RGBA pixels. */
function decode(png: Uint8Array): {width: number; height: number; rgba: Uint8ClampedArray} {
  const image = PNG.sync.read(Buffer.from(png))
  return {
    width: image.width,
    height: image.height,
    rgba: new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length),
  }
}

function pixel(img: {width: number; rgba: Uint8ClampedArray}, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4
  return [...img.rgba.subarray(i, i + 3)]
}

test('encodePng writes grey, RGB and RGBA images that another decoder reads back exactly', () => {
  const width = 7
  const height = 5
  for (const channels of [1, 3, 4] as const) {
    const pixels = Uint8Array.from({length: width * height * channels}, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff)
    const img = decode(encodePng(width, height, channels, pixels))
    assert.deepEqual([img.width, img.height], [width, height])
    for (let p = 0; p < width * height; p++) {
      const expected = channels === 1 ? [pixels[p], pixels[p], pixels[p]] : [...pixels.subarray(p * channels, p * channels + 3)]
      assert.deepEqual([...img.rgba.subarray(p * 4, p * 4 + 3)], expected, `pixel ${p} of a ${channels}-channel image`)
    }
  }
})

test('spectrogram raster: low bands at the bottom, time to the right, magma colours', async () => {
  const frames = 40
  const bands = 16
  const lut = await colormapLut('magma')
  const magma = (t: number) => [...lut.subarray(t * 3, t * 3 + 3)]
  // Values rise with the band: the bottom row must be the darkest colour, the top row the brightest.
  const byBand = Float32Array.from({length: frames * bands}, (_, i) => i % bands)
  const spec = (await spectrogramSpec({values: byBand, frames, bands, frameStepSeconds: 0.04, bandLabel: 'mel band', title: 't'})) as {
    vconcat: {layer: {data: {values: {url: string}[]}}[]}[]
  }
  const url = spec.vconcat[0].layer[0].data.values[0].url
  const raster = decode(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'))
  assert.deepEqual(pixel(raster, 0, raster.height - 1), magma(0))
  assert.deepEqual(pixel(raster, raster.width - 1, 0), magma(255))
  // Values rising with time: left column dark, right column bright.
  const byFrame = Float32Array.from({length: frames * bands}, (_, i) => Math.floor(i / bands))
  const grey = decode(spectrogramGreyPng(byFrame, frames, bands))
  assert.deepEqual([grey.width, grey.height], [frames, bands])
  assert.deepEqual(pixel(grey, 0, 0), [0, 0, 0])
  assert.deepEqual(pixel(grey, frames - 1, bands - 1), [255, 255, 255])
})

test('pretend histogram: range just inside the clipping bounds, densities integrate to 1', needsShared, async () => {
  const ds = await readDataSet(reference('esc10-sample-db.nc'))
  const values = ds.instanceFeatures(3)
  assert.deepEqual(histogramRange({values, clipBelow: -60}), [-59.99, 0])
  assert.deepEqual(histogramRange({values, clipBelow: -60, clipAbove: -5}), [-59.99, -5.01])
  const bins = densityHistogram(values, -59.99, 0)
  assert.equal(bins.length, 100)
  const integral = bins.reduce((a, b) => a + b.density * (b.end - b.start), 0)
  assert.ok(Math.abs(integral - 1) < 1e-9, `integral ${integral}`)

  const out = join(tempDir(), 'pretend.png')
  const [frames, bands] = ds.featureShape
  await renderSpectrogramPng(
    {values, frames, bands, frameStepSeconds: 0.04, bandLabel: 'mel band', clipBelow: -60, title: ds.instances[3].filename},
    out,
  )
  const {width, height} = pngSize(readFileSync(out))
  assert.ok(width > 1200 && height > 800, `figure size ${width} x ${height}`)
})

test('confusion matrix: rows normalised, both axes in label order, counts printed', async () => {
  const labels = ['b', 'a', 'c']
  const matrix = [
    [8, 2, 0],
    [0, 5, 5],
    [0, 0, 0],
  ]
  const spec = confusionMatrixSpec({labels, matrix, title: 'confusion'}) as {
    data: {values: {truth: string; predicted: string; fraction: number; count: number}[]}
  }
  const cell = (t: string, p: string) => spec.data.values.find((v) => v.truth === t && v.predicted === p)!
  assert.equal(cell('b', 'b').fraction, 0.8)
  assert.equal(cell('a', 'c').fraction, 0.5)
  assert.equal(cell('c', 'c').fraction, 0, 'an empty row does not divide by zero')
  const svg = await specToSvg(confusionMatrixSpec({labels, matrix, title: 'confusion'}))
  // Axis labels keep the given order (auDeep's were misaligned).
  const order = [...svg.matchAll(/<text[^>]*>(a|b|c)<\/text>/g)].map((m) => m[1])
  assert.deepEqual(order.slice(0, 3), labels)
  assert.match(svg, />8<\/text>/)
  const out = join(tempDir(), 'confusion.png')
  await renderConfusionMatrixPng({labels, matrix, title: 'confusion'}, out)
  assert.ok(existsSync(out))
  assert.throws(() => confusionMatrixSpec({labels, matrix: [[1]], title: ''}), /3 x 3/)
})

test('loss curve: smoothing is debiased, log scale drops non-positive losses, epochs marked', () => {
  assert.deepEqual(
    [...smoothLosses([2, 2, 2], 0.9)].map((v) => +v.toFixed(12)),
    [2, 2, 2],
  )
  const steps = Array.from({length: 100}, (_, i) => i)
  const losses = steps.map((s) => (s === 10 ? 0 : 1 / (s + 1)))
  const spec = lossCurveSpec({steps, losses, epochEnds: [49, 99], logScale: true, title: 'loss'}) as {
    layer: {data: {values: {step: number; series?: string}[]}}[]
  }
  const raw = spec.layer[0].data.values.filter((v) => v.series === 'per step')
  assert.equal(raw.length, 99)
  assert.ok(!raw.some((v) => v.step === 10))
  assert.deepEqual(
    spec.layer[1].data.values.map((v) => v.step),
    [49, 99],
  )
})

test('scatter plot colours unlabelled points apart from every class', () => {
  const spec = scatterSpec({x: [0, 1, 2], y: [0, 1, 2], labels: ['dog', null, 'cat'], title: 's'}) as {
    encoding: {color: {scale: {domain: string[]; range: string[]}}}
  }
  assert.deepEqual(spec.encoding.color.scale.domain, ['cat', 'dog', '(unlabelled)'])
  assert.equal(new Set(spec.encoding.color.scale.range).size, 3)
})

test('chart text is rendered (fonts found)', {skip: haveFonts() ? false : 'no fonts installed (Debian: fonts-dejavu-core)'}, async () => {
  // A chart with only a title: any dark pixel must come from the glyphs.
  const png = await specToPng({title: 'MMMMMMMM', width: 200, height: 20, mark: 'point', data: {values: []}} as never)
  const img = decode(png)
  let dark = 0
  for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i] < 100 && img.rgba[i + 1] < 100 && img.rgba[i + 2] < 100) dark++
  assert.ok(dark > 200, `${dark} dark pixels`)
})

test("plot training draws the loss from a run's event files", () => {
  const run = tempDir()
  const logs = join(run, 'logs')
  const writer = new EventFileWriter(logs)
  for (let step = 0; step < 30; step++) writer.addScalar('model/loss/value', 1 / (step + 1), step)
  writer.close()
  for (const step of [10, 20, 30]) writeFileSync(join(logs, `model-${step}.index`), '')
  const result = runCli(['plot', 'training', '--run-name', run, '--json'])
  assert.equal(result.status, 0, result.stderr)
  const summary = JSON.parse(result.stdout) as {output: string; steps: number; lastLoss: number; tag: string}
  assert.equal(summary.output, join(run, 'training-loss.png'))
  assert.equal(summary.steps, 30)
  assert.equal(summary.tag, 'model/loss/value')
  assert.ok(Math.abs(summary.lastLoss - 1 / 30) < 1e-7)
  assert.ok(existsSync(summary.output))

  const empty = tempDir()
  const missing = runCli(['plot', 'training', '--run-name', empty])
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /no such directory/)
})

test('visualize umap and tsne write a PNG; multi-dimensional features are flattened as auDeep does', needsShared, async () => {
  const dir = tempDir()
  const input = reference('esc10-sample-generated-layout.nc')
  const umap = runCli(['visualize', 'umap', '--input', input, '--output', join(dir, 'u.png'), '--neighbors', '5', '--seed', '1', '--json'])
  assert.equal(umap.status, 0, umap.stderr)
  const summary = JSON.parse(umap.stdout) as {explainedVariance: number}
  // 20 instances span at most 19 dimensions, so PCA to min(50, 20, 1024) = 20 keeps all the variance.
  assert.ok(Math.abs(summary.explainedVariance - 1) < 1e-9)
  assert.deepEqual(
    {...summary, explainedVariance: 1},
    {output: join(dir, 'u.png'), instances: 20, features: 1024, pcaComponents: 20, explainedVariance: 1},
  )
  assert.ok(existsSync(join(dir, 'u.png')))

  const tsne = runCli([
    'visualize',
    'tsne',
    '--input',
    input,
    '--output',
    join(dir, 't.png'),
    '--perplexity',
    '5',
    '--iterations',
    '200',
    '--seed',
    '1',
  ])
  assert.equal(tsne.status, 0, tsne.stderr)
  assert.ok(existsSync(join(dir, 't.png')))

  const tooPerplexed = runCli(['visualize', 'tsne', '--input', input, '--output', join(dir, 'x.png')])
  assert.equal(tooPerplexed.status, 1)
  assert.match(tooPerplexed.stderr, /--perplexity 50 must be less than the number of instances \(20\)/)

  // Spectrograms are flattened per instance as auDeep does (np.reshape(features, [n, -1])): the same map,
  // byte for byte, as from the same values stored as flat feature vectors.
  const spectrogramFile = reference('esc10-sample.nc')
  const spectrograms = await readDataSet(spectrogramFile)
  // (same base name: the plot's title shows it)
  mkdirSync(join(dir, 'flat'))
  const flatFile = join(dir, 'flat', 'esc10-sample.nc')
  await writeDataSet(flatFile, spectrograms.withFeatures(['generated'], [spectrograms.featureSize], spectrograms.features))
  const maps = [spectrogramFile, flatFile].map((file, k) => {
    const r = runCli([
      'visualize',
      'umap',
      '--input',
      file,
      '--output',
      join(dir, `s${k}.png`),
      '--neighbors',
      '5',
      '--seed',
      '2',
      '--json',
    ])
    assert.equal(r.status, 0, r.stderr)
    return {
      summary: JSON.parse(r.stdout) as {features: number; output: string},
      stderr: r.stderr,
      png: readFileSync(join(dir, `s${k}.png`)),
    }
  })
  assert.match(maps[0].stderr, /flattening features of shape \[124, 128\] \(time, freq\) to 15872 values per instance/)
  assert.equal(maps[0].summary.features, 124 * 128)
  assert.deepEqual({...maps[0].summary, output: ''}, {...maps[1].summary, output: ''})
  assert.ok(maps[0].png.equals(maps[1].png))
})
