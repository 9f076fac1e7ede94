import { readFileSync } from 'node:fs';
import { sha256, sha256Hex } from '../crypto.js';
import { hasBadChecksum } from './format.js';
import { parseKeyPrefix } from './prefix.js';
import type { Environment, KeyRecord, RateLimit, TenantRecord } from '../types.js';

/** The keys-file format of the design (also what `MemoryKeyStore` takes as an object). */
export interface KeysFile {
  tenants: { id: string; status?: 'active' | 'suspended' }[];
  keys: KeysFileEntry[];
}

export interface KeysFileEntry {
  id: string;
  tenant: string;
  /** A Basic-auth key in clear (hashed on load). */
  key?: string;
  /** A Basic-auth key as `sha256:<hex of the key>`. */
  keyHash?: string;
  publicKey?: string;
  secretKey?: string;
  /** A key pair during a rotation: several secrets (instead of `secretKey`), each with an optional end. */
  secretKeys?: { secretKey: string; notAfter?: string }[];
  /** For a `keyHash` entry, the environment the key belongs to (a clear key's prefix says it). */
  environment?: Environment;
  scopes?: string[];
  revoked?: boolean;
  /** ISO 8601 time. */
  expiresAt?: string;
  rateLimit?: RateLimit;
  /** The last 4 characters of the Basic key or of the pair's public key, kept at creation (for listings). */
  hint?: string;
}

/** A keys file that cannot be used. The message names the file, the entry and the field; never a secret. */
export class KeysFileError extends Error {
  override readonly name = 'KeysFileError';
}

/** Parsed, validated keys: Basic keys by SHA-256 hex digest, key pairs by public key; tenants by id. */
export interface LoadedKeys {
  byKeyHash: Map<string, KeyRecord>;
  byPublicKey: Map<string, KeyRecord>;
  /** Absent in keys built by hand before tenants were kept. */
  tenants?: Map<string, TenantRecord>;
}

const ENTRY_FIELDS = new Set([
  'id',
  'tenant',
  'key',
  'keyHash',
  'publicKey',
  'secretKey',
  'secretKeys',
  'environment',
  'scopes',
  'revoked',
  'expiresAt',
  'rateLimit',
  'hint',
]);
const TENANT_FIELDS = new Set(['id', 'status']);
const KEY_HASH = /^sha256:([0-9a-fA-F]{64})$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
// What may stand in a key: printable ASCII without the Basic separator ':' (a header is ASCII).
const KEY_CHARS = /^[\x21-\x39\x3b-\x7e]{8,512}$/;

/** Reads and validates a keys file; throws `KeysFileError` naming the file, entry and field. */
export function readKeysFile(path: string): LoadedKeys {
  return parseKeysFile(readKeysFileData(path), `keys file ${path}`);
}

/**
 * The JSON data of a keys file, not yet validated (a UTF-8 byte order mark is accepted). Throws `KeysFileError`
 * when it cannot be read (`code` names the cause, e.g. `ENOENT`) or is not JSON (located, never quoted).
 */
export function readKeysFileData(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw Object.assign(new KeysFileError(`keys file ${path}: cannot be read (${code})`), { code });
  }
  // Editors on Windows may save a UTF-8 byte order mark, which JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new KeysFileError(`keys file ${path}: not valid JSON (${jsonErrorLocation(text, (error as Error).message)})`);
  }
  return data;
}

/**
 * Where a JSON syntax error is, as "line L, column C". V8's message quotes the text around the error, which
 * in a keys file may be a secret, so it is never shown: it is only used to find the position.
 */
function jsonErrorLocation(text: string, message: string): string {
  let position: number | undefined;
  const at = /at position (\d+)/.exec(message);
  const quoted = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (at) position = Number(at[1]);
  else if (quoted) {
    const [, token, cutBefore, excerpt, cutAfter] = quoted as unknown as [
      string,
      string,
      string | undefined,
      string,
      string | undefined,
    ];
    // V8 quotes up to 10 characters either side of the error (the whole text when it is short). Where the
    // quote or the token is found more than once, the place is unknown: better no column than a wrong one.
    const start = onlyIndexOf(text, excerpt);
    if (start >= 0) position = cutBefore ? start + 10 : cutAfter ? excerpt.length - 10 : onlyIndexOf(text, token);
  }
  if (position === undefined || position < 0)
    return message.startsWith('Unexpected end') ? 'it ends too early' : 'syntax error';
  const before = text.slice(0, position);
  return `syntax error at line ${before.split('\n').length}, column ${position - before.lastIndexOf('\n')}`;
}

/** Validates keys-file data. `source` prefixes every error message (e.g. the file name). */
export function parseKeysFile(data: unknown, source = 'keys'): LoadedKeys {
  const fail = (where: string, message: string): never => {
    throw new KeysFileError(`${source}: ${where}: ${message}`);
  };
  if (!isObject(data)) fail('top level', 'must be an object with "tenants" and "keys" arrays');
  const root = data as Record<string, unknown>;
  for (const field of Object.keys(root)) {
    if (field !== 'tenants' && field !== 'keys') fail('top level', `unknown field "${field}"`);
  }
  if (!Array.isArray(root.tenants)) fail('field "tenants"', 'must be an array');
  if (!Array.isArray(root.keys)) fail('field "keys"', 'must be an array');

  const tenants = new Map<string, 'active' | 'suspended'>();
  (root.tenants as unknown[]).forEach((tenant, index) => {
    const where = `tenants[${index}]`;
    if (!isObject(tenant)) fail(where, 'must be an object');
    const t = tenant as Record<string, unknown>;
    for (const field of Object.keys(t)) if (!TENANT_FIELDS.has(field)) fail(where, `unknown field "${field}"`);
    if (!isNonEmptyString(t.id)) fail(where, 'field "id" must be a non-empty string');
    const id = t.id as string;
    if (tenants.has(id)) fail(where, `field "id": duplicate tenant id "${id}"`);
    const status = t.status ?? 'active';
    if (status !== 'active' && status !== 'suspended')
      fail(`${where} ("${id}")`, 'field "status" must be "active" or "suspended"');
    tenants.set(id, status as 'active' | 'suspended');
  });

  const tenantRecords = new Map([...tenants].map(([id, status]): [string, TenantRecord] => [id, { id, status }]));
  const loaded: LoadedKeys = { byKeyHash: new Map(), byPublicKey: new Map(), tenants: tenantRecords };
  const ids = new Set<string>();
  // Every key string of the file, by digest: one string in two places would make a lookup ambiguous, and a
  // secret shared by two pairs would let one pair's holder act as the other.
  const strings = new Map<string, string>();
  const claim = (digest: string, where: string, field: string) => {
    const other = strings.get(digest);
    if (other !== undefined)
      fail(where, `field "${field}" holds the same key as ${other} (each key string must be unique)`);
    strings.set(digest, `${where} field "${field}"`);
  };
  (root.keys as unknown[]).forEach((entry, index) => {
    let where = `keys[${index}]`;
    if (!isObject(entry)) fail(where, 'must be an object');
    const e = entry as Record<string, unknown>;
    if (!isNonEmptyString(e.id)) fail(where, 'field "id" must be a non-empty string');
    const id = e.id as string;
    where = `keys[${index}] ("${id}")`;
    for (const field of Object.keys(e)) {
      if (!ENTRY_FIELDS.has(field))
        fail(where, `unknown field "${field}" (a misspelt "scopes" or "revoked" must not pass silently)`);
    }
    if (ids.has(id)) fail(where, 'field "id": duplicate key id');
    ids.add(id);
    if (!isNonEmptyString(e.tenant)) fail(where, 'field "tenant" must be a non-empty string');
    const tenantStatus = tenants.get(e.tenant as string);
    if (tenantStatus === undefined) fail(where, `field "tenant": unknown tenant "${String(e.tenant)}"`);

    const hasBasic = e.key !== undefined || e.keyHash !== undefined;
    const hasPair = e.publicKey !== undefined || e.secretKey !== undefined || e.secretKeys !== undefined;
    if (hasBasic === hasPair)
      fail(where, 'needs exactly one of "key", "keyHash", or "publicKey" with "secretKey" (or "secretKeys")');
    if (e.secretKey !== undefined && e.secretKeys !== undefined)
      fail(where, 'has both "secretKey" and "secretKeys"; keep one');
    if (e.key !== undefined && e.keyHash !== undefined) fail(where, 'has both "key" and "keyHash"; keep one');

    const record: KeyRecord = {
      id,
      tenantId: e.tenant as string,
      tenantStatus: tenantStatus as 'active' | 'suspended',
      kind: hasBasic ? 'basic' : 'keypair',
      environment: null,
      scopes: parseScopes(e.scopes, where, fail),
      revoked: parseOptionalBoolean(e.revoked, where, 'revoked', fail),
      expiresAt: parseExpiresAt(e.expiresAt, where, fail),
      rateLimit: parseRateLimit(e.rateLimit, where, fail),
    };
    if (e.environment !== undefined && e.environment !== 'test' && e.environment !== 'live') {
      fail(where, 'field "environment" must be "test" or "live"');
    }
    const declared = e.environment as Environment | undefined;
    if (e.hint !== undefined && (typeof e.hint !== 'string' || e.hint.length < 1 || e.hint.length > 4)) {
      fail(where, 'field "hint" must be a string of 1 to 4 characters (the last characters of the key, never more)');
    }

    if (hasBasic) {
      let hash: string;
      let prefixed: Environment | undefined;
      if (e.key !== undefined) {
        if (typeof e.key !== 'string' || !KEY_CHARS.test(e.key)) {
          fail(where, 'field "key" must be 8–512 printable ASCII characters without ":"');
        }
        checksummed(e.key as string, where, 'key', fail);
        hash = sha256Hex(e.key as string);
        prefixed = parseKeyPrefix(e.key as string)?.environment;
      } else {
        const match = typeof e.keyHash === 'string' ? KEY_HASH.exec(e.keyHash) : null;
        if (!match) fail(where, 'field "keyHash" must be "sha256:" followed by 64 hex digits');
        hash = (match as RegExpExecArray)[1]!.toLowerCase();
      }
      if (declared !== undefined && prefixed !== undefined && declared !== prefixed) {
        fail(where, `field "environment" says "${declared}" but the key prefix says "${prefixed}"`);
      }
      record.environment = prefixed ?? declared ?? null;
      claim(hash, where, e.key !== undefined ? 'key' : 'keyHash');
      loaded.byKeyHash.set(hash, record);
    } else {
      const pk = typeof e.publicKey === 'string' ? parseKeyPrefix(e.publicKey) : undefined;
      if (pk?.kind !== 'pk' || !KEY_CHARS.test(e.publicKey as string)) {
        fail(where, 'field "publicKey" must start with "pk_test_" or "pk_live_" (8–512 printable ASCII characters)');
      }
      checksummed(e.publicKey as string, where, 'publicKey', fail);
      const secrets =
        e.secretKeys !== undefined
          ? parseSecretKeys(e.secretKeys, where, fail)
          : [{ secretKey: e.secretKey, field: 'secretKey' }];
      for (const { secretKey, field } of secrets) {
        const sk = typeof secretKey === 'string' ? parseKeyPrefix(secretKey) : undefined;
        if (sk?.kind !== 'sk' || !KEY_CHARS.test(secretKey as string)) {
          fail(where, `field "${field}" must start with "sk_test_" or "sk_live_" (8–512 printable ASCII characters)`);
        }
        checksummed(secretKey as string, where, field, fail);
        if (pk!.environment !== sk!.environment) {
          fail(where, `field "${field}" is a ${sk!.environment} key but "publicKey" is a ${pk!.environment} key`);
        }
      }
      if (declared !== undefined && declared !== pk!.environment) {
        fail(where, `field "environment" says "${declared}" but the key prefix says "${pk!.environment}"`);
      }
      record.environment = pk!.environment;
      record.secrets = secrets.map(({ secretKey, notAfter }) => ({
        secretKey: secretKey as string,
        digest: sha256(secretKey as string),
        notAfter,
      }));
      const publicKey = e.publicKey as string;
      claim(sha256Hex(publicKey), where, 'publicKey');
      for (const { secretKey, field } of secrets) claim(sha256Hex(secretKey as string), where, field);
      loaded.byPublicKey.set(publicKey, record);
    }
  });
  return loaded;
}

type Fail = (where: string, message: string) => never;

/** `secretKeys`: one or more `{ secretKey, notAfter? }`, each secret named by its place for error messages. */
function parseSecretKeys(
  value: unknown,
  where: string,
  fail: Fail,
): { secretKey: unknown; notAfter?: number | undefined; field: string }[] {
  if (!Array.isArray(value) || value.length === 0)
    fail(where, 'field "secretKeys" must be a non-empty array of { "secretKey", "notAfter"? }');
  return (value as unknown[]).map((item, index) => {
    const field = `secretKeys[${index}].secretKey`;
    if (!isObject(item)) fail(where, `field "secretKeys[${index}]" must be an object { "secretKey", "notAfter"? }`);
    const { secretKey, notAfter, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) fail(where, `field "secretKeys[${index}]": unknown field "${extra}"`);
    return { secretKey, field, notAfter: parseTime(notAfter, where, `secretKeys[${index}].notAfter`, fail) };
  });
}

/** A key with the generated shape but a wrong checksum would never verify: a copying mistake, said at start-up. */
function checksummed(key: string, where: string, field: string, fail: Fail): void {
  if (hasBadChecksum(key))
    fail(where, `field "${field}" has the shape of a generated key but its checksum is wrong (copied incompletely?)`);
}

function parseScopes(value: unknown, where: string, fail: Fail): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((scope) => !isNonEmptyString(scope))) {
    fail(where, 'field "scopes" must be an array of non-empty strings (omit it for an unrestricted key)');
  }
  return Object.freeze([...new Set(value as string[])]);
}

function parseOptionalBoolean(value: unknown, where: string, field: string, fail: Fail): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(where, `field "${field}" must be true or false`);
  return value as boolean | undefined;
}

function parseExpiresAt(value: unknown, where: string, fail: Fail): number | undefined {
  return parseTime(value, where, 'expiresAt', fail);
}

function parseTime(value: unknown, where: string, field: string, fail: Fail): number | undefined {
  if (value === undefined) return undefined;
  // A time zone is required: without one, Date.parse reads the time in the server's own zone. The date must
  // exist: Date.parse rolls "2027-02-30" over to 2 March, silently extending the key's life.
  const parts = typeof value === 'string' ? ISO_TIME.exec(value) : null;
  const time =
    parts && isCalendarDate(Number(parts[1]), Number(parts[2]), Number(parts[3]))
      ? Date.parse(value as string)
      : Number.NaN;
  if (Number.isNaN(time)) {
    fail(
      where,
      `field "${field}" must be an ISO 8601 time with a time zone (Z or ±HH:MM), such as "2027-01-31T00:00:00Z"`,
    );
  }
  return time;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseRateLimit(value: unknown, where: string, fail: Fail): RateLimit | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(where, 'field "rateLimit" must be an object { "limit": n, "windowSeconds": s }');
  const { limit, windowSeconds, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) fail(where, `field "rateLimit": unknown field "${extra}"`);
  if (!Number.isSafeInteger(limit) || (limit as number) < 1)
    fail(where, 'field "rateLimit.limit" must be a positive integer');
  if (typeof windowSeconds !== 'number' || !(windowSeconds > 0) || !Number.isFinite(windowSeconds)) {
    fail(where, 'field "rateLimit.windowSeconds" must be a positive number');
  }
  return { limit: limit as number, windowSeconds: windowSeconds as number };
}

/** The index of `part` in `text` when it occurs exactly once, else -1. */
function onlyIndexOf(text: string, part: string): number {
  const index = text.indexOf(part);
  return index >= 0 && text.indexOf(part, index + 1) === -1 ? index : -1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
