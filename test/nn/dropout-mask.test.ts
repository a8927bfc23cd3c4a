// The native dropout mask (native/dropout.cc, fillDropoutMask and the RNN's seeded masks) against an independent BigInt splitmix64 of the
// documented scheme: 64K-element blocks, block b seeded with ((seed + 1) * gamma) ^ (b * 0xD1B54A32D192ED03),
// each draw giving its low 32 bits to the even element and its high 32 bits to the odd one.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {loadNative} from '../../src/nn/engine/index.js'

const addon = loadNative()
const skip = addon ? false : 'native addon not built'
const M64 = (1n << 64n) - 1n
const GAMMA = 0x9e3779b97f4a7c15n

function reference(n: number, keep: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  const threshold = BigInt(Math.min(4294967296, Math.floor(keep * 4294967296)))
  const scale = Math.fround(1 / keep)
  const block = 1 << 16
  for (let b = 0; b * block < n; b++) {
    let s = (((BigInt(seed) + 1n) * GAMMA) & M64) ^ ((BigInt(b) * 0xd1b54a32d192ed03n) & M64)
    for (let i = b * block; i < Math.min(n, (b + 1) * block); i += 2) {
      s = (s + GAMMA) & M64
      let z = s
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64
      z ^= z >> 31n
      out[i] = (z & 0xffffffffn) < threshold ? scale : 0
      if (i + 1 < n) out[i + 1] = z >> 32n < threshold ? scale : 0
    }
  }
  return out
}

test('fillDropoutMask matches a BigInt splitmix64 reference (block edges, odd lengths, keep 1)', {skip}, () => {
  for (const [n, keep, seed] of [
    [1, 0.8, 0],
    [7, 0.5, 3],
    [2049, 0.8, 11],
    [65536 + 2048 + 3, 0.8, 123456],
    [2 * 65536, 0.3, 2],
    [1001, 1, 5],
  ]) {
    const got = new Float32Array(n)
    addon!.fillDropoutMask(got, keep, seed)
    const want = reference(n, keep, seed)
    assert.ok(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `n=${n} keep=${keep} seed=${seed}`)
  }
})
