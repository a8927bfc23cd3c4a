// TensorBoard event files: TFRecord framing around hand-encoded `Event` protobufs.
//
// No npm package writes these files (tfjs-node, which could, is not installable), and only a handful of
// protobuf fields are needed, so both directions are written out here. Field numbers and the framing are
// documented in the team's dependencies notes (§3) and checked in the tests against protoc with a small
// schema of our own (test/fixtures/mini_event.proto).

import {closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {UserError} from '../core/errors.js'

// ---------------------------------------------------------------------------------------------------------
// CRC32C (Castagnoli). Node's zlib.crc32 is the IEEE polynomial, which TFRecord does not use.

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** TFRecord stores CRCs rotated and offset, so that a CRC of data that itself contains CRCs stays strong. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes)
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}

/** One TFRecord: length, masked CRC of the length, payload, masked CRC of the payload. */
export function frameRecord(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(payload.length + 16)
  record.writeBigUInt64LE(BigInt(payload.length), 0)
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8)
  record.set(payload, 12)
  record.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length)
  return record
}

// ---------------------------------------------------------------------------------------------------------
// Protobuf encoding of the few message shapes we write

const WIRE_VARINT = 0
const WIRE_64BIT = 1
const WIRE_BYTES = 2
const WIRE_32BIT = 5

class ProtoWriter {
  private buf = Buffer.allocUnsafe(256)
  private pos = 0

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  private rawVarint(value: number): void {
    this.reserve(10)
    // Non-negative integers up to 2^53 only (steps, sizes, lengths): division keeps them exact.
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    this.buf[this.pos++] = value
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  varint(field: number, value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint out of range: ${value}`)
    this.key(field, WIRE_VARINT)
    this.rawVarint(value)
    return this
  }

  double(field: number, value: number): this {
    this.key(field, WIRE_64BIT)
    this.reserve(8)
    this.buf.writeDoubleLE(value, this.pos)
    this.pos += 8
    return this
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_32BIT)
    this.reserve(4)
    this.buf.writeFloatLE(value, this.pos)
    this.pos += 4
    return this
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_BYTES)
    this.rawVarint(value.length)
    this.reserve(value.length)
    this.buf.set(value, this.pos)
    this.pos += value.length
    return this
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'))
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const packed = Buffer.allocUnsafe(values.length * 8)
    for (let i = 0; i < values.length; i++) packed.writeDoubleLE(values[i], i * 8)
    return this.bytes(field, packed)
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

// Field numbers (tensorflow/core/util/event.proto, framework/summary.proto).
const EVENT_WALL_TIME = 1
const EVENT_STEP = 2
const EVENT_FILE_VERSION = 3
const EVENT_SUMMARY = 5
const SUMMARY_VALUE = 1
const VALUE_TAG = 1
const VALUE_SIMPLE = 2
const VALUE_IMAGE = 4
const VALUE_HISTO = 5
const IMAGE_HEIGHT = 1
const IMAGE_WIDTH = 2
const IMAGE_COLORSPACE = 3
const IMAGE_ENCODED = 4
const HISTO_MIN = 1
const HISTO_MAX = 2
const HISTO_NUM = 3
const HISTO_SUM = 4
const HISTO_SUM_SQUARES = 5
const HISTO_BUCKET_LIMIT = 6
const HISTO_BUCKET = 7

export const FILE_VERSION = 'brain.Event:2'

// ---------------------------------------------------------------------------------------------------------
// Histograms, bucketed like TensorFlow's default: exponentially growing limits (factor 1.1 from 1e-12 to
// 1e20), mirrored for negative values, with runs of empty buckets merged into one.

export interface Histogram {
  min: number
  max: number
  num: number
  sum: number
  sumSquares: number
  /** Right edge of each bucket. */
  bucketLimits: number[]
  /** Count per bucket. */
  buckets: number[]
}

const DEFAULT_BUCKET_LIMITS: Float64Array = (() => {
  const positive: number[] = []
  for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v)
  positive.push(Number.MAX_VALUE)
  const limits = [...positive.map((v) => -v).reverse(), 0, ...positive]
  return Float64Array.from(limits)
})()

/** Index of the first limit strictly greater than `value` (the bucket [limit[i-1], limit[i]) holds it). */
function bucketIndex(value: number): number {
  let lo = 0
  let hi = DEFAULT_BUCKET_LIMITS.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (DEFAULT_BUCKET_LIMITS[mid] > value) hi = mid
    else lo = mid + 1
  }
  return lo
}

export function histogramOf(values: ArrayLike<number>): Histogram {
  const counts = new Float64Array(DEFAULT_BUCKET_LIMITS.length)
  let min = Infinity
  let max = -Infinity
  let sum = 0
  let sumSquares = 0
  let num = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    // NaN would land in no bucket and poison the sums; TensorBoard cannot show it anyway.
    if (Number.isNaN(v)) continue
    num++
    if (v < min) min = v
    if (v > max) max = v
    sum += v
    sumSquares += v * v
    counts[bucketIndex(v)]++
  }
  const bucketLimits: number[] = []
  const buckets: number[] = []
  for (let i = 0; i < counts.length;) {
    let limit = DEFAULT_BUCKET_LIMITS[i]
    const count = counts[i]
    i++
    if (count === 0) {
      while (i < counts.length && counts[i] === 0) limit = DEFAULT_BUCKET_LIMITS[i++]
    }
    bucketLimits.push(limit)
    buckets.push(count)
  }
  if (num === 0) {
    min = 0
    max = 0
  }
  return {min, max, num, sum, sumSquares, bucketLimits, buckets}
}

// ---------------------------------------------------------------------------------------------------------
// Writer

export interface ImageSummary {
  height: number
  width: number
  /** 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. */
  colorspace: number
  /** PNG bytes. */
  png: Uint8Array
}

/** Colour space of a PNG from its IHDR colour type (what TensorBoard's `colorspace` means). */
export function pngColorspace(png: Uint8Array): number {
  const isPng = png.length >= 26 && png[0] === 0x89 && png[1] === 0x50 && png[2] === 0x4e && png[3] === 0x47
  if (!isPng) throw new Error('image summary: not a PNG')
  const colourType = png[25]
  if (colourType === 0) return 1
  if (colourType === 4) return 2
  // 2 = truecolour; 3 = palette, which decodes to RGB.
  if (colourType === 2 || colourType === 3) return 3
  return 4
}

function encodeHistogram(h: Histogram): Buffer {
  return new ProtoWriter()
    .double(HISTO_MIN, h.min)
    .double(HISTO_MAX, h.max)
    .double(HISTO_NUM, h.num)
    .double(HISTO_SUM, h.sum)
    .double(HISTO_SUM_SQUARES, h.sumSquares)
    .packedDoubles(HISTO_BUCKET_LIMIT, h.bucketLimits)
    .packedDoubles(HISTO_BUCKET, h.buckets)
    .finish()
}

function encodeEvent(wallTime: number, step: number, fill: (event: ProtoWriter) => void): Buffer {
  const event = new ProtoWriter().double(EVENT_WALL_TIME, wallTime)
  // proto3 omits zero-valued scalars; TensorFlow's writer does too, so step 0 has no step field.
  if (step !== 0) event.varint(EVENT_STEP, step)
  fill(event)
  return event.finish()
}

function summaryEvent(wallTime: number, step: number, tag: string, fill: (value: ProtoWriter) => void): Buffer {
  const value = new ProtoWriter().string(VALUE_TAG, tag)
  fill(value)
  const summary = new ProtoWriter().bytes(SUMMARY_VALUE, value.finish()).finish()
  return encodeEvent(wallTime, step, (e) => e.bytes(EVENT_SUMMARY, summary))
}

export interface EventFileWriterOptions {
  /** Seconds since the epoch used for the file name and the file_version event (default: now). */
  wallTime?: number
  /** Clock for the events' wall_time (default: Date.now() / 1000); tests pin it. */
  clock?: () => number
  /** Buffered bytes that trigger a write to disk (default 1 MiB). */
  flushBytes?: number
}

/**
 * Appends events to `events.out.tfevents.<seconds>.<hostname>` in a directory, in the layout TensorBoard
 * reads. Records are buffered and written by flush(), by close(), or when the buffer grows large.
 */
export class EventFileWriter {
  readonly path: string
  private fd: number | null
  private pending: Buffer[] = []
  private pendingBytes = 0
  private readonly clock: () => number
  private readonly flushBytes: number

  constructor(directory: string, options: EventFileWriterOptions = {}) {
    this.clock = options.clock ?? (() => Date.now() / 1000)
    this.flushBytes = options.flushBytes ?? 1 << 20
    const wallTime = options.wallTime ?? this.clock()
    mkdirSync(directory, {recursive: true})
    const base = join(directory, `events.out.tfevents.${Math.floor(wallTime)}.${hostname()}`)
    // Two writers started in the same second must not interleave records in one file.
    let path = base
    let fd: number | undefined
    for (let attempt = 1; fd === undefined; attempt++) {
      try {
        fd = openSync(path, 'wx')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) {
          throw new UserError(`${path}: cannot create event file (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
        }
        path = `${base}.${attempt}`
      }
    }
    this.fd = fd
    this.path = path
    this.push(encodeEvent(wallTime, 0, (e) => e.string(EVENT_FILE_VERSION, FILE_VERSION)))
    this.flush()
  }

  private push(payload: Buffer): void {
    if (this.fd === null) throw new Error(`${this.path}: event file writer is closed`)
    const record = frameRecord(payload)
    this.pending.push(record)
    this.pendingBytes += record.length
    if (this.pendingBytes >= this.flushBytes) this.flush()
  }

  addScalar(tag: string, value: number, step: number): void {
    this.push(summaryEvent(this.clock(), step, tag, (v) => v.float(VALUE_SIMPLE, value)))
  }

  /** A PNG image; `colorspace` defaults to what the PNG header says. */
  addImage(tag: string, png: Uint8Array, height: number, width: number, step: number, colorspace = pngColorspace(png)): void {
    const image = new ProtoWriter()
      .varint(IMAGE_HEIGHT, height)
      .varint(IMAGE_WIDTH, width)
      .varint(IMAGE_COLORSPACE, colorspace)
      .bytes(IMAGE_ENCODED, png)
      .finish()
    this.push(summaryEvent(this.clock(), step, tag, (v) => v.bytes(VALUE_IMAGE, image)))
  }

  addHistogram(tag: string, values: ArrayLike<number>, step: number): void {
    const histo = encodeHistogram(histogramOf(values))
    this.push(summaryEvent(this.clock(), step, tag, (v) => v.bytes(VALUE_HISTO, histo)))
  }

  flush(): void {
    if (this.fd === null || this.pending.length === 0) return
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    let offset = 0
    while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset)
  }

  close(): void {
    if (this.fd === null) return
    this.flush()
    closeSync(this.fd)
    this.fd = null
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reader

export interface ScalarValue {
  tag: string
  value: number
}

export interface ImageValue extends ImageSummary {
  tag: string
}

export interface HistogramValue extends Histogram {
  tag: string
}

export interface TfEvent {
  wallTime: number
  step: number
  fileVersion: string | null
  scalars: ScalarValue[]
  images: ImageValue[]
  histograms: HistogramValue[]
}

/** Walks the fields of one protobuf message, calling `onField` with the field number and its payload. */
class ProtoReader {
  pos: number

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  varint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++]
      if (i === 9 && b === 1) {
        // The 10th byte only appears for negative int64s (two's complement sign extension).
        return result - 2 ** 64
      }
      result += (b & 0x7f) * scale
      scale *= 128
      if (b < 0x80) return result
    }
    throw new Error('varint longer than 10 bytes')
  }

  key(): {field: number; wire: number} {
    const k = this.varint()
    return {field: Math.floor(k / 8), wire: k % 8}
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new Error('truncated double')
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new Error('truncated float')
    const v = this.buf.readFloatLE(this.pos)
    this.pos += 4
    return v
  }

  /** The [start, end) range of a length-delimited field. */
  span(): [number, number] {
    const length = this.varint()
    const start = this.pos
    if (start + length > this.end) throw new Error('truncated length-delimited field')
    this.pos += length
    return [start, start + length]
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint()
    else if (wire === WIRE_64BIT) this.pos += 8
    else if (wire === WIRE_BYTES) this.span()
    else if (wire === WIRE_32BIT) this.pos += 4
    else throw new Error(`unsupported protobuf wire type ${wire}`)
  }

  sub(range: [number, number]): ProtoReader {
    return new ProtoReader(this.buf, range[0], range[1])
  }

  text(range: [number, number]): string {
    return this.buf.toString('utf8', range[0], range[1])
  }

  bytes(range: [number, number]): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, range[0], range[1])
  }

  /** Packed (or, as protobuf allows, unpacked repeated) doubles. */
  doubles(wire: number, into: number[]): void {
    if (wire === WIRE_64BIT) {
      into.push(this.double())
      return
    }
    const [start, end] = this.span()
    for (let p = start; p + 8 <= end; p += 8) into.push(this.buf.readDoubleLE(p))
  }
}

function decodeHistogram(r: ProtoReader): Histogram {
  const h: Histogram = {min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimits: [], buckets: []}
  while (!r.done) {
    const {field, wire} = r.key()
    if (field === HISTO_MIN && wire === WIRE_64BIT) h.min = r.double()
    else if (field === HISTO_MAX && wire === WIRE_64BIT) h.max = r.double()
    else if (field === HISTO_NUM && wire === WIRE_64BIT) h.num = r.double()
    else if (field === HISTO_SUM && wire === WIRE_64BIT) h.sum = r.double()
    else if (field === HISTO_SUM_SQUARES && wire === WIRE_64BIT) h.sumSquares = r.double()
    else if (field === HISTO_BUCKET_LIMIT) r.doubles(wire, h.bucketLimits)
    else if (field === HISTO_BUCKET) r.doubles(wire, h.buckets)
    else r.skip(wire)
  }
  return h
}

function decodeImage(r: ProtoReader): ImageSummary {
  const image: ImageSummary = {height: 0, width: 0, colorspace: 0, png: new Uint8Array(0)}
  while (!r.done) {
    const {field, wire} = r.key()
    if (field === IMAGE_HEIGHT && wire === WIRE_VARINT) image.height = r.varint()
    else if (field === IMAGE_WIDTH && wire === WIRE_VARINT) image.width = r.varint()
    else if (field === IMAGE_COLORSPACE && wire === WIRE_VARINT) image.colorspace = r.varint()
    else if (field === IMAGE_ENCODED && wire === WIRE_BYTES) image.png = r.bytes(r.span())
    else r.skip(wire)
  }
  return image
}

function decodeValue(r: ProtoReader, event: TfEvent): void {
  let tag = ''
  let simple: number | null = null
  let image: ImageSummary | null = null
  let histo: Histogram | null = null
  while (!r.done) {
    const {field, wire} = r.key()
    if (field === VALUE_TAG && wire === WIRE_BYTES) tag = r.text(r.span())
    else if (field === VALUE_SIMPLE && wire === WIRE_32BIT) simple = r.float()
    else if (field === VALUE_IMAGE && wire === WIRE_BYTES) image = decodeImage(r.sub(r.span()))
    else if (field === VALUE_HISTO && wire === WIRE_BYTES) histo = decodeHistogram(r.sub(r.span()))
    else r.skip(wire)
  }
  // Tags come before the value in TensorFlow's output, but protobuf allows any order.
  if (simple !== null) event.scalars.push({tag, value: simple})
  if (image !== null) event.images.push({tag, ...image})
  if (histo !== null) event.histograms.push({tag, ...histo})
}

export function decodeEvent(payload: Buffer): TfEvent {
  const event: TfEvent = {wallTime: 0, step: 0, fileVersion: null, scalars: [], images: [], histograms: []}
  const r = new ProtoReader(payload)
  while (!r.done) {
    const {field, wire} = r.key()
    if (field === EVENT_WALL_TIME && wire === WIRE_64BIT) event.wallTime = r.double()
    else if (field === EVENT_STEP && wire === WIRE_VARINT) event.step = r.varint()
    else if (field === EVENT_FILE_VERSION && wire === WIRE_BYTES) event.fileVersion = r.text(r.span())
    else if (field === EVENT_SUMMARY && wire === WIRE_BYTES) {
      const summary = r.sub(r.span())
      while (!summary.done) {
        const k = summary.key()
        if (k.field === SUMMARY_VALUE && k.wire === WIRE_BYTES) decodeValue(summary.sub(summary.span()), event)
        else summary.skip(k.wire)
      }
    } else r.skip(wire)
  }
  return event
}

/**
 * The payloads of a TFRecord file, with both CRCs of every record checked. A record cut short at the end
 * of the file (a writer still running) ends the iteration; anything else malformed is a UserError.
 */
export function* readRecords(path: string): Generator<Buffer> {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? String(error)})`}`)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new UserError(`${path}: not a regular file`)
    const size = stat.size
    const header = Buffer.alloc(12)
    const footer = Buffer.alloc(4)
    let offset = 0
    let index = 0
    while (offset + 12 <= size) {
      readSync(fd, header, 0, 12, offset)
      if (header.readUInt32LE(8) !== maskedCrc32c(header.subarray(0, 8))) {
        throw new UserError(`${path}: record ${index} at byte ${offset}: length CRC mismatch (not a TFRecord file, or corrupt)`)
      }
      const length = Number(header.readBigUInt64LE(0))
      if (offset + 16 + length > size) break
      const payload = Buffer.allocUnsafe(length)
      readSync(fd, payload, 0, length, offset + 12)
      readSync(fd, footer, 0, 4, offset + 12 + length)
      if (footer.readUInt32LE(0) !== maskedCrc32c(payload)) {
        throw new UserError(`${path}: record ${index} at byte ${offset}: data CRC mismatch (corrupt event file)`)
      }
      yield payload
      offset += 16 + length
      index++
    }
  } finally {
    closeSync(fd)
  }
}

/** The events of a TensorBoard event file, in file order. */
export function* readEvents(path: string): Generator<TfEvent> {
  let index = 0
  for (const payload of readRecords(path)) {
    let event: TfEvent
    try {
      event = decodeEvent(payload)
    } catch (error) {
      throw new UserError(`${path}: record ${index}: not a valid Event protobuf (${(error as Error).message})`)
    }
    yield event
    index++
  }
}
