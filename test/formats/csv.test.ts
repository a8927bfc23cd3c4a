import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {UserError} from '../../src/core/errors.js'
import {CsvParser, encodeCsvRecord, readCsvFile} from '../../src/formats/csv.js'
import {tempDir} from '../helpers.js'

test('records are quoted like pandas to_csv (Python 3.11 csv, QUOTE_MINIMAL, LF terminator)', () => {
  assert.equal(encodeCsvRecord(['a', 'Dog bark', '', '-1.0']), 'a,Dog bark,,-1.0\n')
  // A lone CR is not quoted: pandas 1.5 on Python 3.11 writes it bare too.
  assert.equal(encodeCsvRecord(['b,c', 'd"e', 'f\ng', 'h\ri', ' j ']), '"b,c","d""e","f\ng",h\ri, j \n')
})

function parseAll(text: string, chunkSize: number): [string[], number][] {
  const records: [string[], number][] = []
  const parser = new CsvParser('test.csv')
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize), (r, line) => records.push([r, line]))
  parser.end((r, line) => records.push([r, line]))
  return records
}

test('parser handles quotes, doubled quotes, CRLF, quoted line breaks, BOM and blank lines in any chunking', () => {
  const text = '\ufeffa,b,c\r\n"x,1","say ""hi""",\r\n\r\n"multi\nline",2,"3"\nlast,,"x"""'
  const expected: [string[], number][] = [
    [['a', 'b', 'c'], 1],
    [['x,1', 'say "hi"', ''], 2],
    [['multi\nline', '2', '3'], 4],
    [['last', '', 'x"'], 6],
  ]
  for (const chunk of [1, 2, 3, 7, 1000]) assert.deepEqual(parseAll(text, chunk), expected, `chunk size ${chunk}`)
})

test('parser keeps a quote inside an unquoted field and rejects broken quoting', () => {
  assert.deepEqual(parseAll('a"b,c\n', 100), [[['a"b', 'c'], 1]])
  assert.throws(
    () => parseAll('"open,1\n2,3\n', 100),
    (e: unknown) => e instanceof UserError && /not closed/.test(e.message),
  )
  assert.throws(
    () => parseAll('"a"b,1\n', 100),
    (e: unknown) => e instanceof UserError && /after a closing quote/.test(e.message),
  )
})

test('readCsvFile streams a file and reports unreadable paths as user errors', async () => {
  const dir = tempDir()
  const path = join(dir, 'x.csv')
  writeFileSync(path, encodeCsvRecord(['h1', 'h2']) + encodeCsvRecord(['a,b', '1']))
  const records: string[][] = []
  await readCsvFile(path, (r) => records.push(r))
  assert.deepEqual(records, [
    ['h1', 'h2'],
    ['a,b', '1'],
  ])
  await assert.rejects(
    readCsvFile(join(dir, 'missing.csv'), () => undefined),
    (e: unknown) => e instanceof UserError && /missing\.csv/.test(e.message),
  )
})
