// `npm run bench`: runs every bench/*.bench.ts (compiled to dist/bench) or those named on the command
// line (`npm run bench -- netcdf engine`). Each prints its own report with ratios against a peer or
// baseline run in the same run (bench/peers.ts); results and the machine are recorded in docs/benchmarks.md.

import {readdirSync} from 'node:fs'
import {totalmem} from 'node:os'
import {dirname} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {machineLine} from './peers.js'

const here = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2)
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

const failed: string[] = []
console.log(`machine: ${machineLine()}; ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`)
for (const file of benches) {
  console.log(`\n=== ${file.replace('.bench.js', '')} ===`)
  const module = (await import(pathToFileURL(`${here}/${file}`).href)) as {run: () => Promise<void>; optIn?: boolean}
  // Benchmarks that take minutes run only when named (`npm run bench -- tutorial`).
  if (module.optIn && wanted.length === 0) {
    console.log(`(runs only when named: npm run bench -- ${file.replace('.bench.js', '')})`)
    continue
  }
  // One benchmark that fails (a peer that crashes, data that is absent) does not cost the others' figures.
  try {
    await module.run()
  } catch (err) {
    failed.push(file)
    console.log(`FAILED: ${err instanceof Error ? err.message : String(err)}`)
  }
}
if (failed.length > 0) {
  console.log(`\n${failed.length} benchmark(s) failed: ${failed.join(', ')}`)
  process.exitCode = 1
}
