// `npm run worker`, the separate delivery process: it opens the configured database (a PGlite
// folder, or its own PostgreSQL database here so that its sweep sees no other test's endpoints),
// delivers what is pending, and on SIGTERM stops cleanly with exit code 0.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createWebhook } from '../src/domain/webhooks.js';
import { verifySignature } from '../src/webhooks/signature.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { migratedFolder } from './helpers/database.js';
import { dropDatabase, siblingDatabase } from './helpers/databases.js';
import { createTenant } from './helpers/fixtures.js';
import { exitOf, SPAWN_TIMEOUT, waitFor, killLeftovers, spawnWorker } from './helpers/processes.js';

const testUrl = process.env.TEST_DATABASE_URL;

let receiver: Server;
let port = 0;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let dataDir: string | undefined;
let databaseUrl: string | undefined;
const spawned: ChildProcess[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
  if (testUrl) databaseUrl = await siblingDatabase(testUrl, 'worker');
  else dataDir = await migratedFolder(mkdtempSync(path.join(tmpdir(), 'gateway-worker-')));
});

afterEach(() => killLeftovers(spawned));

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropDatabase(databaseUrl);
});

test('delivers what is pending and stops cleanly on SIGTERM', { timeout: SPAWN_TIMEOUT }, async () => {
  // An organization with an endpoint and one event, written before the worker starts (a PGlite
  // folder is opened by one process at a time).
  const db = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: dataDir!, owner: 'the worker test' });
  await migrate(db.scripts);
  const tenant = await createTenant(db.prisma);
  const created = await createWebhook(
    tenant.db,
    tenant.viewer,
    { url: `http://127.0.0.1:${port}/worker`, events: ['expense.created'] },
    new AddressPolicy(['127.0.0.1/32']),
  );
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  await tenant.expense({ name: 'for the worker' });
  await db.close();

  const { child, stdout, stderr, exited } = spawnWorker(
    {
      DATABASE_URL: databaseUrl ?? '',
      DATA_DIR: dataDir ?? '',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1/32',
      WEBHOOK_SWEEP_INTERVAL_MS: '200',
    },
    spawned,
  );

  // However long the worker takes to start on a busy machine: the test's timeout bounds it.
  await waitFor(() => received.length > 0, { what: 'the worker to deliver', exited, output: () => `${stdout()}\n${stderr()}` });
  expect(received).toHaveLength(1);
  expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'expense.created', data: { name: 'for the worker' } });
  expect(verifySignature(created.value.secret, received[0]!.headers['gateway-signature'] as string, received[0]!.body)).toBe(true);
  expect(stdout()).toContain('webhook delivery started');

  process.kill(-child.pid!, 'SIGTERM');
  expect(await exitOf(exited, 'the worker', () => `${stdout()}\n${stderr()}`), `stdout: ${stdout()}\nstderr: ${stderr()}`).toBe(0);
  expect(stdout()).toContain('"msg":"stopped"');

  // What it recorded is there for the next process.
  const after = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: dataDir!, owner: 'the worker test' });
  try {
    const delivery = await after.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: created.value.id } });
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, lastResponseCode: 204 });
  } finally {
    await after.close();
  }
});
