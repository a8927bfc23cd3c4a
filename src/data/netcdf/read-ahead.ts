// Reading data sets ahead: a command that knows its inputs calls readAhead before it loads the code that
// reads them (tfjs, the engine), and the slow part of opening a netCDF-4 file, the HDF5 structure probe
// (hdf5-probe.ts), runs on its own thread meanwhile. This module loads nothing heavy itself.

import {sniffFormat} from './format.js'
import {probeAhead} from './hdf5-probe.js'

/**
 * Starts what can be done ahead of reading these data sets: the probe, and with `whole` (for a command that
 * reads them whole, such as training) the read itself. A command that streams its input in blocks (feature
 * generation) passes false, so that a large input is never held whole. Errors are left for the read to report.
 */
export function readAhead(paths: readonly string[], whole: boolean): void {
  for (const path of paths) {
    try {
      if (sniffFormat(path) === 'netcdf4') probeAhead(path, whole)
    } catch {
      // A missing or foreign file: the read says so, in its place.
    }
  }
}
