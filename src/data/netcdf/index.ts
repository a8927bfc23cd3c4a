// auDeep data sets as netCDF files (layout and quirks: docs/data-format.md). One module per concern:
//   format.ts   detecting netCDF-4 or classic from the first bytes; the format-neutral variable view
//   hdf5.ts     netCDF-4 through HDF5 (h5wasm)        classic.ts  CDF-1/CDF-2 through netcdfjs
//   reader.ts   the data set from either format        schema.ts   on-disk types chosen before writing
//   layout.ts   the netCDF-4 structure and row blocks  writer.ts   buffering appended instances
//   commit.ts   temporary sibling, renamed into place when complete

export {type DataSetReader, openDataSetReader, readDataSet} from './reader.js'
export type {NetcdfFormat} from './format.js'
export {type DataSetSchema, schemaFor} from './schema.js'
export {createDataSetWriter, type DataSetWriter, writeDataSet} from './writer.js'
