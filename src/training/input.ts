// The training data of an autoencoder run: spectrogram data sets read and concatenated.

import {UserError} from '../core/errors.js'
import type {DataSet} from '../data/dataset.js'
import {readDataSet} from '../data/netcdf/reader.js'
import type {TrainingInput} from '../nn/training.js'

/** Reads and concatenates the training files; they must all hold [time, freq] features of one shape. */
export async function loadTrainingInput(files: readonly string[]): Promise<TrainingInput> {
  const sets: DataSet[] = []
  for (const file of files) {
    const ds = await readDataSet(file)
    if (ds.featureShape.length !== 2) {
      throw new UserError(
        `${file}: autoencoders train on 2-D features [time, freq]; this data set has feature dimensions [${ds.featureDims.join(', ')}]`,
      )
    }
    if (sets.length > 0 && ds.featureShape.join('x') !== sets[0].featureShape.join('x')) {
      throw new UserError(
        `${file}: feature shape [${ds.featureShape.join(', ')}] differs from ${files[0]}'s [${sets[0].featureShape.join(', ')}]`,
      )
    }
    if (ds.numInstances === 0) throw new UserError(`${file}: the data set has no instances`)
    if (!allFinite(ds.features)) throw new UserError(`${file}: features contain NaN or infinite values`)
    sets.push(ds)
  }
  // One file's features are used as read; several are concatenated.
  let features = sets[0].features
  if (sets.length > 1) {
    features = new Float32Array(sets.reduce((n, s) => n + s.features.length, 0))
    let offset = 0
    for (const s of sets) {
      features.set(s.features, offset)
      offset += s.features.length
    }
  }
  const [frames, numFeatures] = sets[0].featureShape
  return {
    features,
    numInstances: sets.reduce((n, s) => n + s.numInstances, 0),
    frames,
    numFeatures,
    files: [...files],
    fileSizes: sets.map((s) => s.numInstances),
  }
}

/** True if no value is NaN or infinite (a plain loop: Array.prototype.some's callback costs ~0.1 s on 6 M values). */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    // v - v is NaN for NaN and for either infinity, 0 otherwise.
    if (v - v !== 0) return false
  }
  return true
}
