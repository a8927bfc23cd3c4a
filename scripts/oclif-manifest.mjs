// Writes oclif.manifest.json after each build. Without a manifest oclif imports every command module at
// start-up (and with them TensorFlow.js and h5wasm) just to list them; with it, only the command that
// runs is loaded, which takes start-up from ~0.7 s to ~0.15 s.
import {rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const target = join(root, 'oclif.manifest.json')
// A stale manifest would be read instead of the commands themselves.
rmSync(target, {force: true})
const config = await Config.load(root)
const plugin = config.plugins.get(config.pjson.name)
if (!plugin) throw new Error('oclif-manifest: cannot find the audeep plugin')
writeFileSync(target, JSON.stringify(plugin.manifest) + '\n')
