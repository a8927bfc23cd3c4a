// The preprocessing driver: audio files of a parsed data set -> a spectrogram data set on disk.
//
// Files are decoded and transformed in parallel by a pool of worker threads; results come back in any
// order and are appended to the streaming netCDF writer strictly in input order. At most `window` files
// are in flight or waiting to be written, so memory stays bounded whatever the data set's size.

import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {UserError} from '../cli/errors.js'
import {getLogger, type Logger} from '../cli/log.js'
import type {InstanceMeta, LabelMap, Partition, Split} from '../data/dataset.js'
import {createDataSetWriter, schemaFor, type DataSetWriter} from '../data/netcdf.js'
import {validateSpectrogramOptions} from '../dsp/spectrogram.js'
import {processFile, type FileResult, type PreprocessOptions} from './process-file.js'
import type {WorkerReply, WorkerTask} from './worker.js'

export type {PreprocessOptions} from './process-file.js'

/** One audio file and the metadata its instances get (a parser's ParsedInstance fits). */
export interface PreprocessItem {
  readonly path: string
  readonly filename: string
  readonly labelNominal: string | null
  readonly labelNumeric: number | null
  readonly cvFolds: readonly (Split | null)[]
  readonly partition: Partition | null
}

export interface PreprocessInput {
  readonly instances: readonly PreprocessItem[]
  readonly labelMap: LabelMap | null
  readonly numFolds: number
}

export interface PreprocessRunOptions {
  /** Output .nc path (written to a temporary name and renamed when complete). */
  output: string
  /** Worker threads; default os.availableParallelism(). 0 processes the files on the calling thread. */
  workers?: number
  /** Files in flight or awaiting their turn to be written; default 4 per worker. */
  window?: number
  /** Called after each file's instances have been written. */
  onProgress?: (filesDone: number, filesTotal: number) => void
  logger?: Logger
  /** Leave out files that cannot be processed (bad input) instead of stopping; they are listed in the summary. */
  skipErrors?: boolean
}

export interface PreprocessSummary {
  files: number
  instances: number
  featureShape: [number, number]
  sampleRate: number
  /** Total duration of the decoded audio in seconds (before fixed length). */
  audioSeconds: number
  elapsedSeconds: number
  /** Files left out with skipErrors, with the reason. */
  skipped: {path: string; reason: string}[]
}

/** How many instances each file yields. */
function chunksPerFile(options: PreprocessOptions): number {
  return options.chunkCount ?? 1
}

function instanceMetas(input: PreprocessInput, chunks: number): InstanceMeta[] {
  const metas: InstanceMeta[] = []
  for (const item of input.instances) {
    for (let c = 0; c < chunks; c++) {
      metas.push({
        filename: item.filename,
        chunkNr: c,
        labelNominal: item.labelNominal,
        labelNumeric: item.labelNumeric,
        cvFolds: item.cvFolds,
        partition: item.partition,
      })
    }
  }
  return metas
}

/** Runs tasks on a pool of workers and hands results back through a callback, in completion order. */
class WorkerPool {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private failed: ((error: Error) => void) | null = null

  constructor(size: number, options: PreprocessOptions, onReply: (reply: WorkerReply, worker: Worker) => void) {
    const url = new URL('./worker.js', import.meta.url)
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, {workerData: {options}})
      worker.on('message', (reply: WorkerReply) => onReply(reply, worker))
      worker.on('error', (error) => this.failed?.(error))
      worker.on('exit', (code) => {
        if (code !== 0) this.failed?.(new Error(`preprocessing worker exited with code ${code}`))
      })
      this.workers.push(worker)
      this.idle.push(worker)
    }
  }

  onFailure(handler: (error: Error) => void): void {
    this.failed = handler
  }

  takeIdle(): Worker | undefined {
    return this.idle.pop()
  }

  release(worker: Worker): void {
    this.idle.push(worker)
  }

  async terminate(): Promise<void> {
    this.failed = null
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/**
 * Computes the spectrograms of all files and writes them as one data set, instances in input order
 * (chunks of a file consecutively, chunk_nr 0, 1, ...). On any error the partial output is removed and
 * the error (a UserError naming the file for bad input) is rethrown.
 */
export async function preprocess(input: PreprocessInput, options: PreprocessOptions, run: PreprocessRunOptions): Promise<PreprocessSummary> {
  validateSpectrogramOptions(options)
  if (options.sampleRate != null && !(Number.isInteger(options.sampleRate) && options.sampleRate > 0)) {
    throw new UserError(`sample rate must be a positive integer, got ${options.sampleRate}`)
  }
  const logger = run.logger ?? getLogger('audeep.preprocess')
  const started = performance.now()
  const total = input.instances.length
  if (total === 0) throw new UserError('the data set has no audio files')
  const chunks = chunksPerFile(options)
  const metas = instanceMetas(input, chunks)
  const requested = run.workers ?? availableParallelism()
  const workerCount = Math.max(0, Math.min(requested, total))
  const window = Math.max(1, run.window ?? 4 * Math.max(1, workerCount))

  let writer: DataSetWriter | null = null
  // Kept so that a failure elsewhere while the writer is being created can still remove its file.
  let writerCreation: Promise<DataSetWriter> | null = null
  let first: {shape: [number, number]; sampleRate: number; filename: string} | null = null
  let audioSeconds = 0
  const seenWarnings = new Map<string, number>()

  const skipped: {path: string; reason: string}[] = []
  const skip = (index: number, error: unknown): void => {
    if (!(run.skipErrors && error instanceof UserError)) throw error
    skipped.push({path: input.instances[index].path, reason: error.message})
    logger.warn(`skipping: ${error.message}`)
  }

  const write = async (index: number, result: FileResult | UserError): Promise<void> => {
    if (result instanceof UserError) return skip(index, result)
    try {
      await writeFile(index, result)
    } catch (error) {
      skip(index, error)
    }
  }

  const writeFile = async (index: number, result: FileResult): Promise<void> => {
    const item = input.instances[index]
    for (const warning of result.warnings) {
      const seen = seenWarnings.get(warning) ?? 0
      seenWarnings.set(warning, seen + 1)
      if (seen === 0) logger.warn(`${item.filename}: ${warning}`)
      else logger.debug(`${item.filename}: ${warning}`)
    }
    const shape: [number, number] = [result.timeSteps, result.freqBands]
    if (first === null) {
      first = {shape, sampleRate: result.sampleRate, filename: item.filename}
      writerCreation = createDataSetWriter(
        run.output,
        schemaFor(metas, {featureDims: ['time', 'freq'], featureShape: shape, numFolds: input.numFolds, labelMap: input.labelMap}),
      )
      writer = await writerCreation
    } else {
      if (result.sampleRate !== first.sampleRate) {
        throw new UserError(
          `${item.path}: sample rate ${result.sampleRate} Hz differs from ${first.sampleRate} Hz of ${first.filename}; ` +
            'resample with --sample-rate',
        )
      }
      if (shape[0] !== first.shape[0] || shape[1] !== first.shape[1]) {
        throw new UserError(
          `${item.path}: spectrogram of ${shape[0]} x ${shape[1]} (time x freq) differs from ${first.shape[0]} x ${first.shape[1]} ` +
            `of ${first.filename}; files of different length need --fixed-length`,
        )
      }
    }
    if (result.chunks.length !== chunks) throw new Error(`${item.path}: ${result.chunks.length} chunks, expected ${chunks}`)
    for (let c = 0; c < chunks; c++) writer!.append(metas[index * chunks + c], result.chunks[c])
    audioSeconds += result.duration
  }

  try {
    if (workerCount === 0) {
      for (let i = 0; i < total; i++) {
        await write(i, await processFile(input.instances[i].path, options).catch((e: unknown) => {
          if (run.skipErrors && e instanceof UserError) return e
          throw e
        }))
        run.onProgress?.(i + 1, total)
      }
    } else {
      await runPool(input, options, workerCount, window, write, run.onProgress, Boolean(run.skipErrors))
    }
    if (writer === null) throw new UserError(`none of the ${total} audio files could be processed`)
    await (writer as DataSetWriter).close()
  } catch (error) {
    const pending = writerCreation as Promise<DataSetWriter> | null
    const created = writer ?? (pending === null ? null : await pending.catch(() => null))
    ;(created as DataSetWriter | null)?.abort()
    throw error
  }
  for (const [warning, count] of seenWarnings) {
    if (count > 1) logger.info(`${count} files: ${warning}`)
  }
  const done = first as {shape: [number, number]; sampleRate: number} | null
  return {
    files: total,
    instances: metas.length,
    featureShape: done!.shape,
    sampleRate: done!.sampleRate,
    audioSeconds,
    elapsedSeconds: (performance.now() - started) / 1000,
    skipped,
  }
}

async function runPool(
  input: PreprocessInput,
  options: PreprocessOptions,
  workerCount: number,
  window: number,
  write: (index: number, result: FileResult | UserError) => Promise<void>,
  onProgress: ((done: number, total: number) => void) | undefined,
  skipErrors: boolean,
): Promise<void> {
  const total = input.instances.length
  let nextDispatch = 0
  let nextWrite = 0
  const ready = new Map<number, FileResult | UserError>()
  let writing = false
  let settled = false

  let resolve!: () => void
  let reject!: (error: unknown) => void
  const finished = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  const fail = (error: unknown): void => {
    if (settled) return
    settled = true
    reject(error)
  }

  const pool = new WorkerPool(workerCount, options, (reply, worker) => {
    pool.release(worker)
    if (settled) return
    if (!reply.ok) {
      const error = reply.userError ? new UserError(reply.message) : Object.assign(new Error(reply.message), {stack: reply.stack})
      if (skipErrors && error instanceof UserError) {
        ready.set(reply.index, error)
        void drain()
        return
      }
      fail(error)
      return
    }
    ready.set(reply.index, reply.result)
    void drain()
  })
  pool.onFailure(fail)

  const pump = (): void => {
    let worker: Worker | undefined
    while (nextDispatch < total && nextDispatch < nextWrite + window && (worker = pool.takeIdle()) !== undefined) {
      const task: WorkerTask = {index: nextDispatch, path: input.instances[nextDispatch].path}
      worker.postMessage(task)
      nextDispatch++
    }
  }

  // Writes every result that is next in line; only one drain runs at a time because writes are async.
  const drain = async (): Promise<void> => {
    if (writing) return
    writing = true
    try {
      while (!settled && ready.has(nextWrite)) {
        const result = ready.get(nextWrite)!
        ready.delete(nextWrite)
        await write(nextWrite, result)
        nextWrite++
        onProgress?.(nextWrite, total)
      }
    } catch (error) {
      fail(error)
    } finally {
      writing = false
    }
    if (settled) return
    if (nextWrite === total) {
      settled = true
      resolve()
      return
    }
    pump()
    // A reply may have arrived while this drain was writing.
    if (ready.has(nextWrite)) void drain()
  }

  pump()
  try {
    await finished
  } finally {
    await pool.terminate()
  }
}
