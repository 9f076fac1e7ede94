import {
  generateApiKey,
  generateKeyPair,
  MemoryKeyStore,
  type Environment,
  type KeyRecord,
  type KeysFile,
  type KeysFileEntry,
  type KeyStore,
  type RateLimit,
  type TenantRecord,
} from '@keygate/core';

/** What a new test key is granted. */
export interface TestKeyOptions {
  /** The tenant; created (active) on first use. Default `tenant_test`. */
  tenant?: string;
  /** Default `test` (`pk_test_…`). */
  environment?: Environment;
  /** Scopes granted; absent = unrestricted. */
  scopes?: string[];
  /** Overrides the verifier's rate limit for this key. */
  rateLimit?: RateLimit;
  /** When the key ends (ISO 8601 text or a `Date`). */
  expiresAt?: string | Date;
  /** The key id (`auth.keyId`). Default `key_<n>`. */
  id?: string;
}

/** A Basic key as handed out: the credential to send, and its id. */
export interface TestBasicKey {
  scheme: 'basic';
  id: string;
  key: string;
}

/** A key pair as handed out. */
export interface TestKeyPair {
  scheme: 'keypair';
  id: string;
  publicKey: string;
  secretKey: string;
}

/**
 * An in-memory key store for tests, filled a line at a time with freshly generated (checksummed) keys. It is a
 * `KeyStore`, so it goes straight into keygate's `keys` option; every change is validated like a keys file.
 * @example
 * const keys = new TestKeys();
 * const reader = keys.basic({ scopes: ['payments:read'] });
 * const writer = keys.pair({ tenant: 'acme', scopes: ['payments:write'] });
 * app.use(keygate({ keys }));
 */
export class TestKeys implements KeyStore {
  private readonly data: KeysFile = { tenants: [], keys: [] };
  private store = new MemoryKeyStore(this.data);

  /** Adds a Basic-auth API key. */
  basic(options: TestKeyOptions = {}): TestBasicKey {
    const { key } = generateApiKey(options.environment ?? 'test');
    const id = this.add({ ...this.entry(options), key });
    return { scheme: 'basic', id, key };
  }

  /** Adds a key pair. */
  pair(options: TestKeyOptions = {}): TestKeyPair {
    const { publicKey, secretKey } = generateKeyPair(options.environment ?? 'test');
    const id = this.add({ ...this.entry(options), publicKey, secretKey });
    return { scheme: 'keypair', id, publicKey, secretKey };
  }

  /** Revokes a key (by id, or the key as handed out). */
  revoke(key: string | { id: string }): void {
    const id = typeof key === 'string' ? key : key.id;
    const entry = this.data.keys.find((candidate) => candidate.id === id);
    if (entry === undefined) throw new Error(`TestKeys: no key "${id}"`);
    entry.revoked = true;
    this.rebuild();
  }

  /** Suspends a tenant: its keys are refused with `TENANT_INACTIVE`. */
  suspendTenant(tenant: string): void {
    this.tenant(tenant).status = 'suspended';
    this.rebuild();
  }

  /** Makes a suspended tenant active again. */
  activateTenant(tenant: string): void {
    this.tenant(tenant).status = 'active';
    this.rebuild();
  }

  /** The keys as keys-file data (a copy): to write a keys file, or to seed another store. */
  toKeysFile(): KeysFile {
    return structuredClone(this.data);
  }

  findByKeyHash(keyHash: string): KeyRecord | undefined {
    return this.store.findByKeyHash(keyHash);
  }

  findByPublicKey(publicKey: string): KeyRecord | undefined {
    return this.store.findByPublicKey(publicKey);
  }

  /** A tenant made by a key or by `suspendTenant`: JWTs naming a suspended one are refused. */
  findTenant(tenantId: string): TenantRecord | undefined {
    return this.store.findTenant(tenantId);
  }

  private entry(options: TestKeyOptions): Omit<KeysFileEntry, 'key' | 'publicKey' | 'secretKey'> {
    const tenant = options.tenant ?? 'tenant_test';
    this.tenant(tenant);
    const expiresAt = options.expiresAt instanceof Date ? options.expiresAt.toISOString() : options.expiresAt;
    return {
      id: options.id ?? `key_${this.data.keys.length + 1}`,
      tenant,
      ...(options.scopes && { scopes: [...options.scopes] }),
      ...(options.rateLimit && { rateLimit: { ...options.rateLimit } }),
      ...(expiresAt !== undefined && { expiresAt }),
    };
  }

  private tenant(id: string): KeysFile['tenants'][number] {
    let tenant = this.data.tenants.find((candidate) => candidate.id === id);
    if (tenant === undefined) this.data.tenants.push((tenant = { id, status: 'active' }));
    return tenant;
  }

  private add(entry: KeysFileEntry): string {
    this.data.keys.push(entry);
    try {
      this.rebuild();
    } catch (error) {
      this.data.keys.pop();
      throw error;
    }
    return entry.id;
  }

  private rebuild(): void {
    this.store = new MemoryKeyStore(this.data, 'TestKeys');
  }
}
