// Production switches (issue 26): GRAPHIQL and INTROSPECTION, each on its own, both on by default and
// off by default with NODE_ENV=production; what a client sees through HTTP with each off.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  t = await startApp();
  tenant = await createTenant(t.db.prisma);
});
afterAll(() => t.close());

const appWith = (switches: { graphiql?: boolean; introspection?: boolean }): App =>
  createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), graphiqlToken: 'agw_demo', ...switches });

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(app: App, query: string, accept = 'application/json'): Promise<Answer> {
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${tenant.token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

/** What a browser sends when someone opens the URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the settings', () => {
  test('both on by default, both off by default in production, each overridable on its own', () => {
    expect(loadConfig({})).toMatchObject({ GRAPHIQL: true, INTROSPECTION: true });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ GRAPHIQL: true, INTROSPECTION: true });
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ GRAPHIQL: false, INTROSPECTION: false });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true' })).toMatchObject({ GRAPHIQL: true, INTROSPECTION: false });
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: '1' })).toMatchObject({ GRAPHIQL: false, INTROSPECTION: true });
    expect(loadConfig({ GRAPHIQL: 'false' })).toMatchObject({ GRAPHIQL: false, INTROSPECTION: true });
    expect(loadConfig({ INTROSPECTION: '0' })).toMatchObject({ GRAPHIQL: true, INTROSPECTION: false });
    // Empty is unset (a .env file's `GRAPHIQL=`): the NODE_ENV default.
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: '', INTROSPECTION: ' ' })).toMatchObject({ GRAPHIQL: false, INTROSPECTION: false });
    expect(loadConfig({ GRAPHIQL: '' })).toMatchObject({ GRAPHIQL: true });
  });

  test('anything but true, false, 1 or 0 is a configuration error naming the setting', () => {
    expect(() => loadConfig({ GRAPHIQL: 'off' })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHIQL: 'off' })).toThrow(/GRAPHIQL: /);
    expect(() => loadConfig({ INTROSPECTION: 'no' })).toThrow(/INTROSPECTION: /);
  });
});

describe('INTROSPECTION=false', () => {
  const app = () => appWith({ introspection: false });

  test.each([
    ['__schema', '{ __schema { types { name } } }'],
    ['__type', '{ __type(name: "Expense") { fields { name } } }'],
    ['__schema', 'query { viewer { person { id } } ... on Query { __schema { queryType { name } } } }'],
    ['__type', 'fragment F on Query { t: __type(name: "Query") { name } } { ...F }'],
  ])('%s is refused with a clear error, and nothing runs: %s', async (field, query) => {
    t.db.statements.reset();
    // A validation error like any other: 400 for GraphQL-over-HTTP clients, 200 for application/json ones.
    const { status, body } = await post(app(), query, 'application/graphql-response+json');
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    // graphql-js' rule also names the introspection fields selected inside (`types`): the first error is the root one.
    for (const error of body.errors!) expect(error.message).toMatch(/^GraphQL introspection has been disabled, but the requested query contained the field "\w+"\.$/);
    expect(body.errors![0]).toMatchObject({
      message: `GraphQL introspection has been disabled, but the requested query contained the field "${field}".`,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(t.db.statements.count).toBe(0);
    const json = await post(app(), query);
    expect(json.body.errors![0]!.message).toMatch(/^GraphQL introspection has been disabled/);
    expect(json.body.data).toBeUndefined();
  });

  test('__typename still works, at the root and inside', async () => {
    const { status, body } = await post(app(), '{ __typename viewer { __typename person { __typename } } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ __typename: 'Query', viewer: { __typename: 'Viewer', person: { __typename: 'Person' } } });
  });

  test('error messages suggest no field names (they would give the schema away)', async () => {
    const off = await post(app(), '{ expens { totalCount } }');
    expect(off.body.errors![0]!.message).toMatch(/Cannot query field "expens" on type "Query"/);
    expect(off.body.errors![0]!.message).not.toMatch(/Did you mean/);
    const on = await post(appWith({}), '{ expens { totalCount } }');
    expect(on.body.errors![0]!.message).toMatch(/Did you mean .*"expenses"/);
  });

  test('on (the default), introspection answers', async () => {
    const { status, body } = await post(appWith({}), '{ __type(name: "Expense") { name } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ __type: { name: 'Expense' } });
  });

  test('GraphiQL stays on when only introspection is off', async () => {
    const response = await app().fetch('http://test/graphql', { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('GRAPHIQL=false', () => {
  const app = () => appWith({ graphiql: false });

  test.each(['GET', 'HEAD'])('a browser %s of /graphql gets 404 saying GraphiQL is off, not the page', async (method) => {
    const response = await app().fetch('http://test/graphql', { method, headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    if (method === 'GET') {
      const text = await response.text();
      expect(text).not.toMatch(/<html|<script/i);
      expect(JSON.parse(text)).toEqual({
        errors: [
          {
            message: expect.stringMatching(/^GraphiQL is turned off on this server \(GRAPHIQL=false\)\. Send GraphQL operations to this URL with POST/),
            extensions: { code: 'GRAPHIQL_DISABLED' },
          },
        ],
      });
    }
  });

  test('/ no longer sends browsers to it', async () => {
    const response = await app().fetch('http://test/', { redirect: 'manual', headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(404);
  });

  test('the API is untouched: POST, GET with a query (also from a browser), introspection', async () => {
    expect((await post(app(), '{ viewer { person { id } } }')).status).toBe(200);
    const get = await app().fetch(`http://test/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: BROWSER_ACCEPT, authorization: `Bearer ${tenant.token}` },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ data: { __typename: 'Query' } });
    expect((await post(app(), '{ __schema { queryType { name } } }')).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('on (the default), the same request gets the page', async () => {
    const response = await appWith({}).fetch('http://test/graphql', { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });
});
