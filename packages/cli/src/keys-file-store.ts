import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeysFileError, parseKeysFile, readKeysFileData, type KeysFile } from '@keygate/core';
import { OperationError } from './errors.js';

/** How long to wait for another keygate run to release the lock before giving up. */
const LOCK_WAIT_MS = 5_000;
/** A lock older than this is taken to be left behind by a run that died, whatever its pid says. */
const LOCK_STALE_MS = 30_000;

/** Reads and validates the keys file; a missing file is an empty one (it is created on the first write). */
export function readKeys(path: string): KeysFile {
  let data: unknown;
  try {
    data = readKeysFileData(path);
    parseKeysFile(data, `keys file ${path}`);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { tenants: [], keys: [] };
    if (error instanceof KeysFileError)
      throw new OperationError(`${error.message} (fix the file before changing it with keygate)`);
    throw error;
  }
  return data as KeysFile;
}

/**
 * Changes the keys file under an exclusive lock: the file is read after the lock is taken, `change` edits the
 * data, the result is validated and written atomically (temp file in the same folder, fsync, rename).
 */
export async function updateKeys<T>(path: string, change: (data: KeysFile) => T): Promise<T> {
  const release = await lock(path);
  try {
    const data = readKeys(path);
    const result = change(data);
    try {
      parseKeysFile(data, `keys file ${path}`);
    } catch (error) {
      if (error instanceof KeysFileError) throw new OperationError(`${error.message} (nothing was written)`);
      throw error;
    }
    writeAtomically(path, `${JSON.stringify(data, null, 2)}\n`);
    return result;
  } finally {
    release();
  }
}

function writeAtomically(path: string, text: string): void {
  const dir = dirname(path);
  let mode = 0o600; // a keys file holds secrets
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // a new file
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // For the tests: a crash between writing the temp file and the rename must leave the old file whole.
  if (process.env.KEYGATE_CLI_CRASH_BEFORE_RENAME === '1') process.exit(70);
  try {
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // some platforms cannot fsync a folder; the rename itself is still atomic
  }
}

/** Takes `<file>.lock` (created with O_EXCL), waiting with a short backoff; returns the release function. */
async function lock(path: string): Promise<() => void> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let delay = 5;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          unlinkSync(lockPath);
        } catch {
          // already removed
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OperationError(
          `cannot create the lock file ${lockPath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    const holder = lockHolder(lockPath);
    if (holder.stale) {
      try {
        unlinkSync(lockPath);
      } catch {
        // another run removed it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OperationError(
        `the keys file is locked by another keygate run${holder.pid ? ` (pid ${holder.pid})` : ''}: ${lockPath}; try again, or remove that file if no keygate is running`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Whether the lock was left by a run that is gone: its pid no longer runs, or it is too old. */
function lockHolder(lockPath: string): { pid?: number; stale: boolean } {
  let text: string;
  let age: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    age = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return { stale: false }; // released meanwhile: just try again
  }
  if (age > LOCK_STALE_MS) return { stale: true };
  const pid = Number(text.trim());
  // An empty lock file is one being written right now (or left by a crash before its pid was written).
  if (!Number.isSafeInteger(pid) || pid <= 0) return { stale: age > 1_000 };
  if (pid === process.pid) return { pid, stale: false };
  try {
    process.kill(pid, 0);
    return { pid, stale: false };
  } catch (error) {
    return { pid, stale: (error as NodeJS.ErrnoException).code === 'ESRCH' };
  }
}
