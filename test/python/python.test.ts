// The pieces of the HEAR embedding format: Python-typed JSON labels, str() of labels, pickles both ways.

import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {parsePythonJson} from '../../src/python/json.js'
import {decodePickle, encodePickle, type PickleValue} from '../../src/python/pickle.js'
import {pyFloatRepr, pyStr} from '../../src/python/repr.js'
import {pythonWith, runPython} from './interpreter.js'

test('the pickle of [["8"], [3], []] is byte for byte the one in the reference (§3.3)', () => {
  const bytes = encodePickle([['8'], [3n], []])
  assert.equal(bytes.toString('hex'), '80 02 5d 28 5d 28 58 01 00 00 00 38 65 5d 28 4b 03 65 5d 28 65 65 2e'.replaceAll(' ', ''))
  assert.deepEqual(decodePickle(bytes), [['8'], [3n], []])
})

test('pickle integers use the shortest opcode and round-trip at every boundary', () => {
  const values = [
    0n,
    255n,
    256n,
    65535n,
    65536n,
    -1n,
    -(2n ** 31n),
    2n ** 31n - 1n,
    2n ** 31n,
    -(2n ** 31n) - 1n,
    2n ** 64n + 5n,
    -(2n ** 70n),
  ]
  assert.deepEqual(decodePickle(encodePickle(values)), values)
  assert.equal(encodePickle([255n]).length, 2 + 2 + 2 + 1 + 1)
  assert.equal(encodePickle([65535n]).length, 2 + 2 + 3 + 1 + 1)
  const mixed: PickleValue = [['a', 'ü€𝄞', ''], [1.5, -0.25, 1e300], [true, false, null], [[]]]
  assert.deepEqual(decodePickle(encodePickle(mixed)), mixed)
})

test('decodePickle names the file on damage', () => {
  assert.throws(
    () => decodePickle(Buffer.from([0x80, 0x02, 0x5d]), 'x.pkl'),
    (e: unknown) => e instanceof UserError && /x\.pkl: truncated pickle/.test(e.message),
  )
  assert.throws(
    () => decodePickle(Buffer.from([0x80, 0x02, 0x63, 0x2e]), 'y.pkl'),
    (e: unknown) => e instanceof UserError && /y\.pkl: unsupported pickle opcode 0x63/.test(e.message),
  )
})

test('label JSON keeps Python int/float types and key order', () => {
  const parsed = parsePythonJson('{"b.wav": [8], "a.wav": [1.0], "c.wav": ["x", 1e3, -0, 12345678901234567890, true, null]}', 'f.json')
  assert.ok(parsed instanceof Map)
  assert.deepEqual([...parsed.keys()], ['b.wav', 'a.wav', 'c.wav'])
  assert.deepEqual(parsed.get('b.wav'), [8n])
  assert.deepEqual(parsed.get('a.wav'), [1])
  assert.deepEqual(parsed.get('c.wav'), ['x', 1000, 0n, 12345678901234567890n, true, null])
  assert.deepEqual(
    (parsed.get('a.wav') as PickleValue[]).map((v) => pyStr(v as number)),
    ['1.0'],
  )
  assert.throws(() => parsePythonJson('{"a": [1,]}', 'bad.json'), /bad\.json: invalid JSON at line 1/)
})

test("pyFloatRepr spells floats as Python's repr", () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.1, '0.1'],
    [-0, '-0.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [3.2e-3, '0.0032'],
    [1e-300, '1e-300'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
    [2.5e-7, '2.5e-07'],
  ]
  for (const [x, expected] of cases) assert.equal(pyFloatRepr(x), expected, String(x))
})

const python = pythonWith(['pickle'])

test("Python loads our pickles and we load Python's (protocols 2 to 5)", {skip: python === null ? 'no python3' : false}, () => {
  const value: PickleValue = [['dog', 'ü'], [3n, 70000n, -5n, 2n ** 40n], [], [0.5, true, null]]
  const repr = runPython(python!, 'import pickle,sys; print(repr(pickle.loads(bytes.fromhex(sys.argv[1]))))', [
    encodePickle(value).toString('hex'),
  ])
  assert.equal(repr.trim(), "[['dog', 'ü'], [3, 70000, -5, 1099511627776], [], [0.5, True, None]]")
  for (const protocol of [2, 3, 4, 5]) {
    const hex = runPython(
      python!,
      `import pickle; print(pickle.dumps([['dog', 'ü'] * 3, [3, 70000, -5, 2**40], [], [0.5, True, None], [7] * 1500], protocol=${protocol}).hex())`,
    )
    const decoded = decodePickle(Buffer.from(hex.trim(), 'hex'))
    assert.deepEqual(
      decoded,
      [['dog', 'ü', 'dog', 'ü', 'dog', 'ü'], [3n, 70000n, -5n, 2n ** 40n], [], [0.5, true, null], new Array(1500).fill(7n)],
      `protocol ${protocol}`,
    )
  }
})

test('pyFloatRepr agrees with Python on random doubles', {skip: python === null ? 'no python3' : false}, () => {
  const xs: number[] = []
  let s = 12345
  for (let i = 0; i < 300; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    xs.push((s / 2 ** 32 - 0.5) * 10 ** ((i % 44) - 22))
  }
  const out = runPython(
    python!,
    'import sys,struct; [print(repr(struct.unpack("<d", bytes.fromhex(h))[0])) for h in sys.stdin.read().split()]',
    [],
    xs
      .map((x) => {
        const b = Buffer.alloc(8)
        b.writeDoubleLE(x)
        return b.toString('hex')
      })
      .join(' '),
  )
  assert.deepEqual(xs.map(pyFloatRepr), out.trim().split('\n'))
})
