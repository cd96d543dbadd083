// /ready, /metrics and per-operation metrics (issue 12): to be written.
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

export interface ObservabilityOptions {
  metrics?: Metrics;
}

export function useObservability(_options: ObservabilityOptions = {}): Plugin {
  return {};
}
