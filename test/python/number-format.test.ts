import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {formatFloat32Numpy, formatFloat64Python} from '../../src/python/number-format.js'
import {needsShared, reference} from '../helpers.js'

/** Feature fields of every golden export file (metadata columns excluded). */
function goldenFields(tree: 'csv' | 'arff-ll'): string[] {
  const fields: string[] = []
  const base = reference('export', tree)
  for (const fold of readdirSync(base).sort()) {
    const dir = join(base, fold)
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8')
      const rows = tree === 'csv' ? text.split('\n').slice(1) : text.slice(text.indexOf('@DATA\n') + 6).split('\n')
      for (const row of rows) {
        if (row === '') continue
        const cells = row.split(',')
        // CSV: filename, chunk_nr, nominal, numeric first; ARFF (labels last): filename, chunk_nr first,
        // quoted nominal label and numeric label last (the nominal may contain no comma here).
        const features = tree === 'csv' ? cells.slice(4) : cells.slice(2, -2)
        for (const f of features) fields.push(f)
      }
    }
  }
  return fields
}

test('every CSV number of the golden export is the numpy float32 repr of its value', needsShared, () => {
  const fields = goldenFields('csv')
  assert.equal(fields.length, 20 * 15872)
  let scientific = 0
  for (const text of fields) {
    const value = Math.fround(Number(text))
    if (formatFloat32Numpy(value) !== text) assert.fail(`${text} formats as ${formatFloat32Numpy(value)}`)
    if (text.includes('e')) scientific++
  }
  // The golden files exercise scientific notation, so the test covers it.
  assert.ok(scientific > 0)
})

test('every ARFF number of the golden export is the Python repr of its (float32) value', needsShared, () => {
  const fields = goldenFields('arff-ll')
  assert.equal(fields.length, 20 * 15872)
  let scientific = 0
  for (const text of fields) {
    const value = Number(text)
    assert.equal(Math.fround(value), value, `${text} is not a float32 value`)
    if (formatFloat64Python(value) !== text) assert.fail(`${text} formats as ${formatFloat64Python(value)}`)
    if (text.includes('e')) scientific++
  }
  assert.ok(scientific > 0)
})

test('numpy float32 repr edge cases', () => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-1, '-1.0'],
    [0.25, '0.25'],
    [0.1, '0.1'],
    [1e-4, '1e-04'], // float32(1e-4) = 9.9999997e-05 < 1e-4: scientific, and the digits round up
    [1.0001e-4, '0.00010001'],
    [1e-5, '1e-05'],
    [8.9557085e-5, '8.9557085e-05'],
    [-0.0013672783, '-0.0013672783'],
    [123456789, '123456790.0'],
    [1e15, '1000000000000000.0'],
    [9.999999e15, '9999999000000000.0'],
    [1e16, '1e+16'],
    [3.4e38, '3.4e+38'],
    [1.4e-45, '1e-45'], // smallest subnormal
    [2 ** -126, '1.1754944e-38'], // smallest normal: narrower gap below
    [16777216, '16777216.0'],
    [16777217, '16777216.0'], // not a float32: rounded first
    // exact ties between two shortest candidates go to the even digit, as numpy's Dragon4 does
    [343126.125, '343126.12'],
    [-1752255.25, '-1752255.2'],
    // interval end points count when the mantissa is even
    [-64311768, '-64311770.0'],
    [186675008, '186675000.0'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ]
  for (const [value, expected] of cases) assert.equal(formatFloat32Numpy(value), expected, `value ${value}`)
})

test('Python float repr edge cases', () => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-1, '-1.0'],
    [1e-4, '0.0001'],
    [9.999999747378752e-5, '9.999999747378752e-05'],
    [1e-5, '1e-05'],
    [-0.8381125926971436, '-0.8381125926971436'],
    [123456792, '123456792.0'],
    [1e15, '1000000000000000.0'],
    [9999999999999998, '9999999999999998.0'],
    [1e16, '1e+16'],
    [1.5e300, '1.5e+300'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1e21, '1e+21'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
  ]
  for (const [value, expected] of cases) assert.equal(formatFloat64Python(value), expected, `value ${value}`)
})

/** A Python 3 with numpy, if one is installed (Debian's python3-numpy or similar). */
function pythonWithNumpy(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import numpy'], {encoding: 'utf8'})
    if (probe.status === 0) return candidate
  }
  return null
}

test('agrees with numpy and Python on random float32 bit patterns', (t) => {
  const python = pythonWithNumpy()
  if (!python) {
    t.skip('no python3 with numpy')
    return
  }
  // Deterministic xorshift so failures reproduce.
  let state = 0x9e3779b9
  const next = (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
  const bits = new Uint32Array(50000)
  for (let i = 0; i < bits.length; i++) bits[i] = next()
  const values = Array.from(new Float32Array(bits.buffer)).filter(Number.isFinite)
  const script = [
    'import sys, numpy as np',
    // numpy 2 prints large float32 scalars differently; the golden files come from numpy 1.24.
    'if int(np.__version__.split(".")[0]) >= 2: np.set_printoptions(legacy="1.25")',
    'vals = np.frombuffer(sys.stdin.buffer.read(), dtype="<f4")',
    'sys.stdout.write("\\n".join(str(v) + " " + repr(float(v)) for v in vals))',
  ].join('\n')
  const input = Buffer.from(new Float32Array(values).buffer)
  const result = spawnSync(python, ['-c', script], {input, encoding: 'utf8', maxBuffer: 64 << 20})
  assert.equal(result.status, 0, result.stderr)
  const lines = result.stdout.split('\n')
  assert.equal(lines.length, values.length)
  for (let i = 0; i < values.length; i++) {
    const [numpyRepr, pythonRepr] = lines[i].split(' ')
    if (formatFloat32Numpy(values[i]) !== numpyRepr)
      assert.fail(`float32 ${values[i]}: ${formatFloat32Numpy(values[i])} != numpy ${numpyRepr}`)
    if (formatFloat64Python(values[i]) !== pythonRepr)
      assert.fail(`double ${values[i]}: ${formatFloat64Python(values[i])} != Python ${pythonRepr}`)
  }
})
