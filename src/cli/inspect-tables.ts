// The information tables of `inspect netcdf` (audeep-reference.md §7.5).

import {renderTable} from './table.js'
import {type DataSetMeta, partitionName, Split, SPLIT_NAMES} from '../data/dataset.js'
import {foldSplit} from '../data/ops.js'
import {pythonRepr} from '../python/repr.js'

const pyBool = (b: boolean): string => (b ? 'True' : 'False')

export function globalInfoTable(ds: DataSetMeta): string {
  return renderTable('global data set information', [
    ['number of instances', String(ds.numInstances)],
    ['cross validation info', pyBool(ds.hasCvInfo())],
    ['partition info', pyBool(ds.hasPartitionInfo())],
    ['fully labeled', pyBool(ds.isFullyLabeled())],
    ['feature dimensions', pythonRepr([...ds.featureDims])],
  ])
}

export function instanceInfoTable(ds: DataSetMeta, index: number): string {
  const inst = ds.instances[index]
  const splits = ds.hasCvInfo() ? inst.cvFolds.map((s) => SPLIT_NAMES[s as Split]).join(', ') : 'None'
  return renderTable(`instance ${index} information:`, [
    ['data file', inst.filename],
    ['chunk number', String(inst.chunkNr)],
    ['label', `${inst.labelNominal ?? 'None'} (${inst.labelNumeric ?? 'None'})`],
    ['cross validation splits', splits],
    ['partition', partitionName(inst.partition)],
    ['shape', pythonRepr([...ds.featureShape])],
  ])
}

/**
 * Per fold, how many instances of each class are in the training and validation split. auDeep crashed
 * when a class was missing from a split; it shows 0 here.
 */
export function foldTables(ds: DataSetMeta): string[] {
  const labels = ds.labelMap !== null ? [...ds.labelMap.keys()] : [...new Set(ds.instances.map((i) => i.labelNominal ?? 'None'))].sort()
  const percent = (n: number, total: number): string => (total === 0 ? '0.00 %' : `${((100 * n) / total).toFixed(2)} %`)
  const tables: string[] = []
  for (let k = 0; k < ds.numFolds; k++) {
    const {train, valid} = foldSplit(ds, k)
    const count = (indices: number[], label: string): number =>
      indices.filter((i) => (ds.instances[i].labelNominal ?? 'None') === label).length
    const rows = [['class', 'train', 'train %', 'valid', 'valid %']]
    for (const label of labels) {
      const t = count(train, label)
      const v = count(valid, label)
      rows.push([label, String(t), percent(t, train.length), String(v), percent(v, valid.length)])
    }
    rows.push([
      'total',
      String(train.length),
      percent(train.length, train.length),
      String(valid.length),
      percent(valid.length, valid.length),
    ])
    tables.push(renderTable(`fold ${k + 1}`, rows, ['left', 'right', 'right', 'right', 'right']))
  }
  return tables
}
