// Progress bars on stderr (stdout carries results). On a terminal the bar redraws in place; elsewhere
// (CI logs, files) cli-progress prints a line every few seconds instead. Quiet mode shows none.

import {SingleBar} from 'cli-progress'

import {logOptions, LogLevel} from '../core/log.js'

export interface Progress {
  /** Sets the absolute position and optional fields shown after the bar (e.g. {loss: '0.1234'}). */
  update(done: number, fields?: Record<string, string>): void
  setTotal(total: number): void
  stop(): void
}

const SILENT: Progress = {update() {}, setTotal() {}, stop() {}}

/**
 * A bar showing `label`, done/total, percentage, elapsed time and ETA. `detail` is a template over the
 * fields passed to update(), e.g. 'epoch {epoch} batch {batch} loss {loss}'.
 */
export function startProgress(label: string, total: number, detail = ''): Progress {
  if (logOptions().level <= LogLevel.WARNING) return SILENT
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted} elapsed, ETA {eta_formatted}${detail ? ' | ' + detail : ''}`,
    barsize: 24,
    stream: process.stderr,
    hideCursor: process.stderr.isTTY,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    etaBuffer: 50,
    fps: 5,
  })
  // Until the first update, show '-' rather than the raw {placeholders} of the detail template.
  const blanks = Object.fromEntries([...detail.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], '-']))
  bar.start(total, 0, blanks)
  let stopped = false
  return {
    update(done, fields) {
      bar.update(done, fields)
    },
    setTotal(t) {
      bar.setTotal(t)
    },
    stop() {
      if (stopped) return
      stopped = true
      bar.stop()
    },
  }
}
