/**
 * The KeyStore contract of @keygate/testing on keygate's own key stores (the DecisionStore contract runs in
 * redis-stores.test.ts, on the memory and Redis stores).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CachedKeyStore, MemoryKeyStore } from '@keygate/core';
import { describeKeyStoreContract } from './support/store-contract.js';
import { tempDir } from './support/temp-dir.js';

describeKeyStoreContract('MemoryKeyStore', (keys) => new MemoryKeyStore(keys));
describeKeyStoreContract('CachedKeyStore over MemoryKeyStore', (keys) => new CachedKeyStore(new MemoryKeyStore(keys)));
describeKeyStoreContract('MemoryKeyStore from a keys file given by path', (keys) => {
  const file = join(tempDir('keygate-contract-'), 'keys.json');
  writeFileSync(file, JSON.stringify(keys));
  return MemoryKeyStore.fromFile(file);
});
