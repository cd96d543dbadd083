// Cost-based rate limiting (issue 12). Every operation has a cost (src/limits/cost.ts) computed from
// the validated document before anything runs; each API token has a bucket of points; an operation
// that does not fit is refused with 429, `Retry-After` and a THROTTLED error before its token is even
// looked up. The actual cost is counted while the operation runs (src/limits/cost.ts: the fields
// that ran, plus the rows domain functions report, src/domain/kit/work.ts); after execution the
// difference with the charge is refunded, or taken when the operation did more than it was charged
// for. Every response of a token reports it in `extensions.cost`, as Shopify does, and in GitHub's
// `X-RateLimit-Limit`, `-Remaining` and `-Reset` headers (the same bucket). A subscription
// is charged per event (eventMeter): each event runs its selection again, and pays what its result
// holds (events of one subscription share a context, so they cannot each have a running meter).
//
// The arithmetic is rate-limiter-flexible's, which counts fixed windows rather than a continuously
// refilling bucket: a bucket of `points` is a window of `points / restoreRate` seconds (1000 points,
// 50/s: 20 s) that starts with the token's first operation, and the whole bucket comes back when the
// window ends (`resetAt`), as GitHub's hourly limit does. `restoreRate` is therefore an average;
// `throttleStatus` says so with `resetAt` and `windowSeconds`. With Redis the window is a whole number
// of seconds (Redis key expiry), and the reported rate is recomputed from it.
//
// Buckets live in Redis when a client is given (shared by every instance), in memory otherwise. When
// Redis is unreachable each instance falls back to its own in-memory buckets (rate-limiter-flexible's
// insurance limiter), with one warning per outage: requests keep being limited, per instance.
//
// Failed authentications are limited per client address too: after `authFailures` in a window, the
// address gets 429 on the GraphQL endpoint before any token is looked up.
import type { IncomingMessage } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { bearerToken, hashToken } from '../auth/tokens.js';
import { LRUCache } from 'lru-cache';
import { withWorkMeter } from '../domain/kit/work.js';
import { actualCost, COST, introspectionCost, meterResolvers, requestedCost, shareMeter, startMeter, stopMeter, type Meter } from './cost.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface RateLimitOptions {
  metrics?: Metrics;
  /** Where warnings go (Redis outages, blocked addresses); Yoga's logger when not given. */
  logger?: Logger;
  /** Off: no buckets, no `extensions.cost`, no 429 (`rateLimit` answers `enabled: false`). On by default. */
  enabled?: boolean;
  /** A token's bucket: the most points it holds (default 1000). */
  points?: number;
  /** Points per second the bucket regains on average (default 50): the window is points / restoreRate seconds. */
  restoreRate?: number;
  /** Buckets in this Redis (see `connectRedis`), shared by every instance; in memory when not given. The caller closes it. */
  redis?: Redis;
  /** Prefix of the Redis keys (default `gateway:ratelimit`): instances sharing buckets use the same. */
  keyPrefix?: string;
  /** Failed authentications one client address may make per window (default 20) ... */
  authFailures?: number;
  /** ... and that window, in seconds (default 60). */
  authWindowSeconds?: number;
  /**
   * How long a token that authenticated is known to be valid (default 1 day): a known token is never
   * refused for the failed authentications of its address, which are someone else's guesses.
   */
  knownTokenSeconds?: number;
  /**
   * How many reverse proxies in front of the gateway append to `X-Forwarded-For` (default 0: the
   * client address is the socket's, and `X-Forwarded-For` is ignored, since anyone can send it).
   */
  trustProxy?: number;
}

export const RATE_LIMIT_DEFAULTS = {
  points: 1000,
  restoreRate: 50,
  keyPrefix: 'gateway:ratelimit',
  authFailures: 20,
  authWindowSeconds: 60,
  knownTokenSeconds: 86_400,
  trustProxy: 0,
} as const;

/** A bucket as last seen: points left and when the window ends (ms since the epoch). */
interface BucketState {
  remaining: number;
  resetAt: number;
}

/** One GraphQL operation on its way through the limiter, by its context object. */
interface Operation {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
  requested: number;
  /** The bucket's key: the token's SHA-256 hash (what api_tokens stores), never the token. */
  key?: string;
  /** Points taken from the bucket: the requested cost, then work reserved during execution. */
  charged: number;
  /** What ran, counted during execution; absent until execution starts. */
  meter?: Meter;
  bucket?: BucketState;
  /** Charges the bucket, or throws THROTTLED / MAX_COST_EXCEEDED; run before authentication. */
  charge(): Promise<void>;
}

const operations = new WeakMap<object, Operation>();

/**
 * Called by the context factory (src/http/context.ts) before the token is looked up: an operation
 * over the limit runs nothing, not even the token's SQL. Does nothing when the limiter is off.
 */
export async function chargeOperation(context: object): Promise<void> {
  await operations.get(context)?.charge();
}

/** What ends a subscription whose token's bucket cannot pay its next event. */
export interface EventRefusal {
  code: 'THROTTLED';
  message: string;
}

/** A live subscription's events, as the limiter charges them (set once its stream is open). */
interface EventMeter {
  charge(): Promise<EventRefusal | null>;
}

const meters = new WeakMap<object, EventMeter>();

/**
 * Charges the next event of the subscription running in `context` its requested cost (the cost of the
 * subscription's selection), right before the event is executed; what it did not use is given back
 * once it ran, and the event reports both in its `extensions.cost`. Null when the event is paid for
 * (or nothing is limited); the refusal that must end the subscription when the bucket cannot pay.
 */
export async function chargeSubscriptionEvent(context: object): Promise<EventRefusal | null> {
  return (await meters.get(context)?.charge()) ?? null;
}

/**
 * The limit on failed authentications, for transports that authenticate outside Yoga's request
 * hooks (WebSockets, src/http/websocket.ts: a socket is authenticated once, when it opens).
 */
export interface AuthenticationGate {
  /**
   * Where `request` comes from (its socket's address, or X-Forwarded-For by `trustProxy`), remembered
   * for the failures it makes; the refusal when that address failed too often and its token is not
   * known to be valid, else null.
   */
  admit(request: Request, serverContext: unknown): Promise<{ message: string; retryAfter: number } | null>;
  /** `request`'s token failed authentication: one more failure of its address, and the token is no longer known. */
  failed(request: Request): Promise<void>;
  /** `request`'s token authenticated: it is known to be valid (never refused for its address's failures). */
  succeeded(request: Request): Promise<void>;
}

/**
 * Takes `points` from the bucket of the token whose hash is `tokenHash`, for work that runs after its
 * request (a bulk export's rows, src/exports/run.ts): never refused, it may leave the bucket empty,
 * and the token's next operations then wait for the window to end.
 */
export type TokenCharge = (tokenHash: string, points: number) => Promise<void>;

/** The rate limiter's plugin, its gate and its background charge (none when the limiter is off). */
export type RateLimitPlugin = Plugin & { gate?: AuthenticationGate; charge?: TokenCharge };

/** What the `rateLimit` field reports: the bucket right after this operation was charged. */
export interface RateLimitStatus {
  cost: number;
  limit: number;
  remaining: number;
  resetAt: Date;
  restoreRate: number;
}

const statuses = new WeakMap<object, RateLimitStatus>();

/** The rate limit of the operation running in `context`; undefined when the limiter is off. */
export function rateLimitStatus(context: object): RateLimitStatus | undefined {
  return statuses.get(context);
}

/**
 * `rerun` executes `context`'s operation again, from the start (a query a read replica failed runs
 * again on the primary, src/http/replicas.ts): its resolvers count on the same meter and report the
 * same rate limit.
 */
export function sameOperation(context: object, rerun: object): void {
  const status = statuses.get(context);
  if (status) statuses.set(rerun, status);
  shareMeter(context, rerun);
}

/**
 * A Redis client as the limiter needs it: commands fail at once while disconnected (no offline queue)
 * or after 500 ms, so that the in-memory insurance takes over instead of requests waiting; connection
 * losses and recoveries are logged once each.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const client = new Redis(url, { enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 1 });
  let up: boolean | undefined;
  client.on('ready', () => {
    if (up === false) logger.info('rate limits: Redis is back; buckets are shared again');
    up = true;
  });
  client.on('error', (error: Error) => {
    if (up !== false) {
      logger.warn(
        { err: error },
        'rate limits: Redis unreachable; each instance limits with its own in-memory buckets until it is back',
      );
    }
    up = false;
  });
  return client;
}

/** rate-limiter-flexible in Redis with an in-memory insurance, or in memory only. */
function createLimiter(points: number, duration: number, keyPrefix: string, redis: Redis | undefined): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration, keyPrefix });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    points,
    duration,
    keyPrefix,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/** The client's address: the socket's, or with `trustProxy` hops, the one they saw in X-Forwarded-For. */
export function clientAddress(request: Request, serverContext: unknown, trustProxy: number): string {
  const socket = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress;
  let address = socket ?? 'unknown';
  if (trustProxy > 0) {
    const forwarded = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const chain = [...forwarded, address];
    address = chain[Math.max(0, chain.length - 1 - trustProxy)]!;
  }
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function throttledResponse(fetchAPI: { Response: typeof Response }, message: string, retryAfter: number): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'THROTTLED' } }] }), {
    status: 429,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) },
  });
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** X-RateLimit-Reset: when the bucket is full again, in whole seconds since the epoch (rounded up). */
export const resetSeconds = (bucket: { resetAt: number }) => Math.ceil(bucket.resetAt / 1000);

export function useRateLimit(options: RateLimitOptions = {}): RateLimitPlugin {
  if (options.enabled === false) return {};
  const maximum = options.points ?? RATE_LIMIT_DEFAULTS.points;
  const rate = options.restoreRate ?? RATE_LIMIT_DEFAULTS.restoreRate;
  if (!(Number.isInteger(maximum) && maximum > 0)) throw new Error(`rate limit points must be a positive integer, got ${maximum}`);
  if (!(rate > 0)) throw new Error(`rate limit restore rate must be positive, got ${rate}`);
  const redis = options.redis;
  const prefix = options.keyPrefix ?? RATE_LIMIT_DEFAULTS.keyPrefix;
  // Redis expires keys in whole seconds (rate-limiter-flexible floors the duration).
  const windowSeconds = redis ? Math.max(1, Math.round(maximum / rate)) : maximum / rate;
  const restoreRate = maximum / windowSeconds;
  const buckets = createLimiter(maximum, windowSeconds, `${prefix}:cost`, redis);
  const authFailures = options.authFailures ?? RATE_LIMIT_DEFAULTS.authFailures;
  const authWindow = options.authWindowSeconds ?? RATE_LIMIT_DEFAULTS.authWindowSeconds;
  const failures = createLimiter(authFailures, authWindow, `${prefix}:auth`, redis);
  // Hashes of tokens that authenticated lately (by any instance, with Redis). Marked at most once a
  // minute per token and instance, so that a busy token does not write to Redis on every request.
  const knownSeconds = options.knownTokenSeconds ?? RATE_LIMIT_DEFAULTS.knownTokenSeconds;
  const known = createLimiter(1, knownSeconds, `${prefix}:known`, redis);
  const marked = new LRUCache<string, true>({ max: 10_000, ttl: Math.min(60_000, knownSeconds * 1000) });
  const trustProxy = options.trustProxy ?? RATE_LIMIT_DEFAULTS.trustProxy;
  const metrics = options.metrics;
  let logger: Pick<Logger, 'warn'> | undefined = options.logger;
  let endpoint = '/graphql';
  const addresses = new WeakMap<Request, string>();
  // The bucket a request's answer reports, for its X-RateLimit-* headers (the same as its extensions.cost).
  const reported = new WeakMap<Request, BucketState>();

  const stateOf = (res: RateLimiterRes | null, consumed = res?.consumedPoints ?? 0): BucketState => {
    const now = Date.now();
    if (!res || res.msBeforeNext <= 0) return { remaining: maximum, resetAt: now };
    return { remaining: Math.min(maximum, Math.max(0, maximum - consumed)), resetAt: now + res.msBeforeNext };
  };

  const throttleStatus = (bucket: BucketState) => ({
    maximumAvailable: maximum,
    currentlyAvailable: bucket.remaining,
    restoreRate,
    // A fixed window: the whole maximum comes back at resetAt; restoreRate is its average.
    resetAt: new Date(bucket.resetAt).toISOString(),
    windowSeconds,
  });

  /**
   * Takes `points` from `key`'s bucket for `what` (an operation, its work, a subscription event). A
   * refusal gives back the points rate-limiter-flexible counted and says when the bucket is full
   * again; a failure of the limiter itself (not a refusal: the insurance covers Redis) lets the work
   * through, logged, as null.
   */
  async function consume(
    operation: Operation,
    key: string,
    points: number,
    what: string,
  ): Promise<{ res: RateLimiterRes } | { before: BucketState; retryAfter: number } | null> {
    try {
      return { res: await buckets.consume(key, points) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) {
        logger?.warn({ err: error }, `rate limits: the bucket could not be charged; ${what} let through`);
        return null;
      }
      const before = stateOf(error, error.consumedPoints - points);
      operation.bucket = await giveBack(key, points, stateOf(error)).catch(() => before);
      metrics?.rateLimitRejections.inc({ reason: 'cost' });
      return { before, retryAfter: seconds(before.resetAt - Date.now()) };
    }
  }

  /** Gives back points taken in the current window (never more than the window took). */
  async function giveBack(key: string, points: number, bucket: BucketState): Promise<BucketState> {
    // The window has ended: the points came back with the rest.
    if (Date.now() >= bucket.resetAt) return stateOf(await buckets.get(key));
    const res = await buckets.reward(key, points);
    // The window ended in between and the reward opened a new one below zero: level it out.
    if (res.consumedPoints < 0) return stateOf(await buckets.penalty(key, -res.consumedPoints));
    return stateOf(res);
  }

  /** Takes points beyond the charge (an operation that did more than it was charged for). */
  async function take(key: string, points: number): Promise<BucketState> {
    return stateOf(await buckets.penalty(key, points));
  }

  /**
   * Work a domain function is about to do (src/domain/kit/work.ts), charged now: a call the bucket
   * cannot pay for writes nothing. Refused as an operation is (THROTTLED, or MAX_COST_EXCEEDED when no
   * bucket could ever pay), as an error of the field that asked.
   */
  async function reserve(operation: Operation, rows: number): Promise<void> {
    const key = operation.key;
    if (key === undefined || !operation.bucket) return;
    // With what the operation was charged already, more than a whole bucket: it could never run.
    if (operation.charged + rows > maximum) {
      metrics?.rateLimitRejections.inc({ reason: 'cost' });
      throw new GraphQLError(
        `This call would write ${rows} rows, at 1 point each, which with the ${operation.charged} points of the ` +
          `operation is more than a token's bucket holds (${maximum}): it can never run. Ask for less in one call ` +
          '(an earlier `until`, fewer contracts).',
        { extensions: { code: 'MAX_COST_EXCEEDED', cost: operation.charged + rows, maximumAvailable: maximum } },
      );
    }
    const taken = await consume(operation, key, rows, 'work');
    if (!taken) return;
    if ('before' in taken) {
      const { before, retryAfter } = taken;
      throw new GraphQLError(
        `Throttled: this call would write ${rows} rows, at 1 point each, and ${before.remaining} of ${maximum} points ` +
          `are left; nothing was written. The bucket is full again at ${new Date(before.resetAt).toISOString()}: ` +
          `retry in ${retryAfter} s, or ask for less in one call.`,
        { extensions: { code: 'THROTTLED', retryAfter } },
      );
    }
    operation.charged += rows;
    operation.bucket = stateOf(taken.res);
  }

  async function charge(operation: Operation, request: Request, context: object): Promise<void> {
    try {
      await chargeBucket(operation, request, context);
    } finally {
      // A subscription's headers go out with its stream: they show the bucket as its opening left it.
      if (operation.bucket) reported.set(request, operation.bucket);
    }
  }

  async function chargeBucket(operation: Operation, request: Request, context: object): Promise<void> {
    const token = bearerToken(request.headers);
    if (token === null) return; // Authentication refuses it next, for free.
    const key = hashToken(token);
    operation.key = key;
    const cost = operation.requested;
    if (cost > maximum) {
      metrics?.rateLimitRejections.inc({ reason: 'cost' });
      operation.bucket = stateOf(await buckets.get(key));
      throw new GraphQLError(
        `This operation costs ${cost} points, more than a token's bucket holds (${maximum}): it can never run. ` +
          'Ask for smaller pages (`first`/`last`) or fewer nested connections, or split it.',
        { extensions: { code: 'MAX_COST_EXCEEDED', cost, maximumAvailable: maximum, http: { status: 400 } } },
      );
    }
    const taken = cost === 0 ? { res: await buckets.get(key) } : await consume(operation, key, cost, 'operation');
    if (!taken) return;
    if ('before' in taken) {
      const { before, retryAfter } = taken;
      throw new GraphQLError(
        `Throttled: this operation costs ${cost} points and ${before.remaining} of ${maximum} are left. ` +
          `The bucket is full again at ${new Date(before.resetAt).toISOString()}: retry in ${retryAfter} s.`,
        { extensions: { code: 'THROTTLED', http: { status: 429, headers: { 'Retry-After': String(retryAfter) } } } },
      );
    }
    operation.charged = cost;
    operation.bucket = stateOf(taken.res);
    statuses.set(context, {
      cost,
      limit: maximum,
      remaining: operation.bucket.remaining,
      resetAt: new Date(operation.bucket.resetAt),
      restoreRate,
    });
  }

  /**
   * The meter of a subscription whose stream just opened. Opening it ran none of its selection: of
   * what the start was charged it keeps the subscription field's own cost (1). Each event is then
   * charged like an operation of its own, before it runs (`charge`, called by the stream) and settled
   * to its actual cost after (`settle`, on the event's result), so that a subscription costs what its
   * events read. An event that does not fit is refused: the stream ends with THROTTLED.
   */
  function eventMeter(operation: Operation, key: string): EventMeter & { settle(result: ExecutionResult): Promise<ExecutionResult> } {
    const perEvent = operation.requested;
    const keep = Math.min(operation.charged, COST.object);
    const opened = operation.bucket;
    const ready =
      operation.charged > keep && opened
        ? giveBack(key, operation.charged - keep, opened).then(
            (bucket) => void (operation.bucket = bucket),
            () => undefined,
          )
        : Promise.resolve();
    operation.charged = keep;
    /** Points taken for the event being executed; `refused` when the last one could not be paid. */
    let inFlight = 0;
    let refused = false;
    return {
      async charge() {
        await ready;
        const taken = await consume(operation, key, perEvent, 'subscription event');
        if (!taken) return null;
        if ('before' in taken) {
          const { before, retryAfter } = taken;
          refused = true;
          return {
            code: 'THROTTLED',
            message:
              `Throttled: each event of this subscription costs up to ${perEvent} points and ${before.remaining} of ${maximum} ` +
              `are left, so the subscription ended. The bucket is full again at ${new Date(before.resetAt).toISOString()}: ` +
              `subscribe again in ${retryAfter} s.`,
          };
        }
        inFlight = perEvent;
        operation.bucket = stateOf(taken.res);
        return null;
      },

      async settle(result) {
        // The last message of a token that is no longer valid: no bucket to report, as for queries.
        if (result.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return result;
        const paid = inFlight;
        inFlight = 0;
        let actual = 0;
        if (paid > 0) {
          actual = Math.min(paid, actualCost(operation.schema, operation.document, operation.variables, operation.operationName, result.data));
          if (actual < paid && operation.bucket) {
            const bucket = operation.bucket;
            operation.bucket = await giveBack(key, paid - actual, bucket).catch(() => bucket);
          }
        }
        // A refused event reports what it would have been charged; a last error that ran nothing, 0.
        const requested = paid > 0 || refused ? perEvent : 0;
        refused = false;
        const cost = { requested, actual, throttleStatus: operation.bucket ? throttleStatus(operation.bucket) : null };
        return { ...result, extensions: { ...result.extensions, cost } };
      },
    };
  }

  const gate: AuthenticationGate = {
    async admit(request, serverContext) {
      const address = clientAddress(request, serverContext, trustProxy);
      addresses.set(request, address);
      const seen = await failures.get(address);
      if (!seen || seen.consumedPoints < authFailures || seen.msBeforeNext <= 0) return null;
      // A token known to be valid is let through: the failures are someone else's (behind a proxy
      // without TRUST_PROXY, every client's). Only unknown tokens, the guesses, are refused.
      const token = bearerToken(request.headers);
      if (token !== null && (await known.get(hashToken(token)).catch(() => null))) return null;
      const retryAfter = seconds(seen.msBeforeNext);
      metrics?.rateLimitRejections.inc({ reason: 'authentication' });
      return { message: `Too many failed authentications from your address (${authFailures} in ${authWindow} s): retry in ${retryAfter} s.`, retryAfter };
    },

    async failed(request) {
      const token = bearerToken(request.headers);
      // No token is no guess: authentication refuses it for free.
      if (token === null) return;
      // A revoked token is no longer known: its next uses count as failures like any guess.
      const hash = hashToken(token);
      marked.delete(hash);
      await known.delete(hash).catch(() => undefined);
      const address = addresses.get(request) ?? 'unknown';
      const res = await failures.penalty(address, 1).catch(() => null);
      if (res && res.consumedPoints === authFailures) {
        logger?.warn({ address, failures: authFailures, windowSeconds: authWindow }, 'rate limits: too many failed authentications; address refused');
      }
    },

    async succeeded(request) {
      const token = bearerToken(request.headers);
      if (token === null) return;
      const hash = hashToken(token);
      if (!marked.has(hash)) {
        marked.set(hash, true);
        await known.set(hash, 1, knownSeconds).catch(() => marked.delete(hash));
      }
    },
  };

  return {
    gate,
    async charge(tokenHash, points) {
      if (points > 0) await take(tokenHash, points);
    },
    onYogaInit({ yoga }) {
      endpoint = yoga.graphqlEndpoint;
      logger ??= yoga.logger as unknown as Pick<Logger, 'warn'>;
    },

    // Before anything else: an address that failed authentication too often is refused without
    // parsing, and before any token is looked up.
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const refused = await gate.admit(request, serverContext);
      if (refused) endResponse(throttledResponse(fetchAPI, refused.message, refused.retryAfter));
    },

    // Counting what runs: the fields (src/limits/cost.ts) and the rows domain functions report
    // (src/domain/kit/work.ts), for operations that were charged.
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as object;
      const operation = operations.get(context);
      if (operation?.key === undefined || !operation.bucket) return;
      meterResolvers(args.schema);
      const meter = startMeter(
        context,
        introspectionCost(operation.schema, operation.document, operation.variables, operation.operationName),
      );
      operation.meter = meter;
      const work = {
        reserve: (rows: number) => reserve(operation, rows),
        wrote: (rows: number) => {
          meter.points += rows;
        },
      };
      setExecuteFn((execution) => withWorkMeter(work, () => executeFn(execution)));
    },

    // The cost, from the validated document (nothing is set here: Yoga caches validation results).
    onValidate({ context, params }) {
      return ({ valid }) => {
        if (!valid) return;
        const request = context.request;
        const graphqlParams = context.params;
        const operation: Operation = {
          schema: params.schema,
          document: params.documentAST,
          variables: graphqlParams?.variables,
          operationName: graphqlParams?.operationName,
          requested: requestedCost(params.schema, params.documentAST, graphqlParams?.variables, graphqlParams?.operationName),
          charged: 0,
          charge: () => charge(operation, request, context),
        };
        operations.set(context, operation);
      };
    },

    // A subscription's events are charged one by one (eventMeter); an error instead of a stream (bad
    // arguments, no slot left) is settled by onExecutionResult like any result.
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result }) {
          const context = args.contextValue as object;
          const operation = operations.get(context);
          if (operation?.key === undefined || !(Symbol.asyncIterator in result)) return;
          const meter = eventMeter(operation, operation.key);
          meters.set(context, meter);
          return {
            onNext: async ({ result: event, setResult }) => setResult(await meter.settle(event)),
          };
        },
      };
    },

    // Refund, failed authentications, and the cost in every response of a token.
    async onExecutionResult({ result, setResult, request, context }) {
      if (!result || Symbol.asyncIterator in result) return;
      const operation = operations.get(context);
      const token = bearerToken(request.headers);
      if (result.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
        // Nothing ran: the whole charge goes back. A token that is no token has no bucket to report.
        reported.delete(request);
        if (operation?.key && operation.charged && operation.bucket) {
          await giveBack(operation.key, operation.charged, operation.bucket).catch(() => undefined);
        }
        await gate.failed(request);
        return;
      }
      if ((context as { viewer?: unknown }).viewer) await gate.succeeded(request);
      let cost;
      let reportedBucket: BucketState | undefined;
      if (operation?.key !== undefined) {
        let actual = 0;
        if (operation.bucket && operation.meter) {
          // What ran, whatever the shape of `data` (null after a failed non-null root field, or an
          // internal error): the rest of the charge goes back, or what it did beyond it is taken.
          // After an error, resolvers may still be running: they are counted when they are done.
          if (result.errors?.length || operation.meter.running) await operation.meter.settled();
          stopMeter(context);
          actual = operation.meter.points;
          const key = operation.key;
          const bucket = operation.bucket;
          if (actual < operation.charged) {
            operation.bucket = await giveBack(key, operation.charged - actual, bucket).catch(() => bucket);
          } else if (actual > operation.charged) {
            operation.bucket = await take(key, actual - operation.charged).catch(() => bucket);
          }
        }
        reportedBucket = operation.bucket;
        cost = {
          requested: operation.requested,
          actual,
          throttleStatus: operation.bucket ? throttleStatus(operation.bucket) : null,
        };
      } else if (token !== null) {
        // Refused before the cost was known (syntax, validation): free, but the bucket is still reported.
        const bucket = stateOf(await buckets.get(hashToken(token)).catch(() => null));
        reportedBucket = bucket;
        cost = { requested: 0, actual: 0, throttleStatus: throttleStatus(bucket) };
      }
      if (cost) setResult({ ...result, extensions: { ...result.extensions, cost } });
      if (reportedBucket) reported.set(request, reportedBucket);
      else reported.delete(request);
    },

    // GitHub's headers, from the bucket the answer's extensions.cost reports: the limit, what is
    // left, and when the window ends (whole seconds since the epoch, rounded up: never too early).
    onResponse({ request, response }) {
      const bucket = reported.get(request);
      if (!bucket) return;
      response.headers.set('x-ratelimit-limit', String(maximum));
      response.headers.set('x-ratelimit-remaining', String(bucket.remaining));
      response.headers.set('x-ratelimit-reset', String(resetSeconds(bucket)));
    },
  };
}
