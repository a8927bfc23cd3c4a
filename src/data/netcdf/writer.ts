// Writing an auDeep data set as netCDF-4: a streaming writer that buffers appended instances and writes
// them in blocks (bounded memory), into a temporary sibling that close() moves into place.

import * as h5 from 'h5wasm/node'

import {UserError} from '../../core/errors.js'
import {checkInterrupted} from '../../core/interrupt.js'
import type {DataSet, InstanceMeta} from '../dataset.js'
import {temporarySibling} from './commit.js'
import {h5ready, hdfReason} from './hdf5.js'
import {createLayout, type Row} from './layout.js'
import {checkInstance, type DataSetSchema, schemaFor} from './schema.js'

export interface DataSetWriter {
  readonly path: string
  /** Instances appended so far. */
  readonly count: number
  append(meta: InstanceMeta, features: Float32Array): void
  /** Flushes, closes and moves the file into place. */
  close(): Promise<void>
  /** Removes the partial file. */
  abort(): void
}

const FLUSH_BYTES = 8 * 1024 * 1024

/**
 * Opens a streaming writer: instances are appended one at a time along an unlimited `instance`
 * dimension and flushed in blocks, so memory stays bounded whatever the data set's size. The file is
 * written under a temporary name and renamed into place by close().
 */
export async function createDataSetWriter(path: string, schema: DataSetSchema): Promise<DataSetWriter> {
  const h5m = await h5ready()
  const target = temporarySibling(path)
  let file: h5.File
  try {
    file = new h5.File(target.tempPath, 'w', {track_order: true})
    if (file.file_id < 0n) throw new Error('HDF5 could not create the file')
  } catch (error) {
    target.discard()
    throw writeFailure(path, error)
  }
  const featureSize = schema.featureShape.reduce((a, b) => a * b, 1)

  try {
    const writeRows = createLayout(file, h5m, schema)

    // Pending rows, flushed in blocks.
    let written = 0
    let pending: Row[] = []
    let pendingBytes = 0
    let closed = false

    const flush = (): void => {
      if (pending.length === 0) return
      writeRows(written, pending)
      written += pending.length
      pending = []
      pendingBytes = 0
    }

    const abort = (): void => {
      if (closed) return
      closed = true
      try {
        file.close()
      } catch {
        // The file is being discarded anyway.
      }
      target.discard()
    }

    return {
      path,
      get count() {
        return written + pending.length
      },
      append(meta: InstanceMeta, features: Float32Array) {
        if (closed) throw new Error('writer is closed')
        checkInstance(schema, meta, features, featureSize)
        // Copy: callers commonly reuse their buffers.
        pending.push({meta, features: Float32Array.from(features)})
        pendingBytes += features.byteLength
        if (pendingBytes >= FLUSH_BYTES) {
          try {
            flush()
          } catch (error) {
            abort()
            throw writeFailure(path, error)
          }
        }
      },
      async close() {
        if (closed) throw new Error('writer is closed')
        try {
          flush()
          closed = true
          file.close()
          // Interrupted while writing: the output is not moved into place.
          checkInterrupted()
          target.commit()
        } catch (error) {
          closed = false
          abort()
          throw writeFailure(path, error)
        }
      },
      abort,
    }
  } catch (error) {
    try {
      file.close()
    } catch {
      // Already failing.
    }
    target.discard()
    throw error
  }
}

/**
 * One line for a failed write: a full disk or another I/O error by its errno (HDF5 buries "No space left on
 * device" in a long error stack), anything else with HDF5's innermost reason. User errors (an interruption)
 * pass unchanged.
 */
function writeFailure(path: string, error: unknown): unknown {
  if (error instanceof UserError) return error
  const text = String((error as Error)?.message ?? error)
  const code = (error as NodeJS.ErrnoException)?.code
  if (code === 'ENOSPC' || /No space left on device/i.test(text)) {
    return new UserError(`${path}: cannot write (ENOSPC: no space left on device)`, {cause: error})
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new UserError(`${path}: cannot write (${code})`, {cause: error})
  const errno = /errno = (\d+), error message = '([^']+)'/.exec(text)
  if (errno) return new UserError(`${path}: cannot write (${errno[2]})`, {cause: error})
  return new UserError(`${path}: could not be written (${hdfReason(error)})`, {cause: error})
}

/** Writes a whole in-memory data set (atomically). */
export async function writeDataSet(path: string, ds: DataSet): Promise<void> {
  const writer = await createDataSetWriter(path, schemaFor(ds.instances, ds))
  try {
    for (let i = 0; i < ds.numInstances; i++) writer.append(ds.instances[i], ds.instanceFeatures(i))
  } catch (error) {
    writer.abort()
    throw error
  }
  await writer.close()
}
