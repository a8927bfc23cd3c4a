// Cooperative interruption. In the interactive shell, Ctrl-C must stop the running command but not the
// shell; JavaScript cannot pre-empt running code, so long-running library code calls
// `checkInterrupted()` (or `await pauseForInterrupt()` in synchronous loops) at safe points, and the shell
// aborts the signal on Ctrl-C. Outside the shell nobody aborts it and Ctrl-C ends the process as usual.

import {UserError} from './errors.js'

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
