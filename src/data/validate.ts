// The seven integrity constraints of auDeep's `validate` (audeep-reference.md §3), with its exact report
// text: scripts compare it.

import {compareStrings, type DataSetMeta, SPLIT_NAMES} from './dataset.js'
import {groupByFilename} from './ops.js'
import {pythonRepr} from '../python/repr.js'

export const CONSTRAINTS = [
  'Instances with the same filename must have the same nominal labels:',
  'Instances with the same filename must have the same numeric labels:',
  'Instances with the same filename must have the same cross validation information:',
  'Instances with the same filename must have the same partition:',
  'If a label map is present, all labels must conform to this map:',
  'For each filename, there must be the same number of chunks:',
  'For each filename, chunk numbers must be [0, 1, ..., num_chunks]:',
] as const

export interface IntegrityReport {
  /** One list of violation messages per constraint, in CONSTRAINTS order. */
  violations: string[][]
  numInstances: number
}

export function isValid(report: IntegrityReport): boolean {
  return report.violations.every((v) => v.length === 0)
}

/** Distinct values in Python's sorted order, with missing values last as auDeep's sentinels print. */
function distinct<T extends string | number>(values: (T | null)[]): (T | null)[] {
  const present = [...new Set(values.filter((v): v is T => v !== null))]
  present.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : compareStrings(String(a), String(b))))
  return values.includes(null) ? [...present, null] : present
}

export function checkIntegrity(ds: DataSetMeta): IntegrityReport {
  const violations: string[][] = CONSTRAINTS.map(() => [])
  const groups = groupByFilename(ds)
  let expectedChunks = -1
  for (const [file, members] of groups) {
    const insts = members.map((i) => ds.instances[i])
    const nominal = distinct(insts.map((i) => i.labelNominal))
    if (nominal.length > 1) violations[0].push(`instances for file ${file} have different nominal labels: ${pythonRepr(nominal)}`)
    const numeric = distinct(insts.map((i) => i.labelNumeric))
    if (numeric.length > 1) violations[1].push(`instances for file ${file} have different numeric labels: ${pythonRepr(numeric)}`)
    for (let k = 0; k < ds.numFolds; k++) {
      const splits = distinct(insts.map((i) => i.cvFolds[k])).map((s) => (s === null ? null : SPLIT_NAMES[s]))
      if (splits.length > 1) {
        violations[2].push(`instances for file ${file} have different splits in cross validation fold ${k}: ${pythonRepr(splits)}`)
      }
    }
    const partitions = distinct(insts.map((i) => i.partition))
    if (partitions.length > 1) violations[3].push(`instances for file ${file} have different partitions: ${pythonRepr(partitions)}`)

    if (expectedChunks < 0) expectedChunks = members.length
    if (members.length !== expectedChunks) {
      violations[5].push(`file ${file} has invalid number of chunks: expected ${expectedChunks}, got ${members.length}`)
    }
    const chunkNrs = insts.map((i) => i.chunkNr).sort((a, b) => a - b)
    const wrong = chunkNrs.findIndex((c, i) => c !== i)
    if (wrong >= 0) violations[6].push(`invalid chunk number for file ${file}: expected ${wrong}, got ${chunkNrs[wrong]}`)
  }
  if (ds.labelMap !== null) {
    for (const inst of ds.instances) {
      const {labelNominal: nominal, labelNumeric: numeric} = inst
      const bothMissing = nominal === null && numeric === null
      const conforms = bothMissing || (nominal !== null && numeric !== null && ds.labelMap.get(nominal) === numeric)
      if (!conforms) {
        violations[4].push(`chunk ${inst.chunkNr} of file ${inst.filename} has invalid labels: ${nominal ?? 'None'} (${numeric ?? 'None'})`)
      }
    }
  }
  return {violations, numInstances: ds.numInstances}
}

/** auDeep's report: `PASS validation`, or `FAIL validation` with one count line per constraint. */
export function formatIntegrityReport(report: IntegrityReport, detailed: boolean): string {
  if (isValid(report)) return 'PASS validation\n'
  const width = Math.max(1, Math.ceil(Math.log10(Math.max(1, report.numInstances))))
  const lines = ['FAIL validation', '']
  CONSTRAINTS.forEach((header, c) => {
    const count = report.violations[c].length
    lines.push(`${c + 1}. ${header.padEnd(81)} ${String(count).padStart(width)} violations`)
    if (detailed) for (const message of report.violations[c]) lines.push('\t' + message)
  })
  return lines.join('\n') + '\n'
}
