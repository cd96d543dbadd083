// Fair webhook delivery (issue 22): one organization's slow receivers must not delay another's
// deliveries. Organization B's 16 endpoints answer slowly (some after the deadline, some with a
// 200 just under it); organization A's endpoint answers at once and must get its event within a
// couple of seconds. An organization never has more attempts in flight than its cap, across every
// worker (two delivery services on one PostgreSQL database); a slow endpoint gives its slot back
// after each attempt; /metrics counts attempts by outcome and shows the queue's depth. The rules
// one drain at a time are in test/webhooks.test.ts ("fairness").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { createWebhook } from '../src/domain/webhooks.js';
import type { AttemptReport } from '../src/webhooks/deliver.js';
import { webhookMetrics } from '../src/observability/metrics.js';
import { startDelivery, type DeliveryService } from '../src/webhooks/queue.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { eventually } from './helpers/processes.js';
import { startApp, type TestApp, type TestDeliveryOptions } from './helpers/app.js';
import { dropDatabase, siblingDatabase } from './helpers/databases.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const policy = new AddressPolicy(['127.0.0.1/32']);

/** Each path answers with a status after a delay; open requests are counted per organization (the path's first segment). */
class Receivers {
  readonly arrivals: Array<{ path: string; at: number }> = [];
  readonly open = new Map<string, number>();
  readonly mostOpen = new Map<string, number>();
  #server!: Server;
  port = 0;

  async start() {
    this.#server = createServer((req, res) => {
      req.resume();
      const path = req.url ?? '/';
      const org = path.split('/')[1]!;
      this.arrivals.push({ path, at: Date.now() });
      this.open.set(org, (this.open.get(org) ?? 0) + 1);
      this.mostOpen.set(org, Math.max(this.mostOpen.get(org) ?? 0, this.open.get(org)!));
      // Closed by the answer, or by the gateway giving up at its deadline.
      res.on('close', () => this.open.set(org, this.open.get(org)! - 1));
      const answer = () => res.writableEnded || res.destroyed || res.writeHead(200).end();
      const delay = Number(/\/after-(\d+)\//.exec(path)?.[1] ?? 0);
      if (delay) setTimeout(answer, delay).unref();
      else answer();
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  url = (path: string) => `http://127.0.0.1:${this.port}${path}`;
  close = () =>
    new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
}

/** A short deadline so that the test is quick: "slow" is 300 ms, the deadline 1 s. */
const settings = (onAttempt?: (r: AttemptReport) => void): TestDeliveryOptions => ({
  policy,
  maxAttempts: 3,
  backoffBaseMs: 200,
  timeoutMs: 1_000,
  slowMs: 300,
  // Never disabled during the test: the slow ones must keep competing.
  disableAfterFailures: 100,
  concurrency: 4,
  organizationConcurrency: 2,
  sweepIntervalMs: 0,
  pollingIntervalSeconds: 0.5,
  onAttempt,
});

const receivers = new Receivers();
const attempts: AttemptReport[] = [];
let queueUrl: string | undefined;
let t: TestApp;

beforeAll(async () => {
  await receivers.start();
  // pg-boss's tables in a database of their own (see test/webhooks-delivery.test.ts).
  if (onPostgres) queueUrl = await siblingDatabase(process.env.TEST_DATABASE_URL!, 'fairness_queue');
  t = await startApp({ webhooks: { policy }, delivery: { ...settings((r) => attempts.push(r)), connectionString: queueUrl } });
});

afterAll(async () => {
  await t?.close();
  await receivers.close();
  if (queueUrl) await dropDatabase(queueUrl);
});

async function endpoint(tenant: Tenant, path: string): Promise<number> {
  const created = await createWebhook(tenant.db, tenant.viewer, { url: receivers.url(path), events: ['expense.created'] }, policy);
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  return created.value.id;
}

/** A metric's value in Prometheus text, or undefined when the series is absent. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async () => (await t.app.fetch('http://test/metrics')).text();

describe('one organization with slow receivers', () => {
  let other: DeliveryService | undefined;
  let second: Database | undefined;
  const otherAttempts: AttemptReport[] = [];

  beforeAll(async () => {
    if (!onPostgres) return;
    // On PostgreSQL, a second worker (its own client and pg-boss) on the same queue: the cap holds across both.
    second = await openDatabase({ url: process.env.TEST_DATABASE_URL! });
    other = await startDelivery({
      ...settings((r) => otherAttempts.push(r)),
      prisma: second.prisma,
      scripts: second.scripts,
      connectionString: queueUrl,
      logger: (await import('pino')).default({ level: 'silent' }),
      // Counted in the same registry: /metrics below shows both workers' attempts.
      metrics: webhookMetrics(t.metrics.registry),
    });
  });

  afterAll(async () => {
    await other?.stop();
    await second?.close();
  });

  // B's progress is 2 attempts at a time of 0.7-1 s each: with both suites running on 2 cores (as
  // .ci/run does) 20 s was not always enough for 4 deliveries and 2 timeouts (seen: 2 of 4).
  const PROGRESS_MS = 45_000;

  test("does not delay another organization's delivery, and never has more than its cap in flight", { timeout: 120_000 }, async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    // 8 endpoints answer 200 after 700 ms (slow, but delivered: never disabled), 8 after 3 s (past the deadline).
    const slow: number[] = [];
    for (let i = 0; i < 8; i++) slow.push(await endpoint(b, `/b/after-700/${i}`));
    for (let i = 0; i < 8; i++) slow.push(await endpoint(b, `/b/after-3000/${i}`));
    const fast = await endpoint(a, '/a/fast');
    const before = await scrape();

    // A backlog for B: 6 events for each of its 16 endpoints.
    for (let i = 0; i < 6; i++) await b.expense({ name: `b ${i}` });
    if (other) await other.nudge(slow);
    await eventually(() => receivers.open.get('b') ?? 0, (n) => n >= 2);
    // B's attempts are under way: the delivery queue shows them.
    const during = await scrape();
    expect(metric(during, 'gateway_webhook_deliveries_pending{state="in_flight"}')).toBeGreaterThanOrEqual(1);
    expect(metric(during, 'gateway_webhook_deliveries_pending{state="queued"}')).toBeGreaterThanOrEqual(16 * 6 - 16);

    // A's event, while B's backlog is still large.
    const sent = Date.now();
    await a.expense({ name: 'a' });
    const arrival = await eventually(() => receivers.arrivals.find((r) => r.path === '/a/fast'), (r) => r !== undefined);
    const delay = arrival!.at - sent;
    // Before the fix: 12 s here (every slot held by B). Fair: well under a second on an idle machine;
    // the bound leaves room for the whole suite running beside it on 2 cores.
    expect(delay).toBeLessThan(5_000);
    const delivered = await eventually(
      () => t.db.prisma.webhookDelivery.findFirst({ where: { webhookId: fast } }),
      (d) => d?.status === 'DELIVERED',
    );
    expect(delivered).toMatchObject({ attempts: 1, lastResponseCode: 200 });

    // B still progresses (slowly, within its cap), and never had more than 2 attempts in flight,
    // across both workers on PostgreSQL.
    await eventually(
      () => t.db.prisma.webhookDelivery.count({ where: { webhookId: { in: slow }, status: 'DELIVERED' } }),
      (n) => n >= 4,
      PROGRESS_MS,
    );
    // Its endpoints take turns: those past the deadline get attempts too (and retries).
    await eventually(
      () => t.db.prisma.webhookDelivery.count({ where: { webhookId: { in: slow.slice(8) }, lastError: 'no answer within 1000 ms' } }),
      (n) => n >= 2,
      PROGRESS_MS,
    );
    expect(receivers.mostOpen.get('b')).toBeLessThanOrEqual(2);
    // They are known to be slow; A's endpoint is not.
    const marks = await t.db.prisma.webhook.findMany({ where: { id: { in: [...slow, fast] } }, select: { id: true, slowSince: true } });
    expect(marks.filter((w) => w.id !== fast && w.slowSince).length, 'slow endpoints marked').toBeGreaterThan(0);
    expect(marks.find((w) => w.id === fast)!.slowSince).toBeNull();

    // /metrics: the attempts by outcome, as the workers reported them, and the deferrals.
    const after = await scrape();
    for (const outcome of ['delivered', 'retrying', 'failed', 'superseded'] as const) {
      const series = `gateway_webhook_delivery_attempts_total{outcome="${outcome}"}`;
      const counted = metric(after, series)! - (metric(before, series) ?? 0);
      // Attempts still under way when the first scrape ran are counted by neither; a few may end between the scrape and the filter.
      const reported = [...attempts, ...otherAttempts].filter((r) => r.result === outcome).length;
      expect(Math.abs(counted - reported), outcome).toBeLessThanOrEqual(4);
    }
    expect(metric(after, 'gateway_webhook_delivery_attempts_total{outcome="delivered"}'), 'delivered').toBeGreaterThan(0);
    expect(metric(after, 'gateway_webhook_delivery_attempts_total{outcome="retrying"}'), 'retrying').toBeGreaterThan(0);
    expect(metric(after, 'gateway_webhook_drains_deferred_total{reason="organization_busy"}'), 'deferred').toBeGreaterThan(0);
  });
});
