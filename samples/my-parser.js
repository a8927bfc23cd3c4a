// An example audeep data-set parser (plain JavaScript, ES module). See docs/parsers.md.
//
// It reads a layout that none of the built-in parsers knows:
//
//   <basedir>/labels.csv      header "file,label,partition"; partition is train, devel or test (or empty)
//   <basedir>/audio/<file>    the audio files named in the CSV
//
// Use it with:  audeep inspect raw --basedir DIR --parser samples/my-parser.js
//          or:  audeep preprocess --basedir DIR --parser samples/my-parser.js --output out.nc ...

import {access, readFile} from 'node:fs/promises'
import path from 'node:path'

// Values of audeep's Partition enum, as stored in .nc files.
const PARTITIONS = {train: 0, devel: 1, test: 2}

/** @type {import('../parsers/types.js').Parser} */
const parser = {
  // Shown in log messages.
  name: 'labels-csv',

  // Called first: answer whether `basedir` has this layout. Keep it cheap, and return false rather than
  // throwing for a directory that is simply something else.
  async canParse(basedir) {
    try {
      await access(path.join(basedir, 'labels.csv'))
      await access(path.join(basedir, 'audio'))
      return true
    } catch {
      return false
    }
  },

  // Describes the data set. audeep checks the result (every field, label map consistency, that each
  // file exists and is not empty) and reports problems with the instance they concern. An error thrown
  // here is shown to the user as "parser labels-csv: parse failed: <message>", so name the file.
  async parse(basedir) {
    const csvPath = path.join(basedir, 'labels.csv')
    const lines = (await readFile(csvPath, 'utf8')).split(/\r?\n/).filter((line) => line.trim() !== '')
    const header = lines[0].split(',')
    const column = (name) => {
      const index = header.indexOf(name)
      if (index < 0) throw new Error(`${csvPath}: no '${name}' column`)
      return index
    }
    const fileColumn = column('file')
    const labelColumn = column('label')
    const partitionColumn = header.indexOf('partition')

    const rows = lines.slice(1).map((line, i) => {
      const fields = line.split(',')
      const partitionName = partitionColumn >= 0 ? (fields[partitionColumn] ?? '') : ''
      if (partitionName !== '' && !(partitionName in PARTITIONS)) {
        throw new Error(`${csvPath}, line ${i + 2}: unknown partition '${partitionName}'`)
      }
      return {file: fields[fileColumn], label: fields[labelColumn], partition: partitionName === '' ? null : PARTITIONS[partitionName]}
    })

    // Number the labels in sorted order, as auDeep does for directory-based layouts. Sorting with < and >
    // compares code points, which is the order Python's sorted() uses.
    const labels = [...new Set(rows.map((r) => r.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const labelMap = new Map(labels.map((label, index) => [label, index]))

    // Instance order is the order of the data set file: make it deterministic (here: sorted by file name).
    rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))

    return {
      labelMap, // or null for unlabelled data
      numFolds: 0, // this layout has no cross-validation folds
      instances: rows.map((row) => ({
        path: path.join(basedir, 'audio', row.file), // absolute, or relative to basedir
        filename: row.file, // what the .nc file stores
        labelNominal: row.label,
        labelNumeric: labelMap.get(row.label), // may be null: audeep fills it from labelMap
        cvFolds: [], // one entry per fold: 0 = train, 1 = valid
        partition: row.partition, // 0 train, 1 devel, 2 test, or null
      })),
    }
  },
}

// audeep takes the default export (or a named export `parser`); a class with a no-argument constructor
// works too.
export default parser
