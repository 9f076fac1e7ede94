/** Splits an `Authorization` header into its scheme (lower-cased) and credentials. */
export function splitAuthorization(header: string): { scheme: string; credentials: string } | undefined {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space <= 0) return trimmed === '' ? undefined : { scheme: trimmed.toLowerCase(), credentials: '' };
  return { scheme: trimmed.slice(0, space).toLowerCase(), credentials: trimmed.slice(space + 1).trimStart() };
}
