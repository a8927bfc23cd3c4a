// Worker thread of the preprocessing pool: receives {index, path}, answers with the file's chunks
// (their buffers transferred, not copied) or with the error.

import {parentPort, workerData} from 'node:worker_threads'
import {UserError} from '../core/errors.js'
import {processFile, type FileTask, type PreprocessOptions} from './process-file.js'

export interface WorkerTask extends FileTask {
  /** Position in the driver's (shard's) file list, for ordering. */
  index: number
  path: string
}

export type WorkerReply =
  | {index: number; ok: true; result: Awaited<ReturnType<typeof processFile>>}
  | {index: number; ok: false; message: string; userError: boolean; stack?: string}

const options = (workerData as {options: PreprocessOptions}).options
const port = parentPort!

// The driver keeps a second task queued here; tasks run one at a time, in arrival order (processFile
// reuses its decoding buffers from file to file, so two files must not interleave).
let queue: Promise<void> = Promise.resolve()

port.on('message', (task: WorkerTask) => {
  queue = queue.then(() => run(task))
})

async function run(task: WorkerTask): Promise<void> {
  try {
    const result = await processFile(task.path, options, task)
    const reply: WorkerReply = {index: task.index, ok: true, result}
    const buffers = [...result.chunks, ...result.copies.flat()].map((c) => c.buffer as ArrayBuffer)
    port.postMessage(reply, [...new Set(buffers)])
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    const reply: WorkerReply = {index: task.index, ok: false, message: e.message, userError: e instanceof UserError, stack: e.stack}
    port.postMessage(reply)
  }
}
