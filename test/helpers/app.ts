// One app per test file, on the backend chosen by TEST_DATABASE_URL (already migrated: see
// test/helpers/global-setup.ts), with its log captured so
// tests can check what reaches the server log (and what does not reach the client).
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import pino from 'pino';
import type { Database } from '../../src/db/client.js';
import { createMetrics, webhookMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createApp, type App, type AppOptions } from '../../src/http/app.js';
import type { DeliveryService, DeliveryServiceOptions } from '../../src/webhooks/queue.js';
import { appDatabase, openTestDatabase } from './database.js';

export interface TestApp {
  db: Database;
  app: App;
  logs: Array<Record<string, unknown>>;
  /** Webhook delivery, when the test asked for it (`delivery`); stopped by `close`. */
  delivery?: DeliveryService;
  /** The app's /metrics registry (delivery counts into it too). */
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Webhook delivery in the test's process (test/webhooks-delivery.test.ts); off unless asked for, as
 * pg-boss polls. On PostgreSQL its queue is in the test database unless `connectionString` names another.
 */
export type TestDeliveryOptions = Omit<DeliveryServiceOptions, 'prisma' | 'scripts' | 'logger'>;

/**
 * The rate limiter is off unless a test asks for it (test/rate-limit.test.ts): other tests make
 * hundreds of requests with one token and compare whole response bodies, `extensions` included.
 */
export async function startApp(options: Pick<AppOptions, 'rateLimit' | 'persistedOperations' | 'events' | 'webhooks' | 'graphiql' | 'introspection'> & { delivery?: TestDeliveryOptions } = {}): Promise<TestApp> {
  const url = process.env.TEST_DATABASE_URL;
  // The delivery queue (pg-boss) keeps its jobs in the database: a PGlite of its own, so that it
  // never picks up another file's jobs.
  const db = options.delivery ? await openTestDatabase() : await appDatabase();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const metrics = createMetrics();
  const app = createApp({
    prisma: db.prisma,
    logger,
    metrics,
    rateLimit: { enabled: false, logger, ...options.rateLimit },
    persistedOperations: options.persistedOperations,
    events: options.events,
    webhooks: options.webhooks,
    graphiql: options.graphiql,
    introspection: options.introspection,
  });
  const delivery = options.delivery
    ? await (await import('../../src/webhooks/queue.js')).startDelivery({
        ...options.delivery,
        prisma: db.prisma,
        scripts: db.scripts,
        connectionString: options.delivery.connectionString ?? url,
        logger,
        metrics: webhookMetrics(metrics.registry),
      })
    : undefined;
  const close = async () => {
    await delivery?.stop();
    await db.close();
  };
  return { db, app, logs, delivery, metrics, close };
}

export interface Caller {
  token?: string;
  tenant?: string | number;
  headers?: Record<string, string>;
}

export interface Response<T> {
  status: number;
  headers: Headers;
  body: ExecutionResult<T> & { errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> };
}

/** Sends a typed document through HTTP (`app.fetch`, no port) and returns the typed result. */
export async function execute<T, V>(
  app: App,
  document: TypedDocumentNode<T, V>,
  variables: V,
  caller: Caller = {},
): Promise<Response<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...caller.headers };
  if (caller.token) headers.authorization = `Bearer ${caller.token}`;
  if (caller.tenant !== undefined) headers['x-tenant'] = String(caller.tenant);
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The data of a response that must have succeeded; fails the test with the errors otherwise. */
export async function data<T, V>(app: App, document: TypedDocumentNode<T, V>, variables: V, caller: Caller): Promise<T> {
  const { body, status } = await execute(app, document, variables, caller);
  if (body.errors?.length || !body.data) {
    throw new Error(`Expected data, got ${status}: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

/** The caller a tenant's token makes. */
export const as = (tenant: { token: string }): Caller => ({ token: tenant.token });

/** userErrors as `[field path, code, message]` rows: one `toEqual` states them all, in order. */
export const errorsOf = (errors: ReadonlyArray<{ field: readonly string[]; code: string; message: string }>) =>
  errors.map((e) => [e.field.join('.'), e.code, e.message]);
