import { KeysFileError, readKeysFileData } from '@keygate/core';
import { KeyAdminError, PostgresKeyAdmin, EncryptionKeyError } from '@keygate/postgres';
import { OperationError } from './errors.js';
import { refusal, type KeysTarget } from './target.js';

/** What only PostgreSQL does (the `db` commands). */
export interface DatabaseCommands {
  migrate(): Promise<{ version: number }>;
  reseal(): Promise<{ resealed: number }>;
  /** Copies a keys file into the database (`db import`). */
  importFile(path: string): Promise<{ tenants: number; keys: number }>;
}

/** PostgreSQL (`--database URL`): each change is one transaction; the running stores hear of it by NOTIFY. */
export function databaseTarget(url: string, schema: string | undefined): KeysTarget & DatabaseCommands {
  let admin: PostgresKeyAdmin;
  try {
    admin = PostgresKeyAdmin.connect({ connectionString: url, schema });
  } catch (error) {
    throw new OperationError((error as Error).message);
  }
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw explained(error);
    }
  };
  return {
    migrate: () => run(() => admin.migrate()),
    createTenant: (id) => run(() => admin.createTenant(id)),
    setTenantStatus: (id, status) => run(() => admin.setTenantStatus(id, status)),
    createKey: (key) =>
      run(async () => {
        if (key.secretKey !== undefined) admin.requireSealer(); // refused before anything is written
        await admin.createKey({ ...key, keyHash: key.keyHash?.replace(/^sha256:/, '') });
      }),
    listKeys: (tenant) => run(() => admin.listKeys(tenant)),
    revokeKey: (id) => run(() => admin.revokeKey(id)),
    keyKind: (id) => run(() => admin.keyKind(id)),
    reseal: () => run(() => admin.reseal()),
    importFile: (path) => run(() => admin.importKeys(readKeysFileData(path), `keys file ${path}`)),
    rotatePair: (id, secretKey, until) =>
      run(async () => {
        const { publicKey, previousValidUntil } = await admin.rotatePair(id, secretKey, new Date(until));
        return { publicKey, previousValidUntil: previousValidUntil.toISOString() };
      }),
    rotateBasic: (id, next, until) =>
      run(async () => {
        const { previousValidUntil } = await admin.rotateBasic(
          id,
          { ...next, keyHash: next.keyHash.replace(/^sha256:/, '') },
          new Date(until),
        );
        return { previousValidUntil: previousValidUntil.toISOString() };
      }),
    close: () => admin.close(),
  };
}

/** Refusals in the CLI's words; a database that cannot be reached names the host, never the password. */
function explained(error: unknown): Error {
  if (error instanceof KeyAdminError) return refusal(error.failure, error.subject);
  if (error instanceof EncryptionKeyError || error instanceof KeysFileError) return new OperationError(error.message);
  if ((error as { code?: unknown }).code === 'ENOENT') return new OperationError((error as Error).message);
  const code = (error as { code?: unknown }).code;
  if (code === '3F000' || code === '42P01')
    return new OperationError('the keygate schema is missing: run `keygate db migrate` first');
  return new OperationError(`PostgreSQL: ${(error as Error)?.message ?? String(error)}`);
}
