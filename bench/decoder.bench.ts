// `npm run bench -- decoder`: one training step (forward, gradients, Adam) of the tutorial t-rae
// (2 x 256 GRU, bidirectional decoder, batch 64, 124 frames x 128 bands) with each --decoder-variant,
// alternating variants so both see the same machine load; prints the medians and their ratio, in wall time
// and in this process's CPU time (less sensitive to other processes sharing the cores).

import * as tf from '@tensorflow/tfjs'

import {Random} from '../src/core/random.js'
import {Adam} from '../src/nn/adam.js'
import {createAutoencoder, type DecoderVariant, NO_NOISE} from '../src/nn/autoencoders.js'
import {selectBackend} from '../src/nn/engine/index.js'

const REPS = Number(process.env.BENCH_REPS ?? 5)

export async function run(): Promise<void> {
  const info = await selectBackend('auto')
  console.log(`backend: ${info.description}`)
  const [B, T, F] = [64, 124, 128]
  const random = new Random(1)
  const batch = tf.tensor3d(
    Float32Array.from({length: B * T * F}, () => 2 * random.next() - 1),
    [B, T, F],
  )
  const arch = {layers: 2, units: 256, cell: 'gru' as const}
  const variants: DecoderVariant[] = ['2018', '2017']
  const models = variants.map((decoderVariant) =>
    createAutoencoder(
      {
        kind: 't-rae',
        numFeatures: F,
        encoder: {...arch, bidirectional: false},
        decoder: {...arch, bidirectional: true},
        maskSilence: false,
        decoderVariant,
      },
      new Random(2),
    ),
  )
  const adams = models.map(() => new Adam(0.001))
  const noise = {...NO_NOISE, keepProb: 0.8}
  const step = (i: number, seed: number): [number, number] => {
    const model = models[i]
    const start = performance.now(),
      cpu0 = process.cpuUsage()
    const vars = [...model.params.variables.values()]
    const names = [...model.params.variables.keys()]
    const {value, grads} = tf.variableGrads(() => model.forward(batch, noise, new Random(seed)).loss, vars)
    const named: Record<string, tf.Tensor> = {}
    vars.forEach((v, k) => (named[names[k]] = tf.clipByValue(grads[v.name], -2, 2)))
    adams[i].apply(model.params.variables, named)
    value.dataSync()
    tf.dispose([value, ...Object.values(grads), ...Object.values(named)])
    const cpu = process.cpuUsage(cpu0)
    return [(performance.now() - start) / 1000, (cpu.user + cpu.system) / 1e6]
  }
  const times: number[][] = variants.map(() => [])
  const cpus: number[][] = variants.map(() => [])
  for (let rep = -1; rep < REPS; rep++)
    for (let i = 0; i < variants.length; i++) {
      const [t, c] = step(i, rep + 10)
      if (rep >= 0) {
        times[i].push(t)
        cpus[i].push(c)
      }
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  for (let i = 0; i < variants.length; i++)
    console.log(
      `decoder ${variants[i]}: median ${median(times[i]).toFixed(3)} s per training batch (${times[i].map((t) => t.toFixed(2)).join(' ')}), CPU time median ${median(cpus[i]).toFixed(3)} s`,
    )
  console.log(
    `2017 / 2018 time ratio: ${(median(times[1]) / median(times[0])).toFixed(2)} (CPU time ${(median(cpus[1]) / median(cpus[0])).toFixed(2)})`,
  )
  batch.dispose()
  models.forEach((m) => m.params.dispose())
  adams.forEach((a) => a.dispose())
}
