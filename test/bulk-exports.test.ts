// Bulk exports (issue 27): start, run page after page, download with the same token, cancel, resume
// after a run died, fail cleanly, expire; tenancy and privacy; the pg-boss service end to end.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient } from '../src/db/scope.js';
import { createTask } from '../src/domain/tasks.js';
import { purgeExpired } from '../src/exports/queue.js';
import { runExport, type RunOptions } from '../src/exports/run.js';
import { backgroundContext } from '../src/http/context.js';
import { maskError } from '../src/http/errors.js';
import { startExportService } from '../src/http/bulk-exports.js';
import { tokenChargeOf } from '../src/http/app.js';
import { schema } from '../src/schema/index.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import { as, data, execute, startApp, type Caller, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';
import { subscribe } from './helpers/sse.js';
import { sample } from './helpers/metrics.js';
import { dropDatabase, siblingDatabase } from './helpers/databases.js';

const Start = graphql(`
  mutation StartExport($input: StartBulkExportInput!) {
    startBulkExport(input: $input) {
      bulkExport { id status rowCount query }
      userErrors { field message code }
    }
  }
`);

const Cancel = graphql(`
  mutation CancelExport($input: CancelBulkExportInput!) {
    cancelBulkExport(input: $input) {
      bulkExport { id status }
      userErrors { field message code }
    }
  }
`);

const Show = graphql(`
  query ShowExport($id: ID!) {
    bulkExport(id: $id) {
      id databaseId status rowCount totalCount progress fileSize cost errorCode errorMessage url expiresAt startedAt finishedAt
    }
  }
`);

const Current = graphql(`
  query CurrentExport {
    currentBulkExport { id status }
  }
`);

const ExpenseIds = graphql(`
  query ExportedExpenseIds($after: String) {
    expenses(first: 200, after: $after, orderBy: [{ field: DATE, direction: DESC }]) {
      nodes { id name }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const EXPENSES = '{ expenses(orderBy: [{ field: DATE, direction: DESC }]) { nodes { id name amount { original { cents currency } } deal { name } } } }';

let t: TestApp;
let a: Tenant;
let b: Tenant;
const logger = pino({ level: 'silent' });

const runOptions = (overrides: Partial<RunOptions> = {}): RunOptions => ({
  prisma: t.db.prisma,
  schema,
  contextFor: (viewer, requestId) => backgroundContext(t.db.prisma, viewer, requestId, new AddressPolicy()),
  logger,
  mask: (error, requestId) => maskError(error, requestId, logger),
  pageSize: 3,
  retentionMs: 3_600_000,
  ...overrides,
});

async function start(caller: Caller, query: string) {
  return (await data(t.app, Start, { input: { query } }, caller)).startBulkExport;
}

async function started(caller: Caller, query = EXPENSES): Promise<{ id: string; databaseId: number }> {
  const result = await start(caller, query);
  expect(result.userErrors).toEqual([]);
  const id = result.bulkExport!.id;
  return { id, databaseId: Number(Buffer.from(id, 'base64').toString().split(':')[1]) };
}

const show = async (caller: Caller, id: string) => (await data(t.app, Show, { id }, caller)).bulkExport;

async function download(caller: Caller, url: string, method = 'GET') {
  const headers: Record<string, string> = {};
  if (caller.token) headers.authorization = `Bearer ${caller.token}`;
  return t.app.fetch(url.replace(/^https?:\/\/[^/]+/, 'http://test'), { method, headers });
}

const lines = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; name: string });

/** Every expense id the list shows `caller`, in the export's order. */
async function listed(caller: Caller): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } = (await data(t.app, ExpenseIds, { after }, caller)).expenses;
    const { nodes, pageInfo } = page;
    ids.push(...nodes.map((n) => n.id));
    if (!pageInfo.hasNextPage) return ids;
    after = pageInfo.endCursor ?? null;
  }
}

/** Cancels whatever `caller`'s token still runs, so that each test starts from none. */
async function settle(caller: Caller) {
  const current = (await data(t.app, Current, {}, caller)).currentBulkExport;
  if (current && (current.status === 'CREATED' || current.status === 'RUNNING')) await data(t.app, Cancel, { input: { id: current.id } }, caller);
}

beforeAll(async () => {
  ({ t, a, b } = await appWithTwoTenants());
  for (let i = 0; i < 10; i++) await a.expense({ name: `a ${i}`, currency: 'USD', dealId: i % 2 ? a.deals.eur : a.deals.usd, date: new Date(Date.UTC(2026, 0, 1 + i)) });
  for (let i = 0; i < 4; i++) await b.expense({ name: `b ${i}`, currency: 'USD', dealId: b.deals.usd });
});

afterAll(async () => {
  await t.close();
});

describe('an export runs page after page and is downloaded with its token', () => {
  test('every row the list shows, once and in its order, as JSON lines; status, counts, progress, url and the finished event', async () => {
    await settle(as(a));
    const { id, databaseId } = await started(as(a));
    const before = await show(as(a), id);
    expect(before).toMatchObject({ status: 'CREATED', rowCount: 0, totalCount: null, progress: null, url: null, startedAt: null });
    expect((await data(t.app, Current, {}, as(a))).currentBulkExport).toEqual({ id, status: 'CREATED' });

    expect(await runExport(runOptions(), databaseId)).toBe('done');
    const done = await show(as(a), id);
    expect(done).toMatchObject({ status: 'COMPLETED', rowCount: 10, totalCount: 10, progress: 1, errorCode: null });
    expect(done!.url).toBe(`http://test/bulk-exports/${id}`);
    expect(new Date(done!.expiresAt!).getTime()).toBeGreaterThan(Date.now());

    const response = await download(as(a), done!.url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jsonl; charset=utf-8');
    const text = await response.text();
    expect(Buffer.byteLength(text)).toBe(Number(done!.fileSize));
    expect(response.headers.get('content-length')).toBe(String(done!.fileSize));
    const rows = lines(text);
    expect(rows.map((r) => r.id)).toEqual(await listed(as(a)));
    expect(rows[0]).toMatchObject({ name: 'a 9', amount: { original: { currency: expect.any(String) } }, deal: { name: expect.any(String) } });
    // Ten rows in pages of three: four chunks.
    expect(await t.db.prisma.bulkExportChunk.count({ where: { exportId: databaseId } })).toBe(4);
    // Points: each row what one node of the selection costs.
    expect(BigInt(done!.cost)).toBeGreaterThanOrEqual(10n);

    const event = await t.db.prisma.changeEvent.findFirst({ where: { organizationId: a.organizationId, type: 'bulk_export.finished', subjectId: id } });
    expect(event?.payload).toMatchObject({ id, status: 'COMPLETED', rowCount: 10, fileSize: done!.fileSize });
    // The run has no request to take an origin from: the URL is a path, or PUBLIC_URL's (below).
    expect(event?.payload).toMatchObject({ query: EXPENSES, progress: 1, totalCount: 10, url: `/bulk-exports/${id}` });
    // HEAD answers the headers only.
    const head = await download(as(a), done!.url!, 'HEAD');
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(done!.fileSize), '']);
  });

  test('edges { node } exports the nodes too; filters and nested objects as in the query; an empty list completes with no rows', async () => {
    await settle(as(a));
    const filtered = await started(as(a), `{ expenses(filter: { name: { startsWith: "a 1" } }) { edges { cursor node { name } } } }`);
    await runExport(runOptions(), filtered.databaseId);
    const shown = await show(as(a), filtered.id);
    expect(lines(await (await download(as(a), shown!.url!)).text())).toEqual([{ name: 'a 1' }]);

    const none = await started(as(a), `{ expenses(filter: { name: { eq: "nothing" } }) { nodes { id } } }`);
    await runExport(runOptions({ publicUrl: 'https://api.example.com' }), none.databaseId);
    const event = await t.db.prisma.changeEvent.findFirst({ where: { type: 'bulk_export.finished', subjectId: none.id } });
    expect(event?.payload).toMatchObject({ status: 'COMPLETED', url: `https://api.example.com/bulk-exports/${none.id}` });
    const empty = await show(as(a), none.id);
    expect(empty).toMatchObject({ status: 'COMPLETED', rowCount: 0, totalCount: 0, progress: 1, fileSize: 0 });
    expect(await (await download(as(a), empty!.url!)).text()).toBe('');
  });
});

describe('tenancy and privacy', () => {
  test("another organization neither sees, cancels nor downloads an export; a member sees it but neither cancels nor downloads it; its rows are the caller's organization's only", async () => {
    await settle(as(a));
    await settle(as(b));
    const { id, databaseId } = await started(as(a));
    const shown = await execute(t.app, Show, { id }, as(b));
    expect(shown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await data(t.app, Cancel, { input: { id } }, as(b))).cancelBulkExport.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    const member = { token: (await a.member()).token };
    expect((await show(member, id))!.status).toBe('CREATED');
    expect((await data(t.app, Cancel, { input: { id } }, member)).cancelBulkExport.userErrors).toEqual([
      { field: ['input', 'id'], code: 'FORBIDDEN', message: 'Only the person who started the export, or an admin, may cancel it.' },
    ]);
    await runExport(runOptions(), databaseId);
    const url = (await show(as(a), id))!.url!;
    expect((await show(member, id))!.url).toBe(url);
    for (const other of [as(b), member]) {
      const response = await download(other, url);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'No such export for this token.' });
    }
    const forged = await download({ token: 'not-a-token' }, url);
    expect([forged.status, await forged.json()]).toEqual([401, { error: 'Invalid or revoked API token.' }]);
    expect((await download({}, url)).status).toBe(401);
    // A forged path: another type's id, garbage, an unknown export.
    for (const path of [`/bulk-exports/${gid('Expense', databaseId)}`, '/bulk-exports/%00%ff', `/bulk-exports/${gid('BulkExport', 2 ** 31 - 1)}`, '/bulk-exports/']) {
      expect((await t.app.fetch(`http://test${path}`, { headers: { authorization: `Bearer ${a.token}` } })).status).toBe(404);
    }
    expect((await t.app.fetch(`http://test/bulk-exports/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${a.token}` } })).status).toBe(405);

    // b's export of the same list holds b's rows only.
    const mine = await started(as(b));
    await runExport(runOptions(), mine.databaseId);
    const rows = lines(await (await download(as(b), (await show(as(b), mine.id))!.url!)).text());
    expect(rows.map((r) => r.name).sort()).toEqual(['b 0', 'b 1', 'b 2', 'b 3']);
  });
});

describe('privacy', () => {
  test("a private task is in its creator's export and in nobody else's", async () => {
    const owner = await a.member();
    const ownerViewer = { ...a.viewer, person: { ...a.viewer.person, id: owner.personId }, role: 'member' as const };
    const ownerDb = scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: owner.personId, role: 'member' });
    const secret = await createTask(ownerDb, ownerViewer, { projectId: a.projects.website, title: 'Secret plan', private: true });
    const open = await createTask(ownerDb, ownerViewer, { projectId: a.projects.website, title: 'Open plan', private: false });
    if (!secret.ok || !open.ok) throw new Error('tasks');
    const titles = async (caller: Caller) => {
      await settle(caller);
      const { id, databaseId } = await started(caller, '{ tasks { nodes { title } } }');
      await runExport(runOptions(), databaseId);
      return lines(await (await download(caller, (await show(caller, id))!.url!)).text()).map((r) => (r as unknown as { title: string }).title);
    };
    expect(await titles({ token: owner.token })).toEqual(expect.arrayContaining(['Secret plan', 'Open plan']));
    const others = await titles(as(a));
    expect(others).toContain('Open plan');
    expect(others).not.toContain('Secret plan');
  });
});

describe('one export per token', () => {
  test('a second start while one is unfinished is CONFLICT naming it; another token of the same person may start its own', async () => {
    await settle(as(a));
    const first = await started(as(a));
    const again = await start(as(a), EXPENSES);
    expect(again.bulkExport).toBeNull();
    expect(again.userErrors).toEqual([{ field: ['input', 'query'], code: 'CONFLICT', message: `This token already has an export running (${first.id}): wait for it to finish or cancel it.` }]);
    await data(t.app, Cancel, { input: { id: first.id } }, as(a));
    await settle(as(a));
  });

  test('20 cancels at once: one CANCELED, 19 CONFLICT, one finished event', async () => {
    await settle(as(a));
    const { id } = await started(as(a));
    const results = await Promise.all(Array.from({ length: 20 }, () => data(t.app, Cancel, { input: { id } }, as(a))));
    expect(results.filter((r) => r.cancelBulkExport.bulkExport?.status === 'CANCELED')).toHaveLength(1);
    expect(results.filter((r) => r.cancelBulkExport.userErrors[0]?.code === 'CONFLICT')).toHaveLength(19);
    expect(await t.db.prisma.changeEvent.count({ where: { type: 'bulk_export.finished', subjectId: id } })).toBe(1);
  });

  test('forged and out-of-range ids are clear errors, never an unexpected one', async () => {
    for (const id of [gid('BulkExport', 2 ** 31 - 1), gid('BulkExport', 2 ** 31), gid('Expense', 1), 'not an id', '\u0000', 'x'.repeat(10_000)]) {
      const shown = await execute(t.app, Show, { id }, as(a));
      expect(['NOT_FOUND', 'BAD_USER_INPUT'], id.slice(0, 20)).toContain(shown.body.errors?.[0]?.extensions?.code);
      const cancel = (await data(t.app, Cancel, { input: { id } }, as(a))).cancelBulkExport;
      expect(cancel.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    }
  });

  test('20 starts at once: one export, 19 CONFLICT', async () => {
    await settle(as(b));
    const results = await Promise.all(Array.from({ length: 20 }, () => start(as(b), EXPENSES)));
    expect(results.filter((r) => r.bulkExport).length).toBe(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'CONFLICT').length).toBe(19);
    await settle(as(b));
  });
});

describe('a query that cannot be exported is INVALID at input.query, with the reason', () => {
  test.each([
    ['', 'The query is blank.'],
    ['{ expenses { nodes { id } }', 'The query does not parse: Syntax Error: Expected Name, found <EOF>.'],
    ['mutation { deleteExpense(input: { id: "x" }) { deletedId } }', 'Only a query can be exported, not a mutation or a subscription.'],
    ['query Q($n: Int) { expenses { nodes { id } } }', 'Variables are not supported: write the values into the query.'],
    ['{ expenses { nodes { id } } deals { nodes { id } } }', 'The query must select exactly one field at its root: a list (connection) such as `expenses`.'],
    ['{ viewer { person { id } } }', '`viewer` is not a list of the API: the root field must be a connection such as `expenses`.'],
    ['{ expenses(first: 5) { nodes { id } } }', 'Leave out `first`: the export reads every page itself.'],
    ['{ expenses { totalCount nodes { id } } }', '`totalCount` cannot be exported: an export writes the list\'s nodes, one per line (ask for totals and groups with an ordinary query).'],
    ['{ expenses { pageInfo { hasNextPage } } }', '`pageInfo` cannot be exported: an export writes the list\'s nodes, one per line (ask for totals and groups with an ordinary query).'],
    ['{ expenses { nodes { id } edges { node { id } } } }', 'Select the nodes once: `nodes { ... }` or `edges { node { ... } }`.'],
    ['{ expenses { nodes { nope } } }', 'Cannot query field "nope" on type "Expense".'],
    ['{ expenses(filter: { name: { eq: 5 } }) { nodes { id } } }', 'String cannot represent a non string value: 5'],
    ['{ expenses { nodes { id } } } fragment F on Expense { id }', 'Fragment "F" is never used.'],
    [`{ expenses { nodes { name\u0000 } } }`, 'The query does not parse: Syntax Error: Unexpected character: U+0000.'],
    [`{ expenses { nodes { id ${'name '.repeat(5000)} } } }`, 'The query is longer than 20000 characters.'],
  ])('case %#', async (query, message) => {
    const result = await start(as(a), query);
    expect(result).toEqual({ bulkExport: null, userErrors: [{ field: ['input', 'query'], code: 'INVALID', message }] });
  });

  test('a node whose nested lists make a page too large is refused, with its cost', async () => {
    const nested = '{ deals { nodes { id expenses(first: 200) { nodes { id deal { company { name } } serviceType { name } } } } } }';
    const result = await start(as(a), nested);
    expect(result.bulkExport).toBeNull();
    expect(result.userErrors[0]).toMatchObject({ field: ['input', 'query'], code: 'INVALID' });
    expect(result.userErrors[0]!.message).toBe('One node of this selection costs 804 points; an export allows at most 500 (ask nested lists for fewer items).');
  });

  test('a megabyte query is refused before it runs; nothing was filed', async () => {
    const before = await t.db.prisma.bulkExport.count();
    const response = await execute(t.app, Start, { input: { query: 'x'.repeat(1_100_000) } }, as(a));
    expect(response.status).toBe(413);
    expect(await t.db.prisma.bulkExport.count()).toBe(before);
  });
});

describe('cancel, failure, resume, expiry', () => {
  test('cancel: CANCELED, the finished event says so, a run finds nothing to do; a finished one is CONFLICT', async () => {
    await settle(as(a));
    const { id, databaseId } = await started(as(a));
    const cancelled = (await data(t.app, Cancel, { input: { id } }, as(a))).cancelBulkExport;
    expect(cancelled).toEqual({ bulkExport: { id, status: 'CANCELED' }, userErrors: [] });
    expect(await runExport(runOptions(), databaseId)).toBe('stopped');
    expect(await t.db.prisma.bulkExportChunk.count({ where: { exportId: databaseId } })).toBe(0);
    const event = await t.db.prisma.changeEvent.findFirst({ where: { type: 'bulk_export.finished', subjectId: id } });
    expect(event?.payload).toMatchObject({ status: 'CANCELED' });
    const again = (await data(t.app, Cancel, { input: { id } }, as(a))).cancelBulkExport;
    expect(again.userErrors).toEqual([{ field: ['input', 'id'], code: 'CONFLICT', message: 'The export has already finished (CANCELED).' }]);
  });

  test('a run that died after two pages is taken over once its lease lapsed and continues from its cursor: every row once, in order', async () => {
    await settle(as(a));
    const { id, databaseId } = await started(as(a));
    let pages = 0;
    const dying = runOptions({
      contextFor: (viewer, requestId) => {
        if (++pages > 2) throw new Error('the process died');
        return backgroundContext(t.db.prisma, viewer, requestId, new AddressPolicy());
      },
    });
    await expect(runExport(dying, databaseId)).rejects.toThrow('the process died');
    expect(await show(as(a), id)).toMatchObject({ status: 'RUNNING', rowCount: 6, progress: 0.6, url: null });
    // Its lease holds: another run does not take it yet.
    expect(await runExport(runOptions(), databaseId)).toBe('stopped');
    expect(await runExport(runOptions({ leaseMs: 0 }), databaseId)).toBe('done');
    const done = await show(as(a), id);
    expect(done).toMatchObject({ status: 'COMPLETED', rowCount: 10 });
    const rows = lines(await (await download(as(a), done!.url!)).text());
    expect(rows.map((r) => r.id)).toEqual(await listed(as(a)));
  });

  test("an admin may cancel a member's export", async () => {
    const member = { token: (await a.member()).token };
    const { id } = await started(member);
    expect((await data(t.app, Cancel, { input: { id } }, as(a))).cancelBulkExport).toEqual({ bulkExport: { id, status: 'CANCELED' }, userErrors: [] });
  });

  test('a process that stops lets its export go after the page under way; the next run continues at once, from its cursor', async () => {
    await settle(as(a));
    const { id, databaseId } = await started(as(a));
    const stopping = new AbortController();
    const stopped = runOptions({
      signal: stopping.signal,
      contextFor: (viewer, requestId) => {
        stopping.abort(); // the process is told to stop during its first page
        return backgroundContext(t.db.prisma, viewer, requestId, new AddressPolicy());
      },
    });
    expect(await runExport(stopped, databaseId)).toBe('stopped');
    const row = await t.db.prisma.bulkExport.findUniqueOrThrow({ where: { id: databaseId } });
    expect([row.status, row.rowCount, row.runner, row.heartbeatAt]).toEqual(['RUNNING', 3, null, null]);
    // No lease to wait for.
    expect(await runExport(runOptions(), databaseId)).toBe('done');
    const rows = lines(await (await download(as(a), (await show(as(a), id))!.url!)).text());
    expect(rows.map((r) => r.id)).toEqual(await listed(as(a)));
  });

  test('a token revoked during the run fails the export cleanly: FAILED, UNAUTHENTICATED, no file', async () => {
    const person = await a.member();
    const caller = { token: person.token };
    const { id, databaseId } = await started(caller);
    await t.db.prisma.apiToken.updateMany({ where: { personId: person.personId }, data: { revokedAt: new Date() } });
    expect(await runExport(runOptions(), databaseId)).toBe('done');
    const row = await t.db.prisma.bulkExport.findUniqueOrThrow({ where: { id: databaseId } });
    expect([row.status, row.errorCode, row.rowCount]).toEqual(['FAILED', 'UNAUTHENTICATED', 0]);
    expect(await t.db.prisma.bulkExportChunk.count({ where: { exportId: databaseId } })).toBe(0);
    const event = await t.db.prisma.changeEvent.findFirst({ where: { type: 'bulk_export.finished', subjectId: id } });
    expect(event?.payload).toMatchObject({ status: 'FAILED', errorCode: 'UNAUTHENTICATED' });
  });

  test('an error the query meets on a page fails it with that error; never a half file marked done', async () => {
    await settle(as(a));
    // A cursor of another list makes the list refuse its page: the run's own cursor is stored, so forge one.
    const { id, databaseId } = await started(as(a));
    await t.db.prisma.bulkExport.update({ where: { id: databaseId }, data: { cursor: 'forged' } });
    await runExport(runOptions(), databaseId);
    const failed = await show(as(a), id);
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'BAD_USER_INPUT', url: null });
    expect(failed!.errorMessage).toMatch(/after/);
  });

  test('past its retention the file is deleted: EXPIRED, no url, the download is 410', async () => {
    await settle(as(a));
    const { id, databaseId } = await started(as(a));
    await runExport(runOptions(), databaseId);
    const url = (await show(as(a), id))!.url!;
    await t.db.prisma.bulkExport.update({ where: { id: databaseId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await download(as(a), url)).status).toBe(410);
    expect(await purgeExpired(t.db.prisma)).toBeGreaterThanOrEqual(1);
    expect(await show(as(a), id)).toMatchObject({ status: 'EXPIRED', url: null, rowCount: 10, progress: 1 });
    expect(await t.db.prisma.bulkExportChunk.count({ where: { exportId: databaseId } })).toBe(0);
    expect((await download(as(a), url)).status).toBe(410);
  });
});

describe('the finished event', () => {
  test('a subscription to BULK_EXPORT_FINISHED hears the export complete, with its url; no other organization hears it', async () => {
    await settle(as(a));
    const Finished = graphql(`
      subscription ExportFinished {
        changeEvents(types: [BULK_EXPORT_FINISHED]) { type subjectId payload }
      }
    `);
    const mine = await subscribe(t.app, Finished, {}, as(a));
    const theirs = await subscribe(t.app, Finished, {}, as(b));
    try {
      const { id, databaseId } = await started(as(a));
      await runExport(runOptions({ publicUrl: 'https://api.example.com' }), databaseId);
      const heard = await mine.next(10_000);
      expect(heard).not.toBe('done');
      const event = (heard as { data: { changeEvents: { type: string; subjectId: string; payload: Record<string, unknown> } } }).data.changeEvents;
      expect(event).toMatchObject({ type: 'BULK_EXPORT_FINISHED', subjectId: id, payload: { status: 'COMPLETED', rowCount: 10, url: `https://api.example.com/bulk-exports/${id}` } });
      await theirs.quiet(300);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
});

describe('guessing tokens at the download', () => {
  test('bad tokens count as failed authentications: past the limit the address gets 429 before any lookup; a working token is never refused for them', async () => {
    const limited = await startApp({ rateLimit: { enabled: true, authFailures: 3, authWindowSeconds: 60 } });
    try {
      const path = `http://test/bulk-exports/${gid('BulkExport', 2 ** 31 - 1)}`;
      const attempt = (token: string) => limited.app.fetch(path, { headers: { authorization: `Bearer ${token}` } });
      expect((await attempt(a.token)).status).toBe(404); // known to be valid from now on
      for (let i = 0; i < 3; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
      const refused = await attempt('guess-4');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await attempt(a.token)).status).toBe(404);
    } finally {
      await limited.close();
    }
  });
});

describe('metrics', () => {
  test('/metrics counts the unfinished exports by state, stalled ones apart', async () => {
    await settle(as(a));
    const scrape = async (state: string) => sample(await (await t.app.fetch('http://test/metrics')).text(), 'gateway_bulk_exports_unfinished', { state }) ?? 0;
    const before = { created: await scrape('created'), running: await scrape('running'), stalled: await scrape('stalled') };
    const { id, databaseId } = await started(as(a));
    expect(await scrape('created')).toBe(before.created + 1);
    await t.db.prisma.bulkExport.update({ where: { id: databaseId }, data: { status: 'RUNNING', runner: 'gone', heartbeatAt: new Date(Date.now() - 3_600_000) } });
    expect([await scrape('created'), await scrape('running'), await scrape('stalled')]).toEqual([before.created, before.running, before.stalled + 1]);
    await t.db.prisma.bulkExport.update({ where: { id: databaseId }, data: { heartbeatAt: new Date() } });
    expect([await scrape('running'), await scrape('stalled')]).toEqual([before.running + 1, before.stalled]);
    await data(t.app, Cancel, { input: { id } }, as(a));
    expect([await scrape('created'), await scrape('running'), await scrape('stalled')]).toEqual([before.created, before.running, before.stalled]);
  });
});

describe('cost', () => {
  test("the rows are charged to the token's bucket as they are written, at what one node costs; the export is never refused for it", async () => {
    const limited = await startApp({ rateLimit: { enabled: true, points: 1000, restoreRate: 0.01 } });
    try {
      const caller = { token: (await a.member()).token };
      const remaining = async () => {
        const { body } = await execute(limited.app, graphql(`query Budget { rateLimit { remaining } }`), {}, caller);
        return body.data!.rateLimit.remaining!;
      };
      const before = await remaining();
      const { id, databaseId } = await started(caller);
      expect(await runExport(runOptions({ charge: tokenChargeOf(limited.app) }), databaseId)).toBe('done');
      const done = await show(caller, id);
      expect(done).toMatchObject({ status: 'COMPLETED', rowCount: 10 });
      // 10 rows at 5 points (id, name, amount's original money, deal's name), and the `rateLimit` query itself.
      expect(Number(done!.cost)).toBe(50);
      expect(before - (await remaining())).toBe(50 + 1);
    } finally {
      await limited.close();
    }
  });
});

describe('the export service', () => {
  test('on pg-boss: a started export is run by the service of this process and completes', async () => {
    // On PostgreSQL, pg-boss's tables in a database of their own (see test/webhooks-delivery.test.ts).
    const queueUrl = process.env.TEST_DATABASE_URL ? await siblingDatabase(process.env.TEST_DATABASE_URL, 'exportqueue') : undefined;
    const service = await startExportService({
      prisma: t.db.prisma,
      scripts: t.db.scripts,
      connectionString: queueUrl,
      logger,
      concurrency: 1,
      sweepIntervalMs: 0,
      retentionMs: 3_600_000,
      pollingIntervalSeconds: 0.5,
    });
    try {
      await settle(as(b));
      const { id } = await started(as(b));
      const deadline = Date.now() + 20_000;
      let status = 'CREATED';
      while (status !== 'COMPLETED' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await show(as(b), id))!.status;
      }
      expect(status).toBe('COMPLETED');
      expect((await show(as(b), id))!.rowCount).toBe(4);
    } finally {
      await service.stop();
      if (queueUrl) await dropDatabase(queueUrl);
    }
  });
});
