import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client a failed attempt is counted against, from the framework's address:
 * - an IPv4 address as it is, also when it comes IPv4-mapped (`::ffff:192.0.2.1`, what a dual-stack server sees);
 * - an IPv6 address by its /64 network (`2001:db8:0:1::/64`): one subscriber gets a whole /64, so counting each
 *   address would give a guesser 2^64 fresh counts;
 * - no address at all (a Unix socket without a trusted proxy) in one shared count, `unknown`, rather than none;
 * - anything else (a trusted proxy header of garbage) by its hash, so a long string holds no more memory than an address.
 */
export function failedAuthClient(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  if (isIPv4(address)) return address;
  const groups = isIPv6(address) ? ipv6Groups(address) : undefined;
  if (groups === undefined) return `hash:${createHash('sha256').update(address).digest('base64url')}`;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone index dropped, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  const groups = [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group)) ? groups : undefined;
}
