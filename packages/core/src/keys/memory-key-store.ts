import { watch, statSync, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { KeyRecord, KeyStore, TenantRecord } from '../types.js';
import { parseKeysFile, readKeysFile, type KeysFile, type LoadedKeys } from './keys-file.js';

/** How a keys file given by path is watched. */
export interface WatchKeysFileOptions {
  /** Called with each failed reload (a `KeysFileError` naming the file, entry and field); the last good keys stay. */
  onError?: (error: unknown) => void;
  /** Extra checks on reloaded keys before they replace the current ones; throw to refuse them. */
  check?: (keys: LoadedKeys) => void;
  /** Wait after a change event before reading, so a burst of writes is read once. Default 50 ms. */
  debounceMs?: number;
  /** Stat poll, the fallback for missed change events. Default 500 ms. */
  pollMs?: number;
}

/**
 * The embedded key store: keys held in memory, Basic keys only as SHA-256 digests.
 * Build it from a keys-file path (read and validated once, at start-up; `watchFile` also reloads it on change)
 * or from the same shape as an object.
 */
export class MemoryKeyStore implements KeyStore {
  // Replaced in one assignment on reload: a lookup sees the old keys or the new ones, never a mix.
  private keys: LoadedKeys;
  private path: string | undefined;
  private check: ((keys: LoadedKeys) => void) | undefined;
  private stopWatching: (() => void) | undefined;

  constructor(keys: KeysFile | LoadedKeys, source?: string) {
    this.keys = 'byKeyHash' in keys ? keys : parseKeysFile(keys, source);
  }

  /** Reads and validates a keys file; throws `KeysFileError` naming the file, entry and field. */
  static fromFile(path: string): MemoryKeyStore {
    return MemoryKeyStore.loaded(path);
  }

  /**
   * Reads a keys file (throwing at start-up like `fromFile`), then reloads it within about a second of each
   * change: an atomic rename over it as well as an in-place write. The folder is watched (a rename replaces
   * the file's inode) and the file's identity, size and time are also polled as a fallback. A reload that fails
   * keeps the last good keys and is passed to `onError`. The timers never keep the process alive; `close()`
   * stops them.
   */
  static watchFile(path: string, options: WatchKeysFileOptions = {}): MemoryKeyStore {
    const store = MemoryKeyStore.loaded(path);
    store.check = options.check;
    store.watch(options);
    return store;
  }

  private static loaded(path: string): MemoryKeyStore {
    const store = new MemoryKeyStore(readKeysFile(path));
    store.path = path;
    return store;
  }

  /**
   * Re-reads the keys file this store was built from (a no-op for a store built from data). On failure it
   * throws the `KeysFileError` and keeps the last good keys.
   */
  reload(): void {
    if (this.path === undefined) return;
    const keys = readKeysFile(this.path);
    this.check?.(keys);
    this.keys = keys;
  }

  /** Stops watching the keys file (if it was watched). */
  close(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  private watch(options: WatchKeysFileOptions): void {
    const path = resolve(this.path!);
    const name = basename(path);
    const onError = options.onError ?? (() => {});
    const debounceMs = options.debounceMs ?? 50;
    let last = identity(path);
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;

    const reloadNow = () => {
      timer = undefined;
      const seen = identity(path);
      if (seen === undefined) return; // between an unlink and a rename: the next event or poll reads it
      last = seen;
      try {
        this.reload();
      } catch (error) {
        onError(error);
      }
    };
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(reloadNow, debounceMs);
      timer.unref();
    };
    const poll = setInterval(() => {
      const seen = identity(path);
      if (seen !== undefined && seen !== last && !timer) schedule();
    }, options.pollMs ?? 500);
    poll.unref();
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        // Some platforms give no file name: read then, as a change may be ours.
        if (file === null || file === undefined || file.toString() === name) schedule();
      });
      watcher.on('error', () => watcher?.close()); // the poll goes on
    } catch {
      // A folder that cannot be watched: the poll alone picks changes up.
    }
    this.stopWatching = () => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }

  findByKeyHash(keyHash: string): KeyRecord | undefined {
    return this.keys.byKeyHash.get(keyHash);
  }

  findByPublicKey(publicKey: string): KeyRecord | undefined {
    return this.keys.byPublicKey.get(publicKey);
  }

  /** A tenant of the keys file (what a JWT's tenant claim is checked against). */
  findTenant(tenantId: string): TenantRecord | undefined {
    return this.keys.tenants?.get(tenantId);
  }

  /** Every key record held (for start-up checks). */
  *records(): IterableIterator<KeyRecord> {
    const keys = this.keys;
    yield* keys.byKeyHash.values();
    yield* keys.byPublicKey.values();
  }

  get size(): number {
    return this.keys.byKeyHash.size + this.keys.byPublicKey.size;
  }
}

/** What tells a changed file: inode, size and modification time (a rename changes the first, a write the others). */
function identity(path: string): string | undefined {
  let stats: Stats;
  try {
    stats = statSync(path, { bigint: false });
  } catch {
    return undefined;
  }
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}
