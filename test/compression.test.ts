// Response compression (issue 26): brotli or gzip as Accept-Encoding asks, `Vary: Accept-Encoding`,
// small bodies raw, and subscriptions' event streams never held back by a compressor. Sizes are
// measured on a 200-row expenses page and on GraphiQL's page; every compressed body must decompress
// to exactly the raw one.
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chooseEncoding, MIN_COMPRESSED_BYTES } from '../src/http/compression.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  // 200 rows, one page at the largest page size; distinct names so that nothing repeats trivially.
  for (let i = 0; i < 200; i++) await a.expense({ name: `Expense ${i} ${(i * 7919).toString(36)}`, amount: BigInt(1000 + i * 37) });
});
afterAll(async () => {
  await t?.close();
});

const PAGE = `{ expenses(first: 200) { totalCount nodes { id databaseId name date payOn approvalStatus
  amount { original { cents currency } default { cents currency } normalized { cents currency } }
  deal { id name } serviceType { id name } } } }`;

async function fetchPage(acceptEncoding?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${a.token}` };
  if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
  return t.app.fetch('http://test/graphql', { method: 'POST', headers, body: JSON.stringify({ query: PAGE }) });
}

/** The body's bytes as sent, and decompressed as its Content-Encoding says. */
async function bytesOf(response: Response) {
  const sent = Buffer.from(await response.arrayBuffer());
  const encoding = response.headers.get('content-encoding');
  const plain = encoding === 'br' ? brotliDecompressSync(sent) : encoding === 'gzip' ? gunzipSync(sent) : sent;
  return { sent, plain, encoding };
}

describe('choosing the encoding', () => {
  test.each([
    ['gzip, deflate, br', 'br'],
    ['br, gzip', 'br'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.8, gzip;q=0.8', 'br'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['deflate', null],
    ['identity', null],
    ['br;q=0, gzip;q=0', null],
    ['', null],
    ['gzip;q=abc', null],
  ])('%j → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});

describe('a 200-row expenses page', () => {
  test('is brotli when both are accepted, gzip when only gzip is, raw otherwise; each decompresses to the raw body', async () => {
    const raw = await bytesOf(await fetchPage());
    const json = JSON.parse(raw.plain.toString()) as { data?: { expenses: { nodes: unknown[] } }; errors?: unknown };
    expect(json.errors).toBeUndefined();
    expect(json.data?.expenses.nodes).toHaveLength(200);
    expect(raw.encoding).toBeNull();

    const both = await fetchPage('gzip, deflate, br');
    expect(both.status).toBe(200);
    expect(both.headers.get('content-encoding')).toBe('br');
    expect(both.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(both.headers.get('x-request-id')).toBeTruthy();
    const br = await bytesOf(both);
    expect(Number(both.headers.get('content-length'))).toBe(br.sent.byteLength);

    const onlyGzip = await fetchPage('gzip');
    expect(onlyGzip.headers.get('content-encoding')).toBe('gzip');
    const gz = await bytesOf(onlyGzip);

    expect(br.plain.equals(raw.plain)).toBe(true);
    expect(gz.plain.equals(raw.plain)).toBe(true);
    // JSON of 200 similar rows compresses well: more than 10× with brotli, and brotli beats gzip.
    expect(raw.sent.byteLength).toBeGreaterThan(50_000);
    expect(br.sent.byteLength * 10).toBeLessThan(raw.sent.byteLength);
    expect(gz.sent.byteLength * 5).toBeLessThan(raw.sent.byteLength);
    expect(br.sent.byteLength).toBeLessThan(gz.sent.byteLength);
  });

  test('a response sent raw still says Vary: Accept-Encoding (a cache must not give it to a client that asked for brotli)', async () => {
    const response = await fetchPage();
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
    await response.arrayBuffer();
  });
});

test('a small result stays raw, even when compression is asked for', async () => {
  const response = await t.app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}`, 'accept-encoding': 'br, gzip' },
    body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
  });
  const { sent, encoding } = await bytesOf(response);
  expect(sent.byteLength).toBeLessThan(MIN_COMPRESSED_BYTES);
  expect(encoding).toBeNull();
  expect(JSON.parse(sent.toString())).toMatchObject({ data: { viewer: { organization: { name: expect.any(String) } } } });
});

test('errors are compressed like results (a 401 too), and decompress to the same body', async () => {
  const send = (acceptEncoding?: string) =>
    t.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope', ...(acceptEncoding && { 'accept-encoding': acceptEncoding }) },
      body: JSON.stringify({ query: PAGE }),
    });
  const raw = await bytesOf(await send());
  const gz = await send('gzip');
  expect(gz.status).toBe(401);
  expect((await bytesOf(gz)).plain.equals(raw.plain)).toBe(true);
});

describe('GraphiQL page', () => {
  const open = (acceptEncoding?: string) =>
    t.app.fetch('http://test/graphql', { headers: { accept: 'text/html', ...(acceptEncoding && { 'accept-encoding': acceptEncoding }) } });

  test('is compressed as asked, says Vary, and decompresses to the raw page', async () => {
    const raw = await bytesOf(await open());
    expect(raw.plain.toString()).toContain('<!doctype html>');
    for (const [asked, expected] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip']] as const) {
      const response = await open(asked);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
      const got = await bytesOf(response);
      expect(got.encoding).toBe(expected);
      expect(got.plain.equals(raw.plain)).toBe(true);
      expect(got.sent.byteLength).toBeLessThan(raw.sent.byteLength);
    }
  });
});

describe('subscriptions over a real socket, with Accept-Encoding: gzip, br', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('the event stream is sent uncompressed and an event arrives while the stream is open', async () => {
    const id = await a.expense({ name: 'streamed' });
    const query = 'subscription { expenseChanged { event { type } expense { id approved } } }';
    // node:http, not fetch: fetch would decompress (and ask for compression) on its own.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${origin}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'accept-encoding': 'gzip, deflate, br',
          authorization: `Bearer ${a.token}`,
        },
      });
      req.on('response', resolve).on('error', reject);
      req.end(JSON.stringify({ query }));
    });
    try {
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/event-stream');
      // Yoga marks event streams `Content-Encoding: none` (so that proxies leave them alone too).
      expect([undefined, 'none']).toContain(response.headers['content-encoding']);
      let text = '';
      const arrived = new Promise<string>((resolve, reject) => {
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('EXPENSE_APPROVED')) resolve(text);
        });
        response.on('end', () => reject(new Error(`stream ended before the event: ${text}`)));
        setTimeout(() => reject(new Error(`no event within 10 s: ${JSON.stringify(text)}`)), 10_000).unref();
      });
      const approve = await t.app.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
        body: JSON.stringify({ query: 'mutation($id: ID!) { approveExpense(input: { id: $id }) { userErrors { message } } }', variables: { id: gid('Expense', id) } }),
      });
      expect(await approve.json()).toEqual({ data: { approveExpense: { userErrors: [] } } });
      const frame = await arrived;
      expect(frame).toContain('event: next');
      expect(frame).toContain(`"id":"${gid('Expense', id)}","approved":true`);
      // Still open: the event came through a live stream, not at its end.
      expect(response.complete).toBe(false);
    } finally {
      response.destroy();
    }
  });
});
