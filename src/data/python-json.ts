// auDeep stores `feature_dims` and `label_map` as JSON written by Python's json.dumps with its defaults:
// ", " and ": " separators and every non-printable-ASCII character escaped. Files are compared byte for
// byte with the original's, so we reproduce that spelling exactly.

type JsonValue = string | number | boolean | null | JsonValue[]

function escapeString(s: string): string {
  // JSON.stringify already escapes quotes, backslashes and C0 controls the way Python does (lower-case hex);
  // Python additionally escapes DEL and everything above ASCII.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

export function pythonJsonDumps(value: JsonValue): string {
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']'
  if (typeof value === 'string') return escapeString(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
    return String(value)
  }
  return JSON.stringify(value)
}
