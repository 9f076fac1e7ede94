export { prometheusMetrics, type PrometheusHooks, type PrometheusMetricsOptions } from './metrics.js';
