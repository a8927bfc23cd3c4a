// The input families the fuzz suite damages, each with real seed files and the library entry point that
// reads them (the one the CLI command uses), called in-process. A case passes when the entry point either
// succeeds with output that checks out, or throws a UserError naming the damaged file.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {copyFileSync, cpSync, existsSync, mkdirSync, readdirSync} from 'node:fs'
import {basename, join} from 'node:path'

import {Random} from '../../src/core/random.js'
import {decodeAudioFile} from '../../src/audio/decode.js'
import type {DataSet} from '../../src/data/dataset.js'
import {importDataSet} from '../../src/data/import.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {checkIntegrity, isValid} from '../../src/data/validate.js'
import {readLabelVocabulary, readSplitLabels, readTaskMetadata} from '../../src/hear/task.js'
import {createAutoencoder} from '../../src/nn/autoencoders.js'
import {loadCheckpoint, restoreCheckpoint} from '../../src/nn/checkpoint.js'
import {checkpointSteps, readScalarSeries} from '../../src/plot/training-log.js'
import {fixture, reference, sampleDir, sharedDir} from '../helpers.js'
import {haveGoldenSpectrograms, tinyRun} from '../nn/tiny-run.js'

export interface Seed {
  /** Short name for reports. */
  name: string
  /** The file whose bytes are damaged. */
  source: string
  /** Lays out a case in the empty directory `dir`; returns the path of the copy to damage. */
  prepare(dir: string): string
  /** Reads the case through the library; throws to fail it, or returns normally when the output checks out. */
  run(dir: string, target: string): Promise<void>
}

export interface Family {
  name: string
  /** Seeds, or the reason the family is skipped (missing reference data or tools). */
  seeds(work: string): Promise<Seed[] | string>
}

function checkDataSet(ds: DataSet): void {
  assert.equal(ds.features.length, ds.numInstances * ds.featureSize, 'feature block size')
  assert.ok(
    ds.featureShape.every((d) => Number.isInteger(d) && d >= 0),
    'feature shape',
  )
  for (const inst of ds.instances) {
    assert.equal(typeof inst.filename, 'string')
    assert.ok(Number.isInteger(inst.chunkNr), `chunk number ${inst.chunkNr}`)
    assert.ok(inst.labelNumeric === null || Number.isSafeInteger(inst.labelNumeric), `numeric label ${inst.labelNumeric}`)
    assert.equal(inst.cvFolds.length, ds.numFolds)
  }
}

const copyTo =
  (name: string) =>
  (source: string) =>
  (dir: string): string => {
    const target = join(dir, name)
    copyFileSync(source, target)
    return target
  }

// ---------------------------------------------------------------------------------------------------------

const netcdf: Family = {
  name: 'netCDF',
  async seeds() {
    const golden = ['esc10-sample.nc', 'esc10-sample-generated-layout.nc', 'ops/partial-labels.nc', 'ops/us8k-fake.nc', 'ops/nometa.nc']
      .map((f) => reference(f))
      .filter((f) => existsSync(f))
    if (golden.length === 0) return 'the golden netCDF files (../shared/reference/audeep) are not available'
    // Classic-format (CDF-1/CDF-2) files written by auDeep's netCDF library, committed as test fixtures.
    const sources = [...golden, fixture('generated4-cdf1.nc'), fixture('partial-labels-cdf2.nc')]
    return sources.map((source) => ({
      name: basename(source),
      source,
      prepare: copyTo('data.nc')(source),
      async run(_dir, target) {
        checkDataSet(await readDataSet(target))
      },
    }))
  },
}

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], {stdio: 'ignore'}).status === 0
}

const audio: Family = {
  name: 'audio',
  async seeds(work) {
    const sources = [join(sampleDir, '001 - Dog bark', '1-100032-A.ogg')]
    const digit = join(sharedDir, 'data', 'hear', 'spoken_digit-1.0.9-small', '44100', 'fold00')
    if (existsSync(digit)) sources.push(join(digit, readdirSync(digit).filter((f) => f.endsWith('.wav'))[0]))
    if (has('sox')) {
      // Short files of each container, made by sox from an ESC-10 clip.
      const clip = join(sampleDir, '009 - Rooster', '1-26806-A.ogg')
      const made: [string, string[]][] = [
        ['pcm16.wav', []],
        ['float32.wav', ['-e', 'floating-point', '-b', '32']],
        ['pcm24-stereo.wav', ['-b', '24', '-c', '2']],
        ['alaw.wav', ['-e', 'a-law', '-r', '8000']],
        ['flac16.flac', []],
        ['mp3.mp3', []],
      ]
      for (const [name, args] of made) {
        const out = join(work, name)
        const result = spawnSync('sox', [clip, ...args, out, 'trim', '0', '0.25'], {stdio: 'ignore'})
        if (result.status === 0) sources.push(out)
      }
    }
    return sources.map((source) => ({
      name: basename(source),
      source,
      prepare: copyTo(`clip${source.slice(source.lastIndexOf('.'))}`)(source),
      async run(_dir, target) {
        const decoded = await decodeAudioFile(target)
        assert.ok(Number.isFinite(decoded.sampleRate) && decoded.sampleRate > 0, `sample rate ${decoded.sampleRate}`)
        assert.ok(decoded.channels.length >= 1)
        for (const ch of decoded.channels) {
          assert.equal(ch.length, decoded.numSamples)
          for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) assert.fail(`sample ${i} is ${ch[i]}`)
        }
      },
    }))
  },
}

function importFamily(name: string, relative: string, ext: string): Family {
  return {
    name,
    async seeds() {
      const source = reference('export', relative)
      if (!existsSync(source)) return `the golden export ${relative} (../shared/reference/audeep) is not available`
      return [
        {
          name: relative,
          source,
          prepare: copyTo(`data${ext}`)(source),
          async run(dir) {
            const ds = await importDataSet({basedir: dir, name: 'data'})
            checkDataSet(ds)
            assert.ok(ds.numInstances > 0)
            assert.ok(isValid(checkIntegrity(ds)), 'an imported data set validates')
          },
        },
      ]
    },
  }
}

const checkpoints: Family = {
  name: 'checkpoint',
  async seeds(work) {
    if (!haveGoldenSpectrograms) return 'the golden ESC-10 spectrograms (../shared/reference/audeep) are not available'
    const {logDir} = await tinyRun(join(work, 'tiny'))
    const model = readdirSync(logDir).find((f) => /^model-\d+$/.test(f))!
    return ['checkpoint.json', 'weights.bin'].map((file) => ({
      name: file,
      source: join(logDir, model, file),
      prepare(dir) {
        cpSync(join(logDir, model), join(dir, 'logs', model), {recursive: true})
        return join(dir, 'logs', model, file)
      },
      async run(dir) {
        const checkpoint = loadCheckpoint(join(dir, 'logs'))
        const autoencoder = createAutoencoder(checkpoint.manifest.config, new Random(0))
        try {
          restoreCheckpoint(checkpoint, autoencoder.params.variables)
        } finally {
          autoencoder.params.dispose()
        }
      },
    }))
  },
}

const tfevents: Family = {
  name: 'TensorBoard events',
  async seeds(work) {
    if (!haveGoldenSpectrograms) return 'the golden ESC-10 spectrograms (../shared/reference/audeep) are not available'
    const {logDir} = await tinyRun(join(work, 'tiny'), 2)
    const events = readdirSync(logDir).find((f) => f.startsWith('events.out.tfevents.'))!
    return [
      {
        name: 'events',
        source: join(logDir, events),
        prepare(dir) {
          mkdirSync(join(dir, 'logs'))
          return copyTo(join('logs', events))(join(logDir, events))(dir)
        },
        async run(dir) {
          // What `plot training` reads.
          const series = readScalarSeries(join(dir, 'logs'))
          for (let i = 0; i < series.steps.length; i++) {
            assert.ok(Number.isSafeInteger(series.steps[i]), `step ${series.steps[i]}`)
            if (i > 0) assert.ok(series.steps[i] > series.steps[i - 1], 'steps ascend')
          }
          checkpointSteps(join(dir, 'logs'))
        },
      },
    ]
  },
}

const hear: Family = {
  name: 'HEAR task',
  async seeds() {
    const task = join(sharedDir, 'data', 'hear', 'spoken_digit-1.0.9-small')
    if (!existsSync(task)) return 'the HEAR task ../shared/data/hear/spoken_digit-1.0.9-small is not available'
    const files = ['task_metadata.json', 'fold00.json', 'fold03.json', 'labelvocabulary.csv']
    return files.map((file) => ({
      name: file,
      source: join(task, file),
      prepare(dir) {
        for (const f of readdirSync(task)) if (/\.(json|csv)$/.test(f)) copyFileSync(join(task, f), join(dir, f))
        return join(dir, file)
      },
      async run(dir) {
        const metadata = await readTaskMetadata(dir)
        const vocabulary = await readLabelVocabulary(dir)
        assert.ok(vocabulary.length > 0)
        for (const split of metadata.splits) {
          const labels = await readSplitLabels(dir, split)
          for (const [name, list] of labels) assert.ok(typeof name === 'string' && Array.isArray(list))
        }
      },
    }))
  },
}

export const FAMILIES: Family[] = [
  netcdf,
  audio,
  importFamily('CSV', 'csv/fold_1/esc10-sample.csv', '.csv'),
  importFamily('ARFF', 'arff-ll/fold_1/esc10-sample.arff', '.arff'),
  checkpoints,
  tfevents,
  hear,
]
