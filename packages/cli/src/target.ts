import type { KeyAdminFailure } from '@keygate/postgres';
import { OperationError } from './errors.js';

export type Environment = 'live' | 'test';
export type TenantStatus = 'active' | 'suspended';

/** A key to create; the CLI made its material (`generateApiKey` / `generateKeyPair`) and its id. */
export interface KeyToCreate {
  id: string;
  tenant: string;
  environment: Environment;
  hint: string;
  /** Basic: `sha256:<hex>` of the key. */
  keyHash?: string | undefined;
  publicKey?: string | undefined;
  secretKey?: string | undefined;
  scopes?: string[] | undefined;
  rateLimit?: { limit: number; windowSeconds: number } | undefined;
  expiresAt?: string | undefined;
}

/** One row of `keys list`. */
export interface ListedKey {
  id: string;
  tenant: string;
  environment: Environment | null;
  kind: 'basic' | 'keypair';
  scopes: string[] | null;
  revoked: boolean;
  expiresAt: string | null;
  hint: string | null;
}

/**
 * Where the keys are: a keys file or PostgreSQL. Each method is one change (atomic on both targets); a refusal
 * is an `OperationError` (exit 1) worded the same on both, by `refusal`.
 */
export interface KeysTarget {
  createTenant(id: string): Promise<{ id: string; status: TenantStatus }>;
  setTenantStatus(id: string, status: TenantStatus): Promise<{ id: string; status: TenantStatus }>;
  createKey(key: KeyToCreate): Promise<void>;
  listKeys(tenant?: string): Promise<ListedKey[]>;
  revokeKey(id: string): Promise<void>;
  /** A pair's new secret; its other secrets end at `until` at the latest. Returns when the last of them ends. */
  rotatePair(id: string, secretKey: string, until: number): Promise<{ publicKey: string; previousValidUntil: string }>;
  /** A Basic key's replacement (same tenant, scopes, limit); the old key expires at `until` at the latest. */
  rotateBasic(
    id: string,
    next: { id: string; keyHash: string; hint: string },
    until: number,
  ): Promise<{ previousValidUntil: string }>;
  /** What `id` is (rotate asks before making new material); an unknown id is refused. */
  keyKind(id: string): Promise<{ kind: 'basic' | 'keypair'; environment: Environment | null }>;
  close(): Promise<void>;
}

/** The refusals of either target: the database target's `KeyAdminError` failures are the same list. */
export type Refusal = KeyAdminFailure;

/** The one wording of each refusal, whichever the target. */
export function refusal(kind: Refusal, subject: string): OperationError {
  const messages: Record<Refusal, string> = {
    'unknown-tenant': `unknown tenant "${subject}"; create it first with \`keygate tenants create ${subject}\``,
    'tenant-exists': `tenant "${subject}" already exists`,
    'unknown-key': `unknown key id "${subject}" (see \`keygate keys list\`)`,
    'key-exists': `a key with id "${subject}" already exists`,
    'key-revoked': `key "${subject}" is revoked; create a new key instead`,
    'no-environment': `key "${subject}" has no "environment" (and its key no prefix), so the new key's cannot be chosen; add "environment" to it`,
  };
  return new OperationError(messages[kind]);
}
