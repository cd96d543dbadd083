// `rateLimit`: the caller's budget as GitHub reports it. The numbers come from the rate limiter
// (src/limits/rate-limit.ts), which charged this operation before it ran; the rule is in
// docs/rate-limits.md and src/limits/cost.ts.
import { operationCost } from '../limits/cost.js';
import { rateLimitStatus } from '../limits/rate-limit.js';
import { builder } from './builder.js';

interface RateLimitShape {
  enabled: boolean;
  cost: number;
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
  restoreRate: number | null;
}

const RateLimit = builder.objectRef<RateLimitShape>('RateLimit').implement({
  description:
    "The calling token's rate limit: every operation costs points (see docs/rate-limits.md), taken from " +
    "a bucket of `limit` points that is full again at `resetAt`. Every response also reports it in `extensions.cost`.",
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', {
      description: 'Whether this gateway limits requests; when false, `limit`, `remaining`, `resetAt` and `restoreRate` are null.',
    }),
    cost: t.exposeInt('cost', { description: 'What this operation was charged before it ran (its requested cost).' }),
    limit: t.exposeInt('limit', { nullable: true, description: 'The most points the bucket holds.' }),
    remaining: t.exposeInt('remaining', {
      nullable: true,
      description:
        "Points left once this operation was charged. What it did not use (actual < requested) is given back after it ran: see `extensions.cost`.",
    }),
    resetAt: t.expose('resetAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the bucket is full again: it refills all at once at the end of its window.',
    }),
    restoreRate: t.exposeFloat('restoreRate', {
      nullable: true,
      description: 'Points per second the bucket regains on average (`limit` per window).',
    }),
  }),
});

builder.queryField('rateLimit', (t) =>
  t.field({
    type: RateLimit,
    description: "The calling token's rate limit, after this operation's cost (like GitHub's `rateLimit`).",
    resolve: (_root, _args, ctx, info) => {
      const status = rateLimitStatus(ctx);
      if (!status) {
        const cost = operationCost(info.schema, info.operation, info.fragments, info.variableValues);
        return { enabled: false, cost, limit: null, remaining: null, resetAt: null, restoreRate: null };
      }
      return { enabled: true, ...status };
    },
  }),
);
