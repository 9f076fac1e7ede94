/**
 * A label whose values come from a closed list, plus `other` for anything else (and `none` where a value may be
 * absent): each value has a fixed index, so a series is an array slot and not a key built per event.
 */
export class ClosedLabel {
  /** Every value the label can take, by index; `other` is last. */
  readonly values: readonly string[];
  private readonly indexes: ReadonlyMap<unknown, number>;
  private readonly none: number;
  private readonly other: number;

  constructor(
    readonly name: string,
    known: readonly string[],
    { none }: { none: boolean },
  ) {
    this.values = [...known, ...(none ? ['none'] : []), 'other'];
    this.indexes = new Map(known.map((value, index) => [value, index]));
    this.other = this.values.length - 1;
    this.none = none ? this.other - 1 : this.other;
  }

  /** The index of `value`'s label value: `none` for undefined (when the label has it), `other` if unknown. */
  indexOf(value: unknown): number {
    if (value === undefined) return this.none;
    return this.indexes.get(value) ?? this.other;
  }
}
