// The layouts researchers have for their own data, driven through the CLI on real audio: the bundled ESC-10
// clips rearranged as class folders, as ESC-50's current layout (audio/*.wav + meta/esc50.csv), and listed
// in a CSV manifest with partitions; preprocess --add-cv-setup against modify --add-cv-setup; the warnings
// about fold and partition setups that cannot be evaluated; and the errors for layouts that do not fit.

import assert from 'node:assert/strict'
import {copyFileSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {test} from 'node:test'

import wavefile from 'wavefile'

import {decodeAudioFile} from '../../src/audio/decode.js'
import type {DataSet} from '../../src/data/dataset.js'
import {readDataSet} from '../../src/data/netcdf/index.js'
import {runCli, sampleDir, tempDir} from '../helpers.js'

/** Quick spectrogram settings: the layouts are under test here, not the spectrograms. */
const QUICK = ['--window-width', '0.08', '--window-overlap', '0.04', '--mel-spectrum', '32', '--fixed-length', '5', '--workers', '1']

interface Clip {
  /** ESC-10 class folder name without its number, e.g. 'Dog bark'. */
  readonly cls: string
  /** The clip's file name in the ESC-10 layout, e.g. '1-100032-A.ogg'. */
  readonly name: string
  readonly path: string
  /** ESC's fold, the first character of the name. */
  readonly fold: number
}

const CLIPS: Clip[] = readdirSync(sampleDir, {withFileTypes: true})
  .filter((d) => d.isDirectory())
  .sort((a, b) => (a.name < b.name ? -1 : 1))
  .flatMap((d) =>
    readdirSync(join(sampleDir, d.name))
      .sort()
      .map((name) => ({cls: d.name.slice(6), name, path: join(sampleDir, d.name, name), fold: Number(name[0])})),
  )

/** ESC-50's target number and category for the ESC-10 classes (ESC-50's meta/esc50.csv). */
const ESC50: Readonly<Record<string, [number, string]>> = {
  'Dog bark': [0, 'dog'],
  Rooster: [1, 'rooster'],
  Rain: [10, 'rain'],
  'Sea waves': [11, 'sea_waves'],
  'Fire crackling': [12, 'crackling_fire'],
  'Baby cry': [20, 'crying_baby'],
  'Person sneeze': [21, 'sneezing'],
  'Clock tick': [38, 'clock_tick'],
  Helicopter: [40, 'helicopter'],
  Chainsaw: [41, 'chainsaw'],
}

/** Writes a decoded clip as 16-bit PCM WAV (ESC-50 ships WAV), with wavefile. */
async function writeWav(source: string, target: string): Promise<void> {
  const audio = await decodeAudioFile(source)
  const samples = Int16Array.from(audio.channels[0], (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768))))
  const wav = new wavefile.WaveFile()
  wav.fromScratch(1, audio.sampleRate, '16', samples)
  mkdirSync(join(target, '..'), {recursive: true})
  writeFileSync(target, wav.toBuffer())
}

/** Class folders with file names of one's own: Dog bark/recording-1.ogg, with a stray notes.txt and README. */
function classFolders(): {root: string; fileOf: Map<string, Clip>} {
  const root = join(tempDir('audeep-own-'), 'own')
  const fileOf = new Map<string, Clip>()
  const counter = new Map<string, number>()
  for (const clip of CLIPS) {
    const k = (counter.get(clip.cls) ?? 0) + 1
    counter.set(clip.cls, k)
    mkdirSync(join(root, clip.cls), {recursive: true})
    const name = `recording-${k}.ogg`
    copyFileSync(clip.path, join(root, clip.cls, name))
    fileOf.set(`${clip.cls}/${name}`, clip)
  }
  writeFileSync(join(root, 'README.txt'), 'my recordings\n')
  writeFileSync(join(root, 'Rain', 'notes.txt'), 'recorded in April\n')
  return {root, fileOf}
}

function byFilename(ds: DataSet): Map<string, number> {
  return new Map(ds.instances.map((inst, i) => [inst.filename, i]))
}

function ok(args: string[]): string {
  const r = runCli(args)
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`)
  return r.stderr
}

function fails(args: string[], pattern: RegExp): string {
  const r = runCli(args)
  assert.notEqual(r.status, 0, `expected ${args.join(' ')} to fail\n${r.stderr}`)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /)
  return r.stderr
}

test('class folders are detected, labelled by folder name, and hold the same spectrograms as the ESC layout', async () => {
  const {root, fileOf} = classFolders()
  const out = join(root, '..', 'own.nc')
  const log = ok(['preprocess', '--basedir', root, ...QUICK, '--output', out])
  assert.match(log, /using class-folders parser/)
  assert.match(log, /neither cross-validation folds nor partitions.*--add-cv-setup N/)
  const own = await readDataSet(out)
  assert.deepEqual([...own.labelMap!.keys()], Object.keys(ESC50).sort())
  assert.equal(own.numFolds, 0)
  assert.deepEqual(own.instances.map((i) => i.filename).sort(), [...fileOf.keys()].sort())

  const escOut = join(root, '..', 'esc.nc')
  ok(['preprocess', '--basedir', sampleDir, '--parser', 'esc', ...QUICK, '--output', escOut])
  const esc = await readDataSet(escOut)
  const escIndex = byFilename(esc)
  own.instances.forEach((inst, i) => {
    const clip = fileOf.get(inst.filename)!
    assert.equal(inst.labelNominal, clip.cls)
    const j = escIndex.get(clip.name)!
    assert.equal(esc.instances[j].labelNominal, clip.cls)
    assert.deepEqual(own.instanceFeatures(i), esc.instanceFeatures(j), inst.filename)
  })
})

test('preprocess --add-cv-setup assigns the folds modify --add-cv-setup assigns, shared by the chunks of a file', async () => {
  const {root} = classFolders()
  const chunked = [...QUICK, '--chunk-length', '2.5', '--chunk-count', '2']
  const direct = join(root, '..', 'direct.nc')
  const log = ok(['preprocess', '--basedir', root, ...chunked, '--add-cv-setup', '2', '--seed', '3', '--output', direct])
  assert.match(log, /assigned 2 cross-validation folds/)
  assert.doesNotMatch(log, /WARN/)
  const plain = join(root, '..', 'plain.nc')
  const modified = join(root, '..', 'modified.nc')
  ok(['preprocess', '--basedir', root, ...chunked, '--output', plain])
  ok(['modify', '--input', plain, '--add-cv-setup', '2', '--seed', '3', '--output', modified])
  const a = await readDataSet(direct)
  const b = await readDataSet(modified)
  assert.equal(a.numFolds, 2)
  assert.equal(a.numInstances, 40)
  const foldOf = new Map<string, string>()
  for (const inst of b.instances) foldOf.set(`${inst.filename}#${inst.chunkNr}`, inst.cvFolds.join())
  for (const inst of a.instances) {
    assert.equal(inst.cvFolds.join(), foldOf.get(`${inst.filename}#${inst.chunkNr}`), inst.filename)
    assert.equal(inst.cvFolds.join(), foldOf.get(`${inst.filename}#0`), `chunks of ${inst.filename} share a fold`)
  }
  // Balanced: each fold holds one of the two files of every class.
  for (let k = 0; k < 2; k++) {
    const classes = a.instances.filter((i) => i.cvFolds[k] === 1 && i.chunkNr === 0).map((i) => i.labelNominal)
    assert.deepEqual(classes.sort(), Object.keys(ESC50).sort())
  }
})

test("ESC-50's current layout (audio/*.wav + meta/esc50.csv) is detected: labels from category, folds from fold", async () => {
  const root = join(tempDir('audeep-esc50-'), 'ESC-50-master')
  const rows = ['filename,fold,target,category,esc10,src_file,take']
  for (const clip of CLIPS) {
    const [target, category] = ESC50[clip.cls]
    const [fold, src, take] = basename(clip.name, '.ogg').split('-')
    const file = `${fold}-${src}-${take}-${target}.wav`
    await writeWav(clip.path, join(root, 'audio', file))
    rows.push(`${file},${fold},${target},${category},True,${src},${take}`)
  }
  mkdirSync(join(root, 'meta'))
  writeFileSync(join(root, 'meta', 'esc50.csv'), rows.join('\n') + '\n')
  const out = join(root, '..', 'esc50.nc')
  const log = ok(['preprocess', '--basedir', root, ...QUICK, '--output', out])
  assert.match(log, /using esc50 parser/)
  // True of this 20-clip subset: 2 clips per class cannot fill 5 folds.
  assert.match(
    log,
    /WARN.*5 of 5 folds have no file of some class \(fold 1 lacks 'rain', 'sea_waves' and 4 more; fold 2 lacks .*; \.\.\.\).*--add-cv-setup N' \(or .*\) with N <= 2/,
  )
  const ds = await readDataSet(out)
  assert.equal(ds.numFolds, 5)
  assert.equal(ds.numInstances, 20)
  assert.deepEqual(
    [...ds.labelMap!.keys()],
    Object.values(ESC50)
      .map(([, c]) => c)
      .sort(),
  )
  for (const inst of ds.instances) {
    const clip = CLIPS.find((c) => inst.filename.startsWith(basename(c.name, '.ogg') + '-'))!
    assert.equal(inst.labelNominal, ESC50[clip.cls][1])
    assert.deepEqual(
      inst.cvFolds,
      [1, 2, 3, 4, 5].map((k) => (k === clip.fold ? 1 : 0)),
    )
  }
})

test('a manifest with partitions and extra columns, files anywhere below --basedir', async () => {
  const root = tempDir('audeep-manifest-')
  const partitions = ['train', 'devel', 'test']
  const rows = ['speaker,filename,label,partition,comment']
  CLIPS.forEach((clip, i) => {
    const file = `session${i % 3}/take ${i}.ogg`
    mkdirSync(join(root, 'data', `session${i % 3}`), {recursive: true})
    copyFileSync(clip.path, join(root, 'data', file))
    rows.push(`s${i},${file},${clip.cls},${partitions[i % 3].toUpperCase()},"quoted, with a comma"`)
  })
  writeFileSync(join(root, 'list.csv'), rows.join('\r\n'))
  const out = join(root, 'manifest.nc')
  const log = ok(['preprocess', '--basedir', join(root, 'data'), '--manifest', join(root, 'list.csv'), ...QUICK, '--output', out])
  assert.doesNotMatch(log, /WARN/)
  const ds = await readDataSet(out)
  assert.equal(ds.numFolds, 0)
  assert.deepEqual(
    ds.instances.map((inst) => [inst.filename, inst.labelNominal, inst.partition]),
    CLIPS.map((clip, i) => [`session${i % 3}/take ${i}.ogg`, clip.cls, i % 3]),
  )
})

test('manifest errors name the manifest, the line and the value', () => {
  const root = tempDir('audeep-manifest-bad-')
  copyFileSync(CLIPS[0].path, join(root, 'a.ogg'))
  copyFileSync(CLIPS[1].path, join(root, 'b.ogg'))
  const manifest = join(root, 'm.csv')
  const run = (text: string, pattern: RegExp, extra: string[] = []) => {
    writeFileSync(manifest, text)
    fails(['inspect', 'raw', '--basedir', root, '--manifest', manifest, ...extra], pattern)
  }
  run('filename,label\na.ogg,dog\nc.ogg,cat\n', /m\.csv, line 3: filename 'c\.ogg' does not exist/)
  run(
    'filename,label,partition\na.ogg,dog,train\nb.ogg,cat,validation\n',
    /m\.csv, line 3: unknown partition 'validation' \(expected train, devel or test/,
  )
  run('filename,label,fold\na.ogg,dog,1\nb.ogg,cat,2.5\n', /m\.csv, line 3: fold '2\.5' is not an integer/)
  run('filename,label\na.ogg,dog\nb.ogg,cat\n./a.ogg,dog\n', /m\.csv, line 4: duplicate row for '\.\/a\.ogg' \(first on line 2\)/)
  run('file,label\na.ogg,dog\n', /m\.csv, line 1: no 'filename' column in the header \(found: file, label\)/)
  run('filename,label\na.ogg,dog\n', /a manifest .* is only read by the manifest parser, not by 'esc'/, ['--parser', 'esc'])
  fails(
    ['inspect', 'raw', '--basedir', root, '--parser', 'manifest'],
    /the manifest parser needs a CSV manifest: give it with --manifest FILE\.csv/,
  )
  fails(['inspect', 'raw', '--basedir', root, '--manifest', join(root, 'none.csv')], /none\.csv: manifest file does not exist/)
})

test('layouts that fit no parser: the error names the first misfit and the closest parser(s)', () => {
  // Class folders with a nested folder: labels would be lost with no-metadata, so class-folders is named.
  const {root} = classFolders()
  mkdirSync(join(root, 'Rain', 'old'))
  copyFileSync(CLIPS[0].path, join(root, 'Rain', 'old', 'x.ogg'))
  fails(
    ['inspect', 'raw', '--basedir', root],
    /no parser recognises this layout .*closest: class-folders \('Rain\/old' is a folder inside a class folder\).*class-folders for <class>\/<audio file>.*no-metadata would drop the labels/,
  )

  // An ESC folder with a stray file: esc is named rather than silently reading class folders.
  const esc = join(tempDir('audeep-esc-stray-'), 'ESC')
  for (const clip of CLIPS) {
    mkdirSync(join(esc, `00${Object.keys(ESC50).sort().indexOf(clip.cls)} - ${clip.cls}`), {recursive: true})
  }
  for (const clip of CLIPS) copyFileSync(clip.path, join(esc, `00${Object.keys(ESC50).sort().indexOf(clip.cls)} - ${clip.cls}`, clip.name))
  writeFileSync(join(esc, '000 - Baby cry', 'notes.txt'), 'x')
  fails(
    ['inspect', 'raw', '--basedir', esc],
    /closest: esc \(unexpected entry 'notes\.txt' in class directory '000 - Baby cry'.*choose --parser class-folders/,
  )

  // A class named "train" is not taken for a partitioned layout, nor silently for class folders.
  const trains = tempDir('audeep-trains-')
  for (const [cls, clip] of [
    ['train', CLIPS[0]],
    ['car', CLIPS[1]],
  ] as const) {
    mkdirSync(join(trains, cls))
    copyFileSync(clip.path, join(trains, cls, 'x.ogg'))
  }
  fails(
    ['inspect', 'raw', '--basedir', trains],
    /closest: partitioned \(no class folders in train\/, devel\/ or test\/\); if the folder names are the class labels, choose --parser class-folders/,
  )
  const table = runCli(['inspect', 'raw', '--basedir', trains, '--parser', 'class-folders'])
  assert.equal(table.status, 0, table.stderr)
  assert.match(table.stdout, /\| number of labels +\| +2 \|/)

  // Loose audio files only: no-metadata is the suggestion ...
  const flat = tempDir('audeep-flat-')
  copyFileSync(CLIPS[0].path, join(flat, 'a.ogg'))
  fails(
    ['inspect', 'raw', '--basedir', flat],
    /closest: class-folders \(audio file 'a\.ogg' is not inside a class folder\).*no-metadata for audio files without labels/,
  )
  // ... or the manifest lying beside them.
  writeFileSync(join(flat, 'labels.csv'), 'Filename,Label,Speaker\na.ogg,dog,s1\n')
  writeFileSync(join(flat, 'notes.txt'), 'recorded in April\n')
  fails(
    ['inspect', 'raw', '--basedir', flat],
    /labels\.csv has the columns filename and label: to read it as a manifest, add --manifest \S*labels\.csv/,
  )
  assert.match(
    ok(['inspect', 'raw', '--basedir', flat, '--manifest', join(flat, 'labels.csv')]),
    /WARN.*neither cross-validation folds nor partitions/,
  )
})

test('warnings about folds and partitions that cannot be evaluated, and the same hint from svm|mlp evaluate', () => {
  const root = tempDir('audeep-warn-')
  const rows = (extra: (clip: Clip, i: number) => string, header: string) =>
    [`filename,label,${header}`, ...CLIPS.slice(0, 6).map((clip, i) => `${basename(clip.path)},${clip.cls},${extra(clip, i)}`)].join('\n')
  CLIPS.slice(0, 6).forEach((clip) => copyFileSync(clip.path, join(root, basename(clip.path))))
  const manifest = join(root, 'm.csv')
  const warnings = (text: string): string => {
    writeFileSync(manifest, text)
    return ok(['inspect', 'raw', '--basedir', root, '--manifest', manifest])
  }
  // CLIPS[0..5] are Dog bark x2, Rain x2, Sea waves x2 (001, 002, 003).
  assert.match(warnings(rows(() => '1', 'fold')), /WARN.*all 6 files are in fold 1.*preprocess --add-cv-setup N.*modify --add-cv-setup N/)
  assert.match(
    warnings(rows((_, i) => String(1 + (Math.floor(i / 2) % 2)), 'fold')),
    /WARN.*2 of 2 folds have no file of some class \(fold 1 lacks 'Rain'; fold 2 lacks 'Dog bark', 'Sea waves'\).*--add-cv-setup N/,
  )
  assert.match(warnings(rows(() => 'train', 'partition')), /WARN.*only the train partition is present.*--add-cv-setup N/)
  assert.match(warnings(rows((_, i) => (i === 0 ? '' : 'train'), 'partition')), /WARN.*1 of 6 files have no partition/)
  assert.doesNotMatch(warnings(rows((_, i) => String(1 + (i % 2)), 'fold')), /WARN/)

  // All files in one fold: evaluation fails with the same hint.
  writeFileSync(
    manifest,
    rows(() => '1', 'fold'),
  )
  const features = join(root, 'mel-avgs.nc')
  ok(['mel-avgs', 'generate', '--basedir', root, '--manifest', manifest, '--workers', '1', '--output', features])
  for (const [learner, ...extra] of [['svm', '--complexity', '1'], ['mlp']]) {
    fails(
      [learner, 'evaluate', ...extra, '--input', features, '--cross-validate'],
      /cross-validation fold 1 has no training instances; reassign folds balanced per class with 'audeep modify --add-cv-setup N'/,
    )
  }
})
