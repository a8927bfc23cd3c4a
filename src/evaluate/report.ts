// How evaluation results are shown and stored: the confusion-matrix table, the `-q` line and the JSON file.

import Table from 'cli-table3'

import {partitionName} from '../data/dataset.js'
import type {ClassLabel, EvaluationResult, Prediction} from './evaluation.js'
import {formatFixed} from './metrics.js'

/** auDeep's quiet output: "accuracy,uar" as fractions with four decimals (Python's "%.4f,%.4f"). */
export function quietLine(result: Pick<EvaluationResult, 'accuracy' | 'uar'>): string {
  return `${formatFixed(result.accuracy, 4)},${formatFixed(result.uar, 4)}`
}

/**
 * The confusion matrix as a table whose row and column headers name the classes in the order of the
 * counts (alphabetical by nominal label; auDeep printed numeric-order labels over alphabetical rows).
 */
export function confusionTable(labels: readonly ClassLabel[], matrix: readonly (readonly number[])[]): string {
  const table = new Table({
    style: {head: [], border: [], compact: true},
    head: ['true \\ predicted', ...labels.map((l) => l.nominal)],
    colAligns: ['left', ...labels.map(() => 'right' as const)],
  })
  labels.forEach((label, r) => table.push([label.nominal, ...matrix[r].map(String)]))
  return table.toString()
}

function percent(x: number): string {
  return `${formatFixed(100 * x, 2)}%`
}

/** A human-readable summary for stdout (without -q). */
export function summaryText(result: EvaluationResult): string {
  const lines: string[] = []
  const repeats = result.repeats.length
  if (result.mode === 'cross-validation') {
    const folds = result.repeats[0].splits.length
    const table = new Table({
      style: {head: [], border: [], compact: true},
      head: ['fold', 'accuracy', 'UAR'],
      colAligns: ['left', 'right', 'right'],
    })
    result.repeats.forEach((rep, r) => {
      rep.splits.forEach((s) => table.push([repeats > 1 ? `${r + 1}.${s.fold}` : String(s.fold), percent(s.accuracy), percent(s.uar)]))
    })
    lines.push(table.toString())
    lines.push(
      `cross-validation over ${folds} folds${repeats > 1 ? `, ${repeats} repeats` : ''} (+/- is 2 x the population std over folds${repeats > 1 ? ', averaged over repeats' : ''}):`,
    )
    lines.push(`accuracy: ${percent(result.accuracy)} (+/- ${percent(result.accuracyInterval!)})`)
    lines.push(`UAR:      ${percent(result.uar)} (+/- ${percent(result.uarInterval!)})`)
  } else {
    const on = result.evalPartitions!.map(partitionName).join(' & ')
    const from = result.trainPartitions!.map(partitionName).join(' & ')
    lines.push(`trained on ${from}, evaluated on ${on}${repeats > 1 ? ` (mean of ${repeats} repeats)` : ''}:`)
    lines.push(`accuracy: ${percent(result.accuracy)}`)
    lines.push(`UAR:      ${percent(result.uar)}`)
  }
  lines.push(
    `confusion matrix (rows: true class, columns: predicted class; summed over ${result.mode === 'cross-validation' ? 'folds' : 'evaluations'}${repeats > 1 ? ' and repeats' : ''}):`,
  )
  lines.push(confusionTable(result.labels, result.confusion))
  return lines.join('\n')
}

/** Everything the evaluation computed, for --json. */
export function resultJson(result: EvaluationResult, run: Record<string, unknown>): unknown {
  return {
    ...run,
    mode: result.mode,
    trainPartitions: result.trainPartitions?.map(partitionName) ?? null,
    evalPartitions: result.evalPartitions?.map(partitionName) ?? null,
    labels: result.labels.map((l) => l.nominal),
    numericLabels: result.labels.map((l) => l.numeric),
    accuracy: result.accuracy,
    uar: result.uar,
    accuracyInterval: result.accuracyInterval,
    uarInterval: result.uarInterval,
    intervalDefinition: result.mode === 'cross-validation' ? '2 x population standard deviation over folds, averaged over repeats' : null,
    confusionMatrix: result.confusion,
    repeats: result.repeats.map((r) => ({
      accuracy: r.accuracy,
      uar: r.uar,
      accuracyInterval: r.accuracyInterval,
      uarInterval: r.uarInterval,
      confusionMatrix: r.confusion,
      splits: r.splits,
    })),
  }
}

/**
 * auDeep's prediction file: "<filename>\t<nominal label>" per file, no header (pandas to_csv with a tab
 * separator, so fields holding a tab, quote or line break are quoted).
 */
export function predictionsTsv(predictions: readonly Prediction[]): string {
  const field = (s: string): string => (/[\t"\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)
  return predictions.map((p) => `${field(p.filename)}\t${field(p.nominal)}\n`).join('')
}
