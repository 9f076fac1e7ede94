import { randomBytes } from 'node:crypto';
import { StoreFullError } from './store-full-error.js';

/** A signature id reduced to 64 bits, as two unsigned 32-bit lanes; `0/0` is reserved for "empty slot". */
export interface Fingerprint {
  high: number;
  low: number;
}

export interface ReplayTableOptions {
  /** Most bytes all generation tables may take together, counted at the peak of a resize. */
  maxBytes: number;
  /** Time span of one generation: expiries in one span share a table, dropped at once when it has passed. */
  generationMs: number;
}

/** Each slot: fingerprint high lane, low lane, expiry (Unix seconds, rounded up). */
const WORDS_PER_SLOT = 3;
export const BYTES_PER_SLOT = WORDS_PER_SLOT * Uint32Array.BYTES_PER_ELEMENT;
/** Tables of this many slots (768 KiB) and more have a summary in front: 8 bits (1 byte) more per slot. */
const SUMMARY_MIN_SLOTS = 65_536;
/** The summary has one 32-bit word per this many slots. */
const SLOTS_PER_SUMMARY_WORD = 4;
/** Slots of a new generation table (12 KiB): an idle store stays small. */
export const INITIAL_SLOTS = 1024;
/** Above this share of used slots a table doubles: linear probing stays short below it. */
const MAX_LOAD = 0.75;
/** Expiries are stored as u32 Unix seconds. */
const MAX_EXPIRY_SECONDS = 0xffff_ffff;

/**
 * The signatures a memory store has admitted, each until its expiry, bounded by memory and never by eviction.
 *
 * A key's signature id is stored as a 64-bit fingerprint (ids hold a 256-bit HMAC, so two live ids share one with
 * odds about N / 2^64; a collision can only refuse an honest request as a replay, never admit one) plus its
 * expiry in whole seconds: 12 bytes a slot (13 in tables of `SUMMARY_MIN_SLOTS` and more, which carry a
 * summary; see `Generation`). Slots live in open-addressing tables (linear probing), one table per generation
 * of `generationMs` of expiry time. A table starts at 1024 slots and doubles above 75 % load; it is dropped
 * whole once every expiry it may hold has passed. A lookup looks in every generation (a large one's summary
 * first) and ignores expired slots. When a table cannot grow (or a new one cannot start) within `maxBytes`,
 * `reserve` throws `StoreFullError`, and nothing is forgotten.
 *
 * The hash is keyed with a random seed per store, so a key holder cannot pick signatures that pile up in one
 * probe chain.
 */
export class ReplayTable {
  private readonly generations = new Map<number, Generation>();
  private readonly maxBytes: number;
  private readonly generationMs: number;
  private readonly seedHigh: number;
  private readonly seedLow: number;
  private allocatedBytes = 0;

  constructor(options: ReplayTableOptions) {
    this.maxBytes = options.maxBytes;
    this.generationMs = options.generationMs;
    const seed = randomBytes(8);
    this.seedHigh = seed.readUInt32LE(0);
    this.seedLow = seed.readUInt32LE(4);
  }

  /** The fingerprint of one key's signature id. Ids are unique per key only, so the key is part of it. */
  fingerprint(key: string, id: string): Fingerprint {
    return fingerprint64(key, id, this.seedHigh, this.seedLow);
  }

  /** Whether the signature is remembered with an expiry after `now`. */
  has(print: Fingerprint, now: number): boolean {
    for (const generation of this.generations.values()) {
      if (generation.has(print.high, print.low, now)) return true;
    }
    return false;
  }

  /** Drops the tables of generations that have wholly passed at `now`. */
  forgetExpired(now: number): void {
    for (const [bucket, generation] of this.generations) {
      if ((bucket + 1) * this.generationMs <= now) {
        this.generations.delete(bucket);
        this.allocatedBytes -= generation.bytes;
      }
    }
  }

  /**
   * Makes sure `add` of one signature expiring at `expiresAt` will not need memory: grows or starts its
   * generation's table now. Throws `StoreFullError` when that would pass `maxBytes` (nothing changed then).
   */
  reserve(expiresAt: number): void {
    this.generationWithRoom(expiresAt);
  }

  /** Remembers a signature until `expiresAt` (rounded up to the second). Call `reserve` first. */
  add(print: Fingerprint, expiresAt: number): void {
    this.generationWithRoom(expiresAt).put(print.high, print.low, expirySeconds(expiresAt));
  }

  /** Bytes held by the tables now. */
  get bytes(): number {
    return this.allocatedBytes;
  }

  /** Number of generation tables held now. */
  get generationCount(): number {
    return this.generations.size;
  }

  private generationWithRoom(expiresAt: number): Generation {
    const bucket = Math.floor((expirySeconds(expiresAt) * 1000) / this.generationMs);
    const current = this.generations.get(bucket);
    if (current === undefined) {
      this.claim(Generation.bytesFor(INITIAL_SLOTS));
      const started = new Generation(INITIAL_SLOTS);
      this.generations.set(bucket, started);
      return started;
    }
    if (current.hasRoom()) return current;
    // Old and new tables coexist while rehashing: both count against the bound.
    this.claim(Generation.bytesFor(current.capacity * 2));
    const grown = current.doubled();
    this.generations.set(bucket, grown);
    this.allocatedBytes -= current.bytes;
    return grown;
  }

  private claim(bytes: number): void {
    if (this.allocatedBytes + bytes > this.maxBytes) {
      throw new StoreFullError(
        `MemoryDecisionStore: the replay table is full (${this.allocatedBytes} of ${this.maxBytes} bytes hold signatures ` +
          'still inside their window); signed requests are refused until some expire. Raise the bound with ' +
          'new MemoryDecisionStore({ maxReplayBytes }), or use a shared store such as RedisDecisionStore',
      );
    }
    this.allocatedBytes += bytes;
  }
}

/**
 * One generation: an open-addressing table of (fingerprint, expiry) slots; from `SUMMARY_MIN_SLOTS` on, behind
 * a summary of the fingerprints it holds. A lookup probes every generation, and nearly every lookup is of a
 * new signature: the summary answers most of those without touching the slots (a table of 2^20 slots is
 * 12 MiB, where a probe is a cache and TLB miss; its summary is 1 MiB). Smaller tables stay in cache anyway.
 *
 * The summary is a blocked bloom filter: three bits of one 32-bit word per fingerprint, 8 bits per slot, so
 * at 75 % load (the most) a miss passes it about 2.5 % of the time. It only ever gains bits: a fingerprint it
 * lacks is surely not in the slots, and any other goes on to the slots, so it never changes an answer.
 */
class Generation {
  private readonly slots: Uint32Array;
  private readonly summary: Uint32Array;
  private readonly shift: number;
  private readonly summaryShift: number;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = new Uint32Array(capacity * WORDS_PER_SLOT);
    this.summary = new Uint32Array(summaryWords(capacity));
    // The slot index is the top bits of the high lane (the best-mixed bits of a multiplicative hash); the
    // summary word, the top bits of the low lane, and its bits, low bits of both lanes.
    this.shift = 32 - Math.log2(capacity);
    this.summaryShift = 32 - Math.log2(Math.max(1, this.summary.length));
  }

  /** Bytes of a table of `capacity` slots, with its summary. */
  static bytesFor(capacity: number): number {
    return capacity * BYTES_PER_SLOT + summaryWords(capacity) * Uint32Array.BYTES_PER_ELEMENT;
  }

  get bytes(): number {
    return this.slots.byteLength + this.summary.byteLength;
  }

  hasRoom(): boolean {
    return this.count + 1 <= this.capacity * MAX_LOAD;
  }

  has(high: number, low: number, now: number): boolean {
    if (this.summary.length !== 0) {
      const bits = summaryBits(high, low);
      if (((this.summary[low >>> this.summaryShift] as number) & bits) !== bits) return false;
    }
    const at = this.slotOf(high, low);
    const slots = this.slots;
    // An empty slot ends the probe: the fingerprint is not here (0/0 is never a fingerprint).
    if (slots[at] === 0 && slots[at + 1] === 0) return false;
    return (slots[at + 2] as number) * 1000 > now;
  }

  /** Adds or extends a slot; the caller made sure `hasRoom()`. */
  put(high: number, low: number, expiry: number): void {
    const at = this.slotOf(high, low);
    const slots = this.slots;
    if (slots[at] === 0 && slots[at + 1] === 0) {
      slots[at] = high;
      slots[at + 1] = low;
      slots[at + 2] = expiry;
      if (this.summary.length !== 0) {
        const word = low >>> this.summaryShift;
        this.summary[word] = (this.summary[word] as number) | summaryBits(high, low);
      }
      this.count++;
    } else if ((slots[at + 2] as number) < expiry) {
      // Only an expired entry can be here (a live one is refused as a replay before `put`).
      slots[at + 2] = expiry;
    }
  }

  /**
   * The word offset of the fingerprint's slot, or of the first empty slot of its probe chain (linear probing).
   * One table never holds a fingerprint twice, and is never full (`hasRoom`), so this ends.
   */
  private slotOf(high: number, low: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let index = high >>> this.shift; ; index = (index + 1) & mask) {
      const at = index * WORDS_PER_SLOT;
      const slotHigh = slots[at] as number;
      const slotLow = slots[at + 1] as number;
      if ((slotHigh === 0 && slotLow === 0) || (slotHigh === high && slotLow === low)) return at;
    }
  }

  doubled(): Generation {
    const next = new Generation(this.capacity * 2);
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += WORDS_PER_SLOT) {
      const high = slots[at] as number;
      const low = slots[at + 1] as number;
      if (high !== 0 || low !== 0) next.put(high, low, slots[at + 2] as number);
    }
    return next;
  }
}

function summaryWords(capacity: number): number {
  return capacity >= SUMMARY_MIN_SLOTS ? capacity / SLOTS_PER_SUMMARY_WORD : 0;
}

/** The three bits of a fingerprint's summary word (two may coincide). */
function summaryBits(high: number, low: number): number {
  return (1 << (low & 31)) | (1 << ((low >>> 5) & 31)) | (1 << (high & 31));
}

function expirySeconds(expiresAt: number): number {
  const seconds = Math.ceil(expiresAt / 1000);
  if (!(seconds >= 0 && seconds <= MAX_EXPIRY_SECONDS)) {
    throw new RangeError('MemoryDecisionStore: signature.expiresAt must be a Unix time in milliseconds before 2106');
  }
  return seconds;
}

/** The two lanes of the hash being computed (module state, so mixing a string allocates nothing). */
let h1 = 0;
let h2 = 0;

/**
 * A seeded 64-bit hash of a key and an id, in two 32-bit lanes (cyrb53's mixing, keeping both full lanes). Not
 * cryptographic: the ids it reduces already carry an HMAC, so only the spread matters. The two strings are
 * read in place, not joined: a joined string is flattened (copied) before its first `charCodeAt`.
 */
function fingerprint64(key: string, id: string, seedHigh: number, seedLow: number): Fingerprint {
  // Both lengths go in first: with them the pair is unambiguous ("a" + "bc" is not "ab" + "c"), two inputs of
  // the same lengths differ in at least one word, and "x" and "x\0" start apart.
  h1 = 0xdeadbeef ^ seedHigh ^ key.length;
  h2 = 0x41c6ce57 ^ seedLow ^ id.length;
  mix(key);
  mix(id);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const high = h1 >>> 0;
  const low = h2 >>> 0;
  // 0/0 marks an empty slot.
  return high === 0 && low === 0 ? { high: 0, low: 1 } : { high, low };
}

/** Mixes a string into the lanes. */
function mix(text: string): void {
  // Two UTF-16 units per step (an injective 32-bit word): half the multiply chain of one unit per step.
  const pairsEnd = text.length & ~1;
  for (let i = 0; i < pairsEnd; i += 2) {
    const first = text.charCodeAt(i);
    const second = text.charCodeAt(i + 1);
    // Each lane takes the pair in its own order: the low bits of a product see only low input bits, and
    // this keeps those of the two lanes from being the same function of the text.
    h1 = Math.imul(h1 ^ (first | (second << 16)), 2654435761);
    h2 = Math.imul(h2 ^ (second | (first << 16)), 1597334677);
  }
  if (pairsEnd < text.length) {
    const word = text.charCodeAt(pairsEnd);
    h1 = Math.imul(h1 ^ word, 2654435761);
    h2 = Math.imul(h2 ^ word, 1597334677);
  }
}
