// The ComParE parsers on small layouts built from real ESC-10 clips (cut to 0.5 s and written as WAV,
// renamed train_0001.wav, devel_0001.wav, ...) with label files written as each of auDeep's ComParE
// parsers reads them. Each layout's expected instances, labels, partitions and label map are committed
// below; where Debian's python3 with auDeep's packages is installed, the original parsers are run on the
// same layouts (through ../shared/peers/audeep_preprocess.py preprocess) and must store exactly those.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {decodeAudioFile} from '../../src/audio/decode.js'
import {UserError} from '../../src/core/errors.js'
import {type InstanceMeta, Partition, PARTITION_NAMES} from '../../src/data/dataset.js'
import {openDataSetReader} from '../../src/data/netcdf/index.js'
import {COMPARE_TASKS} from '../../parsers/compare.js'
import {MetaParser, parseDataSet, PARSERS, resolveParser, toInstanceMeta} from '../../parsers/index.js'
import {repoRoot, runCli, sharedDir} from '../helpers.js'
import {freshDir} from './fixtures.js'

const esc10 = join(sharedDir, 'data', 'ESC-10')
const peerScript = join(sharedDir, 'peers', 'audeep_preprocess.py')
const python = '/usr/bin/python3'

// ---------------------------------------------------------------------------------------------------------
// Audio: six ESC-10 clips (one per class folder), the loudest 0.5 s of each, as 16-bit PCM WAV.

const CLIP_SECONDS = 0.5
let clipCache: Buffer[] | undefined

function pcm16Wav(samples: Float32Array, sampleRate: number): Buffer {
  const buf = Buffer.alloc(44 + 2 * samples.length)
  buf.write('RIFF', 0, 'ascii')
  buf.writeUInt32LE(36 + 2 * samples.length, 4)
  buf.write('WAVEfmt ', 8, 'ascii')
  buf.writeUInt32LE(16, 16)
  buf.writeUInt16LE(1, 20)
  buf.writeUInt16LE(1, 22)
  buf.writeUInt32LE(sampleRate, 24)
  buf.writeUInt32LE(2 * sampleRate, 28)
  buf.writeUInt16LE(2, 32)
  buf.writeUInt16LE(16, 34)
  buf.write('data', 36, 'ascii')
  buf.writeUInt32LE(2 * samples.length, 40)
  samples.forEach((x, i) => buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32768))), 44 + 2 * i))
  return buf
}

async function clips(): Promise<Buffer[]> {
  if (clipCache) return clipCache
  const out: Buffer[] = []
  for (const dir of readdirSync(esc10).sort().slice(0, 6)) {
    const file = readdirSync(join(esc10, dir)).sort()[0]
    const audio = await decodeAudioFile(join(esc10, dir, file))
    const x = audio.channels[0]
    const n = Math.round(CLIP_SECONDS * audio.sampleRate)
    let best = 0
    let bestEnergy = -1
    for (let start = 0; start + n <= x.length; start += n) {
      let e = 0
      for (let i = start; i < start + n; i++) e += x[i] * x[i]
      if (e > bestEnergy) [best, bestEnergy] = [start, e]
    }
    out.push(pcm16Wav(Float32Array.from(x.subarray(best, best + n)), audio.sampleRate))
  }
  clipCache = out
  return out
}

// ---------------------------------------------------------------------------------------------------------
// Layouts

type P = 'TRAIN' | 'DEVEL' | 'TEST'
/** filename, nominal label, numeric label, partition */
type Row = [string, string | null, number | null, P]

interface Layout {
  readonly title: string
  /** Our short name; the auDeep class name is looked up in COMPARE_TASKS. */
  readonly parser: string
  readonly wav: readonly string[]
  /** lab/<name> -> content */
  readonly lab: Readonly<Record<string, string>>
  readonly labelMap: readonly [string, number][]
  /** In instance order. */
  readonly instances: readonly Row[]
}

const SIX = ['train_0001.wav', 'train_0002.wav', 'devel_0001.wav', 'devel_0002.wav', 'test_0001.wav', 'test_0002.wav']

const tsv = (...rows: string[][]) => rows.map((r) => r.join('\t') + '\n').join('')
const csv = (...rows: string[][]) => rows.map((r) => r.join(',') + '\n').join('')

const MASK_MAP: [string, number][] = [
  ['clear', 0],
  ['mask', 1],
]

const LAYOUTS: readonly Layout[] = [
  {
    title: '2018 Atypical Affect: test files absent from the TSV are unlabelled',
    parser: 'compare18-atypical-affect',
    wav: SIX,
    lab: {
      'ComParE2018_AtypicalAffect.tsv': tsv(
        ['file_name', 'emotion'],
        ['train_0001.wav', 'happy'],
        ['train_0002.wav', 'angry'],
        ['devel_0001.wav', 'sad'],
        ['devel_0002.wav', 'neutral'],
      ),
    },
    labelMap: [
      ['angry', 3],
      ['happy', 0],
      ['neutral', 2],
      ['sad', 1],
    ],
    instances: [
      ['devel_0001.wav', 'sad', 1, 'DEVEL'],
      ['devel_0002.wav', 'neutral', 2, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'happy', 0, 'TRAIN'],
      ['train_0002.wav', 'angry', 3, 'TRAIN'],
    ],
  },
  {
    title: '2018 Atypical Affect: the confidential TSV (test labels) is preferred',
    parser: 'compare18-atypical-affect',
    wav: SIX,
    lab: {
      'ComParE2018_AtypicalAffect.tsv': tsv(['file_name', 'emotion'], ['train_0001.wav', 'sad']),
      'ComParE2018_AtypicalAffect.confidential.tsv': tsv(
        ['file_name', 'emotion', 'speaker'],
        ['test_0002.wav', 'angry', 's3'],
        ['test_0001.wav', 'angry', 's3'],
        ['train_0001.wav', 'happy', 's1'],
        ['train_0002.wav', 'happy', 's1'],
        ['devel_0001.wav', 'sad', 's2'],
        ['devel_0002.wav', 'neutral', 's2'],
      ),
    },
    labelMap: [
      ['angry', 3],
      ['happy', 0],
      ['neutral', 2],
      ['sad', 1],
    ],
    instances: [
      ['devel_0001.wav', 'sad', 1, 'DEVEL'],
      ['devel_0002.wav', 'neutral', 2, 'DEVEL'],
      ['test_0001.wav', 'angry', 3, 'TEST'],
      ['test_0002.wav', 'angry', 3, 'TEST'],
      ['train_0001.wav', 'happy', 0, 'TRAIN'],
      ['train_0002.wav', 'happy', 0, 'TRAIN'],
    ],
  },
  {
    title: '2018 Crying: numeric labels, empty test labels, devel files in TEST (as in auDeep)',
    parser: 'compare18-crying',
    wav: SIX,
    lab: {
      'ComParE2018_Crying.tsv': tsv(
        ['file_name', 'label'],
        ['train_0001.wav', '0'],
        ['train_0002.wav', '2'],
        ['devel_0001.wav', '1'],
        ['devel_0002.wav', '0'],
        ['test_0001.wav', ''],
        ['test_0002.wav', ''],
      ),
    },
    labelMap: [
      ['0', 0],
      ['1', 1],
      ['2', 2],
    ],
    instances: [
      ['devel_0001.wav', '1', 1, 'TEST'],
      ['devel_0002.wav', '0', 0, 'TEST'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', '0', 0, 'TRAIN'],
      ['train_0002.wav', '2', 2, 'TRAIN'],
    ],
  },
  {
    title: '2018 Heart Beats: numeric labels, test rows missing',
    parser: 'compare18-heartbeat',
    wav: SIX,
    lab: {
      'ComParE2018_Heartbeat.tsv': tsv(
        ['file_name', 'label'],
        ['devel_0002.wav', '2'],
        ['devel_0001.wav', '0'],
        ['train_0002.wav', '1'],
        ['train_0001.wav', '1'],
      ),
    },
    labelMap: [
      ['0', 0],
      ['1', 1],
      ['2', 2],
    ],
    instances: [
      ['devel_0001.wav', '0', 0, 'DEVEL'],
      ['devel_0002.wav', '2', 2, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', '1', 1, 'TRAIN'],
      ['train_0002.wav', '1', 1, 'TRAIN'],
    ],
  },
  {
    title: '2018 Heart Beats: only the confidential TSV',
    parser: 'compare18-heartbeat',
    wav: SIX,
    lab: {
      'ComParE2018_Heartbeat_confidential.tsv': tsv(
        ['file_name', 'label'],
        ['train_0001.wav', '0'],
        ['train_0002.wav', '0'],
        ['devel_0001.wav', '1'],
        ['devel_0002.wav', '1'],
        ['test_0001.wav', '2'],
        ['test_0002.wav', '0'],
      ),
    },
    labelMap: [
      ['0', 0],
      ['1', 1],
      ['2', 2],
    ],
    instances: [
      ['devel_0001.wav', '1', 1, 'DEVEL'],
      ['devel_0002.wav', '1', 1, 'DEVEL'],
      ['test_0001.wav', '2', 2, 'TEST'],
      ['test_0002.wav', '0', 0, 'TEST'],
      ['train_0001.wav', '0', 0, 'TRAIN'],
      ['train_0002.wav', '0', 0, 'TRAIN'],
    ],
  },
  {
    title: '2018 Self-Assessed Affect: the Valence column among others',
    parser: 'compare18-sas',
    wav: SIX,
    lab: {
      'ComParE2018_SelfAssessedAffect.tsv': tsv(
        ['file_name', 'Arousal', 'Valence'],
        ['train_0001.wav', 'l', 'h'],
        ['train_0002.wav', 'h', 'm'],
        ['devel_0001.wav', 'm', 'l'],
        ['devel_0002.wav', 'l', 'l'],
      ),
    },
    labelMap: [
      ['h', 2],
      ['l', 0],
      ['m', 1],
    ],
    instances: [
      ['devel_0001.wav', 'l', 0, 'DEVEL'],
      ['devel_0002.wav', 'l', 0, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'h', 2, 'TRAIN'],
      ['train_0002.wav', 'm', 1, 'TRAIN'],
    ],
  },
  {
    title: "2019 Baby Sounds: '?' marks the test labels",
    parser: 'compare19-bs',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'Canonical'],
        ['train_0002.wav', 'Non-canonical'],
        ['devel_0001.wav', 'Laughing'],
        ['devel_0002.wav', 'Junk'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', '?'],
      ),
    },
    labelMap: [
      ['Canonical', 0],
      ['Crying', 1],
      ['Junk', 2],
      ['Laughing', 3],
      ['Non-canonical', 4],
    ],
    instances: [
      ['devel_0001.wav', 'Laughing', 3, 'DEVEL'],
      ['devel_0002.wav', 'Junk', 2, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'Canonical', 0, 'TRAIN'],
      ['train_0002.wav', 'Non-canonical', 4, 'TRAIN'],
    ],
  },
  {
    title: "2019 Continuous Sleepiness: levels 1-9 (the map is not 0-based), '?' for test",
    parser: 'compare19-cs',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', '9'],
        ['train_0002.wav', '1'],
        ['devel_0001.wav', '4'],
        ['devel_0002.wav', '7'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', '?'],
      ),
    },
    labelMap: [
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
      ['5', 5],
      ['6', 6],
      ['7', 7],
      ['8', 8],
      ['9', 9],
    ],
    instances: [
      ['devel_0001.wav', '4', 4, 'DEVEL'],
      ['devel_0002.wav', '7', 7, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', '9', 9, 'TRAIN'],
      ['train_0002.wav', '1', 1, 'TRAIN'],
    ],
  },
  {
    title: '2019 Continuous Sleepiness: the confidential CSV, all numeric',
    parser: 'compare19-cs',
    wav: SIX,
    lab: {
      'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', '?']),
      'labels_confidential.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', '2'],
        ['train_0002.wav', '3'],
        ['devel_0001.wav', '3'],
        ['devel_0002.wav', '5'],
        ['test_0001.wav', '6'],
        ['test_0002.wav', '8'],
      ),
    },
    labelMap: [
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
      ['5', 5],
      ['6', 6],
      ['7', 7],
      ['8', 8],
      ['9', 9],
    ],
    instances: [
      ['devel_0001.wav', '3', 3, 'DEVEL'],
      ['devel_0002.wav', '5', 5, 'DEVEL'],
      ['test_0001.wav', '6', 6, 'TEST'],
      ['test_0002.wav', '8', 8, 'TEST'],
      ['train_0001.wav', '2', 2, 'TRAIN'],
      ['train_0002.wav', '3', 3, 'TRAIN'],
    ],
  },
  {
    title: '2019 Orca Activity',
    parser: 'compare19-oa',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'orca'],
        ['train_0002.wav', 'noise'],
        ['devel_0001.wav', 'noise'],
        ['devel_0002.wav', 'orca'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', '?'],
      ),
    },
    labelMap: [
      ['noise', 0],
      ['orca', 1],
    ],
    instances: [
      ['devel_0001.wav', 'noise', 0, 'DEVEL'],
      ['devel_0002.wav', 'orca', 1, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'orca', 1, 'TRAIN'],
      ['train_0002.wav', 'noise', 0, 'TRAIN'],
    ],
  },
  {
    title: '2019 Styrian Dialects',
    parser: 'compare19-sd',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'UrbanS'],
        ['train_0002.wav', 'EasternS'],
        ['devel_0001.wav', 'NorthernS'],
        ['devel_0002.wav', 'UrbanS'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', 'EasternS'],
      ),
    },
    labelMap: [
      ['EasternS', 0],
      ['NorthernS', 1],
      ['UrbanS', 2],
    ],
    instances: [
      ['devel_0001.wav', 'NorthernS', 1, 'DEVEL'],
      ['devel_0002.wav', 'UrbanS', 2, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', 'EasternS', 0, 'TEST'],
      ['train_0001.wav', 'UrbanS', 2, 'TRAIN'],
      ['train_0002.wav', 'EasternS', 0, 'TRAIN'],
    ],
  },
  {
    title: '2020 Elderly: filename_audio and V_cat (auDeep module run with its tabs expanded)',
    parser: 'compare20-elderly',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['filename_audio', 'A_cat', 'V_cat', 'V_orig'],
        ['train_0001.wav', 'H', 'L', '2.5'],
        ['train_0002.wav', 'L', 'M', '5.5'],
        ['devel_0001.wav', 'M', 'H', '8'],
        ['devel_0002.wav', 'M', 'M', '6'],
        ['test_0001.wav', '?', '?', '?'],
        ['test_0002.wav', '?', '?', '?'],
      ),
    },
    labelMap: [
      ['H', 2],
      ['L', 0],
      ['M', 1],
    ],
    instances: [
      ['devel_0001.wav', 'H', 2, 'DEVEL'],
      ['devel_0002.wav', 'M', 1, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'L', 0, 'TRAIN'],
      ['train_0002.wav', 'M', 1, 'TRAIN'],
    ],
  },
  {
    title: "2020 Mask: '?' for test, extra wav files sorted in",
    parser: 'compare20-mask',
    wav: [...SIX, 'train_0010.wav', 'devel_0003.wav'],
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'mask'],
        ['train_0002.wav', 'clear'],
        ['train_0010.wav', 'clear'],
        ['devel_0001.wav', 'clear'],
        ['devel_0002.wav', 'mask'],
        ['devel_0003.wav', 'mask'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', '?'],
      ),
    },
    labelMap: MASK_MAP,
    instances: [
      ['devel_0001.wav', 'clear', 0, 'DEVEL'],
      ['devel_0002.wav', 'mask', 1, 'DEVEL'],
      ['devel_0003.wav', 'mask', 1, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'mask', 1, 'TRAIN'],
      ['train_0002.wav', 'clear', 0, 'TRAIN'],
      ['train_0010.wav', 'clear', 0, 'TRAIN'],
    ],
  },
  {
    title: '2020 Mask: labels_confidential.csv is preferred over labels.csv',
    parser: 'compare20-mask',
    wav: SIX,
    lab: {
      'labels.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'clear'],
        ['train_0002.wav', 'clear'],
        ['devel_0001.wav', 'clear'],
        ['devel_0002.wav', 'clear'],
        ['test_0001.wav', '?'],
        ['test_0002.wav', '?'],
      ),
      'labels_confidential.csv': csv(
        ['file_name', 'label'],
        ['train_0001.wav', 'mask'],
        ['train_0002.wav', 'clear'],
        ['devel_0001.wav', 'clear'],
        ['devel_0002.wav', 'mask'],
        ['test_0001.wav', 'mask'],
        ['test_0002.wav', '?'],
      ),
    },
    labelMap: MASK_MAP,
    instances: [
      ['devel_0001.wav', 'clear', 0, 'DEVEL'],
      ['devel_0002.wav', 'mask', 1, 'DEVEL'],
      ['test_0001.wav', 'mask', 1, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'mask', 1, 'TRAIN'],
      ['train_0002.wav', 'clear', 0, 'TRAIN'],
    ],
  },
  {
    title: '2021: train/devel/test CSVs, the label map from the labels that occur',
    parser: 'compare21',
    wav: SIX,
    lab: {
      'train.csv': csv(['filename', 'label'], ['train_0001.wav', 'positive'], ['train_0002.wav', 'negative']),
      'devel.csv': csv(['filename', 'label'], ['devel_0001.wav', 'negative'], ['devel_0002.wav', 'negative'], ['devel_0099.wav', 'unsure']),
      'test.csv': csv(['filename', 'label'], ['test_0001.wav', '?'], ['test_0002.wav', '?']),
    },
    labelMap: [
      ['negative', 0],
      ['positive', 1],
      ['unsure', 2],
    ],
    instances: [
      ['devel_0001.wav', 'negative', 0, 'DEVEL'],
      ['devel_0002.wav', 'negative', 0, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', 'positive', 1, 'TRAIN'],
      ['train_0002.wav', 'negative', 0, 'TRAIN'],
    ],
  },
  {
    title: "2021: numeric labels become Python's str() of what pandas read in each CSV",
    parser: 'compare21',
    wav: SIX,
    lab: {
      'train.csv': csv(['filename', 'label'], ['train_0001.wav', '3'], ['train_0002.wav', '+1']),
      'devel.csv': csv(['filename', 'label'], ['devel_0001.wav', '2.0'], ['devel_0002.wav', '.5']),
      'test.csv': csv(['filename', 'label'], ['test_0001.wav', '?'], ['test_0002.wav', '?']),
    },
    labelMap: [
      ['0.5', 0],
      ['1', 1],
      ['2.0', 2],
      ['3', 3],
    ],
    instances: [
      ['devel_0001.wav', '2.0', 2, 'DEVEL'],
      ['devel_0002.wav', '0.5', 0, 'DEVEL'],
      ['test_0001.wav', null, null, 'TEST'],
      ['test_0002.wav', null, null, 'TEST'],
      ['train_0001.wav', '3', 3, 'TRAIN'],
      ['train_0002.wav', '1', 1, 'TRAIN'],
    ],
  },
  {
    title: '2021: regression labels in all three CSVs are concatenated as floats',
    parser: 'compare21',
    wav: SIX,
    lab: {
      'train.csv': csv(['filename', 'label'], ['train_0001.wav', '3'], ['train_0002.wav', '1']),
      'devel.csv': csv(['filename', 'label'], ['devel_0001.wav', '2.5'], ['devel_0002.wav', '1']),
      'test.csv': csv(['filename', 'label'], ['test_0001.wav', '0'], ['test_0002.wav', '1e-5']),
    },
    labelMap: [
      ['0.0', 0],
      ['1.0', 1],
      ['1e-05', 2],
      ['2.5', 3],
      ['3.0', 4],
    ],
    instances: [
      ['devel_0001.wav', '2.5', 3, 'DEVEL'],
      ['devel_0002.wav', '1.0', 1, 'DEVEL'],
      ['test_0001.wav', '0.0', 0, 'TEST'],
      ['test_0002.wav', '1e-05', 2, 'TEST'],
      ['train_0001.wav', '3.0', 4, 'TRAIN'],
      ['train_0002.wav', '1.0', 1, 'TRAIN'],
    ],
  },
]

async function build(layout: Pick<Layout, 'wav' | 'lab'>): Promise<string> {
  const audio = await clips()
  const root = freshDir()
  mkdirSync(join(root, 'wav'))
  mkdirSync(join(root, 'lab'))
  layout.wav.forEach((name, i) => writeFileSync(join(root, 'wav', name), audio[i % audio.length]))
  for (const [name, content] of Object.entries(layout.lab)) writeFileSync(join(root, 'lab', name), content)
  return root
}

function expectedMeta(layout: Layout): InstanceMeta[] {
  return layout.instances.map(([filename, labelNominal, labelNumeric, partition]) => ({
    filename,
    chunkNr: 0,
    labelNominal,
    labelNumeric,
    cvFolds: [],
    partition: PARTITION_NAMES.indexOf(partition) as Partition,
  }))
}

function audeepClass(parser: string): string {
  return COMPARE_TASKS.find((t) => t.name === parser)!.audeepClass
}

function userError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`)
    assert.match(e.message, pattern)
    return true
  }
}

const noAudio = existsSync(esc10) ? false : 'the ESC-10 clips in ../shared/data are not available'

for (const layout of LAYOUTS) {
  test(`${layout.parser}: ${layout.title}`, {skip: noAudio}, async () => {
    const root = await build(layout)
    for (const spec of [layout.parser, audeepClass(layout.parser)]) {
      const {dataSet} = await parseDataSet(root, spec)
      assert.deepEqual([...dataSet.labelMap!], layout.labelMap, spec)
      assert.equal(dataSet.numFolds, 0)
      assert.deepEqual(
        dataSet.instances.map((i) => toInstanceMeta(i)),
        expectedMeta(layout),
        spec,
      )
      assert.deepEqual(
        dataSet.instances.map((i) => i.path),
        layout.instances.map(([name]) => join(root, 'wav', name)),
      )
    }
  })
}

// ---------------------------------------------------------------------------------------------------------
// The original parsers on the same layouts

function peerProblem(): string | false {
  if (noAudio) return noAudio
  if (!existsSync(peerScript)) return 'the auDeep peer (../shared/peers/audeep_preprocess.py) is not available'
  if (!existsSync(python)) return `${python} is not installed`
  const probe = spawnSync(python, ['-c', 'import pandas, xarray, netCDF4, soundfile, cliff, scipy, sklearn'], {encoding: 'utf8'})
  if (probe.status !== 0) return "Debian's python3 lacks auDeep's packages (pandas, xarray, netCDF4, soundfile, cliff, scipy, sklearn)"
  return false
}

const peerSkip = peerProblem()

/** auDeep's sources, with compare20_elderly.py's tabs expanded so that the module imports. */
function audeepSource(): string {
  const dir = join(freshDir(), 'audeep-src')
  cpSync(join(sharedDir, 'peers', 'audeep-src'), dir, {recursive: true})
  const elderly = join(dir, 'audeep', 'backend', 'parsers', 'compare20_elderly.py')
  writeFileSync(elderly, readFileSync(elderly, 'utf8').replace(/\t/g, '    '))
  return dir
}

interface PeerJob {
  readonly root: string
  readonly parser: string
  readonly output: string
}

// One Python process runs auDeep's preprocess (audeep_preprocess.py's main) for every job, since importing
// auDeep's packages costs seconds each time.
const PEER_DRIVER = `
import json, os, sys, traceback
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import audeep_preprocess
failed = 0
for job in json.loads(sys.argv[2]):
    args = ["preprocess", "--basedir", job["root"], "--parser", job["parser"], "--window-width", "0.08",
            "--window-overlap", "0.04", "--mel-spectrum", "16", "--output", job["output"]]
    try:
        audeep_preprocess.main(args)
    except Exception:
        failed += 1
        print("auDeep preprocess failed for", job, file=sys.stderr)
        traceback.print_exc()
sys.exit(1 if failed else 0)
`

function peerPreprocess(jobs: readonly PeerJob[], source: string): void {
  const result = spawnSync(python, ['-c', PEER_DRIVER, peerScript, JSON.stringify(jobs)], {
    encoding: 'utf8',
    env: {...process.env, AUDEEP_SRC: source, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1'},
  })
  assert.equal(result.status, 0, `auDeep preprocess failed:\n${result.stderr}`)
}

async function storedMeta(file: string) {
  const reader = await openDataSetReader(file)
  reader.close()
  return reader.meta
}

let peerJobs: Promise<PeerJob[]> | undefined

/**
 * auDeep's preprocess on every layout of LAYOUTS and then GAP_LAYOUT, run once for all tests (with the
 * sources of audeepSource(), which differ from the original's only in compare20_elderly.py's whitespace).
 */
function peerRun(): Promise<PeerJob[]> {
  peerJobs ??= (async () => {
    const jobs: PeerJob[] = []
    for (const layout of [...LAYOUTS, {...GAP_LAYOUT, parser: 'compare21'}]) {
      const root = await build(layout)
      jobs.push({root, parser: audeepClass(layout.parser), output: join(root, 'audeep.nc')})
    }
    peerPreprocess(jobs, audeepSource())
    return jobs
  })()
  return peerJobs
}

test("auDeep's own ComParE parsers store exactly the committed expectations", {skip: peerSkip}, async () => {
  const jobs = await peerRun()
  for (const [index, layout] of LAYOUTS.entries()) {
    const meta = await storedMeta(jobs[index].output)
    assert.deepEqual([...meta.labelMap!], layout.labelMap, layout.title)
    assert.equal(meta.numFolds, 0)
    assert.deepEqual(meta.instances, expectedMeta(layout), layout.title)
  }
})

// The one documented difference on a layout auDeep parses: a 2021 label read as a number in one CSV and as
// text in another (here 2.0 in devel.csv, '2.0' next to a '?' in test.csv) appears twice in auDeep's
// sorted list of str() values, so its label map numbers it twice and skips a number; audeep numbers
// each distinct label once.
const GAP_LAYOUT = {
  wav: SIX,
  lab: {
    'train.csv': csv(['filename', 'label'], ['train_0001.wav', '3'], ['train_0002.wav', '1']),
    'devel.csv': csv(['filename', 'label'], ['devel_0001.wav', '2.0'], ['devel_0002.wav', '3.5']),
    'test.csv': csv(['filename', 'label'], ['test_0001.wav', '2.0'], ['test_0002.wav', '?']),
  },
}
const GAP_LABELS: [string, string | null][] = [
  ['devel_0001.wav', '2.0'],
  ['devel_0002.wav', '3.5'],
  ['test_0001.wav', '2.0'],
  ['test_0002.wav', null],
  ['train_0001.wav', '3'],
  ['train_0002.wav', '1'],
]

test('2021: a label that is a number in one CSV and text in another is numbered once (auDeep left a gap)', {skip: noAudio}, async () => {
  const root = await build(GAP_LAYOUT)
  const {dataSet} = await parseDataSet(root, 'compare21')
  assert.deepEqual(
    [...dataSet.labelMap!],
    [
      ['1', 0],
      ['2.0', 1],
      ['3', 2],
      ['3.5', 3],
    ],
  )
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNominal]),
    GAP_LABELS,
  )
  if (peerSkip) return
  const meta = await storedMeta((await peerRun()).at(-1)!.output)
  assert.deepEqual(
    [...meta.labelMap!],
    [
      ['1', 0],
      ['2.0', 2],
      ['3', 3],
      ['3.5', 4],
    ],
  )
  assert.deepEqual(
    meta.instances.map((i) => [i.filename, i.labelNominal]),
    GAP_LABELS,
  )
})

test('audeep preprocess stores the same instance metadata as auDeep on a ComParE 2020 Mask layout', {skip: peerSkip}, async () => {
  const index = LAYOUTS.findIndex((l) => l.title.startsWith('2020 Mask: labels_confidential'))
  const {root, output: theirs} = (await peerRun())[index]
  const ours = join(root, 'ours.nc')
  const args = ['preprocess', '--basedir', root, '--parser', 'compare20-mask', '--window-width', '0.08', '--window-overlap', '0.04']
  const result = runCli([...args, '--mel-spectrum', '16', '--output', ours])
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stderr, /using confidential metadata file/)
  const [a, b] = [await storedMeta(ours), await storedMeta(theirs)]
  assert.deepEqual([...a.labelMap!], [...b.labelMap!])
  assert.deepEqual(a.instances, b.instances)
  assert.deepEqual(a.featureShape, b.featureShape)
})

// ---------------------------------------------------------------------------------------------------------
// Registration, detection, and broken label files

test('all ComParE parsers are registered under short and auDeep class names', async () => {
  const names = PARSERS.map((p) => p.name)
  for (const task of COMPARE_TASKS) {
    assert.ok(names.includes(task.name), task.name)
    assert.equal((await resolveParser(task.name)).name, task.name)
    if (task.audeepClass !== '') assert.equal((await resolveParser(task.audeepClass)).name, task.name)
  }
  // The eleven modules of auDeep's backend/parsers/compare*.py, each with its class.
  const classes = COMPARE_TASKS.map((t) => t.audeepClass).filter((c) => c !== '')
  assert.equal(new Set(classes).size, 11)
})

test('meta picks the 2018 and 2021 layouts and asks for --parser on the shared 2019/2020 layout', {skip: noAudio}, async () => {
  for (const title of ['2018 Atypical Affect: test', '2018 Crying', '2018 Heart Beats: numeric', '2018 Self', '2021: train']) {
    const layout = LAYOUTS.find((l) => l.title.startsWith(title))!
    const {parser, dataSet} = await parseDataSet(await build(layout))
    assert.equal(parser.name, layout.parser)
    assert.equal(dataSet.instances.length, layout.instances.length)
  }
  const mask = await build(LAYOUTS.find((l) => l.parser === 'compare20-mask')!)
  assert.equal(await new MetaParser().canParse(mask), false)
  await assert.rejects(
    parseDataSet(mask),
    userError(/ComParE 2019\/2020 data set: choose the task with --parser compare19-bs, .*compare20-mask/),
  )
})

test('the 2020 Elderly arousal variant reads A_cat', {skip: noAudio}, async () => {
  const layout = LAYOUTS.find((l) => l.parser === 'compare20-elderly')!
  const {dataSet} = await parseDataSet(await build(layout), 'compare20-elderly-arousal')
  assert.deepEqual(
    dataSet.instances.map((i) => [i.filename, i.labelNominal, i.labelNumeric]),
    [
      ['devel_0001.wav', 'M', 1],
      ['devel_0002.wav', 'M', 1],
      ['test_0001.wav', null, null],
      ['test_0002.wav', null, null],
      ['train_0001.wav', 'H', 2],
      ['train_0002.wav', 'L', 0],
    ],
  )
})

test('broken label files: one UserError naming the file and line', {skip: noAudio}, async () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    [
      'compare20-mask',
      'a label outside the map',
      {'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', 'mask'], ['train_0002.wav', 'maks'])},
      /lab\/labels\.csv, line 3: label 'maks' of 'train_0002\.wav' is not one of clear, mask$/,
    ],
    [
      'compare20-mask',
      'a semicolon-separated file',
      {'labels.csv': 'file_name;label\ntrain_0001.wav;mask\n'},
      /lab\/labels\.csv, line 1: no column 'file_name' in the header \(found 'file_name;label'; comma-separated expected\)$/,
    ],
    [
      'compare19-oa',
      'too many fields',
      {'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', 'orca'], ['train_0002.wav', 'orca', 'x'])},
      /lab\/labels\.csv, line 3: expected 2 comma-separated fields, found 3$/,
    ],
    [
      'compare19-sd',
      'a file listed twice',
      {'labels.csv': 'file_name,label\ntrain_0001.wav,UrbanS\n\ntrain_0001.wav,UrbanS\n'},
      /lab\/labels\.csv, line 4: 'train_0001\.wav' is listed a second time \(first at line 2\)$/,
    ],
    [
      'compare19-bs',
      'an empty label',
      {'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', ''])},
      /lab\/labels\.csv, line 2: empty label for 'train_0001\.wav'; write '\?' for an unknown label$/,
    ],
    [
      'compare18-heartbeat',
      'a class number outside the map',
      {'ComParE2018_Heartbeat.tsv': tsv(['file_name', 'label'], ['train_0001.wav', '3'])},
      /ComParE2018_Heartbeat\.tsv, line 2: label '3' of 'train_0001\.wav' is not one of the class numbers 0, 1, 2$/,
    ],
    [
      'compare19-cs',
      'a fractional sleepiness level',
      {'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', '2.5'])},
      /labels\.csv, line 2: label '2\.5' of 'train_0001\.wav' is not one of the class numbers 1, 2, 3, 4, 5, 6, 7, 8, 9$/,
    ],
    [
      'compare18-sas',
      "'?' where 2018 Self-Assessed Affect has no such mark",
      {'ComParE2018_SelfAssessedAffect.tsv': tsv(['file_name', 'Valence'], ['test_0001.wav', '?'])},
      /ComParE2018_SelfAssessedAffect\.tsv, line 2: Valence '\?' of 'test_0001\.wav' is not one of l, m, h$/,
    ],
    [
      'compare21',
      'an empty label in devel.csv',
      {
        'train.csv': csv(['filename', 'label'], ['train_0001.wav', 'a']),
        'devel.csv': csv(['filename', 'label'], ['devel_0001.wav', 'a'], ['devel_0002.wav', 'NA']),
        'test.csv': csv(['filename', 'label']),
      },
      /lab\/devel\.csv, line 3: empty label for 'devel_0002\.wav'; write '\?' for an unknown label$/,
    ],
    [
      'compare21',
      'a file listed in two CSVs',
      {
        'train.csv': csv(['filename', 'label'], ['train_0001.wav', 'a']),
        'devel.csv': csv(['filename', 'label']),
        'test.csv': csv(['filename', 'label'], ['train_0001.wav', '?']),
      },
      /lab\/test\.csv, line 2: 'train_0001\.wav' is listed a second time \(first at .*lab\/train\.csv, line 2\)$/,
    ],
    [
      'compare20-elderly',
      'an empty label file',
      {'labels.csv': '\n'},
      /lab\/labels\.csv: empty label file \(expected a header row with 'filename_audio' and 'V_cat'\)$/,
    ],
  ]
  for (const [parser, what, lab, pattern] of cases) {
    const root = await build({wav: ['train_0001.wav'], lab})
    await assert.rejects(parseDataSet(root, parser), userError(pattern), what)
  }

  // A wav file without a row where the label file must list every file (2019-2021, 2018 Crying).
  const root = await build({
    wav: ['train_0001.wav', 'test_0001.wav'],
    lab: {'labels.csv': csv(['file_name', 'label'], ['train_0001.wav', 'clear'])},
  })
  await assert.rejects(parseDataSet(root, 'compare20-mask'), userError(/lab\/labels\.csv: no row for .*wav\/test_0001\.wav/))
  // A missing label file or wav/ directory.
  await assert.rejects(
    parseDataSet(await build({wav: ['train_0001.wav'], lab: {}}), 'compare20-mask'),
    userError(/cannot parse this directory/),
  )
})

test('inspect raw and preprocess run with a ComParE parser from the CLI; errors are one line', {skip: noAudio}, async () => {
  const layout = LAYOUTS.find((l) => l.parser === 'compare19-sd')!
  const root = await build(layout)
  const result = runCli(['inspect', 'raw', '--basedir', root, '--parser', 'compare19-sd'])
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /\| number of audio files  \|\s+6 \|\n\| number of labels       \|\s+3 \|/)
  writeFileSync(join(root, 'lab', 'labels.csv'), csv(['file_name', 'label'], ['train_0001.wav', 'Western']))
  const broken = runCli(['preprocess', '--basedir', root, '--parser', 'compare19-sd', '--output', join(root, 'x.nc')])
  assert.notEqual(broken.status, 0)
  assert.match(
    broken.stderr.trim(),
    /^[^\n]*labels\.csv, line 2: label 'Western' of 'train_0001\.wav' is not one of EasternS, NorthernS, UrbanS$/,
  )
  assert.equal(existsSync(join(root, 'x.nc')), false)
})

test(
  'samples/compare.sh runs the challenge workflow end to end on the fake Mask layout',
  {skip: noAudio || (process.env.AUDEEP_SLOW_TESTS !== '1' && 'set AUDEEP_SLOW_TESTS=1 (about a minute)')},
  () => {
    const dir = freshDir()
    const samples = join(repoRoot, 'samples')
    const layout = spawnSync('bash', [join(samples, 'compare-fake-layout.sh'), join(dir, 'fake-mask'), esc10], {encoding: 'utf8'})
    assert.equal(layout.status, 0, layout.stderr)
    const run = spawnSync('bash', [join(samples, 'compare.sh'), join(dir, 'fake-mask'), 'compare20-mask', join(dir, 'out')], {
      encoding: 'utf8',
      env: {...process.env, EPOCHS: '1', CLIP_BELOW: '-45 -60'},
    })
    assert.equal(run.status, 0, run.stderr)
    const results = readFileSync(join(dir, 'out', 'results.csv'), 'utf8')
      .trim()
      .split('\n')
    assert.deepEqual(
      results.map((line) => line.split(',')[0]),
      ['SETTING', '0.08-0.04-128-45', '0.08-0.04-128-60', 'fused'],
    )
    for (const line of results.slice(1)) assert.match(line, /^[^,]+,[01]\.\d+,[01]\.\d+$/)
    for (const format of ['csv', 'arff']) {
      for (const partition of ['train', 'devel', 'test']) {
        for (const setting of ['-45', '-60', '-fused']) {
          assert.ok(
            existsSync(join(dir, 'out', format, partition, `compare20-mask.audeep${setting}.${format}`)),
            `${format} ${partition} ${setting}`,
          )
        }
      }
    }
    // --labels-last: the test files' labels are missing and come last.
    const test = readFileSync(join(dir, 'out', 'csv', 'test', 'compare20-mask.audeep-fused.csv'), 'utf8')
      .trim()
      .split('\n')
    assert.equal(test.length, 1 + 8)
    assert.match(test[0], /,label_nominal,label_numeric$/)
    assert.match(test[1], /^test_0001\.ogg,0,.*,,$/)
  },
)
