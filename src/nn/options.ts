// The choices the command line offers for models, training and backends, in a module without
// TensorFlow.js: commands declare their flags with these and import the modules that compute (tfjs, the
// engine, the data readers) only when they run, so that slow start-up work such as the HDF5 probe of the
// input can begin first and proceed while they load. The modules that use them re-export them.

import type {CellType} from './engine/types.js'

/** One recurrent stack: layers x units of a cell type, uni- or bidirectional. */
export interface RnnArchitecture {
  layers: number
  units: number
  bidirectional: boolean
  cell: CellType
}

/**
 * Which of auDeep's t-rae decoders a bidirectional decoder is (a unidirectional one is the same in both):
 * '2017', auDeep's first release (12b52f8, the model of its README tutorial), a FeedPreviousRNN per
 * direction, each with its own tanh projection to the frame size, the backward direction's outputs in
 * processing order; '2018', auDeep since 56ca793 (February 2018), a StandardRNN whose backward direction
 * reads the shifted targets from the end and so has read target t one step before it outputs position t.
 */
export type DecoderVariant = '2017' | '2018'
export const DECODER_VARIANTS: readonly DecoderVariant[] = ['2017', '2018']
/** What checkpoints written before the option existed were trained with. */
export const LEGACY_DECODER_VARIANT: DecoderVariant = '2018'

export type BatchOrder = 'epoch' | 'stream'
export const BATCH_ORDERS: readonly BatchOrder[] = ['epoch', 'stream']

/**
 * How many checkpoints training keeps by default: TensorFlow's Saver default, which auDeep relied on.
 * Each holds the weights and both Adam moments (3 float32 values per parameter), so keeping every epoch's
 * filled gigabytes on long runs.
 */
export const DEFAULT_CHECKPOINTS_TO_KEEP = 5

export const BACKEND_CHOICES = ['auto', 'native', 'wasm', 'cpu', 'tensorflow', 'gpu'] as const
export type BackendChoice = (typeof BACKEND_CHOICES)[number]

export function architecture(layers: number, units: number, bidirectional: boolean, cell: CellType): RnnArchitecture {
  // Boolean(): an unset oclif boolean flag is undefined, which JSON would drop from the checkpoint.
  return {layers, units, bidirectional: Boolean(bidirectional), cell}
}
