import type { KeyRecord, KeyStore } from '../types.js';
import { parseKeysFile, readKeysFile, type KeysFile, type LoadedKeys } from './keys-file.js';

/**
 * The embedded key store: keys held in memory, Basic keys only as SHA-256 digests.
 * Build it from a keys-file path (read and validated once, at start-up) or from the same shape as an object.
 */
export class MemoryKeyStore implements KeyStore {
  private readonly keys: LoadedKeys;

  constructor(keys: KeysFile | LoadedKeys, source?: string) {
    this.keys = 'byKeyHash' in keys ? keys : parseKeysFile(keys, source);
  }

  /** Reads and validates a keys file; throws `KeysFileError` naming the file, entry and field. */
  static fromFile(path: string): MemoryKeyStore {
    return new MemoryKeyStore(readKeysFile(path));
  }

  findByKeyHash(keyHash: string): KeyRecord | undefined {
    return this.keys.byKeyHash.get(keyHash);
  }

  findByPublicKey(publicKey: string): KeyRecord | undefined {
    return this.keys.byPublicKey.get(publicKey);
  }

  /** Every key record held (for start-up checks). */
  *records(): IterableIterator<KeyRecord> {
    yield* this.keys.byKeyHash.values();
    yield* this.keys.byPublicKey.values();
  }

  get size(): number {
    return this.keys.byKeyHash.size + this.keys.byPublicKey.size;
  }
}
