// Python's repr() and str() for the value kinds auDeep prints (lists of strings, numbers and None), so that our
// messages read exactly like the original's.

import {formatFloat64Python} from './number-format.js'
import type {PyScalar, PyValue} from './value.js'

function reprString(s: string): string {
  // Python prefers single quotes and switches to double quotes only when that avoids escaping.
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = ''
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += '\\' + quote
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += ch
  }
  return quote + out + quote
}

export function pythonRepr(value: PyValue): string {
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'string') return reprString(value)
  // auDeep's messages show JavaScript numbers that Python held as ints; bigints are ints too.
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof Map) return '{' + [...value].map(([k, v]) => reprString(k) + ': ' + pythonRepr(v)).join(', ') + '}'
  return '[' + value.map(pythonRepr).join(', ') + ']'
}

/** Python's repr() of a float (shortest round trip; exponent form below 1e-4 and from 1e16). */
export const pyFloatRepr: (x: number) => string = formatFloat64Python

/** Python's str() of a label, which is how heareval keys labels in the vocabulary. */
export function pyStr(value: PyScalar): string {
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return pyFloatRepr(value)
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  return 'None'
}
