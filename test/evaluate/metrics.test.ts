// Metrics on cases computed by hand (and, for UAR, with scikit-learn's definition of macro recall).

import assert from 'node:assert/strict'
import {test} from 'node:test'

import {accuracy, confusionMatrix, formatFixed, meanAndInterval, unweightedAverageRecall} from '../../src/evaluate/metrics.js'
import {confusionTable, quietLine} from '../../src/evaluate/report.js'

test('accuracy and UAR over the labels in truth and predictions', () => {
  const truth = [0, 0, 1, 1, 2]
  const predicted = [0, 1, 1, 1, 3]
  assert.equal(accuracy(truth, predicted), 0.6)
  // recall: label 0 -> 1/2, 1 -> 2/2, 2 -> 0/1, 3 (only predicted) -> 0; mean over 4 labels.
  assert.equal(unweightedAverageRecall(truth, predicted), 0.375)
  // A label in neither truth nor predictions does not count.
  assert.equal(unweightedAverageRecall([5, 5, 7], [5, 7, 7]), (1 / 2 + 1) / 2)
  assert.equal(unweightedAverageRecall([1, 2], [1, 2]), 1)
})

test('confusion matrix rows are true labels, columns predicted, in the given order', () => {
  // Label order as for nominal labels b=0, c=1, a=2 sorted alphabetically: a, b, c -> 2, 0, 1.
  const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 2, 1, 2, 2, 0], [2, 0, 1])
  assert.deepEqual(m, [
    [2, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
  ])
  const text = confusionTable(
    [
      {nominal: 'a', numeric: 2},
      {nominal: 'b', numeric: 0},
      {nominal: 'c', numeric: 1},
    ],
    m,
  )
  const rows = text.split('\n').filter((l) => /[abc] /.test(l))
  assert.match(rows[0], /true \\ predicted\s*│\s*a\s*│\s*b\s*│\s*c/)
  assert.match(rows[1], /│ a\s*│\s*2\s*│\s*1\s*│\s*0\s*│/)
  assert.match(rows[2], /│ b\s*│\s*1\s*│\s*1\s*│\s*0\s*│/)
})

test('mean and interval = 2 x population std', () => {
  const {mean, interval} = meanAndInterval([0.5, 0.7])
  assert.ok(Math.abs(mean - 0.6) < 1e-12)
  assert.ok(Math.abs(interval - 0.2) < 1e-12)
  assert.deepEqual(meanAndInterval([0.25]), {mean: 0.25, interval: 0})
})

test('quiet output formats like Python "%.4f,%.4f", ties to even', () => {
  // Expected strings from CPython.
  assert.deepEqual(
    [0.03125, 0.09375, 0.4775, 1 / 3, 0.5, 1, 0.00005, 0.00015].map((v) => formatFixed(v, 4)),
    ['0.0312', '0.0938', '0.4775', '0.3333', '0.5000', '1.0000', '0.0001', '0.0001'],
  )
  assert.deepEqual(
    [0.125, 0.375, 12.5].map((v) => formatFixed(v, 2)),
    ['0.12', '0.38', '12.50'],
  )
  assert.equal(quietLine({accuracy: 0.4775, uar: 0.03125}), '0.4775,0.0312')
})
