// Trusted documents (issue 12): the web app's operations (src/operations), written by GraphQL Code
// Generator to persisted-documents.json, run by id; in mode `only` nothing else runs, in the
// default mode arbitrary queries (GraphiQL) still do.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPersistedDocuments, type PersistedDocuments } from '../src/http/trusted-documents.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

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

/** A GET as GraphQL over HTTP sends it: every parameter in the URL, JSON ones encoded. */
async function get(app: TestApp, params: Record<string, unknown>, token = a.token) {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]),
  );
  const response = await app.app.fetch(`http://localhost/graphql?${search}`, {
    headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions?: { code?: string } }> },
  };
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

describe('by GET (?documentId=...)', () => {
  test('a persisted query runs from the URL, with its variables, in both modes', async () => {
    const b = await createTenant(only.db.prisma);
    await b.expense({ name: 'by GET' });
    for (const app of [only, allow]) {
      const { status, body } = await get(app, { documentId: idOf('WebExpenses'), variables: { first: 5 } }, b.token);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data?.expenses).toMatchObject({ totalCount: 1, nodes: [expect.objectContaining({ name: 'by GET' })] });
    }
    // Apollo's extension over GET keeps working beside it.
    const apollo = await get(only, { extensions: { persistedQuery: { version: 1, sha256Hash: idOf('WebExpenses').slice(7) } }, variables: { first: 1 } }, b.token);
    expect(apollo.body.data?.expenses).toMatchObject({ totalCount: 1 });
  });

  test('a persisted mutation by GET is refused with 405 and Allow: POST, and writes nothing', async () => {
    const b = await createTenant(only.db.prisma);
    const expenseId = await b.expense({ name: 'not approved by GET' });
    const input = { id: gid('Expense', expenseId) };
    const { status, headers, body } = await get(only, { documentId: idOf('WebApproveExpense'), variables: { input } }, b.token);
    expect(status).toBe(405);
    expect(headers.get('allow')).toBe('POST');
    expect(body.errors?.[0]?.message).toBe('Can only perform a mutation operation from a POST request.');
    expect(body.data).toBeUndefined();
    const row = await only.db.prisma.expense.findUniqueOrThrow({ where: { id: expenseId } });
    expect(row.approved).toBe(false);
    // The same document by POST runs: the refusal is about the method only.
    const posted = await post(only, { documentId: idOf('WebApproveExpense'), variables: { input } }, b.token);
    expect(posted.body.errors).toBeUndefined();
    expect(posted.body.data?.approveExpense).toMatchObject({ expense: { approvalStatus: 'APPROVED' }, userErrors: [] });
  });

  test('an unknown id by GET is PERSISTED_QUERY_NOT_FOUND; a GET with neither says what to send, per mode', async () => {
    const unknown = await get(only, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const none = await get(only, {});
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_ONLY' } });
    const noneAllow = await get(allow, {});
    expect(noneAllow.status).toBe(400);
    expect(noneAllow.body.errors?.[0]).toMatchObject({ message: 'Send a `query` or a `documentId`.', extensions: { code: 'BAD_REQUEST' } });
  });

  test('another organization\'s token by GET sees only its own rows; a revoked token is 401', async () => {
    const b = await createTenant(only.db.prisma);
    const c = await createTenant(only.db.prisma);
    await c.expense({ name: 'theirs by GET' });
    const mine = await get(only, { documentId: idOf('WebExpenses'), variables: { first: 50 } }, b.token);
    expect(mine.body.data?.expenses).toMatchObject({ totalCount: 0 });
    const revoked = await get(only, { documentId: idOf('WebExpenses') }, 'not-a-token');
    expect(revoked.status).toBe(401);
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
