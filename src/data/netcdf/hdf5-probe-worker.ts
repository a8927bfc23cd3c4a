// The worker behind hdf5-probe.ts: opens a netCDF-4/HDF5 file and touches everything the data-set reader
// will (global attributes, every dataset's type, shape, dimension scales and values; the features whole
// when small, else their first and last rows), then reports success or HDF5's error message.

import {parentPort} from 'node:worker_threads'

import * as h5 from 'h5wasm/node'

export interface ProbeRequest {
  id: number
  path: string
  /** Features up to this many values are read whole. */
  wholeFeatureValues: number
}

export interface ProbeReply {
  id: number
  error?: string
  /** The worker was terminated before answering (another probe hung): ask again. */
  restarted?: boolean
}

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

parentPort!.on('message', (request: ProbeRequest) => {
  void ready.then(() => {
    const reply: ProbeReply = {id: request.id}
    try {
      walk(request)
    } catch (error) {
      reply.error = String((error as Error)?.message ?? error)
    }
    parentPort!.postMessage(reply)
  })
})
