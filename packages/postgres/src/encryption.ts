import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The variable holding the key that seals key-pair secrets (base64 of 32 bytes). */
export const ENCRYPTION_KEY_VARIABLE = 'KEYGATE_ENCRYPTION_KEY';
/** Keys still accepted for opening while the secrets are re-sealed under a new one (comma-separated). */
export const PREVIOUS_ENCRYPTION_KEYS_VARIABLE = 'KEYGATE_PREVIOUS_ENCRYPTION_KEYS';

const FORMAT = 1;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES;

/** A missing, malformed or wrong encryption key. The message names the variable, never its value. */
export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
}

/** A sealed secret that does not open: a wrong key, a corrupted value, or a value moved from another key's row. */
export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}

interface EncryptionKey {
  key: Buffer;
  /** Names the key inside each sealed value, so that values sealed under a previous key can still be opened. */
  id: Buffer;
}

/**
 * AES-256-GCM sealing of key-pair secrets. Each value is `format(1) | key id(8) | nonce(12) | ciphertext | tag(16)`
 * with a random nonce, and the key's id (`keys.id`) as associated data: a value copied to another key's row does
 * not open there.
 */
export class SecretSealer {
  // #private: util.inspect, console.log and JSON.stringify of the sealer (or of a store holding it) do not show the keys.
  readonly #current: EncryptionKey;
  readonly #all: EncryptionKey[];

  constructor(current: string, previous: readonly string[] = []) {
    this.#current = parseEncryptionKey(current, ENCRYPTION_KEY_VARIABLE);
    this.#all = [
      this.#current,
      ...previous.map((value) => parseEncryptionKey(value, PREVIOUS_ENCRYPTION_KEYS_VARIABLE)),
    ];
  }

  /**
   * The keys given, each defaulting to its variable (`KEYGATE_ENCRYPTION_KEY`, `KEYGATE_PREVIOUS_ENCRYPTION_KEYS`);
   * `undefined` when there is no current key.
   */
  static fromEnvironment(
    env: NodeJS.ProcessEnv = process.env,
    given: { current?: string | undefined; previous?: readonly string[] | undefined } = {},
  ): SecretSealer | undefined {
    if (given.previous !== undefined && !(Array.isArray(given.previous) && given.previous.every(isString)))
      throw new TypeError('@keygate/postgres: option "previousEncryptionKeys" must be an array of strings');
    const current = given.current ?? env[ENCRYPTION_KEY_VARIABLE];
    if (current === undefined || (given.current === undefined && current === '')) return undefined;
    const previous =
      given.previous ??
      (env[PREVIOUS_ENCRYPTION_KEYS_VARIABLE] ?? '')
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
    return new SecretSealer(current, previous);
  }

  seal(keyId: string, secret: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, nonce);
    cipher.setAAD(associatedData(keyId));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), this.#current.id, nonce, body, cipher.getAuthTag()]);
  }

  open(keyId: string, sealed: Uint8Array): string {
    const value = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (value.length < HEADER_BYTES + TAG_BYTES || value[0] !== FORMAT) {
      throw new SealedSecretError(`a secret of key "${keyId}" is not a sealed value of format ${FORMAT}`);
    }
    const keyIdBytes = value.subarray(1, 1 + KEY_ID_BYTES);
    const encryption = this.#all.find((candidate) => candidate.id.equals(keyIdBytes));
    if (encryption === undefined) {
      throw new SealedSecretError(
        `a secret of key "${keyId}" was sealed under an encryption key that is neither ${ENCRYPTION_KEY_VARIABLE} nor in ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE}`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', encryption.key, value.subarray(1 + KEY_ID_BYTES, HEADER_BYTES));
      decipher.setAAD(associatedData(keyId));
      decipher.setAuthTag(value.subarray(value.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(value.subarray(HEADER_BYTES, value.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealedSecretError(
        `a secret of key "${keyId}" does not decrypt: it was altered, or sealed for another key`,
      );
    }
  }

  /** Whether `sealed` was made under the current key (what `keygate db reseal` leaves true for every secret). */
  isCurrent(sealed: Uint8Array): boolean {
    return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
      .subarray(1, 1 + KEY_ID_BYTES)
      .equals(this.#current.id);
  }
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function associatedData(keyId: string): Buffer {
  return Buffer.from(`keygate key_secrets v${FORMAT} key=${keyId}`, 'utf8');
}

function parseEncryptionKey(value: string, variable: string): EncryptionKey {
  const trimmed = value.trim();
  const key = Buffer.from(trimmed, 'base64');
  const canonical = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && key.toString('base64') === trimmed;
  if (!canonical || key.length !== 32) {
    throw new EncryptionKeyError(
      `${variable} must be the base64 of exactly 32 bytes${canonical ? ` (it holds ${key.length})` : ' (it is not base64)'}; make one with: openssl rand -base64 32`,
    );
  }
  const id = createHash('sha256').update('keygate encryption key id').update(key).digest().subarray(0, KEY_ID_BYTES);
  return { key, id };
}
