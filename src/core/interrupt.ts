// Cooperative interruption. In the interactive shell, Ctrl-C must stop the running command but not the
// shell; JavaScript cannot pre-empt running code, so long-running library code calls
// `checkInterrupted()` (or `await pauseForInterrupt()` in synchronous loops) at safe points, and the shell
// aborts the signal on Ctrl-C. Outside the shell nobody aborts it and Ctrl-C ends the process as usual.

import {UserError} from './errors.js'
import {removeRegisteredTemporaries} from './temp-files.js'

/** Thrown at a safe point after Ctrl-C; commands report it like any user error, with exit status 130. */
export class InterruptedError extends UserError {
  readonly exitCode = 130

  constructor() {
    super('interrupted')
    this.name = 'InterruptedError'
  }
}

let controller = new AbortController()

/** The signal of the current command; aborted on Ctrl-C in the interactive shell. */
export function interruptSignal(): AbortSignal {
  return controller.signal
}

export function checkInterrupted(): void {
  if (controller.signal.aborted) throw new InterruptedError()
}

/**
 * Lets pending events (such as Ctrl-C) be handled, then throws if the command was interrupted. Costs a
 * macrotask (~tens of microseconds), so call it every few hundred milliseconds of work, not per element.
 */
export async function pauseForInterrupt(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve))
  checkInterrupted()
}

/** Requests that the current command stop. */
export function interrupt(): void {
  controller.abort(new InterruptedError())
}

/** A fresh signal for the next command. */
export function resetInterrupt(): void {
  controller = new AbortController()
}

/**
 * Makes SIGINT and SIGTERM interrupt a command run outside the interactive shell the way Ctrl-C does inside
 * it: the first signal aborts the interrupt signal, so the command stops at its next safe point, removes its
 * temporaries and reports "interrupted" (exit status 130). A second signal, or a command still running
 * `graceMs` after the first, ends the process at once after removing the registered temporaries. When
 * another handler listens too (training writes a checkpoint first), that handler decides what happens.
 * Returns a function that removes the handlers.
 */
export function handleTerminationSignals(graceMs = 10_000): () => void {
  let received = 0
  let timer: NodeJS.Timeout | undefined
  const exitNow = (): void => {
    removeRegisteredTemporaries()
    process.stderr.write('audeep: error: interrupted\n')
    process.exit(130)
  }
  const handler = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) {
      interrupt()
      return
    }
    received++
    if (received > 1) exitNow()
    interrupt()
    timer = setTimeout(exitNow, graceMs)
    timer.unref()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
    if (timer !== undefined) clearTimeout(timer)
  }
}
