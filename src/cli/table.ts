// auDeep's information tables: `+---+` borders, a title row spanning all columns, no rules between rows.

import Table from 'cli-table3'

const ASCII_BORDERS = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
}

export type Alignment = 'left' | 'right' | 'center'

export function renderTable(title: string, rows: readonly (readonly string[])[], align: readonly Alignment[] = []): string {
  const columns = Math.max(1, ...rows.map((r) => r.length))
  const table = new Table({
    chars: ASCII_BORDERS,
    style: {head: [], border: [], compact: true},
    // cli-table3's typings only allow plain strings in `head`, but spanning cells work there too.
    head: [{content: title, colSpan: columns} as unknown as string],
    ...(align.length > 0 ? {colAligns: [...align]} : {}),
  })
  for (const row of rows) table.push([...row])
  return table.toString()
}
