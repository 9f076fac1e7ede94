import type { KeysFile, KeysFileEntry } from '@keygate/core';
import { readKeys, updateKeys } from './keys-file-store.js';
import { refusal, type Environment, type KeysTarget, type ListedKey } from './target.js';

/** The keys file: every change under its lock, validated, written atomically. */
export function fileTarget(file: string): KeysTarget {
  return {
    createTenant: (id) =>
      updateKeys(file, (data) => {
        if (data.tenants.some((tenant) => tenant.id === id)) throw refusal('tenant-exists', id);
        data.tenants.push({ id, status: 'active' });
        return { id, status: 'active' as const };
      }),
    setTenantStatus: (id, status) =>
      updateKeys(file, (data) => {
        const tenant = data.tenants.find((t) => t.id === id);
        if (!tenant) throw refusal('unknown-tenant', id);
        tenant.status = status;
        return { id, status };
      }),
    createKey: (key) =>
      updateKeys(file, (data) => {
        if (!data.tenants.some((t) => t.id === key.tenant)) throw refusal('unknown-tenant', key.tenant);
        if (data.keys.some((entry) => entry.id === key.id)) throw refusal('key-exists', key.id);
        const entry: KeysFileEntry = { id: key.id, tenant: key.tenant };
        if (key.publicKey !== undefined)
          Object.assign(entry, { publicKey: key.publicKey, secretKey: key.secretKey, hint: key.hint });
        else Object.assign(entry, { keyHash: key.keyHash, environment: key.environment, hint: key.hint });
        if (key.scopes) entry.scopes = key.scopes;
        if (key.rateLimit) entry.rateLimit = key.rateLimit;
        if (key.expiresAt) entry.expiresAt = key.expiresAt;
        data.keys.push(entry);
      }),
    listKeys: async (tenant) => {
      const data = readKeys(file);
      if (tenant !== undefined && !data.tenants.some((t) => t.id === tenant)) throw refusal('unknown-tenant', tenant);
      return data.keys.filter((entry) => tenant === undefined || entry.tenant === tenant).map(listed);
    },
    revokeKey: (id) =>
      updateKeys(file, (data) => {
        findKey(data, id).revoked = true;
      }),
    keyKind: async (id) => {
      const entry = findKey(readKeys(file), id);
      return { kind: entry.publicKey !== undefined ? 'keypair' : 'basic', environment: environmentOf(entry) ?? null };
    },
    rotatePair: (id, secretKey, until) =>
      updateKeys(file, (data) => {
        const entry = liveKey(data, id);
        const now = Date.now();
        const previous = entry.secretKeys ?? [{ secretKey: entry.secretKey! }];
        // Secrets that have ended are dropped; the others end at the latest when the overlap does.
        const kept = previous
          .filter((s) => s.notAfter === undefined || Date.parse(s.notAfter) > now)
          .map((s) => ({
            secretKey: s.secretKey,
            notAfter: iso(Math.min(until, s.notAfter === undefined ? until : Date.parse(s.notAfter))),
          }));
        delete entry.secretKey;
        entry.secretKeys = [{ secretKey }, ...kept];
        const previousValidUntil =
          kept.length > 0 ? iso(Math.max(...kept.map((s) => Date.parse(s.notAfter)))) : iso(now);
        return { publicKey: entry.publicKey!, previousValidUntil };
      }),
    rotateBasic: (id, next, until) =>
      updateKeys(file, (data) => {
        const entry = liveKey(data, id);
        const environment = environmentOf(entry);
        if (environment === undefined) throw refusal('no-environment', id);
        if (data.keys.some((key) => key.id === next.id)) throw refusal('key-exists', next.id);
        const replacement: KeysFileEntry = {
          id: next.id,
          tenant: entry.tenant,
          keyHash: next.keyHash,
          environment,
          hint: next.hint,
        };
        if (entry.scopes) replacement.scopes = [...entry.scopes];
        if (entry.rateLimit) replacement.rateLimit = { ...entry.rateLimit };
        entry.expiresAt = iso(entry.expiresAt === undefined ? until : Math.min(until, Date.parse(entry.expiresAt)));
        data.keys.splice(data.keys.indexOf(entry) + 1, 0, replacement);
        return { previousValidUntil: entry.expiresAt };
      }),
    close: async () => {},
  };
}

function findKey(data: KeysFile, id: string): KeysFileEntry {
  const entry = data.keys.find((key) => key.id === id);
  if (!entry) throw refusal('unknown-key', id);
  return entry;
}

function liveKey(data: KeysFile, id: string): KeysFileEntry {
  const entry = findKey(data, id);
  if (entry.revoked) throw refusal('key-revoked', id);
  return entry;
}

function listed(entry: KeysFileEntry): ListedKey {
  return {
    id: entry.id,
    tenant: entry.tenant,
    environment: environmentOf(entry) ?? null,
    kind: entry.key !== undefined || entry.keyHash !== undefined ? 'basic' : 'keypair',
    scopes: entry.scopes ?? null,
    revoked: entry.revoked === true,
    expiresAt: entry.expiresAt ?? null,
    hint: hintOf(entry),
  };
}

function environmentOf(entry: KeysFileEntry): Environment | undefined {
  if (entry.environment) return entry.environment;
  const match = /^(?:pk|sk)_(live|test)_/.exec(entry.publicKey ?? entry.key ?? '');
  return match ? (match[1] as Environment) : undefined;
}

function hintOf(entry: KeysFileEntry): string | null {
  if (entry.hint !== undefined) return entry.hint.slice(-4);
  const visible = entry.publicKey ?? entry.key;
  return visible !== undefined ? visible.slice(-4) : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
