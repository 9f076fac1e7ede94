/** A raw request body as signed: bytes, text (its UTF-8 bytes), or nothing. */
export type SignableBody = string | Uint8Array | undefined;

/** The body's length in bytes. */
export function byteLength(body: SignableBody): number {
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}
