// The hyper-parameter grids of heareval's downstream MLP and the order in which it tries them.
// heareval lists every point of a grid (scikit-learn's ParameterGrid: keys sorted, the last key varying
// fastest), shuffles the list with Python's `random` module (seeded with 42 by its default
// --deterministic true) and trains the first --grid-points (8) of them. PythonRandom reproduces CPython's
// Mersenne Twister, seeding and shuffle, so that the same seed picks the same grid points as heareval.

import {UserError} from '../core/errors.js'
import {PythonRandom} from '../python/random.js'

export type HiddenNorm = 'BatchNorm1d' | 'Identity' | 'LayerNorm'
export type Initialization = 'xavier_uniform' | 'xavier_normal'

/** One point of the grid, with heareval's key names. */
export interface HearMlpConfig {
  batch_size: number
  check_val_every_n_epoch: number
  dropout: number
  embedding_norm: 'Identity'
  hidden_dim: number
  hidden_layers: number
  hidden_norm: HiddenNorm
  initialization: Initialization
  lr: number
  max_epochs: number
  norm_after_activation: boolean
  optim: 'Adam'
  patience: number
}

export type HearGrid = {[K in keyof HearMlpConfig]: HearMlpConfig[K][]}
export type GridName = 'default' | 'fast' | 'faster'
export const GRID_NAMES: readonly GridName[] = ['default', 'fast', 'faster']

const DEFAULT_GRID: HearGrid = {
  hidden_layers: [1, 2],
  hidden_dim: [1024],
  dropout: [0.1],
  lr: [3.2e-3, 1e-3, 3.2e-4, 1e-4],
  patience: [20],
  max_epochs: [500],
  check_val_every_n_epoch: [3],
  batch_size: [1024],
  hidden_norm: ['BatchNorm1d'],
  norm_after_activation: [false],
  embedding_norm: ['Identity'],
  initialization: ['xavier_uniform', 'xavier_normal'],
  optim: ['Adam'],
}

/** heareval's TASK_SPECIFIC_PARAM_GRID. */
const TASK_GRIDS: Readonly<Record<string, Partial<HearGrid>>> = {
  dcase2016_task2: {check_val_every_n_epoch: [10]},
}

export function hearGrid(name: GridName, taskName?: string, taskSpecific?: Readonly<Record<string, unknown>> | null): HearGrid {
  const grid: HearGrid = {...DEFAULT_GRID}
  if (name === 'fast') Object.assign(grid, {max_epochs: [10, 50], check_val_every_n_epoch: [3, 10]})
  if (name === 'faster')
    Object.assign(grid, {hidden_layers: [0, 1], hidden_dim: [64, 128], patience: [1, 3], max_epochs: [10], check_val_every_n_epoch: [1]})
  if (taskName !== undefined && taskName in TASK_GRIDS) Object.assign(grid, TASK_GRIDS[taskName])
  if (taskSpecific) {
    for (const [key, values] of Object.entries(taskSpecific)) {
      if (!(key in grid))
        throw new UserError(`task_metadata.json: evaluation_params.task_specific_param_grid sets unknown parameter '${key}'`)
      if (!Array.isArray(values) || values.length === 0)
        throw new UserError(`task_metadata.json: task_specific_param_grid.${key} must be a non-empty list`)
      ;(grid as Record<string, unknown[]>)[key] = values
    }
  }
  return grid
}

/** Every point of the grid in scikit-learn ParameterGrid order. */
export function gridPoints(grid: HearGrid): HearMlpConfig[] {
  const keys = Object.keys(grid).sort() as (keyof HearMlpConfig)[]
  let points: Record<string, unknown>[] = [{}]
  for (const key of keys) {
    const next: Record<string, unknown>[] = []
    for (const p of points) for (const v of grid[key]) next.push({...p, [key]: v})
    points = next
  }
  return points as unknown as HearMlpConfig[]
}

/** The points heareval trains: the grid shuffled by Python's random seeded with `seed`, first `count`. */
export function selectGridPoints(grid: HearGrid, count: number, seed: number): HearMlpConfig[] {
  const points = gridPoints(grid)
  new PythonRandom(seed).shuffle(points)
  return points.slice(0, count)
}

/** What heareval writes for a grid point's torch objects in its score JSON (str() of the class/function). */
export function hparamsJson(config: HearMlpConfig): Record<string, string | number | boolean> {
  const norms: Record<HiddenNorm, string> = {
    BatchNorm1d: "<class 'torch.nn.modules.batchnorm.BatchNorm1d'>",
    Identity: "<class 'torch.nn.modules.linear.Identity'>",
    LayerNorm: "<class 'torch.nn.modules.normalization.LayerNorm'>",
  }
  return {
    ...config,
    embedding_norm: norms[config.embedding_norm],
    hidden_norm: norms[config.hidden_norm],
    initialization: `<function ${config.initialization}_>`,
    optim: "<class 'torch.optim.adam.Adam'>",
  }
}
