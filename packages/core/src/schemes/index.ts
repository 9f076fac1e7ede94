import type { Configuration } from '../options.js';
import { basicScheme } from './basic.js';
import { jwtScheme } from './jwt.js';
import { keyPairScheme } from './keypair.js';
import type { CredentialScheme } from './scheme.js';

/** The enabled schemes, built once per verifier, in the order they are asked. */
export function enabledSchemes(config: Configuration): CredentialScheme[] {
  const schemes: CredentialScheme[] = [];
  if (config.schemes.has('basic')) schemes.push(basicScheme(config.keyStore, config.basic.allowPassword));
  if (config.schemes.has('keypair')) {
    const { keyStore, environments, maxHeaderLength } = config;
    schemes.push(keyPairScheme({ keyStore, environments, maxHeaderLength, secretHeader: config.keypair.secretHeader }));
  }
  if (config.schemes.has('jwt') && config.jwt !== undefined) schemes.push(jwtScheme(config.jwt, config.keyStore));
  return schemes;
}
