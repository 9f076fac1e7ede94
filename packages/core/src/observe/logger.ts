/**
 * Where keygate reports what the operator must see (store failures, failed reloads, a throwing hook, a
 * misconfigured app): any object with `warn` and `error` taking one message string. `console` (the default),
 * pino, winston and bunyan loggers all fit as they are. Messages never contain a credential.
 */
export interface KeygateLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The message of something thrown, whatever it is. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
