// auDeep's TensorBoard summaries of a training run, as a training callback: per step the loss, the
// learning rate and the representation's mean and standard deviation, its histogram at the end of each
// epoch, and after each epoch the reconstruction of a fixed instance as an image.

import * as tf from '@tensorflow/tfjs'

import {Random} from '../core/random.js'
import {EventFileWriter} from '../formats/tfevents.js'
import {gatherBatch, type TrainingCallback, type TrainingState} from '../nn/training.js'
import {encodePng} from '../plot/png.js'

/** Targets above reconstruction, frequency upwards, time to the right, [-1, 1] mapped to black..white. */
function reconstructionImage(
  targets: Float32Array,
  reconstruction: Float32Array,
  frames: number,
  bands: number,
): {png: Buffer; width: number; height: number} {
  const width = frames
  const height = 2 * bands
  const pixels = new Uint8Array(width * height)
  const put = (values: Float32Array, top: number): void => {
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < bands; f++) {
        const v = Math.max(-1, Math.min(1, values[t * bands + f]))
        pixels[(top + bands - 1 - f) * width + t] = Math.round((v + 1) * 127.5)
      }
    }
  }
  put(targets, 0)
  put(reconstruction, bands)
  return {png: encodePng(width, height, 1, pixels), width, height}
}

function meanAndStddev(values: Float32Array): {mean: number; stddev: number} {
  let sum = 0
  for (const v of values) sum += v
  const mean = sum / values.length
  let squares = 0
  for (const v of values) squares += (v - mean) ** 2
  return {mean, stddev: Math.sqrt(squares / values.length)}
}

/** The reconstruction of the first instance, so its improvement can be watched epoch by epoch. */
function addReconstruction(events: EventFileWriter, {model, input, progress}: TrainingState): void {
  tf.tidy(() => {
    const sample = gatherBatch(input.features, input.frames * input.numFeatures, input.frames, input.numFeatures, [0])
    const {targets, reconstruction} = model.forward(sample, {keepProb: 1, encoderNoise: 0, feedPreviousProb: 0}, new Random(0))
    const image = reconstructionImage(
      targets.dataSync() as Float32Array,
      reconstruction.dataSync() as Float32Array,
      input.frames,
      input.numFeatures,
    )
    events.addImage('model/reconstruction/targets_vs_reconstruction/image/0', image.png, image.height, image.width, progress.step)
  })
}

/** Writes the summaries to an event file in `logDir`; flushed after every epoch and on a stop. */
export function tensorBoardCallback(logDir: string): TrainingCallback {
  const events = new EventFileWriter(logDir)
  return {
    onBatchEnd(status, summary) {
      const step = status.step - 1
      events.addScalar('model/loss/value', status.loss, step)
      events.addScalar('model/learning_rate', summary.learningRate, step)
      const {mean, stddev} = meanAndStddev(summary.representation)
      events.addScalar('model/representation/mean', mean, step)
      events.addScalar('model/representation/stddev_1', stddev, step)
      if (summary.lastInEpoch) events.addHistogram('model/representation/histogram', summary.representation, step)
    },
    onEpochEnd(state) {
      addReconstruction(events, state)
      events.flush()
    },
    onStop() {
      events.flush()
    },
    onTrainEnd() {
      events.close()
    },
  }
}
