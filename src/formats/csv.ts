// CSV as auDeep exchanges it: written like pandas' to_csv (Python csv QUOTE_MINIMAL, LF line endings),
// read with an RFC 4180 reader that also accepts CRLF and quoted line breaks.

import {createReadStream} from 'node:fs'

import {stringify} from 'csv-stringify/sync'

import {UserError} from '../core/errors.js'

/**
 * One CSV record with its trailing LF. Fields are quoted only when they contain a comma, a double quote or
 * a line break, and quotes are doubled: the same as Python's csv module in QUOTE_MINIMAL mode.
 */
export function encodeCsvRecord(fields: readonly string[]): string {
  return stringify([fields as string[]], {record_delimiter: 'unix', quoted_empty: false})
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/**
 * Incremental RFC 4180 parser: feed text in chunks of any size, receive complete records. Accepts LF,
 * CRLF and lone CR as record ends, "" inside quotes, and line breaks inside quoted fields. Blank lines are
 * skipped (as pandas does).
 */
export class CsvParser {
  private field = ''
  private record: string[] = []
  private inQuotes = false
  /** A closing quote was seen; the next character decides whether it was an escaped quote. */
  private quotePending = false
  /** The previous chunk ended with CR: a leading LF in the next chunk belongs to it. */
  private afterCr = false
  private fieldWasQuoted = false
  private started = false
  /** 1-based line being read, and the line the current record started on (for error messages). */
  private line = 1
  private recordLine = 1

  constructor(private readonly source: string) {}

  /** Parses a chunk; complete records are passed to `onRecord` with the line they start on. */
  push(chunk: string, onRecord: (fields: string[], line: number) => void): void {
    let i = 0
    if (!this.started) {
      this.started = true
      if (chunk.charCodeAt(0) === 0xfeff) i = 1
    }
    const n = chunk.length
    let fieldStart = i
    // Slices of the chunk are appended to `field` lazily to avoid per-character string building.
    const flush = (end: number): void => {
      if (end > fieldStart) this.field += chunk.slice(fieldStart, end)
    }
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i)
      if (this.afterCr) {
        this.afterCr = false
        if (c === LF) {
          fieldStart = i + 1
          continue
        }
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false
          if (c === QUOTE) {
            // "" is an escaped quote: keep one.
            this.field += '"'
            fieldStart = i + 1
            continue
          }
          this.inQuotes = false
          // fall through: c is handled as an unquoted character below
        } else {
          if (c === QUOTE) {
            flush(i)
            this.quotePending = true
            fieldStart = i + 1
          } else if (c === LF) this.line++
          continue
        }
      }
      if (c === COMMA) {
        flush(i)
        this.endField()
        fieldStart = i + 1
      } else if (c === LF || c === CR) {
        flush(i)
        this.endRecord(onRecord)
        this.line++
        if (c === CR) this.afterCr = true
        fieldStart = i + 1
      } else if (c === QUOTE && !this.fieldWasQuoted && this.field.length === 0 && i === fieldStart) {
        this.inQuotes = true
        this.fieldWasQuoted = true
        fieldStart = i + 1
      } else if (this.fieldWasQuoted && !this.inQuotes) {
        throw new UserError(`${this.source}: line ${this.line}: unexpected text after a closing quote`)
      }
    }
    flush(n)
  }

  /** Call after the last chunk. */
  end(onRecord: (fields: string[], line: number) => void): void {
    if (this.inQuotes && !this.quotePending) {
      throw new UserError(`${this.source}: line ${this.recordLine}: quoted field is not closed before the end of the file`)
    }
    this.inQuotes = false
    this.quotePending = false
    if (this.field.length > 0 || this.record.length > 0 || this.fieldWasQuoted) this.endRecord(onRecord)
  }

  private endField(): void {
    this.record.push(this.field)
    this.field = ''
    this.fieldWasQuoted = false
  }

  private endRecord(onRecord: (fields: string[], line: number) => void): void {
    const blank = this.record.length === 0 && this.field.length === 0 && !this.fieldWasQuoted
    this.endField()
    const record = this.record
    this.record = []
    const line = this.recordLine
    this.recordLine = this.line + 1
    if (!blank) onRecord(record, line)
  }
}

/** Streams the records of a CSV file (the first one is the header) to `onRecord`. */
export async function readCsvFile(path: string, onRecord: (fields: string[], line: number) => void): Promise<void> {
  const parser = new CsvParser(path)
  const stream = createReadStream(path, {encoding: 'utf8', highWaterMark: 1 << 20})
  try {
    for await (const chunk of stream) parser.push(chunk as string, onRecord)
  } catch (error) {
    stream.destroy()
    throw ioError(path, error)
  }
  parser.end(onRecord)
}

function ioError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return new UserError(`${path}: cannot read file (${code})`, {cause: error})
  }
  return error
}

/** Splits one CSV record (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"'
          i++
        } else {
          quoted = false
        }
      } else {
        field += c
      }
    } else if (c === '"' && field === '') {
      quoted = true
    } else if (c === delimiter) {
      fields.push(field)
      field = ''
    } else {
      field += c
    }
  }
  fields.push(field)
  return fields
}
