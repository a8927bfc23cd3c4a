// The worker behind hdf5-probe.ts: opens a netCDF-4/HDF5 file and touches everything the data-set reader
// will (global attributes, every dataset's type, shape, dimension scales and values; the features whole
// when small, else their first and last rows), then reports success or HDF5's error message. Asked to
// (a read ahead, see hdf5-probe.ts), it then reads the whole data set as the reader does and sends it back,
// the features' memory transferred, not copied.

import {parentPort} from 'node:worker_threads'

import * as h5 from 'h5wasm/node'

import type {DataSetInit} from '../dataset.js'
import type {ProbeReply, ProbeRequest} from './hdf5-probe.js'

const ready = h5.ready.then((module) => {
  module.activate_throwing_error_handler()
  return module
})

function walk(request: ProbeRequest): void {
  const file = new h5.File(request.path, 'r')
  try {
    if (file.file_id < 0n) return
    for (const name of Object.keys(file.attrs)) void file.attrs[name].value
    for (const name of file.keys()) {
      const object = file.get(name)
      if (!(object instanceof h5.Dataset)) continue
      const shape = object.shape ?? []
      void object.dtype
      void object.metadata
      for (let i = 0; i < shape.length; i++) object.get_attached_scales(i)
      if (shape.length === 0 || shape.some((d) => d === 0)) continue
      const values = shape.reduce((a, b) => a * b, 1)
      // A read request reads the features next, with the reader's own code: they are not read twice.
      if (name === 'features' && request.read) continue
      if (name !== 'features' || values <= request.wholeFeatureValues) void object.value
      else {
        object.slice([[0, 1]])
        object.slice([[shape[0] - 1, shape[0]]])
      }
    }
  } finally {
    file.close()
  }
}

/** The data set as the reader reads it, or undefined if it fails (the asker then reads and reports it). */
async function read(path: string): Promise<DataSetInit | undefined> {
  try {
    const {readWalkedDataSet} = await import('./reader.js')
    return await readWalkedDataSet(path)
  } catch {
    return undefined
  }
}

// Requests are answered in order (a read finishes before the next walk starts).
let queue: Promise<void> = ready.then(() => undefined)

parentPort!.on('message', (request: ProbeRequest) => {
  queue = queue.then(async () => {
    const reply: ProbeReply = {id: request.id}
    try {
      walk(request)
    } catch (error) {
      reply.error = String((error as Error)?.message ?? error)
    }
    let transfer: ArrayBuffer[] = []
    if (reply.error === undefined && request.read) {
      const dataSet = await read(request.path)
      if (dataSet !== undefined) {
        let features = dataSet.features
        // Only a whole buffer can be transferred.
        if (features.byteOffset !== 0 || features.byteLength !== features.buffer.byteLength) features = features.slice()
        reply.dataSet = {...dataSet, features}
        transfer = [features.buffer as ArrayBuffer]
      }
    }
    try {
      parentPort!.postMessage(reply, transfer)
    } catch {
      // Something in the data set that cannot be sent: the asker reads it itself.
      parentPort!.postMessage({id: reply.id, error: reply.error})
    }
  })
})
