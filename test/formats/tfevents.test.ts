// TensorBoard event files: CRC32C against its published check value, our reader against our writer, and
// our records against protoc (an independent protobuf decoder) with a schema of TensorFlow's field numbers.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {basename, join} from 'node:path'
import {test} from 'node:test'
import {deflateSync} from 'node:zlib'

import {UserError} from '../../src/core/errors.js'
import {
  crc32c,
  EventFileWriter,
  FILE_VERSION,
  histogramOf,
  maskedCrc32c,
  pngColorspace,
  readEvents,
  readRecords,
} from '../../src/formats/tfevents.js'
import {fixture, tempDir} from '../helpers.js'

/** A valid 2 x 3 RGBA PNG built by hand, so the test does not depend on our plotting code. */
function tinyPng(): Buffer {
  const crcTable = new Int32Array(256).map((_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c
  })
  const crc = (b: Buffer) => {
    let c = -1
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8)
    return (c ^ -1) >>> 0
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(3, 0) // width
  ihdr.writeUInt32BE(2, 4) // height
  ihdr[8] = 8
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc(2 * (1 + 3 * 4), 0x7f)
  raw[0] = 0
  raw[13] = 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function writeSample(dir: string): string {
  let now = 1_700_000_000.25
  const writer = new EventFileWriter(dir, {wallTime: 1_700_000_000.125, clock: () => (now += 1)})
  writer.addScalar('model/loss/value', 0.5, 0)
  writer.addScalar('model/loss/value', 0.25, 1)
  writer.addScalar('model/loss/value', 0.125, 300)
  writer.addHistogram('model/representation/histogram', [-2, -0.5, 0, 0, 1e-3, 3, 3, Number.NaN], 300)
  writer.addImage('model/reconstruction/targets_vs_reconstruction/image/0', tinyPng(), 2, 3, 300)
  writer.close()
  return writer.path
}

test('CRC32C matches the Castagnoli check value and TFRecord masking', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  assert.equal(crc32c(new Uint8Array(0)), 0)
  // 32 zero bytes: a further published CRC32C test vector (RFC 3720, B.4).
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa)
  const crc = 0xe3069283
  assert.equal(maskedCrc32c(Buffer.from('123456789')), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0)
})

test('writer names the file for TensorBoard and the reader round-trips every value', () => {
  const dir = tempDir()
  const path = writeSample(dir)
  assert.equal(basename(path), `events.out.tfevents.1700000000.${hostname()}`)
  const events = [...readEvents(path)]
  assert.equal(events.length, 6)
  assert.equal(events[0].fileVersion, FILE_VERSION)
  assert.equal(events[0].wallTime, 1_700_000_000.125)
  assert.deepEqual(
    events.slice(1, 4).map((e) => [e.step, e.scalars]),
    [
      [0, [{tag: 'model/loss/value', value: 0.5}]],
      [1, [{tag: 'model/loss/value', value: 0.25}]],
      [300, [{tag: 'model/loss/value', value: 0.125}]],
    ],
  )
  assert.equal(events[1].wallTime, 1_700_000_001.25)

  const [histo] = events[4].histograms
  assert.equal(histo.tag, 'model/representation/histogram')
  assert.equal(histo.num, 7)
  assert.equal(histo.min, -2)
  assert.equal(histo.max, 3)
  assert.equal(histo.sum, -2 - 0.5 + 1e-3 + 6)
  assert.equal(
    histo.buckets.reduce((a, b) => a + b, 0),
    7,
  )
  assert.equal(histo.bucketLimits.length, histo.buckets.length)
  // Limits increase, and each value falls below the limit of the bucket that counts it.
  for (let i = 1; i < histo.bucketLimits.length; i++) assert.ok(histo.bucketLimits[i] > histo.bucketLimits[i - 1])
  const zeroBucket = histo.bucketLimits.findIndex((l) => l > 0)
  assert.equal(histo.buckets[zeroBucket], 2, 'the two zeros share the bucket just above 0')

  const [image] = events[5].images
  assert.equal(image.tag, 'model/reconstruction/targets_vs_reconstruction/image/0')
  assert.deepEqual([image.height, image.width, image.colorspace], [2, 3, 4])
  assert.deepEqual(Buffer.from(image.png), tinyPng())
})

test('a second writer in the same second gets its own file', () => {
  const dir = tempDir()
  const a = new EventFileWriter(dir, {wallTime: 42})
  const b = new EventFileWriter(dir, {wallTime: 42})
  a.close()
  b.close()
  assert.notEqual(a.path, b.path)
  assert.equal(readdirSync(dir).length, 2)
})

test('reader rejects corrupt records and tolerates a record cut short by a running writer', () => {
  const dir = tempDir()
  const path = writeSample(dir)
  const bytes = readFileSync(path)

  const truncated = join(dir, 'events.out.tfevents.truncated')
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 5))
  assert.equal([...readEvents(truncated)].length, 5)

  const flipped = Buffer.from(bytes)
  flipped[bytes.length - 10] ^= 0xff
  const corrupt = join(dir, 'events.out.tfevents.corrupt')
  writeFileSync(corrupt, flipped)
  assert.throws(
    () => [...readEvents(corrupt)],
    (e: unknown) => e instanceof UserError && /record 5 .*data CRC mismatch/.test(e.message),
  )

  const notRecords = join(dir, 'not-events')
  writeFileSync(notRecords, 'this is not a TFRecord file at all')
  assert.throws(() => [...readEvents(notRecords)], /length CRC mismatch/)
})

test('histogram buckets follow TensorFlow: empty runs merged, counts conserved', () => {
  const values = Float32Array.from({length: 1000}, (_, i) => Math.sin(i) * 10)
  const h = histogramOf(values)
  assert.equal(h.num, 1000)
  assert.equal(
    h.buckets.reduce((a, b) => a + b, 0),
    1000,
  )
  for (let i = 1; i < h.buckets.length; i++) assert.ok(h.buckets[i] > 0 || h.buckets[i - 1] > 0, 'no two empty buckets in a row')
  assert.equal(h.bucketLimits.at(-1), Number.MAX_VALUE)
})

test('PNG colour space comes from the IHDR colour type', () => {
  const png = tinyPng()
  assert.equal(pngColorspace(png), 4)
  const grey = Buffer.from(png)
  grey[25] = 0
  assert.equal(pngColorspace(grey), 1)
  assert.throws(() => pngColorspace(Buffer.from('GIF89a.......................')), /not a PNG/)
})

const protoc = spawnSync('protoc', ['--version'], {encoding: 'utf8'})
const haveProtoc = protoc.status === 0

test(
  'protoc decodes every record with TensorFlow field numbers',
  {skip: haveProtoc ? false : 'protoc not installed (apt-get install protobuf-compiler)'},
  () => {
    const dir = tempDir()
    const path = writeSample(dir)
    const proto = fixture('mini_event.proto')
    const decoded = [...readRecords(path)].map((payload) => {
      const result = spawnSync('protoc', [`--proto_path=${join(proto, '..')}`, '--decode=mini.Event', basename(proto)], {
        input: payload,
        encoding: 'utf8',
      })
      assert.equal(result.status, 0, result.stderr)
      return result.stdout
    })
    assert.equal(decoded.length, 6)
    assert.match(decoded[0], /^wall_time: 1700000000\.125\nfile_version: "brain\.Event:2"\n$/)
    assert.match(decoded[1], /summary \{\n {2}value \{\n {4}tag: "model\/loss\/value"\n {4}simple_value: 0\.5\n/)
    assert.doesNotMatch(decoded[1], /step:/, 'step 0 is the proto3 default and is omitted')
    assert.match(decoded[3], /step: 300\n/)
    assert.match(decoded[3], /simple_value: 0\.125\n/)
    assert.match(decoded[4], /histo \{\n {6}min: -2\n {6}max: 3\n {6}num: 7\n/)
    assert.match(decoded[4], /bucket_limit: /)
    assert.match(decoded[5], /image \{\n {6}height: 2\n {6}width: 3\n {6}colorspace: 4\n {6}encoded_image_string: "\\211PNG/)
    // Nothing we wrote is unknown to the schema (protoc prints unknown fields as bare numbers).
    for (const text of decoded) assert.doesNotMatch(text, /^\s*\d+:/m)
  },
)
