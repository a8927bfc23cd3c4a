// Errors a user can cause (bad file, bad flag value, inconsistent data sets). The CLI prints their message
// on one line and exits non-zero; anything else is a bug and shows its stack with -v.

export class UserError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'UserError'
  }
}

/** Prefixes a UserError's message with the file it concerns, leaving other errors untouched. */
export function inFile(file: string, error: unknown): unknown {
  // An interruption is not about the file, and must keep its exit status (130).
  if (error instanceof UserError && error.name !== 'InterruptedError' && !error.message.startsWith(file)) {
    return new UserError(`${file}: ${error.message}`, {cause: error})
  }
  return error
}

const SYSCALL_VERBS: Record<string, string> = {
  open: 'cannot open',
  read: 'cannot read',
  write: 'cannot write',
  mkdir: 'cannot create the directory',
  rename: 'cannot move into place',
  scandir: 'cannot list the directory',
  stat: 'cannot access',
  lstat: 'cannot access',
  unlink: 'cannot remove',
  rmdir: 'cannot remove',
  copyfile: 'cannot copy',
}

/**
 * The user error behind a system error that escaped the library (a file that is missing, unreadable, a
 * directory, on a full disk): one line naming the path and the errno, e.g. "out.nc: cannot open (EACCES:
 * permission denied)". Undefined for anything else, which is a bug.
 */
export function userErrorFromSystemError(error: unknown): UserError | undefined {
  const e = error as NodeJS.ErrnoException | undefined
  const text = String(e?.message ?? '')
  if (typeof e?.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) {
    return /No space left on device/i.test(text) ? new UserError('no space left on device (ENOSPC)', {cause: error}) : undefined
  }
  // Node's text: "EACCES: permission denied, open '/x'": keep the description between the code and the call.
  const description = /^[A-Z0-9]+: ([^,]+)/.exec(text)?.[1] ?? ''
  const what = `${e.code}${description ? `: ${description}` : ''}`
  const verb = (e.syscall && SYSCALL_VERBS[e.syscall]) ?? (e.syscall ? `${e.syscall} failed` : 'failed')
  const where = e.path ?? (e as {dest?: string}).dest
  return new UserError(where ? `${where}: ${verb} (${what})` : `${verb} (${what})`, {cause: error})
}

/** A message made safe for one terminal line: control characters escaped, at most `max` characters. */
export function printable(message: string, max = 2000): string {
  const escaped = message.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return escaped.length > max ? escaped.slice(0, max) + '...' : escaped
}
