import type { ClosedLabel } from './closed-label.js';
import { KEYGATE_METRIC, type KeygateMetric, layoutOf } from './keygate-metric.js';

type Labels = Record<string, string>;

/** One sample as prom-client's Histogram gives it to the registry's text format: `le` first, then the series' labels. */
interface HistogramSample {
  labels: { le?: number | '+Inf' };
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A histogram over one closed label, in arrays: observing is a scan of the bounds and three increments, and the
 * cumulative buckets, sums and counts are built when the registry is scraped. What it gives the registry is what
 * prom-client's own Histogram gives for the same observations (series in the order each was first observed, `le`
 * inclusive, `+Inf` last, then `_sum` and `_count`).
 */
export class ClosedLabelHistogram implements KeygateMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly [KEYGATE_METRIC]: string;
  private readonly bucketCounts: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  /** Series (the label's value indexes), in the order each was first observed since the last reset. */
  private readonly observed: number[] = [];
  /** Per series, one object for every scrape: the registry caches the text of these labels by object. */
  private readonly seriesLabels: readonly Labels[];

  constructor(
    public name: string,
    readonly help: string,
    label: ClosedLabel,
    private readonly bounds: readonly number[],
  ) {
    this[KEYGATE_METRIC] = layoutOf(name, [label]);
    const size = label.values.length;
    this.bucketCounts = new Float64Array(size * bounds.length);
    this.sums = new Float64Array(size);
    this.counts = new Float64Array(size);
    this.seriesLabels = label.values.map((value) => ({ [label.name]: value }));
  }

  observe(series: number, value: number): void {
    if (this.counts[series] === 0) this.observed.push(series);
    (this.counts[series] as number)++;
    (this.sums[series] as number) += value;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        (this.bucketCounts[series * bounds.length + i] as number)++;
        return;
      }
    }
  }

  /** For the text format: the series' labels apart, as prom-client's Histogram gives them. */
  async getForPromString() {
    const { bounds, name } = this;
    const values: HistogramSample[] = [];
    for (const series of this.observed) {
      const sharedLabels = this.seriesLabels[series] as Labels;
      const count = this.counts[series] as number;
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += this.bucketCounts[series * bounds.length + i] as number;
        values.push(sample({ le: bounds[i] as number }, sharedLabels, cumulative, `${name}_bucket`, null));
      }
      values.push(
        sample({ le: '+Inf' }, sharedLabels, count, `${name}_bucket`, null),
        sample({}, sharedLabels, this.sums[series] as number, `${name}_sum`, undefined),
        sample({}, sharedLabels, count, `${name}_count`, undefined),
      );
    }
    return { name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** For JSON and cluster aggregation: each sample's labels in one object, `le` first. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.bucketCounts.fill(0);
    this.sums.fill(0);
    this.counts.fill(0);
    this.observed.length = 0;
  }
}

function sample(
  labels: HistogramSample['labels'],
  sharedLabels: Labels,
  value: number,
  metricName: string,
  exemplar: null | undefined,
): HistogramSample {
  return { labels, sharedLabels, value, metricName, exemplar };
}
