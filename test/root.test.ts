// Where a new user lands: `/` sends them to GraphiQL, and GraphiQL's page needs nothing from outside
// the gateway. test/browser/ runs the same page in Chromium.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';

/** The options the page hands to GraphiQL (the JSON argument of its render call). */
function graphiqlOptionsOf(html: string) {
  return JSON.parse(html.match(/renderYogaGraphiQL\(\s*window\.document\.querySelector\('#root'\),\s*(\{.*\}),\s*\);/s)![1]!);
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
    expect(html).not.toContain('unpkg.com');
    // The editor itself is inlined, not fetched: GraphiQL's bundle and its Monaco workers.
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(html).toContain('MonacoEnvironment');
  });

  test('opens on the example query with the demo token in the headers', () => {
    const options = graphiqlOptionsOf(html);
    expect(options.title).toBe('Agency GraphQL gateway');
    expect(options.defaultQuery).toMatch(/^query Expenses \{/m);
    expect(JSON.parse(options.headers)).toEqual({ Authorization: 'Bearer agw_demo_token' });
    // Headers kept in the browser would outlive the token: each `npm start` prints a new one.
    expect(options.shouldPersistHeaders).toBe(false);
  });

  test('without a demo token, headers start empty and are kept across reloads', async () => {
    const plain = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }) });
    const options = graphiqlOptionsOf(await (await plain.fetch('http://test/graphql', { headers: { accept: 'text/html' } })).text());
    expect(options.headers).toBeUndefined();
    expect(options.shouldPersistHeaders).toBe(true);
  });
});
