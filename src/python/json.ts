// Python's json module, both ways. auDeep stores `feature_dims` and `label_map` as JSON written by Python's json.dumps with its defaults:
// ", " and ": " separators and every non-printable-ASCII character escaped. Files are compared byte for
// byte with the original's, so we reproduce that spelling exactly.

import {UserError} from '../core/errors.js'
import {pyFloatRepr} from './repr.js'
import type {PyJson, PyValue} from './value.js'

function escapeString(s: string): string {
  // JSON.stringify already escapes quotes, backslashes and C0 controls the way Python does (lower-case hex);
  // Python additionally escapes DEL and everything above ASCII.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** json.dumps with its default separators; ints (bigint) and objects (Map, in key order) as Python writes them. */
export function pythonJsonDumps(value: PyValue): string {
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']'
  if (value instanceof Map) return '{' + [...value].map(([k, v]) => escapeString(k) + ': ' + pythonJsonDumps(v)).join(', ') + '}'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return escapeString(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
    return String(value)
  }
  return JSON.stringify(value)
}

/** JSON parsed the way Python's json.loads does it: integers stay ints (bigint), objects keep key order. */
export function parsePythonJson(text: string, file: string): PyValue {
  let i = 0
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length
    throw new UserError(`${file}: invalid JSON at line ${line}: ${what}`)
  }
  const skip = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  }
  const value = (): PyValue => {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      const out = new Map<string, PyValue>()
      skip()
      if (text[i] === '}') return (i++, out)
      for (;;) {
        skip()
        if (text[i] !== '"') fail('expected a string key')
        const key = string()
        skip()
        if (text[i++] !== ':') fail("expected ':'")
        out.set(key, value())
        skip()
        const sep = text[i++]
        if (sep === '}') return out
        if (sep !== ',') fail("expected ',' or '}'")
      }
    }
    if (c === '[') {
      i++
      const out: PyValue[] = []
      skip()
      if (text[i] === ']') return (i++, out)
      for (;;) {
        out.push(value())
        skip()
        const sep = text[i++]
        if (sep === ']') return out
        if (sep !== ',') fail("expected ',' or ']'")
      }
    }
    if (c === '"') return string()
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(word, i)) return ((i += word.length), v)
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (m === null || m[0] === '') return fail(`unexpected ${c === undefined ? 'end of file' : `'${c}'`}`)
    i += m[0].length
    return m[2] === undefined && m[3] === undefined ? BigInt(m[0]) : Number(m[0])
  }
  const string = (): string => {
    const start = i
    i++
    let escaped = false
    while (i < text.length) {
      const ch = text[i++]
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') {
        try {
          return JSON.parse(text.slice(start, i)) as string
        } catch (error) {
          // A raw control character or a bad escape inside the string.
          return fail(`invalid string (${(error as Error).message.replace(/ in JSON at position \d+$/, '')})`)
        }
      }
    }
    return fail('unterminated string')
  }
  const result = value()
  skip()
  if (i < text.length) fail('trailing characters')
  return result
}

/**
 * Python's json.dumps(value, indent=indent) of a result record: here a number is a Python float (written as
 * repr() writes it) and a bigint an int, where pythonJsonDumps writes auDeep's integral numbers as ints.
 */
export function pythonJsonIndent(value: PyJson, indent = 4, depth = 0): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN'
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
    return pyFloatRepr(value)
  }
  if (typeof value === 'string') return escapeString(value)
  const pad = ' '.repeat(indent * (depth + 1))
  const close = ' '.repeat(indent * depth)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => pad + pythonJsonIndent(v, indent, depth + 1)).join(',\n')}\n${close}]`
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return '{}'
  return `{\n${entries.map(([k, v]) => `${pad}${escapeString(k)}: ${pythonJsonIndent(v, indent, depth + 1)}`).join(',\n')}\n${close}}`
}
