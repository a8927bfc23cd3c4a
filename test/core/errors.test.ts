// System errors that escape the library become one-line user errors naming the path and errno; messages
// are made safe for a terminal line.

import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {inFile, printable, UserError, userErrorFromSystemError} from '../../src/core/errors.js'
import {InterruptedError} from '../../src/core/interrupt.js'
import {tempDir} from '../helpers.js'

function thrown(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  assert.fail('expected an error')
}

test('real fs errors map to "PATH: what (ERRNO: description)"', () => {
  const dir = tempDir()
  const missing = join(dir, 'missing.nc')
  const cases: [unknown, string][] = [
    [thrown(() => readFileSync(missing)), `${missing}: cannot open (ENOENT: no such file or directory)`],
    [thrown(() => readFileSync(dir)), 'cannot read (EISDIR: illegal operation on a directory)'],
    [thrown(() => writeFileSync(join(missing, 'x'), '')), `${join(missing, 'x')}: cannot open (ENOENT: no such file or directory)`],
    [thrown(() => mkdirSync(dir)), `${dir}: cannot create the directory (EEXIST: file already exists)`],
    [thrown(() => renameSync(missing, join(dir, 'b'))), `${missing}: cannot move into place (ENOENT: no such file or directory)`],
  ]
  for (const [error, message] of cases) {
    const mapped = userErrorFromSystemError(error)
    assert.ok(mapped instanceof UserError)
    assert.equal(mapped.message, message)
  }
  assert.equal(
    userErrorFromSystemError(new Error('HDF5 ... errno = 28, error message = No space left on device'))?.message,
    'no space left on device (ENOSPC)',
  )
  assert.equal(userErrorFromSystemError(new TypeError('e.shape.reduce is not a function')), undefined)
})

test('printable escapes control characters and bounds the length', () => {
  assert.equal(printable('a\x00b\x1b[31mc\x9b'), 'a\\x00b\\x1b[31mc\\x9b')
  assert.equal(printable('x'.repeat(10), 4), 'xxxx...')
})

test('inFile names the file in user errors but leaves an interruption as it is (exit status 130)', () => {
  const wrapped = inFile('a.nc', new UserError('bad header')) as UserError
  assert.equal(wrapped.message, 'a.nc: bad header')
  const interrupted = new InterruptedError()
  assert.equal(inFile('a.nc', interrupted), interrupted)
  assert.equal((inFile('a.nc', interrupted) as InterruptedError).exitCode, 130)
})
