// OpenTelemetry traces (issue 12): one span per operation with its name, cost and organization id,
// under the HTTP request's span, with the SQL statements under it on PostgreSQL. Spans are checked
// with an in-memory exporter; an OTLP export to a stand-in collector is checked in a child process.
//
// startTracing patches `pg` and `http` in place (their prototypes), so the app's modules may be
// imported before it runs, as they are here.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createSchema, createYoga } from 'graphql-yoga';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Database } from '../src/db/client.js';
import { useObservability } from '../src/http/observability.js';
import { ATTRIBUTES, startTracing, startTracingFromEnv, tracesUrl, useTracing, type Tracing } from '../src/observability/tracing.js';
import { createApp, type App } from '../src/http/app.js';
import { openTestDatabase } from './helpers/database.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';
import { SPAWN_TIMEOUT } from './helpers/processes.js';

const url = process.env.TEST_DATABASE_URL;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let db: Database;
let tenant: Tenant;
let app: App;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = (await startTracing({ exporter }))!;
  db = await openTestDatabase();
  tenant = await createTenant(db.prisma);
  app = createApp({ prisma: db.prisma, logger: pino({ level: 'silent' }), observability: { tracing } });
});
afterAll(async () => {
  await db.close();
  await tracing.shutdown();
});
beforeEach(() => exporter.reset());

const QUERY = 'query Recent { viewer { organization { id } } expenses(first: 5) { nodes { id name } } }';

function post(target: App | ReturnType<typeof createYoga>, query: string, headers: Record<string, string> = {}) {
  return target.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
}

const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const isSql = (s: ReadableSpan) => s.name.startsWith('pg.query');

/** Whether `span` is `ancestor` or below it (pg's query spans may sit under a pool-connect span). */
function under(span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const spans = new Map(exporter.getFinishedSpans().map((s) => [s.spanContext().spanId, s]));
  for (let s: ReadableSpan | undefined = span; s; s = spans.get(parentOf(s) ?? '')) {
    if (s.spanContext().spanId === ancestor.spanContext().spanId) return true;
  }
  return false;
}

describe('operation spans', () => {
  test('one span per operation, named after it, with the organization id and request id', async () => {
    const response = await post(app, QUERY, { authorization: `Bearer ${tenant.token}`, 'x-request-id': 'trace-1' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { extensions?: { cost?: { requested?: number } } };
    const spans = byName('query.Recent');
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toMatchObject({
      'graphql.execute.operationName': 'Recent',
      'graphql.execute.operationType': 'query',
      [ATTRIBUTES.organizationId]: tenant.organizationId,
      [ATTRIBUTES.requestId]: 'trace-1',
    });
    // The cost the rate limiter reports in the response (createApp's, on by default), if any.
    const requested = body.extensions?.cost?.requested;
    if (requested === undefined) expect(span.attributes).not.toHaveProperty(ATTRIBUTES.cost);
    else expect(span.attributes[ATTRIBUTES.cost]).toBe(requested);
    expect(span.ended).toBe(true);
    expect(span.duration[0] * 1e9 + span.duration[1]).toBeGreaterThan(0);
    // Variables and results are not recorded.
    expect(Object.keys(span.attributes)).not.toContain('graphql.execute.variables');
    expect(Object.keys(span.attributes)).not.toContain('graphql.execute.result');
  });

  test.runIf(url)('PostgreSQL: the SQL statements of the operation are spans under it', async () => {
    const response = await post(app, QUERY, { authorization: `Bearer ${tenant.token}` });
    await response.text();
    const operation = byName('query.Recent')[0]!;
    const sql = exporter.getFinishedSpans().filter(isSql);
    const inside = sql.filter((s) => under(s, operation));
    expect(inside.length).toBeGreaterThanOrEqual(1);
    expect(inside.some((s) => /expenses/.test(String(s.attributes['db.statement'] ?? s.attributes['db.query.text'])))).toBe(true);
    for (const s of inside) expect(s.spanContext().traceId).toBe(operation.spanContext().traceId);
  });

  test.runIf(!url)('PGlite: no SQL spans (no driver to instrument), the operation span all the same', async () => {
    await (await post(app, QUERY, { authorization: `Bearer ${tenant.token}` })).text();
    expect(byName('query.Recent')).toHaveLength(1);
    expect(exporter.getFinishedSpans().filter(isSql)).toEqual([]);
  });

  test('the cost from extensions.cost.requested becomes an attribute; errors mark the span', async () => {
    // A stand-in for the rate limiter: it writes the cost into the result's extensions after
    // execution, as src/limits/rate-limit.ts does (onExecutionResult).
    const costPlugin = {
      onExecutionResult({ result, setResult }: any) {
        setResult({ ...result, extensions: { ...result.extensions, cost: { requested: 42, actual: 40 } } });
      },
    };
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { a: Int, b: Int }',
        resolvers: { Query: { a: () => 1, b: () => { throw new Error('no b'); } } },
      }),
      plugins: [useObservability({ tracing }), costPlugin],
      logging: false,
    });
    const ok = await post(yoga, 'query Priced { a }');
    expect((await ok.json()).extensions.cost.requested).toBe(42);
    const failed = await post(yoga, 'query Failing { b }');
    await failed.text();
    expect(byName('query.Priced')[0]!.attributes).toMatchObject({ [ATTRIBUTES.cost]: 42, [ATTRIBUTES.actualCost]: 40 });
    const failing = byName('query.Failing')[0]!;
    expect(failing.status.code).toBe(2); // SpanStatusCode.ERROR
    // Each span exported once, though its end was held back.
    expect(exporter.getFinishedSpans().filter((s) => s.name.startsWith('query.'))).toHaveLength(2);
  });

  test('tracing off: no plugin, no provider', async () => {
    expect(useTracing(undefined)).toBeUndefined();
    expect(await startTracing({})).toBeUndefined();
    expect(await startTracingFromEnv({})).toBeUndefined();
    expect(await startTracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    // Started once per process: a second start returns the running one.
    expect(await startTracing({ exporter: new InMemorySpanExporter() })).toBe(tracing);
  });

  test('OTLP URL from OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example/prefix/')).toBe('https://otel.example/prefix/v1/traces');
    expect(() => tracesUrl('not a url')).toThrow();
  });
});

describe('over HTTP', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the operation span is under the HTTP server span, in the caller\'s trace; probes are not traced', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tenant.token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await fetch(`${base}/health`).then((r) => r.text());
    await fetch(`${base}/metrics`).then((r) => r.text());
    // The server span ends when the response is finished, just after the client has it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const http = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(http).toHaveLength(1);
    expect(http[0]!.attributes['http.method'] ?? http[0]!.attributes['http.request.method']).toBe('POST');
    const operation = byName('query.Recent')[0]!;
    expect(parentOf(operation)).toBe(http[0]!.spanContext().spanId);
    // W3C trace context: the caller's trace goes on.
    expect(http[0]!.spanContext().traceId).toBe(traceId);
    expect(parentOf(http[0]!)).toBe('00f067aa0ba902b7');
    if (url) {
      // The authentication's statement runs before the operation, under the HTTP span.
      const sql = exporter.getFinishedSpans().filter(isSql);
      expect(sql.every((s) => under(s, http[0]!))).toBe(true);
      expect(sql.some((s) => under(s, operation))).toBe(true);
      expect(sql.some((s) => !under(s, operation))).toBe(true);
    }
  });
});

describe('OTLP export', () => {
  test('OTEL_EXPORTER_OTLP_ENDPOINT: spans are posted to <endpoint>/v1/traces', async () => {
    // A stand-in collector on the loopback interface.
    const received: Array<{ path: string; type: string; body: string }> = [];
    const collector = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', type: request.headers['content-type'] ?? '', body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // In a child process: tracing is started once per process, and this one traces in memory. The
    // script sits under node_modules so that it resolves the project's packages.
    await mkdir(path.join(ROOT, 'node_modules/.cache'), { recursive: true });
    const dir = await mkdtemp(path.join(ROOT, 'node_modules/.cache/gateway-otlp-'));
    const script = path.join(dir, 'export.mjs');
    await writeFile(
      script,
      `
import { createSchema, createYoga } from 'graphql-yoga';
import { useObservability } from ${JSON.stringify(path.join(ROOT, 'src/http/observability.ts'))};
import { startTracingFromEnv } from ${JSON.stringify(path.join(ROOT, 'src/observability/tracing.ts'))};
const tracing = await startTracingFromEnv();
const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { a: Int }', resolvers: { Query: { a: () => 1 } } }),
  plugins: [useObservability({ tracing })],
  logging: false,
});
const response = await yoga.fetch('http://x/graphql', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Exported { a }' }),
});
await response.text();
await tracing.shutdown();
`,
    );
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: ROOT,
          env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'gateway-test' },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        child.on('error', reject);
        child.on('exit', resolve);
      });
      expect(code).toBe(0);
      expect(received.length).toBeGreaterThanOrEqual(1);
      expect(received[0]!.path).toBe('/v1/traces');
      const all = received.map((r) => r.body).join('\n');
      expect(all).toContain('query.Exported');
      expect(all).toContain('gateway-test');
    } finally {
      collector.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, SPAWN_TIMEOUT);
});

describe('restart', () => {
  test('after shutdown, tracing is off (no spans) and can be started again', async () => {
    await (await post(app, QUERY, { authorization: `Bearer ${tenant.token}` })).text();
    expect(byName('query.Recent')).toHaveLength(1);
    await tracing.shutdown();
    const before = exporter.getFinishedSpans().length; // the exporter was reset by its shutdown
    await (await post(app, QUERY, { authorization: `Bearer ${tenant.token}` })).text();
    expect(exporter.getFinishedSpans()).toHaveLength(before);

    const second = new InMemorySpanExporter();
    const again = (await startTracing({ exporter: second }))!;
    try {
      expect(again).not.toBe(tracing);
      const traced = createApp({ prisma: db.prisma, logger: pino({ level: 'silent' }), observability: { tracing: again } });
      await (await post(traced, QUERY, { authorization: `Bearer ${tenant.token}` })).text();
      const spans = second.getFinishedSpans();
      const operation = spans.find((s) => s.name === 'query.Recent');
      expect(operation).toBeDefined();
      if (url) expect(spans.some((s) => isSql(s) && s.spanContext().traceId === operation!.spanContext().traceId)).toBe(true);
    } finally {
      await again.shutdown();
    }
  });
});
