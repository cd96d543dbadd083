// Where a new user lands: `/` sends them to GraphiQL, and GraphiQL's page needs nothing from outside
// the gateway: a small page whose scripts, styles, workers and icon are served by the gateway at
// hashed URLs that browsers cache for a year. test/browser/ runs the same page in Chromium.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';

/** The options the page hands to GraphiQL (the JSON argument of its render call). */
function graphiqlOptionsOf(html: string) {
  return JSON.parse(html.match(/renderYogaGraphiQL\(document\.querySelector\('#root'\), (\{.*\})\);/s)![1]!);
}

/** The gateway's own URLs the page loads: scripts, styles, icon, and the editor's workers. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/"(\/graphiql\/[^"]+)"/g)].map((m) => m[1]!);
}

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

describe('the root path', () => {
  test.each(['GET', 'HEAD'])('%s / redirects to GraphiQL (302 /graphql)', async (method) => {
    const response = await t.app.fetch('http://test/', { method, redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  test('other paths and methods are still 404', async () => {
    expect((await t.app.fetch('http://test/', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await t.app.fetch('http://test/nothing-here')).status).toBe(404);
  });
});

describe('the GraphiQL page', () => {
  let app: App;
  let html: string;
  beforeAll(async () => {
    app = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), graphiqlToken: 'agw_demo_token' });
    const response = await app.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    html = await response.text();
  });

  test('loads no script, style or icon from another host (it works offline)', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/https?:/);
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(html).toContain('MonacoEnvironment');
  });

  test('is small and never cached (it holds the demo token); its assets are linked, not inlined', async () => {
    expect(html.length).toBeLessThan(10_000);
    const response = await app.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(response.headers.get('cache-control')).toBe('no-store');
    await response.arrayBuffer();
    expect(assetsOf(html).map((url) => url.replace(/-[0-9a-f]{16}\./, '-<hash>.')).sort()).toEqual([
      '/graphiql/editor.worker-<hash>.js',
      '/graphiql/favicon-<hash>.ico',
      '/graphiql/graphiql-<hash>.css',
      '/graphiql/graphiql-<hash>.js',
      '/graphiql/graphql.worker-<hash>.js',
      '/graphiql/json.worker-<hash>.js',
    ]);
  });

  test('opens on the example query with the demo token in the headers', () => {
    const options = graphiqlOptionsOf(html);
    expect(options.title).toBe('Agency GraphQL gateway');
    expect(options.defaultQuery).toMatch(/^query Expenses \{/m);
    expect(JSON.parse(options.headers)).toEqual({ Authorization: 'Bearer agw_demo_token' });
    // Headers kept in the browser would outlive the token: each `npm start` prints a new one.
    expect(options.shouldPersistHeaders).toBe(false);
  });

  test('each asset is served with a year of immutable caching, an ETag and its type; compressed as asked', async () => {
    const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, ico: /^image\/x-icon/ };
    let total = 0;
    for (const url of assetsOf(html)) {
      const raw = await app.fetch(`http://test${url}`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toMatch(types[url.split('.').pop()!]!);
      expect(raw.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(raw.headers.get('etag')).toBe(`"${/-([0-9a-f]{16})\./.exec(url)![1]}"`);
      expect(raw.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(raw.headers.get('content-encoding')).toBeNull();
      const plain = Buffer.from(await raw.arrayBuffer());
      expect(Number(raw.headers.get('content-length'))).toBe(plain.byteLength);
      total += plain.byteLength;

      const br = await app.fetch(`http://test${url}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(br.headers.get('content-encoding')).toBe('br');
      const brBytes = Buffer.from(await br.arrayBuffer());
      expect(brotliDecompressSync(brBytes).equals(plain)).toBe(true);
      const gz = await app.fetch(`http://test${url}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(plain)).toBe(true);
      expect(brBytes.byteLength).toBeLessThan(plain.byteLength);
    }
    // What used to be inlined in the page: GraphiQL and Monaco, several MB.
    expect(total).toBeGreaterThan(5_000_000);
  }, 60_000);

  test('a cached asset revalidates with 304; HEAD has no body; an unknown or outdated name is 404; other methods 405', async () => {
    const url = `http://test${assetsOf(html).find((u) => u.endsWith('.css'))!}`;
    const etag = (await app.fetch(url, { method: 'HEAD' })).headers.get('etag')!;
    const head = await app.fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const again = await app.fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    const outdated = await app.fetch(url.replace(/-[0-9a-f]{16}\./, '-0000000000000000.'));
    expect(outdated.status).toBe(404);
    expect(await outdated.text()).toContain('reload the page');
    expect((await app.fetch('http://test/graphiql/')).status).toBe(404);
    const post = await app.fetch(url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  test('without a demo token, headers start empty and are kept across reloads', async () => {
    const plain = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }) });
    const options = graphiqlOptionsOf(await (await plain.fetch('http://test/graphql', { headers: { accept: 'text/html' } })).text());
    expect(options.headers).toBeUndefined();
    expect(options.shouldPersistHeaders).toBe(true);
  });
});
