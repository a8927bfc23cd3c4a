// The contract between audeep and a data-set parser: built-in adapters and user modules loaded with
// `--parser ./my-parser.js` implement the same small interface (documented in docs/parsers.md).
//
// A parser only describes a data set (which audio files, their labels, folds and partitions); it never
// reads audio. Its output lands verbatim in the instance metadata of the .nc files `preprocess` writes.

import type {Partition, Split} from '../src/data/dataset.js'

export interface ParsedInstance {
  /** Absolute path of the audio file. */
  readonly path: string
  /** Name stored in the data set's `filename` variable (auDeep conventions differ per parser). */
  readonly filename: string
  readonly labelNominal: string | null
  /** Filled from the label map by parseDataSet when a parser leaves it null but gives a nominal label. */
  readonly labelNumeric: number | null
  /** Exactly `numFolds` entries. */
  readonly cvFolds: readonly Split[]
  readonly partition: Partition | null
}

export interface ParsedDataSet {
  /** Nominal -> numeric label, or null for unlabelled data. */
  readonly labelMap: ReadonlyMap<string, number> | null
  readonly numFolds: number
  /** In the order the instances are to be stored. Must be deterministic. */
  readonly instances: readonly ParsedInstance[]
}

export interface Parser {
  /** Short name used in log messages and by `--parser`. */
  readonly name: string
  /** Cheap check whether the directory has this parser's layout. Must not throw for a foreign layout. */
  canParse(basedir: string): Promise<boolean>
  /** Describes the data set. Throws UserError (naming the offending file) for a broken layout. */
  parse(basedir: string): Promise<ParsedDataSet>
}

/** Settings some parsers need beyond the base directory (given on the command line). */
export interface ParserOptions {
  /** The CSV manifest of the `manifest` parser: a path, relative ones resolved against the working directory. */
  readonly manifest?: string
}

/**
 * How well a directory fits a layout, for the meta parser's detection and its error messages: `problem` is
 * null when the layout fits, else names the first file or folder that does not; `matched` counts the
 * layout's marks that are present (its metadata files, its folders of the right name), so that the parser
 * that came closest can be suggested.
 */
export interface LayoutDiagnosis {
  readonly parser: string
  readonly problem: string | null
  readonly matched: number
}
