// Trusted documents (issue 12): the web app's operations (src/operations), written by GraphQL Code
// Generator to persisted-documents.json, run by id; in mode `only` nothing else runs, in the
// default mode arbitrary queries (GraphiQL) still do.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPersistedDocuments, type PersistedDocuments } from '../src/http/trusted-documents.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

let documents: PersistedDocuments;
let only: TestApp;
let allow: TestApp;
let a: Tenant;

beforeAll(async () => {
  documents = await loadPersistedDocuments();
  only = await startApp({ persistedOperations: { mode: 'only', documents } });
  allow = await startApp({ persistedOperations: { mode: 'allow', documents } });
  a = await createTenant(only.db.prisma);
});
afterAll(async () => {
  await only.close();
  await allow.close();
});

const idOf = (operation: string) => {
  const entry = Object.entries(documents).find(([, text]) => text.includes(`${operation}(`) || text.includes(`${operation} {`));
  if (!entry) throw new Error(`no persisted document for ${operation}`);
  return entry[0];
};

async function post(app: TestApp, body: unknown, token = a.token) {
  const response = await app.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

describe('the manifest', () => {
  test('codegen wrote every operation of src/operations, keyed by the SHA-256 of its text', async () => {
    const { createHash } = await import('node:crypto');
    expect(Object.keys(documents).length).toBeGreaterThanOrEqual(6);
    for (const [id, text] of Object.entries(documents)) {
      expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    }
  });
});

describe('mode only (the web app)', () => {
  test('a known document id runs, by documentId and by Apollo-style persistedQuery', async () => {
    const id = idOf('WebExpenses');
    const byId = await post(only, { documentId: id, variables: { first: 2 } });
    expect(byId.status).toBe(200);
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data?.expenses).toMatchObject({ totalCount: expect.any(Number) });
    const apollo = await post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } }, variables: { first: 1 } });
    expect(apollo.body.data?.expenses).toMatchObject({ totalCount: expect.any(Number) });
  });

  test('a query text is refused, and so is an unknown id; nothing runs', async () => {
    const before = only.db.statements.count;
    const query = await post(only, { query: '{ expenses(first: 1) { totalCount } }' });
    expect(query.status).toBe(400);
    expect(query.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    const unknown = await post(only, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(only.db.statements.count).toBe(before);
  });

  test('a persisted document is still scoped to the caller: another organization sees only its own', async () => {
    const b = await createTenant(only.db.prisma);
    await b.expense({ name: 'theirs' });
    const mine = await post(only, { documentId: idOf('WebExpenses'), variables: { first: 50 } });
    const names = (mine.body.data?.expenses as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name);
    expect(names).not.toContain('theirs');
  });
});

describe('mode allow (the default)', () => {
  test('both a document id and an arbitrary query run', async () => {
    const t = await createTenant(allow.db.prisma);
    const byId = await post(allow, { documentId: idOf('WebRecycleBin'), variables: { first: 5 } }, t.token);
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data?.deletedItems).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] });
    const query = await post(allow, { query: '{ viewer { organization { id } } }' }, t.token);
    expect(query.body.errors).toBeUndefined();
  });
});
