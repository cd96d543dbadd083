// The graphql-sse client (issue 26) against a real socket: its distinct-connections mode (the default)
// streams subscriptions; its single-connection mode is not served, and its reservation `PUT` gets a
// 405 that says so and what to use instead, rather than a bare "only GET and POST".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, NetworkError, type ExecutionResult } from 'graphql-sse';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SINGLE_CONNECTION_MESSAGE } from '../src/http/sse-modes.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;
let server: Server;
let url: string;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await t?.close();
});

const SUBSCRIPTION = 'subscription { expenseChanged { event { type } expense { id approved } } }';

async function approve(id: number) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
    body: JSON.stringify({ query: 'mutation($id: ID!) { approveExpense(input: { id: $id }) { userErrors { message } } }', variables: { id: gid('Expense', id) } }),
  });
  expect(await response.json()).toEqual({ data: { approveExpense: { userErrors: [] } } });
}

test('distinct-connections mode (the default): the client receives an approval made meanwhile', async () => {
  const id = await a.expense({ name: 'via graphql-sse' });
  const client = createClient({ url, headers: { authorization: `Bearer ${a.token}` }, retryAttempts: 0 });
  const events: Array<ExecutionResult<Record<string, unknown>, unknown>> = [];
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const dispose = client.subscribe<Record<string, unknown>>(
    { query: SUBSCRIPTION },
    { next: (result) => events.push(result), error: (error) => events.push({ errors: [{ message: String(error) }] } as never), complete: () => undefined },
    { connected: () => connected() },
  );
  try {
    await ready;
    await approve(id);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(events[0]).toEqual({ data: { expenseChanged: { event: { type: 'EXPENSE_APPROVED' }, expense: { id: gid('Expense', id), approved: true } } } });
  } finally {
    dispose();
    client.dispose();
  }
});

test('single-connection mode: the reservation PUT is refused with 405 and a message naming the mode to use', async () => {
  // The client aborts its requests once the reservation fails: keep the answer's body readable.
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
  };
  const client = createClient({ url, singleConnection: true, headers: { authorization: `Bearer ${a.token}` }, retryAttempts: 0, lazy: true, fetchFn });
  const error = await new Promise<unknown>((resolve) => {
    client.subscribe({ query: SUBSCRIPTION }, { next: () => resolve(new Error('unexpected event')), error: resolve, complete: () => resolve(new Error('completed')) });
  });
  expect(error).toBeInstanceOf(NetworkError);
  const response = (error as NetworkError).response as Response;
  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toBe('GET, POST');
  // The body explains.
  expect(await response.json()).toEqual({ errors: [{ message: SINGLE_CONNECTION_MESSAGE, extensions: { code: 'SINGLE_CONNECTION_MODE_UNSUPPORTED' } }] });
  client.dispose();
});

test('a bare PUT gets the same answer; DELETE stays 405 and a PUT elsewhere 404', async () => {
  const put = await fetch(url, { method: 'PUT' });
  expect(put.status).toBe(405);
  expect(((await put.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('SINGLE_CONNECTION_MODE_UNSUPPORTED');
  const del = await fetch(url, { method: 'DELETE' });
  expect(del.status).toBe(405);
  await del.arrayBuffer();
  expect((await fetch(url.replace('/graphql', '/elsewhere'), { method: 'PUT' })).status).toBe(404);
});
