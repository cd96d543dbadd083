// The process's Prometheus metrics (prom-client), served at /metrics. One registry per app, so that
// tests that create several apps in one process do not share counts.
import { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** GraphQL operations, by operation name and outcome (ok, user_error, error, throttled, unauthenticated). */
  operations: Counter<'operation' | 'outcome'>;
  /** Their duration in seconds, by the same labels. */
  operationSeconds: Histogram<'operation' | 'outcome'>;
  /** Requests refused by the rate limiter, by why (cost, authentication). */
  rateLimitRejections: Counter<'reason'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    operations: new Counter({
      name: 'gateway_graphql_operations_total',
      help: 'GraphQL operations by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    operationSeconds: new Histogram({
      name: 'gateway_graphql_operation_duration_seconds',
      help: 'Duration of GraphQL operations, by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimitRejections: new Counter({
      name: 'gateway_rate_limit_rejections_total',
      help: 'Requests refused by the rate limiter, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
