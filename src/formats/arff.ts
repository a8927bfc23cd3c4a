// ARFF (Weka's attribute-relation file format) as auDeep writes it through liac-arff, and a reader for
// import. Writing follows liac-arff's encoder exactly (audeep-reference.md §6.1), so exports are
// byte-identical to the original's; reading accepts what liac-arff and Weka accept: comments,
// case-insensitive keywords, quoted names and values with backslash escapes, `?`, sparse rows.

import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

import {UserError} from '../core/errors.js'

export type ArffType =
  | {kind: 'numeric'; keyword: 'NUMERIC' | 'REAL' | 'INTEGER'}
  | {kind: 'string'}
  | {kind: 'date'; format: string | null}
  | {kind: 'nominal'; values: string[]}

export interface ArffAttribute {
  name: string
  type: ArffType
}

export interface ArffHeader {
  relation: string
  attributes: ArffAttribute[]
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/**
 * Characters that make liac-arff quote a value: quotes, backslash, `%`, `,`, codes 0-25 and whatever
 * Python's `\s` calls whitespace (which, unlike JavaScript's, includes U+001C-U+001F and U+0085 but not
 * U+FEFF). Braces are added to liac-arff's set: unquoted they make the value unreadable (liac-arff itself
 * fails on them and a leading `{` marks a sparse row), so quoting only changes files that were broken.
 */
const NEEDS_QUOTES = /["'\\%,{}\x00-\x19\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/
const NEEDS_ESCAPE = /["'\\%\x00-\x19]/g
const CONTROL_ESCAPES: Record<string, string> = {'\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f'}

function escapeChar(c: string): string {
  const code = c.charCodeAt(0)
  if (code >= 32) return '\\' + c
  return CONTROL_ESCAPES[c] ?? '\\' + code.toString(8).padStart(3, '0')
}

/**
 * liac-arff's encode_string: single-quoted (with `'`, `"`, `\`, `%` backslash-escaped and control
 * characters written as \n, \t, \r, \b, \f or \ooo) when the value contains a special character,
 * verbatim otherwise. Values liac-arff would leave unreadable (containing braces, or exactly `?`)
 * are quoted too.
 */
export function encodeArffString(value: string): string {
  // A bare `?` would read back as missing, so it is quoted as well (another addition to liac-arff's rule).
  if (!NEEDS_QUOTES.test(value) && value !== '?') return value
  return `'${value.replace(NEEDS_ESCAPE, escapeChar)}'`
}

/** A data value: missing (null or empty, as liac-arff treats '') becomes `?`. */
export function encodeArffValue(value: string | null): string {
  return value === null || value === '' ? '?' : encodeArffString(value)
}

/** liac-arff wraps relation and attribute names in double quotes (unescaped) if they hold ` %{},`. */
function encodeArffName(name: string): string {
  return /[ %{},]/.test(name) ? `"${name}"` : name
}

function encodeArffType(type: ArffType): string {
  switch (type.kind) {
    case 'numeric':
      return type.keyword
    case 'string':
      return 'STRING'
    case 'date':
      return type.format === null ? 'DATE' : `DATE ${encodeArffString(type.format)}`
    case 'nominal':
      return `{${type.values.map(encodeArffString).join(', ')}}`
  }
}

/** Everything up to and including the `@DATA` line, as liac-arff's dump writes it. */
export function encodeArffHeader(header: ArffHeader): string {
  const lines = [`@RELATION ${encodeArffName(header.relation)}`, '']
  for (const attribute of header.attributes) {
    lines.push(`@ATTRIBUTE ${encodeArffName(attribute.name)} ${encodeArffType(attribute.type)}`)
  }
  lines.push('', '@DATA', '')
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------------------
// Reading

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  "'": "'",
  t: '\t',
  n: '\n',
  r: '\r',
  b: '\b',
  f: '\f',
  '%': '%',
}

class ArffSyntaxError extends Error {}

/** Reads a quoted token starting at text[start] (a quote); returns the unescaped value and the end index. */
function readQuoted(text: string, start: number): [string, number] {
  const quote = text[start]
  let out = ''
  let i = start + 1
  let chunkStart = i
  while (i < text.length) {
    const c = text[i]
    if (c === quote) return [out + text.slice(chunkStart, i), i + 1]
    if (c === '\\') {
      out += text.slice(chunkStart, i)
      const next = text[i + 1]
      if (next === undefined) break
      if (next >= '0' && next <= '7') {
        let j = i + 1
        while (j < text.length && j < i + 4 && text[j] >= '0' && text[j] <= '7') j++
        out += String.fromCharCode(parseInt(text.slice(i + 1, j), 8))
        i = j
      } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16))
        i += 6
      } else {
        // Unknown escapes keep the escaped character, as Weka does.
        out += SIMPLE_ESCAPES[next] ?? next
        i += 2
      }
      chunkStart = i
      continue
    }
    i++
  }
  throw new ArffSyntaxError(`unterminated quoted value ${text.slice(start, start + 40)}`)
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10 || code === 11 || code === 12
}

/**
 * Splits a comma-separated value list (a dense data row or the inside of a nominal declaration).
 * Unquoted `?` and empty values are missing (null); quoted values are always present.
 */
export function parseArffValues(text: string): (string | null)[] {
  const values: (string | null)[] = []
  let i = 0
  const n = text.length
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++
    let value: string | null
    if (i < n && (text[i] === "'" || text[i] === '"')) {
      ;[value, i] = readQuoted(text, i)
      while (i < n && isSpace(text.charCodeAt(i))) i++
      if (i < n && text[i] !== ',') throw new ArffSyntaxError(`unexpected text after a quoted value: ${text.slice(i, i + 40)}`)
    } else {
      const start = i
      while (i < n && text.charCodeAt(i) !== 44) i++
      const raw = text.slice(start, i).trim()
      value = raw === '' || raw === '?' ? null : raw
    }
    values.push(value)
    if (i >= n) return values
    i++ // the comma
  }
}

/** Splits a sparse row `{index value, ...}` into dense values; unlisted attributes get `defaults`. */
function parseSparseRow(text: string, defaults: readonly (string | null)[]): (string | null)[] {
  const values = defaults.slice()
  const inner = text.trim().slice(1, -1)
  if (inner.trim() === '') return values
  let i = 0
  const n = inner.length
  for (;;) {
    while (i < n && isSpace(inner.charCodeAt(i))) i++
    const start = i
    while (i < n && inner[i] >= '0' && inner[i] <= '9') i++
    if (i === start) throw new ArffSyntaxError(`sparse entry without an attribute index: ${inner.slice(start, start + 40)}`)
    const index = Number(inner.slice(start, i))
    if (index >= values.length) throw new ArffSyntaxError(`sparse attribute index ${index} out of range`)
    while (i < n && isSpace(inner.charCodeAt(i))) i++
    let value: string | null
    if (inner[i] === "'" || inner[i] === '"') {
      ;[value, i] = readQuoted(inner, i)
      while (i < n && isSpace(inner.charCodeAt(i))) i++
    } else {
      const vStart = i
      while (i < n && inner.charCodeAt(i) !== 44) i++
      const raw = inner.slice(vStart, i).trim()
      value = raw === '' || raw === '?' ? null : raw
    }
    values[index] = value
    if (i >= n) return values
    if (inner[i] !== ',') throw new ArffSyntaxError(`unexpected text in sparse row: ${inner.slice(i, i + 40)}`)
    i++
  }
}

/** A name at the start of `text` (quoted or a bare token); returns it and the rest of the line. */
function readName(text: string): [string, string] {
  if (text[0] === "'" || text[0] === '"') {
    const [name, end] = readQuoted(text, 0)
    return [name, text.slice(end).trim()]
  }
  const match = /^([^\s{}%,]+)\s*(.*)$/s.exec(text)
  if (!match) throw new ArffSyntaxError(`missing name in '${text.slice(0, 60)}'`)
  return [match[1], match[2]]
}

function parseType(text: string): ArffType {
  if (text.startsWith('{')) {
    const close = text.lastIndexOf('}')
    if (close < 0) throw new ArffSyntaxError(`nominal type without a closing '}': ${text.slice(0, 60)}`)
    const values = parseArffValues(text.slice(1, close))
    if (values.length === 1 && values[0] === null) return {kind: 'nominal', values: []}
    if (values.some((v) => v === null)) throw new ArffSyntaxError(`empty value in nominal type ${text.slice(0, 60)}`)
    return {kind: 'nominal', values: values as string[]}
  }
  const [keyword, rest] = readName(text)
  switch (keyword.toUpperCase()) {
    case 'NUMERIC':
    case 'REAL':
    case 'INTEGER':
      return {kind: 'numeric', keyword: keyword.toUpperCase() as 'NUMERIC' | 'REAL' | 'INTEGER'}
    case 'STRING':
      return {kind: 'string'}
    case 'DATE':
      return {kind: 'date', format: rest === '' ? null : readName(rest)[0]}
    case 'RELATIONAL':
      throw new ArffSyntaxError('relational attributes are not supported')
    default:
      throw new ArffSyntaxError(`unknown attribute type '${keyword}'`)
  }
}

/**
 * Streams an ARFF file: `onHeader` once the `@DATA` line is reached, then `onRow` for each instance with
 * unquoted values (null = missing) in attribute order. Sparse rows are expanded: unlisted numeric
 * attributes are 0, unlisted nominal ones take the first declared value (Weka's convention), others are
 * missing. Syntax errors throw a UserError naming the file and line.
 */
export async function readArffFile(
  path: string,
  onHeader: (header: ArffHeader) => void,
  onRow: (values: (string | null)[], line: number) => void,
): Promise<ArffHeader> {
  const stream = createReadStream(path, {encoding: 'utf8', highWaterMark: 1 << 20})
  const lines = createInterface({input: stream, crlfDelay: Infinity})
  let relation: string | null = null
  const attributes: ArffAttribute[] = []
  const names = new Set<string>()
  let header: ArffHeader | null = null
  let sparseDefaults: (string | null)[] = []
  let lineNumber = 0
  try {
    for await (const rawLine of lines) {
      lineNumber++
      const line = lineNumber === 1 && rawLine.charCodeAt(0) === 0xfeff ? rawLine.slice(1).trim() : rawLine.trim()
      if (line === '' || line.startsWith('%')) continue
      if (header === null) {
        const keyword = /^@(\w+)\s*(.*)$/s.exec(line)
        if (!keyword) throw new ArffSyntaxError(`expected @RELATION, @ATTRIBUTE or @DATA, got '${line.slice(0, 60)}'`)
        const rest = keyword[2]
        switch (keyword[1].toUpperCase()) {
          case 'RELATION':
            if (relation !== null) throw new ArffSyntaxError('second @RELATION')
            relation = rest === '' ? '' : readName(rest)[0]
            break
          case 'ATTRIBUTE': {
            if (relation === null) throw new ArffSyntaxError('@ATTRIBUTE before @RELATION')
            const [name, typeText] = readName(rest)
            if (typeText === '') throw new ArffSyntaxError(`attribute '${name}' has no type`)
            if (names.has(name)) throw new ArffSyntaxError(`attribute '${name}' declared twice`)
            names.add(name)
            attributes.push({name, type: parseType(typeText)})
            break
          }
          case 'DATA':
            if (relation === null) throw new ArffSyntaxError('@DATA before @RELATION')
            if (attributes.length === 0) throw new ArffSyntaxError('no attributes before @DATA')
            header = {relation, attributes}
            sparseDefaults = attributes.map((a) =>
              a.type.kind === 'numeric' ? '0' : a.type.kind === 'nominal' && a.type.values.length > 0 ? a.type.values[0] : null,
            )
            onHeader(header)
            break
          default:
            throw new ArffSyntaxError(`unknown keyword @${keyword[1]}`)
        }
        continue
      }
      const values = line.startsWith('{') && line.endsWith('}') ? parseSparseRow(line, sparseDefaults) : parseArffValues(line)
      if (values.length !== attributes.length) {
        throw new ArffSyntaxError(`row has ${values.length} values, expected ${attributes.length}`)
      }
      onRow(values, lineNumber)
    }
  } catch (error) {
    if (error instanceof ArffSyntaxError) throw new UserError(`${path}: line ${lineNumber}: ${error.message}`)
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new UserError(`${path}: cannot read file (${code})`)
    throw error
  } finally {
    lines.close()
    stream.destroy()
  }
  if (header === null) throw new UserError(`${path}: not an ARFF file (no @DATA section)`)
  return header
}
