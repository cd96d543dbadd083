// Cost-based rate limiting (issue 12): to be written.
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

export interface RateLimitOptions {
  metrics?: Metrics;
}

export function useRateLimit(_options: RateLimitOptions = {}): Plugin {
  return {};
}
