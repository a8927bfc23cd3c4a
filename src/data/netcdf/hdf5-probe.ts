// HDF5 can loop forever on some corrupt files (a damaged object header sends h5wasm's WebAssembly into an
// endless loop, which nothing can interrupt on the thread running it). So before the reader opens a
// netCDF-4 file, a worker thread walks everything the reader will touch; if that does not finish in time,
// the worker is terminated and the file reported as unreadable. A file the worker read completely reads the
// same way on the main thread. One worker serves the whole process (HDF5 starts once, ~0.3 s) and does not
// keep the process alive.
//
// A command that knows its input early can start the probe with probeAhead while it loads the rest of its
// code (tfjs, the engine): the worker walks the file and then reads the whole data set as the reader would,
// and sends it over, so neither HDF5's start nor the read costs the main thread anything, and no wall time
// on a machine with a free core. The reader uses that result (takeReadAhead, probeHdf5) only if the file is
// unchanged since (same device, inode, size and times); otherwise, and for every later read, it probes again.

import {statSync} from 'node:fs'
import {Worker} from 'node:worker_threads'

import {UserError} from '../../core/errors.js'
import type {DataSetInit} from '../dataset.js'

/** Features up to 16 M values (64 MB) are read whole by the probe; larger ones by their first and last rows. */
const WHOLE_FEATURE_VALUES = 16 * 1024 * 1024

/** What the main thread asks the worker (hdf5-probe-worker.ts) and what it answers. */
export interface ProbeRequest {
  id: number
  path: string
  /** Features up to this many values are read whole. */
  wholeFeatureValues: number
  /**
   * After a successful walk (which then leaves the features to the read), read the data set and send it
   * back. If that read fails, the walk was incomplete: the asker must probe again before reading.
   */
  read?: boolean
}

export interface ProbeReply {
  id: number
  error?: string
  /** The worker was terminated before answering (another probe hung): ask again. */
  restarted?: boolean
  /** The data set, when asked for and the reader read it (else the asker reads it itself). */
  dataSet?: DataSetInit
}

let worker: Worker | null = null
let nextId = 0

/** Probes sent to the worker so far (tests check that a probe started ahead is used, once, and only for an unchanged file). */
export function probeRequestCount(): number {
  return nextId
}
const waiting = new Map<number, (reply: ProbeReply) => void>()

function probeWorker(): Worker {
  if (worker === null) {
    const created = new Worker(new URL('./hdf5-probe-worker.js', import.meta.url))
    created.on('message', (reply: ProbeReply) => {
      const resolve = waiting.get(reply.id)
      waiting.delete(reply.id)
      resolve?.(reply)
    })
    created.on('error', (error) => {
      // Out of memory on a huge declared size, say: answer every pending probe with the error.
      for (const [id, resolve] of waiting) resolve({id, error: String(error?.message ?? error)})
      waiting.clear()
      if (worker === created) worker = null
    })
    created.on('exit', () => {
      if (worker === created) worker = null
    })
    // After the listeners, which would otherwise keep the process alive.
    created.unref()
    worker = created
  }
  return worker
}

/**
 * Seconds the probe may take: AUDEEP_HDF5_TIMEOUT if set, else 30 s plus a second per 20 MB (reading
 * features at 20 MB/s on a slow disk).
 */
function timeLimit(path: string): number {
  const configured = Number(process.env.AUDEEP_HDF5_TIMEOUT)
  if (configured > 0) return configured
  const size = statSync(path, {throwIfNoEntry: false})?.size ?? 0
  return 30 + size / 20e6
}

/** What identifies the file's contents for reusing a probe: device, inode, size, modification and change times. */
function fileIdentity(path: string): string | undefined {
  const s = statSync(path, {bigint: true, throwIfNoEntry: false})
  return s === undefined ? undefined : `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
}

/** What a probe started ahead found. */
export interface AheadResult {
  /** The data set, if the worker was asked to read it and did. */
  dataSet?: DataSetInit
  /** The file was walked as probeHdf5 walks it (false: a read ahead failed, and its walk left out the features). */
  walked: boolean
}

interface AheadProbe {
  identity: string
  result: Promise<AheadResult>
  /** Lets the probe's time limit keep the process alive, once someone waits for it. */
  hold(): void
}

/** Probes started by probeAhead, by path, until probeHdf5 takes them. */
const ahead = new Map<string, AheadProbe>()

/**
 * Starts probing `path` now, and with `read` reading the whole data set too (for a command that reads it
 * whole: the worker holds it all), for a read of the same path later (a netCDF-4 file only; the caller
 * checks). Nothing is reported here: a failure is the later read's to throw. Until then the probe does not
 * keep the process alive, so a command that fails for another reason first exits at once.
 */
export function probeAhead(path: string, read: boolean): void {
  const identity = fileIdentity(path)
  if (identity === undefined || ahead.has(path)) return
  const keepAlive = {held: false, timer: undefined as NodeJS.Timeout | undefined}
  const result = runProbe(path, keepAlive, read).then((dataSet) => ({dataSet, walked: !read || dataSet !== undefined}))
  const entry: AheadProbe = {
    identity,
    result,
    hold: () => {
      keepAlive.held = true
      keepAlive.timer?.ref()
    },
  }
  ahead.set(path, entry)
  // Errors are reported when taken. One not taken within a minute (a command that failed before reading,
  // in the REPL) is dropped with the data set it holds.
  const drop = (): void => {
    setTimeout(() => {
      if (ahead.get(path) === entry) ahead.delete(path)
    }, AHEAD_LIFETIME_MS).unref()
  }
  result.then(drop, drop)
}

const AHEAD_LIFETIME_MS = 60_000

/**
 * Resolves when `path` can be read without hanging; throws a UserError naming the file when reading it
 * fails (with HDF5's innermost reason) or does not finish in time.
 */
export async function probeHdf5(path: string): Promise<void> {
  const early = takeReadAhead(path)
  if (early === undefined || !(await early).walked) await runProbe(path, {held: true, timer: undefined}, false)
}

/**
 * The probe started ahead for `path`, if there is one and the file is unchanged since: it resolves to what
 * it found, or throws what probeHdf5 would. Taken once. If it resolves with walked false (the worker's read
 * failed), the file is not probed: read it after probeHdf5 (which reports the failure).
 */
export function takeReadAhead(path: string): Promise<AheadResult> | undefined {
  const early = ahead.get(path)
  if (early === undefined) return undefined
  ahead.delete(path)
  if (early.identity !== fileIdentity(path)) return undefined
  early.hold()
  return early.result
}

async function runProbe(
  path: string,
  keepAlive: {held: boolean; timer: NodeJS.Timeout | undefined},
  read: boolean,
): Promise<DataSetInit | undefined> {
  const limit = timeLimit(path)
  // A probe that was waiting behind another file's endless loop is asked again of a fresh worker.
  for (let attempt = 0; attempt < 3; attempt++) {
    const id = nextId++
    const w = probeWorker()
    let timer: NodeJS.Timeout | undefined
    const reply = await new Promise<ProbeReply | 'timeout'>((resolve) => {
      waiting.set(id, resolve)
      timer = setTimeout(() => resolve('timeout'), limit * 1000)
      keepAlive.timer = timer
      if (!keepAlive.held) timer.unref()
      const request: ProbeRequest = {id, path, wholeFeatureValues: WHOLE_FEATURE_VALUES, read}
      w.postMessage(request)
    }).finally(() => clearTimeout(timer))
    if (reply !== 'timeout') {
      if (reply.restarted) continue
      // The reader must not go on after an error: touching the same damage in another order can loop.
      if (reply.error !== undefined) {
        // Imported here: the probe starts before the main thread has loaded HDF5.
        const {hdfReason} = await import('./hdf5.js')
        throw new UserError(`${path}: not a readable netCDF-4/HDF5 file (${hdfReason(reply.error)})`)
      }
      return reply.dataSet
    }
    waiting.delete(id)
    if (worker === w) worker = null
    for (const [other, resolve] of waiting) resolve({id: other, restarted: true})
    waiting.clear()
    await w.terminate()
    throw new UserError(`${path}: not a readable netCDF-4/HDF5 file (reading its structure did not finish in ${Math.round(limit)} s)`)
  }
}
