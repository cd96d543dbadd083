// The HTTP application, without a listener: tests call `app.fetch(...)`, main.ts serves it.
import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import { processEventBus, type EventBus } from '../changes/pubsub.js';
import { SubscriptionSlots } from '../changes/slots.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { schema } from '../schema/index.js';
import { deliveryBacklog } from '../webhooks/deliver.js';
import { AddressPolicy } from '../webhooks/url-guard.js';
import { useExportDownloads } from './bulk-exports.js';
import { authenticate, tokenCache, type Authenticated } from '../auth/authenticate.js';
import { buildContext, type Context, type ContextSettings } from './context.js';
import { useCompression } from './compression.js';
import { maskError, useErrorMasking } from './errors.js';
import { renderGraphiQLPage, useGraphiQLAssets } from './graphiql.js';
import { useRequestLimits } from './limits.js';
import { useDistinctConnectionsOnly } from './sse-modes.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, registerExportMetrics, registerSubscriptionMetrics, registerWebhookQueueMetrics, type Metrics } from '../observability/metrics.js';
import { exportBacklog } from '../exports/queue.js';
import { useObservability, type ObservabilityOptions } from './observability.js';
import { useRateLimit, type AuthenticationGate, type RateLimitOptions, type TokenCharge } from '../limits/rate-limit.js';
import { readRouting, type ReadReplicaOptions } from './replicas.js';
import type { OperationTypeNode } from 'graphql';
import { useTrustedDocuments, type PersistedDocuments, type PersistedOperationsMode } from './trusted-documents.js';

export interface AppOptions {
  /** The unscoped client; only authentication touches it directly. */
  prisma: PrismaClient;
  logger: Logger;
  /**
   * How long a valid token's person and organizations are kept in memory (ms); 0 reads them on
   * every request. Revocations by other processes take effect within this bound.
   */
  authCacheMs?: number;
  /** Pre-filled in GraphiQL's headers so that explorers of a demo start authenticated. */
  graphiqlToken?: string;
  /** GraphiQL at GET /graphql (GRAPHIQL); on by default. Off, a browser's GET gets 404 saying so. */
  graphiql?: boolean;
  /**
   * Introspection (INTROSPECTION); on by default. Off, `__schema` and `__type` are refused (validation
   * errors, nothing runs; `__typename` still works) and error messages suggest no field names.
   */
  introspection?: boolean;
  /** The app's Prometheus metrics; a fresh registry when not given. */
  metrics?: Metrics;
  /** /ready, /metrics and operation metrics (src/http/observability.ts). */
  observability?: Omit<ObservabilityOptions, 'metrics'>;
  /** Cost-based rate limiting (src/limits/rate-limit.ts). */
  rateLimit?: Omit<RateLimitOptions, 'metrics'>;
  /**
   * Read replicas (src/http/replicas.ts): query operations run on them, everything else on `prisma`.
   * With `primaryStatements`, /metrics counts SQL statements by target (primary, replica).
   */
  readReplicas?: Omit<ReadReplicaOptions, 'metrics' | 'logger'>;
  /**
   * Trusted documents (src/http/trusted-documents.ts): the ids clients may send instead of a query;
   * mode `only` runs nothing else. Without it, every request sends its query.
   */
  persistedOperations?: { mode: PersistedOperationsMode; documents: PersistedDocuments };
  /**
   * Webhooks (docs/events.md): the private addresses endpoint URLs may use (WEBHOOK_ALLOW_PRIVATE_ADDRESSES);
   * none without it. Delivery is started apart from the app (src/webhooks/queue.ts, by main.ts or the worker).
   */
  webhooks?: { policy: AddressPolicy };
  /**
   * Where subscriptions hear of committed events (src/changes/pubsub.ts): a Redis bus shared by every
   * instance, or by default this process's own (events committed by this process only).
   */
  events?: EventBus;
  /** Live subscriptions one person may hold open on this instance (SUBSCRIPTIONS_PER_PERSON; 50 by default). */
  subscriptionsPerPerson?: number;
  /** PUBLIC_URL: the gateway's address as clients reach it, for the URLs it hands out; the request's own when not given. */
  publicUrl?: string;
  /** BULK_EXPORT_LEASE_SECONDS in ms: after it, /metrics counts a running export without a page as stalled. */
  bulkExportLeaseMs?: number;
}

/** GraphiQL's example query (the README's screenshot shows its answer on the demo; test/demo.test.ts runs it). */
export const EXAMPLE_QUERY = `# Expenses of your organization, newest first, with totals over the whole filtered set.
query Expenses {
  expenses(first: 10, orderBy: [{ field: DATE, direction: DESC }]) {
    totalCount
    aggregates {
      totalAmount { default { cents currency } normalized { cents currency } }
    }
    nodes {
      id
      name
      date
      amount { original { cents currency } default { cents currency } }
      deal { name company { name } }
      serviceType { name }
    }
  }
}
`;

/**
 * GraphiQL opens on the example query, with the demo token (if any) in the headers. `query` is Yoga
 * GraphiQL's initial query (missing from Yoga's option type): with `defaultQuery` alone, the example
 * shows on the first visit only, and every reload adds an empty tab.
 */
function graphiqlOptions(token: string | undefined): GraphiQLOptions {
  const options: GraphiQLOptions & { query: string } = {
    title: 'Agency GraphQL gateway',
    query: EXAMPLE_QUERY,
    defaultQuery: EXAMPLE_QUERY,
    headers: token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined,
    // The demo token is pre-filled on every load: headers the browser kept would win over it, and hold
    // a revoked one after a rotation (401). Without a demo token, people paste their own: keep it.
    shouldPersistHeaders: !token,
  };
  return options;
}

/** `GET /` is where people land first: send them to GraphiQL rather than to an empty 404. */
const rootRedirectPlugin: Plugin = {
  onRequest({ url, request, fetchAPI, endResponse }) {
    if (url.pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: '/graphql' } }));
    }
  },
};

/**
 * What the WebSocket transport (src/http/websocket.ts) needs of an app beyond Yoga's own API: it
 * authenticates a socket once, when it opens, outside Yoga's request hooks.
 */
export interface SocketSettings {
  /** The viewer of these headers (`Authorization`, `X-Tenant`), as a request's context finds it. */
  authenticate(headers: Headers): Promise<Authenticated>;
  /** The failed-authentication limit; none when the rate limiter is off. */
  gate?: AuthenticationGate;
  logger: Logger;
  metrics: Metrics;
  /** Live subscriptions one person may hold on this instance; also the sockets they may hold open. */
  perPerson: number;
  /** The kind of the operation run with this initial context (known once its document is parsed). */
  operationOf(initial: object): OperationTypeNode | undefined;
  /** A new id for an operation of `request`, which its context and masked errors carry. */
  assignRequestId(request: Request): string;
}

const socketSettingsOf = new WeakMap<object, SocketSettings>();
const chargesOf = new WeakMap<object, TokenCharge>();

/** The socket settings of an app made by `createApp`. */
export function socketSettings(app: App): SocketSettings {
  const settings = socketSettingsOf.get(app);
  if (!settings) throw new Error('socketSettings: not an app made by createApp');
  return settings;
}

/**
 * With GraphiQL off, a browser's GET /graphql (one that asks for HTML and sends no operation) gets a
 * 404 that says so, rather than Yoga's "Must provide query string".
 */
function graphiqlOffPlugin(endpoint: string): Plugin {
  return {
    onRequest({ url, request, fetchAPI, endResponse }) {
      if (url.pathname !== endpoint || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      if (!(request.headers.get('accept') ?? '').includes('text/html')) return;
      if (['query', 'documentId', 'extensions'].some((name) => url.searchParams.has(name))) return;
      const message =
        'GraphiQL is turned off on this server (GRAPHIQL=false). Send GraphQL operations to this URL with POST, ' +
        'or with GET and a `query` parameter.';
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'GRAPHIQL_DISABLED' } }] }), {
          status: 404,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
  };
}

export function createApp(options: AppOptions) {
  const graphiql = options.graphiql ?? true;
  const introspection = options.introspection ?? true;
  const { prisma, logger } = options;
  const requestIds = new WeakMap<Request, string>();
  const tokens = options.authCacheMs ? tokenCache(options.authCacheMs) : undefined;
  const metrics = options.metrics ?? createMetrics();
  // Nothing private is allowed unless the settings say so.
  const webhookPolicy = options.webhooks?.policy ?? new AddressPolicy();
  if (options.webhooks) {
    // The delivery queue's depth, whichever process delivers: it is read from the database.
    registerWebhookQueueMetrics(metrics.registry, () => deliveryBacklog(prisma));
  }
  // Unfinished bulk exports, whichever process runs them: read from the database at each scrape.
  registerExportMetrics(metrics.registry, () => exportBacklog(prisma, options.bulkExportLeaseMs));
  const events = options.events ?? processEventBus();
  // Live subscriptions are re-checked as often as a token may be cached: a revoked one ends within AUTH_CACHE_MS.
  const slots = new SubscriptionSlots(options.subscriptionsPerPerson, { recheckMs: options.authCacheMs || undefined });
  registerSubscriptionMetrics(metrics.registry, () => slots.open);
  // Queries on the replicas, everything else on the primary: chosen once per operation, when its context is built.
  const routing = readRouting(prisma, { ...options.readReplicas, metrics, logger });
  const contextSettings: ContextSettings = { primary: prisma, routing, webhookPolicy, tokens, events, subscriptionSlots: slots, publicUrl: options.publicUrl?.replace(/\/+$/, '') };

  const requestIdPlugin: Plugin = {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      requestIds.set(request, given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID());
    },
    onResponse({ request, response }) {
      const id = requestIds.get(request);
      if (id) response.headers.set('x-request-id', id);
    },
  };

  const rateLimit = useRateLimit({ ...options.rateLimit, metrics });

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // Yoga's CORS as it is (any origin), and a browser client on another origin may read these.
    cors: { exposedHeaders: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Request-Id'] },
    // useRequestLimits refuses bodies over 1 MiB from their Content-Length; Yoga's own limit would
    // also pipe every body through a counting stream (8 % of the CPU of a small request).
    maxRequestBodySize: false,
    context: (initial) => buildContext(contextSettings, initial, requestIds.get(initial.request) ?? randomUUID()),
    // Always on, also in development: errors reach clients only when raised on purpose.
    maskedErrors: {
      maskError: (error) =>
        maskError(
          error instanceof GraphQLError ? error : new GraphQLError('wrapped', { originalError: error as Error }),
          undefined,
          logger,
        ),
    },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    // GraphiQL's page is small and links its scripts, styles and workers, served by the gateway from
    // an npm package (not a CDN) and cached by browsers (src/http/graphiql.ts).
    renderGraphiQL: renderGraphiQLPage,
    graphiql: graphiql ? graphiqlOptions(options.graphiqlToken) : false,
    plugins: [
      requestIdPlugin,
      useObservability({ logger, requestId: (request) => requestIds.get(request), ...options.observability, metrics }),
      graphiql ? rootRedirectPlugin : graphiqlOffPlugin('/graphql'),
      // Bulk exports' files (GET /bulk-exports/<id>): before the GraphQL plugins, which it never reaches.
      useExportDownloads(prisma, rateLimit.gate),
      ...(graphiql ? [useGraphiQLAssets('/graphql')] : []),
      useDistinctConnectionsOnly('/graphql'),
      // graphql-js' NoSchemaIntrospectionCustomRule as a validation rule: refused before anything runs.
      ...(introspection ? [] : [useDisableIntrospection()]),
      useRequestLimits(),
      ...(options.persistedOperations ? [useTrustedDocuments(options.persistedOperations.mode, options.persistedOperations.documents)] : []),
      rateLimit,
      routing.plugin,
      useErrorMasking(logger),
      // Bounds on what one request may ask for: deep nesting, alias floods, huge documents.
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 30 },
        // Sized so that the largest page (first: 200) with every field and the totals fits
        // (about 82 000); depth, alias and token limits bound the rest.
        costLimit: { maxCost: 250_000 },
        maxTokens: { n: 5000 },
        maxDirectives: { n: 50 },
        // Field suggestions help people exploring in GraphiQL; without introspection they would give
        // the schema away one guess at a time, so they go with it.
        blockFieldSuggestion: { enabled: !introspection },
      }),
      // Last: it replaces the response that the hooks above have finished (headers included).
      useCompression(),
    ],
  });
  if (rateLimit.charge) chargesOf.set(yoga, rateLimit.charge);
  socketSettingsOf.set(yoga, {
    authenticate: (headers) => authenticate(prisma, headers, tokens),
    gate: rateLimit.gate,
    logger,
    metrics,
    perPerson: slots.perPerson,
    operationOf: (initial) => routing.operation(initial),
    assignRequestId(request) {
      const id = randomUUID();
      requestIds.set(request, id);
      return id;
    },
  });
  return yoga;
}

export type App = ReturnType<typeof createApp>;

/** How the app's rate limiter charges a token for work after its request (a bulk export's rows); none when the limiter is off. */
export const tokenChargeOf = (app: App): TokenCharge | undefined => chargesOf.get(app);
