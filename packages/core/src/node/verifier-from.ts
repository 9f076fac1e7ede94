import { KeygateConfigError } from '../config-error.js';
import { createVerifier, type Verifier } from '../verifier.js';
import type { KeygateOptions } from '../options.js';

/** What an adapter takes: the verifier's options, or a verifier made by `createVerifier` — not both. */
export type AdapterOptions<Mode extends string> =
  | (KeygateOptions & { errors?: Mode; verifier?: never })
  | { verifier: Verifier; errors?: Mode };

/**
 * The verifier and error mode of an adapter's options, checked once when the middleware is built: a bad
 * mode, a verifier beside options, or something that is not a verifier throws a `TypeError` naming it.
 */
export function verifierFrom<Mode extends string>(
  options: AdapterOptions<Mode>,
  modes: readonly [Mode, ...Mode[]],
): { verifier: Verifier; errors: Mode } {
  if (typeof options !== 'object' || options === null)
    throw new KeygateConfigError('ERR_KEYGATE_OPTIONS_NOT_OBJECT', 'keygate: options must be an object');
  const { errors = modes[0], verifier, ...verifierOptions } = options;
  if (!modes.includes(errors)) {
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      `keygate: option "errors" must be ${modes.map((mode) => `"${mode}"`).join(' or ')}`,
    );
  }
  if (verifier === undefined) return { verifier: createVerifier(verifierOptions as KeygateOptions), errors };
  const extra = Object.keys(verifierOptions)[0];
  if (extra !== undefined) {
    throw new KeygateConfigError(
      'ERR_KEYGATE_VERIFIER_CONFLICT',
      `keygate: pass either a verifier or its options, not both (got "verifier" and "${extra}"): give the options to createVerifier()`,
    );
  }
  if (typeof verifier?.verify !== 'function')
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      'keygate: option "verifier" must be made by createVerifier()',
    );
  return { verifier, errors };
}
