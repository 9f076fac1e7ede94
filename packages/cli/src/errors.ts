/** The operation failed (unknown id or tenant, invalid input, a file that cannot be used): exit 1. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
}

/** The command line itself is wrong (missing flag, bad --env, unknown command or flag): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}
