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
  if (error instanceof UserError && !error.message.startsWith(file)) {
    return new UserError(`${file}: ${error.message}`, {cause: error})
  }
  return error
}
