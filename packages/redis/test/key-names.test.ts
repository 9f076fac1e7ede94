import { describe, expect, it } from 'vitest';
import { keyNames } from '../src/key-names.js';

/** The text Redis Cluster hashes: between the first `{` and the next `}`, if not empty; else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

const awkward = ['key_1', '}', '{', '{}', '}{', 'a}b', '{a}', 'x{y}z', '%7B', '%', '%%7D', 'ключ', ' '];

describe('Redis key names', () => {
  it('lays keys out as <prefix>{<key id>}:rl and <prefix>{<key id>}:replay:<signature>', () => {
    const names = keyNames('keygate:', 'key_3');
    expect(names.log).toBe('keygate:{key_3}:rl');
    expect(names.replay('v2=ab12')).toBe('keygate:{key_3}:replay:v2=ab12');
  });

  it.each(awkward)('hashes both keys of key id %j by the same, non-empty tag', (keyId) => {
    for (const prefix of ['keygate:', '', 'a:b%']) {
      const names = keyNames(prefix, keyId);
      const tag = hashedPart(names.log);
      expect(tag).not.toBe(names.log);
      expect(hashedPart(names.replay('s'.repeat(64)))).toBe(tag);
      expect(hashedPart(names.replay('}{x}'))).toBe(tag);
    }
  });

  it('never gives two key ids the same key (the escaping is reversible)', () => {
    const logs = awkward.map((keyId) => keyNames('p:', keyId).log);
    expect(new Set(logs).size).toBe(awkward.length);
    expect(keyNames('p:', '%7B').log).toBe('p:{%257B}:rl');
    expect(keyNames('p:', '{').log).toBe('p:{%7B}:rl');
  });
});
