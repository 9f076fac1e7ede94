import type { ClosedLabel } from './closed-label.js';
import { KEYGATE_METRIC, type KeygateMetric, layoutOf } from './keygate-metric.js';

type Labels = Record<string, string>;

/**
 * A counter over every combination of closed labels, kept in one array: counting is `counts[series]++`, and the
 * samples are built when the registry is scraped. What `get()` returns, and so the text the registry prints, is
 * what prom-client's own Counter gives for the same increments: the series in the order each was first counted,
 * none that never was.
 *
 * A series is numbered by its labels' value indexes read as the digits of one number, the first label the most
 * significant: with labels `a` (2 values) and `b` (3 values), `a=1,b=2` is series `1 * 3 + 2`.
 */
export class ClosedLabelCounter implements KeygateMetric {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly [KEYGATE_METRIC]: string;
  private readonly counts: Float64Array;
  /** Series indexes, in the order each was first counted since the last reset. */
  private readonly counted: number[] = [];

  constructor(
    public name: string,
    readonly help: string,
    private readonly labels: readonly ClosedLabel[],
  ) {
    this[KEYGATE_METRIC] = layoutOf(name, labels);
    this.counts = new Float64Array(labels.reduce((size, label) => size * label.values.length, 1));
  }

  inc(series: number): void {
    if (this.counts[series] === 0) this.counted.push(series);
    (this.counts[series] as number)++;
  }

  async get() {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.counted.map((series) => ({ value: this.counts[series] as number, labels: this.labelsOf(series) })),
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.counted.length = 0;
  }

  private labelsOf(series: number): Labels {
    const valueIndexes: number[] = [];
    for (let i = this.labels.length - 1; i >= 0; i--) {
      const size = (this.labels[i] as ClosedLabel).values.length;
      valueIndexes[i] = series % size;
      series = Math.floor(series / size);
    }
    // In the labels' order: prom-client prints them in the order of the object it was given.
    return Object.fromEntries(
      this.labels.map((label, i) => [label.name, label.values[valueIndexes[i] as number] as string]),
    );
  }
}
