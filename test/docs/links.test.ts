// The documentation holds together: every `docs/...` path mentioned in code, scripts and docs exists, and
// every relative link in the README and docs/ points at a file that is there.

import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {test} from 'node:test'

import {repoRoot} from '../helpers.js'

const SOURCES = ['src', 'commands', 'parsers', 'samples', 'scripts', 'bench', 'native', 'docs', 'test']
const EXTENSIONS = /\.(ts|js|mjs|sh|md|cc|h|json)$/

function files(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) return []
    return statSync(path).isDirectory() ? files(path) : EXTENSIONS.test(name) ? [path] : []
  })
}

test('every docs/... path mentioned in the code and the docs exists', () => {
  const missing: string[] = []
  for (const file of [join(repoRoot, 'README.md'), ...SOURCES.flatMap((d) => files(join(repoRoot, d)))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?<![\w./-])docs\/[\w./-]*\w\.md/g)) {
      if (!existsSync(join(repoRoot, match[0]))) missing.push(`${relative(repoRoot, file)}: ${match[0]}`)
    }
  }
  assert.deepEqual(missing, [])
})

test('relative links in the README and docs/ point at existing files', () => {
  const broken: string[] = []
  for (const file of [join(repoRoot, 'README.md'), ...files(join(repoRoot, 'docs'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
      const target = match[1]
      if (/^[a-z]+:/.test(target)) continue
      if (!existsSync(join(dirname(file), target))) broken.push(`${relative(repoRoot, file)}: ${target}`)
    }
  }
  assert.deepEqual(broken, [])
})
