import { sha256 } from '../crypto.js';
import { hmacKey, type HmacKey } from '../signature/hmac.js';
import type { KeyRecord, PairSecret } from '../types.js';

// A record that names one secret the old way (`secretKey`/`secretKeyDigest`) gets its list made once.
const singleSecrets = new WeakMap<KeyRecord, readonly PairSecret[]>();
const digests = new WeakMap<PairSecret, Uint8Array>();
const hmacKeys = new WeakMap<PairSecret, HmacKey>();

/** Every secret of a key pair, ended or not. A pair with none cannot be proven: a broken key store. */
export function secretsOf(record: KeyRecord): readonly PairSecret[] {
  if (record.secrets !== undefined) return record.secrets;
  let secrets = singleSecrets.get(record);
  if (secrets === undefined) {
    const usable =
      (typeof record.secretKey === 'string' && record.secretKey !== '') || record.secretKeyDigest !== undefined;
    if (!usable) throw new TypeError(`key store: key pair "${record.id}" has no secretKey`);
    secrets = [{ secretKey: record.secretKey, digest: record.secretKeyDigest }];
    singleSecrets.set(record, secrets);
  }
  return secrets;
}

/** The secrets that have not ended at `now` (an end that is not a number has passed: fail closed). */
export function secretsAt(record: KeyRecord, now: number): readonly PairSecret[] {
  const secrets = secretsOf(record);
  // Outside a rotation no secret ends: the list itself, no copy per request.
  if (secrets.every((secret) => secret.notAfter === undefined)) return secrets;
  return secrets.filter((secret) => secret.notAfter === undefined || secret.notAfter > now);
}

/** SHA-256 of the secret, for the constant-time check of `X-Api-Secret` (computed once per secret). */
export function digestOf(secret: PairSecret): Uint8Array {
  let digest = secret.digest ?? digests.get(secret);
  if (digest === undefined) digests.set(secret, (digest = sha256(secretKeyOf(secret))));
  return digest;
}

/** The prepared HMAC pads of a secret: saves the key setup on every signed request. */
export function hmacKeyOf(secret: PairSecret): HmacKey {
  let key = hmacKeys.get(secret);
  if (key === undefined) hmacKeys.set(secret, (key = hmacKey(secretKeyOf(secret))));
  return key;
}

// A secret known by its digest alone cannot sign: a broken key store, never an empty HMAC key.
function secretKeyOf(secret: PairSecret): string {
  if (typeof secret.secretKey !== 'string' || secret.secretKey === '')
    throw new TypeError('key store: a key-pair secret has no secretKey');
  return secret.secretKey;
}
