import type { Configuration } from '../options.js';
import type { Verifier } from '../verifier.js';

/** What a verifier accepts, as plain data: all that describing it in an API document needs, and no secret. */
export interface SecurityDescription {
  basic: boolean;
  keypair:
    | false
    | {
        secretHeader: string;
        signatures: 'required' | 'optional' | 'off';
        timestampHeader: string;
        signatureHeader: string;
        signatureVersions: readonly string[];
        replayWindowSeconds: number;
      };
  jwt: boolean;
  environments: readonly string[];
}

// Symbol-keyed and not enumerable: the verifier's public interface stays `verify`, `reload` and `close`.
const SECURITY_DESCRIPTION = Symbol('keygate.securityDescription');

/** Attaches the description of `config` to the verifier built from it (called once, by `createVerifier`). */
export function withSecurityDescription<V extends Verifier>(verifier: V, config: Configuration): V {
  const schemes = config.schemes as ReadonlySet<string>;
  const { keypair } = config;
  const description: SecurityDescription = {
    basic: schemes.has('basic'),
    keypair: schemes.has('keypair') && {
      secretHeader: headerName(keypair.secretHeader),
      signatures: keypair.signatures,
      timestampHeader: headerName(keypair.timestampHeader),
      signatureHeader: headerName(keypair.signatureHeader),
      signatureVersions: [...keypair.signatureVersions],
      replayWindowSeconds: config.replayWindowMs / 1000,
    },
    jwt: schemes.has('jwt'),
    environments: [...config.environments],
  };
  Object.defineProperty(verifier, SECURITY_DESCRIPTION, { value: Object.freeze(description) });
  return verifier;
}

/** `x-api-secret` → `X-Api-Secret`: the options hold header names lower-cased; documents show them as usually written. */
function headerName(lowerCase: string): string {
  return lowerCase.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** The description a verifier made by `createVerifier` carries; a `TypeError` for anything else. */
export function securityDescriptionOf(verifier: Verifier): SecurityDescription {
  const description = (verifier as { [SECURITY_DESCRIPTION]?: SecurityDescription } | null)?.[SECURITY_DESCRIPTION];
  if (description === undefined) throw new TypeError('expected a verifier made by createVerifier()');
  return description;
}
