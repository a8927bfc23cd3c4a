// auDeep's TensorBoard summaries of a training run, as a training callback: per step the loss, the
// learning rate and the representation's mean and standard deviation, its histogram at the end of each
// epoch, and after each epoch the reconstruction of a fixed instance as an image in auDeep's layout. All
// are logged at the step numbers the scalars use (0 for the first batch).

import * as tf from '../nn/tf.js'

import {Random} from '../core/random.js'
import {EventFileWriter} from '../formats/tfevents.js'
import {gatherBatch, type TrainingCallback, type TrainingState} from '../nn/training.js'
import {encodePng} from '../plot/png.js'

/**
 * auDeep's `targets_vs_reconstruction` image: targets and reconstruction concatenated along the feature axis
 * and shown as TensorBoard shows a [T, 2F] float image: one row per frame (time runs down the image), the
 * target's bands then the reconstruction's side by side, scaled as tf.summary.image scales float images
 * (largest magnitude to 127 around 128 when there are negative values, else largest value to 255; truncated).
 */
export function reconstructionImage(
  targets: Float32Array,
  reconstruction: Float32Array,
  frames: number,
  bands: number,
): {png: Buffer; width: number; height: number; pixels: Uint8Array} {
  const width = 2 * bands
  const height = frames
  let min = Infinity
  let max = -Infinity
  for (const values of [targets, reconstruction]) {
    for (let i = 0; i < frames * bands; i++) {
      min = Math.min(min, values[i])
      max = Math.max(max, values[i])
    }
  }
  const ZERO = 1e-6
  let scale: number
  let offset: number
  if (min < 0) {
    const largest = Math.max(Math.abs(min), Math.abs(max))
    scale = largest < ZERO ? 0 : 127 / largest
    offset = 128
  } else {
    scale = max < ZERO ? 0 : 255 / max
    offset = 0
  }
  const pixels = new Uint8Array(width * height)
  for (let t = 0; t < frames; t++) {
    for (let f = 0; f < bands; f++) {
      pixels[t * width + f] = Math.trunc(targets[t * bands + f] * scale + offset)
      pixels[t * width + bands + f] = Math.trunc(reconstruction[t * bands + f] * scale + offset)
    }
  }
  return {png: encodePng(width, height, 1, pixels), width, height, pixels}
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
function addReconstruction(events: EventFileWriter, {model, input, progress, hyperParameters}: TrainingState): void {
  tf.tidy(() => {
    const sample = gatherBatch(input.features, input.frames * input.numFeatures, input.frames, input.numFeatures, [0])
    // Decoded as trained: a decoder fed its own outputs would look better teacher-forced than it is.
    const {feedPreviousProb, timeFeedPreviousProb} = hyperParameters
    const noise = {keepProb: 1, encoderNoise: 0, feedPreviousProb, timeFeedPreviousProb}
    const {targets, reconstruction} = model.forward(sample, noise, new Random(0))
    const image = reconstructionImage(
      targets.dataSync() as Float32Array,
      reconstruction.dataSync() as Float32Array,
      input.frames,
      input.numFeatures,
    )
    // At the step of the epoch's last batch, numbered like the scalars (from 0).
    events.addImage('model/reconstruction/targets_vs_reconstruction/image/0', image.png, image.height, image.width, progress.step - 1)
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
