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

export interface SignatureVector {
  name: string;
  method: string;
  path: string;
  body: string;
  secret: string;
  timestamp: string;
  payload: string;
  signature: string;
}

export interface SignatureV2Vector {
  name: string;
  method: string;
  path: string;
  body: string;
  secret: string;
  timestamp: string;
  bodySha256: string;
  payload: string;
  /** The signature header value, `v2=<hex>`. */
  header: string;
}

export const basicHeaderVectors = loadVectors<{ cases: BasicHeaderVector[] }>('basic-headers.json').cases;
export const signatureVectors = loadVectors<{ cases: SignatureVector[] }>('signatures.json').cases;
export const signatureV2Vectors = loadVectors<{ cases: SignatureV2Vector[] }>('signatures-v2.json').cases;

/** The clock the signature vectors were made at: inject it with `now: () => VECTOR_NOW`. */
export const VECTOR_NOW = 1_764_043_200_000;
