// What `preprocess` does with a parsed data set before reading any audio: optionally replace its folds
// (`--add-cv-setup N`), then say in one line each what would keep `svm|mlp evaluate` from working on it.

import {Partition, PARTITION_NAMES, Split} from '../src/data/dataset.js'
import {roundRobinByClass} from '../src/data/ops.js'
import {validInFold} from './common.js'
import type {ParsedDataSet} from './types.js'

/**
 * Replaces the cross-validation setup with `numFolds` folds (0 removes it), assigned exactly as
 * `modify --add-cv-setup` does: per class, files sorted by stored filename, the j-th file VALID in fold
 * j mod N. The assignment is per file, so every chunk (and augmented copy) of a file shares its folds.
 * The instance order is kept (modify shuffles; preprocess keeps the parser's order).
 */
export function withParsedCvSetup(ds: ParsedDataSet, numFolds: number): ParsedDataSet {
  const slotOf =
    numFolds > 0
      ? roundRobinByClass(
          ds.instances.map((i) => ({filename: i.filename, label: i.labelNumeric})),
          numFolds,
        )
      : null
  return {
    ...ds,
    numFolds,
    instances: ds.instances.map((inst) => ({...inst, cvFolds: slotOf === null ? [] : validInFold(numFolds, slotOf.get(inst.filename)!)})),
  }
}

const ADD_FOLDS = "use 'preprocess --add-cv-setup N' (or 'audeep modify --add-cv-setup N' on the written file)"

function quoteList(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`)
  return shown.join(', ') + (names.length > max ? ` and ${names.length - max} more` : '')
}

/**
 * One line per reason why a labelled data set cannot be evaluated as it stands: no folds and no
 * partitions; all files in one fold; an empty fold; a fold without some class; files without a partition
 * beside files with one; a missing train partition or neither devel nor test. Unlabelled sets get none.
 */
export function evaluationWarnings(ds: ParsedDataSet): string[] {
  const labelled = ds.instances.filter((i) => i.labelNominal !== null)
  if (labelled.length === 0) return []
  const warnings: string[] = []
  const hasPartitions = ds.instances.some((i) => i.partition !== null)
  if (ds.numFolds === 0 && !hasPartitions) {
    warnings.push(`the data set has neither cross-validation folds nor partitions, which 'svm|mlp evaluate' need; ${ADD_FOLDS}`)
  }
  if (ds.numFolds > 0) {
    const classes = [...new Set(labelled.map((i) => i.labelNominal!))]
    const validPerFold = Array.from({length: ds.numFolds}, (_, k) => ds.instances.filter((i) => i.cvFolds[k] === Split.VALID))
    const used = validPerFold.map((v, k) => (v.length > 0 ? k : -1)).filter((k) => k >= 0)
    if (used.length <= 1) {
      const where = used.length === 1 ? `fold ${used[0] + 1}` : 'no fold'
      warnings.push(`all ${ds.instances.length} files are in ${where}, so cross-validation has nothing to train or test on; ${ADD_FOLDS}`)
    } else {
      const empty = validPerFold.map((v, k) => (v.length === 0 ? k + 1 : -1)).filter((k) => k > 0)
      if (empty.length > 0) warnings.push(`fold(s) ${empty.join(', ')} of ${ds.numFolds} hold no files; ${ADD_FOLDS}`)
      const lacking: string[] = []
      validPerFold.forEach((valid, k) => {
        if (valid.length === 0) return
        const present = new Set(valid.map((i) => i.labelNominal))
        const missing = classes.filter((c) => !present.has(c))
        if (missing.length > 0) lacking.push(`fold ${k + 1} lacks ${quoteList(missing, 2)}`)
      })
      if (lacking.length > 0) {
        // A class of m files can be in at most m folds.
        const files = new Map<string, Set<string>>()
        for (const inst of labelled) files.set(inst.labelNominal!, (files.get(inst.labelNominal!) ?? new Set()).add(inst.filename))
        const smallest = Math.min(...[...files.values()].map((f) => f.size))
        const bound = smallest < ds.numFolds ? ` with N <= ${smallest} (the smallest class has ${smallest} file(s))` : ''
        warnings.push(
          `${lacking.length} of ${ds.numFolds} folds have no file of some class (${lacking.slice(0, 2).join('; ')}${lacking.length > 2 ? '; ...' : ''}), which skews per-fold results; ${ADD_FOLDS}${bound} to balance classes over folds`,
        )
      }
    }
  }
  if (hasPartitions) {
    const without = ds.instances.filter((i) => i.partition === null).length
    if (without > 0) {
      warnings.push(
        `${without} of ${ds.instances.length} files have no partition and are left out of partition-based evaluation; ${ADD_FOLDS} to cross-validate instead, or give every file a partition`,
      )
    }
    const present = new Set(ds.instances.map((i) => i.partition))
    if (!present.has(Partition.TRAIN) || (!present.has(Partition.DEVEL) && !present.has(Partition.TEST))) {
      const names = [Partition.TRAIN, Partition.DEVEL, Partition.TEST]
        .filter((p) => present.has(p))
        .map((p) => PARTITION_NAMES[p].toLowerCase())
      warnings.push(
        `only the ${names.join(' and ')} partition${names.length > 1 ? 's are' : ' is'} present; evaluating on partitions needs train and devel or test: ` +
          `${ADD_FOLDS} to cross-validate instead, or reassign with 'audeep modify --add-partitioning train devel test'`,
      )
    }
  }
  return warnings
}
