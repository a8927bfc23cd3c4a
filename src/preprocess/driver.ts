// The preprocessing driver: audio files of a parsed data set -> a spectrogram data set on disk.
//
// Files are decoded and transformed in parallel by a pool of worker threads; results come back in any
// order and are appended to the streaming netCDF writer strictly in input order. At most `window` files
// are in flight or waiting to be written, so memory stays bounded whatever the data set's size.

import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {UserError} from '../core/errors.js'
import {getLogger, type Logger} from '../core/log.js'
import type {InstanceMeta, LabelMap, Partition, Split} from '../data/dataset.js'
import {createDataSetWriter, schemaFor, type DataSetWriter} from '../data/netcdf/index.js'
import {augmentedFilename} from './augment.js'
import {chunksPerFile, processFile, validatePreprocessOptions, type FileResult, type PreprocessOptions} from './process-file.js'
import type {WorkerReply, WorkerTask} from './worker.js'
import {checkInterrupted} from '../core/interrupt.js'

export type {MelAvgsPreprocessOptions, PreprocessOptions, SpectrogramPreprocessOptions} from './process-file.js'

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
  /**
   * Worker threads. Default: one fewer than os.availableParallelism(), with the calling thread processing
   * files too between its writes (one thread per core, one V8 instance fewer: less memory and start-up).
   * 0 processes the files on the calling thread only.
   */
  workers?: number
  /** Files in flight or awaiting their turn to be written; default 4 per worker. */
  window?: number
  /** Called after each file's instances have been written. */
  onProgress?: (filesDone: number, filesTotal: number) => void
  logger?: Logger
  /** Leave out files that cannot be processed (bad input) instead of stopping; they are listed in the summary. */
  skipErrors?: boolean
  /**
   * Process only files [start, end) of the input (one shard of a sharded run). Their instances are exactly
   * those a full run writes for these files, so the shard outputs concatenated in order equal a full run.
   */
  fileRange?: {start: number; end: number}
}

export interface PreprocessSummary {
  files: number
  instances: number
  /** [time, freq] for spectrograms, [bands] for mel averages. */
  featureShape: number[]
  featureDims: string[]
  /** Augmented copies written (instances of copies, not counting originals). */
  augmentedInstances: number
  sampleRate: number
  /** Total duration of the decoded audio in seconds (before fixed length). */
  audioSeconds: number
  elapsedSeconds: number
  /** Files left out with skipErrors, with the reason. */
  skipped: {path: string; reason: string}[]
}

/** Augmented copies the file gets: all files, or only those in the selected partitions. */
function copiesFor(item: PreprocessItem, options: PreprocessOptions): number {
  if (options.frontEnd === 'mel-avgs' || options.augment == null) return 0
  const {partitions, copies} = options.augment
  if (partitions == null) return copies
  return item.partition !== null && partitions.includes(item.partition) ? copies : 0
}

/**
 * The instances of each file, in the order they are written: chunks 0..c-1 of the original, then the same
 * chunks of each augmented copy (filename suffixed `.aug<k>`, all other metadata the original's).
 */
function fileInstances(item: PreprocessItem, chunks: number, copies: number): InstanceMeta[] {
  const metas: InstanceMeta[] = []
  for (let k = 0; k <= copies; k++) {
    const filename = k === 0 ? item.filename : augmentedFilename(item.filename, k)
    for (let c = 0; c < chunks; c++) {
      metas.push({
        filename,
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

/**
 * Tasks queued per worker: the one it works on and the next, so that it never waits for the calling
 * thread (busy with a file of its own) to hand it more work. The worker runs them one at a time.
 */
const TASKS_PER_WORKER = 2

/** Runs tasks on a pool of workers and hands results back through a callback, in completion order. */
class WorkerPool {
  private readonly workers: Worker[] = []
  /** Tasks sent to each worker and not yet answered. */
  private readonly queued = new Map<Worker, number>()
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
      this.queued.set(worker, 0)
    }
  }

  onFailure(handler: (error: Error) => void): void {
    this.failed = handler
  }

  /** The least busy worker with room for another task (counted as sent), if any. */
  takeIdle(): Worker | undefined {
    let best: Worker | undefined
    let least = TASKS_PER_WORKER
    for (const worker of this.workers) {
      const n = this.queued.get(worker)!
      if (n < least) {
        least = n
        best = worker
      }
    }
    if (best !== undefined) this.queued.set(best, least + 1)
    return best
  }

  release(worker: Worker): void {
    this.queued.set(worker, Math.max(0, this.queued.get(worker)! - 1))
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
export async function preprocess(
  fullInput: PreprocessInput,
  options: PreprocessOptions,
  run: PreprocessRunOptions,
): Promise<PreprocessSummary> {
  validatePreprocessOptions(options)
  const range = run.fileRange ?? {start: 0, end: fullInput.instances.length}
  if (!(
    Number.isInteger(range.start) &&
    Number.isInteger(range.end) &&
    range.start >= 0 &&
    range.start <= range.end &&
    range.end <= fullInput.instances.length
  )) {
    throw new Error(`file range [${range.start}, ${range.end}) is not within the ${fullInput.instances.length} files`)
  }
  if (range.start === range.end && fullInput.instances.length > 0) {
    throw new UserError(`this shard has no files: the data set has only ${fullInput.instances.length} file(s); use fewer shards`)
  }
  const input: PreprocessInput = {...fullInput, instances: fullInput.instances.slice(range.start, range.end)}
  if (options.frontEnd !== 'mel-avgs' && options.augment?.partitions != null && input.instances.some((i) => i.partition === null)) {
    throw new UserError('augmenting only some partitions needs a data set with partition information for every file')
  }
  const logger = run.logger ?? getLogger('audeep.preprocess')
  const started = performance.now()
  const total = input.instances.length
  if (total === 0) throw new UserError('the data set has no audio files')
  const chunks = chunksPerFile(options)
  const copies = input.instances.map((item) => copiesFor(item, options))
  const perFile = input.instances.map((item, i) => fileInstances(item, chunks, copies[i]))
  const metas = perFile.flat()
  const tasks = copies.map((c, i) => ({fileIndex: range.start + i, copies: c}))
  const mainHelps = run.workers === undefined && availableParallelism() > 1
  const requested = run.workers ?? availableParallelism() - 1
  const workerCount = Math.max(0, Math.min(requested, total))
  const window = Math.max(1, run.window ?? 4 * Math.max(1, workerCount + (mainHelps ? 1 : 0)))

  let writer: DataSetWriter | null = null
  // Kept so that a failure elsewhere while the writer is being created can still remove its file.
  let writerCreation: Promise<DataSetWriter> | null = null
  let first: {shape: number[]; dims: string[]; sampleRate: number; filename: string} | null = null
  let audioSeconds = 0
  let augmentedInstances = 0
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
    const shape = result.featureShape
    if (first === null) {
      first = {shape, dims: result.featureDims, sampleRate: result.sampleRate, filename: item.filename}
      writerCreation = createDataSetWriter(
        run.output,
        schemaFor(metas, {featureDims: result.featureDims, featureShape: shape, numFolds: input.numFolds, labelMap: input.labelMap}),
      )
      writer = await writerCreation
    } else {
      if (result.sampleRate !== first.sampleRate) {
        throw new UserError(
          `${item.path}: sample rate ${result.sampleRate} Hz differs from ${first.sampleRate} Hz of ${first.filename}; ` +
            'resample with --sample-rate',
        )
      }
      if (shape.join('x') !== first.shape.join('x')) {
        throw new UserError(
          `${item.path}: spectrogram of ${shape.join(' x ')} (${result.featureDims.join(' x ')}) differs from ${first.shape.join(' x ')} ` +
            `of ${first.filename}; files of different length need --fixed-length`,
        )
      }
    }
    if (result.chunks.length !== chunks) throw new Error(`${item.path}: ${result.chunks.length} chunks, expected ${chunks}`)
    if (result.copies.length !== copies[index])
      throw new Error(`${item.path}: ${result.copies.length} augmented copies, expected ${copies[index]}`)
    const fileMetas = perFile[index]
    const w = writer as DataSetWriter | null
    for (let c = 0; c < chunks; c++) w!.append(fileMetas[c], result.chunks[c])
    result.copies.forEach((copy, k) => {
      if (copy.length !== chunks) throw new Error(`${item.path}: augmented copy ${k + 1} has ${copy.length} chunks, expected ${chunks}`)
      for (let c = 0; c < chunks; c++) w!.append(fileMetas[(k + 1) * chunks + c], copy[c])
    })
    augmentedInstances += result.copies.length * chunks
    audioSeconds += result.duration
  }

  try {
    if (workerCount === 0) {
      for (let i = 0; i < total; i++) {
        checkInterrupted()
        await write(
          i,
          await processFile(input.instances[i].path, options, tasks[i]).catch((e: unknown) => {
            if (run.skipErrors && e instanceof UserError) return e
            throw e
          }),
        )
        run.onProgress?.(i + 1, total)
      }
    } else {
      await runPool(input, tasks, options, workerCount, window, write, run.onProgress, Boolean(run.skipErrors), mainHelps)
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
  const done = first as {shape: number[]; dims: string[]; sampleRate: number} | null
  return {
    files: total,
    instances: (writer as DataSetWriter | null)!.count,
    featureShape: done!.shape,
    featureDims: done!.dims,
    augmentedInstances,
    sampleRate: done!.sampleRate,
    audioSeconds,
    elapsedSeconds: (performance.now() - started) / 1000,
    skipped,
  }
}

async function runPool(
  input: PreprocessInput,
  tasks: readonly {fileIndex: number; copies: number}[],
  options: PreprocessOptions,
  workerCount: number,
  window: number,
  write: (index: number, result: FileResult | UserError) => Promise<void>,
  onProgress: ((done: number, total: number) => void) | undefined,
  skipErrors: boolean,
  mainHelps: boolean,
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

  const onReply = (reply: WorkerReply): void => {
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
  }
  const pool = new WorkerPool(workerCount, options, (reply, worker) => {
    pool.release(worker)
    onReply(reply)
  })
  pool.onFailure(fail)

  // The calling thread as one more worker: it takes a file when it is idle and has no result to write.
  let mainBusy = !mainHelps
  const runOnMain = (task: WorkerTask): void => {
    mainBusy = true
    setImmediate(() => {
      processFile(task.path, options, task)
        .then(
          (result) => onReply({index: task.index, ok: true, result}),
          (error: unknown) => {
            const e = error instanceof Error ? error : new Error(String(error))
            onReply({index: task.index, ok: false, message: e.message, userError: e instanceof UserError, stack: e.stack})
          },
        )
        .finally(() => {
          mainBusy = false
          if (!settled) pump()
        })
    })
  }

  const pump = (): void => {
    let worker: Worker | undefined
    while (nextDispatch < total && nextDispatch < nextWrite + window && (worker = pool.takeIdle()) !== undefined) {
      const task: WorkerTask = {index: nextDispatch, path: input.instances[nextDispatch].path, ...tasks[nextDispatch]}
      worker.postMessage(task)
      nextDispatch++
    }
    if (!mainBusy && nextDispatch < total && nextDispatch < nextWrite + window) {
      runOnMain({index: nextDispatch, path: input.instances[nextDispatch].path, ...tasks[nextDispatch]})
      nextDispatch++
    }
  }

  // Writes every result that is next in line; only one drain runs at a time because writes are async.
  const drain = async (): Promise<void> => {
    if (writing) return
    writing = true
    try {
      while (!settled && ready.has(nextWrite)) {
        // Ctrl-C in the interactive shell: stop here; the partial output is removed like on any error.
        checkInterrupted()
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
