// Python's repr() for the few value kinds auDeep prints (lists of strings, numbers and None), so that our
// messages read exactly like the original's.

export type PyValue = string | number | boolean | null | PyValue[]

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
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value)
  return '[' + value.map(pythonRepr).join(', ') + ']'
}
