import type { IncomingHeaders } from '../types.js';

/**
 * One header's value: `undefined` when absent, `null` when repeated or longer than `maxLength` (unusable:
 * an oversized header is never decoded), otherwise the string.
 */
export function singleHeader(headers: IncomingHeaders, name: string, maxLength: number): string | undefined | null {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    return value.length === 1 && (value[0] as string).length <= maxLength ? value[0] : null;
  return value.length <= maxLength ? value : null;
}
