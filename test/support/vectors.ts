/** The test vectors (test/vectors, copied from the design's shared vectors), typed, for every test that uses them. */
import { readFileSync } from 'node:fs';

function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), 'utf8')) as T;
}

export interface BasicHeaderVector {
  header: string;
  expect: { key: string } | { error: string };
  note: string;
}

/** What every signature vector has: the request, the secret, the clock and the exact bytes signed. */
interface SignedCase {
  name: string;
  method: string;
  path: string;
  body: string;
  secret: string;
  timestamp: string;
  payload: string;
}

export interface SignatureVector extends SignedCase {
  signature: string;
}

export interface SignatureV2Vector extends SignedCase {
  bodySha256: string;
  /** The signature header value, `v2=<hex>`. */
  header: string;
}

export interface KeyFormatVectors {
  valid: { key: string; crc32: number; checksum: string }[];
  wrongChecksum: string[];
}

export const basicHeaderVectors = loadVectors<{ cases: BasicHeaderVector[] }>('basic-headers.json').cases;
export const signatureVectors = loadVectors<{ cases: SignatureVector[] }>('signatures.json').cases;
export const signatureV2Vectors = loadVectors<{ cases: SignatureV2Vector[] }>('signatures-v2.json').cases;

/** The clock the signature vectors were made at: inject it with `now: () => VECTOR_NOW`. */
export const VECTOR_NOW = 1_764_043_200_000;
export const keyFormatVectors = loadVectors<KeyFormatVectors>('key-format.json');
