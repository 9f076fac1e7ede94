/**
 * Redis key names. Both keys one decision touches start with the same head, `<prefix>{<key id>}`, so they share
 * a Redis Cluster hash tag and therefore a slot (a script may only touch keys of one slot):
 *
 *   <prefix>{<key id>}:rl                  the key's sliding log
 *   <prefix>{<key id>}:replay:<signature>  a remembered signature
 *
 * Redis hashes the text between the first `{` and the first `}` after it, when that text is not empty. The
 * prefix has no braces (checked in the options), and the key id is escaped so it has none either
 * (`%` → `%25`, `{` → `%7B`, `}` → `%7D`). So the tag is exactly the escaped key id, the same for both keys,
 * and it is never empty because key ids are not. The escaping is reversible, so two key ids never share a key.
 */
export interface KeyNames {
  log: string;
  replay(signatureId: string): string;
}

const ESCAPES: Record<string, string> = { '%': '%25', '{': '%7B', '}': '%7D' };
const escaped = (text: string) => text.replace(/[%{}]/g, (char) => ESCAPES[char] as string);

export function keyNames(prefix: string, keyId: string): KeyNames {
  const head = `${prefix}{${escaped(keyId)}}`;
  return { log: `${head}:rl`, replay: (signatureId) => `${head}:replay:${signatureId}` };
}

/**
 * The failed-attempt count of a client address: `<prefix>failed-auth:{<address>}`. Its own hash tag (the
 * escaped address), outside the `<prefix>{<key id>}` names, so no key id can ever name it.
 */
export function failedAuthKey(prefix: string, client: string): string {
  return `${prefix}failed-auth:{${escaped(client)}}`;
}
