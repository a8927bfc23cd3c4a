// Checkpointing a training run, as a training callback: after every epoch and when training is stopped,
// keeping only the newest (5 unless told otherwise).

import {pruneCheckpoints, saveCheckpoint} from '../nn/checkpoint.js'
import type {TrainingCallback, TrainingState} from '../nn/training.js'

export interface CheckpointCallback extends TrainingCallback {
  /** The path of the checkpoint written last ('' before the first). */
  readonly latest: string
}

export function checkpointCallback(
  logDir: string,
  keep: number | 'all' | undefined,
  onSaved?: (path: string, state: TrainingState) => void,
): CheckpointCallback {
  let latest = ''
  const save = async (state: TrainingState): Promise<void> => {
    const {config, hyperParameters, progress, model, adam} = state
    latest = await saveCheckpoint(logDir, {config, hyperParameters, progress}, model.params.variables, adam)
    pruneCheckpoints(logDir, keep)
    onSaved?.(latest, state)
  }
  return {
    get latest() {
      return latest
    },
    onEpochEnd: save,
    onStop: save,
  }
}
