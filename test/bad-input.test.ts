// A user's mistake is a clear error, never "Unexpected error.": malformed global ids, numbers past
// their type's range, NUL bytes, oversized lists and strings, deep filters. Query arguments give a
// BAD_USER_INPUT error naming the argument; mutation inputs give a userError on the field; and
// nothing is written. Documents are sent as raw text, as a hostile client would.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoDay } from '../src/domain/kit/shown.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
let a: Tenant;
let expenseId: number;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  expenseId = await a.expense({ name: 'Existing' });
});
afterAll(() => t.close());

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

async function send(query: string, variables: Record<string, unknown> = {}, body?: string): Promise<Answer> {
  const response = await t.app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
    body: body ?? JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, ...(JSON.parse(text) as object) };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Another spelling of a real global id that lenient base64 decoding reads as the same object: without
 * its padding, or (when it has none) with a trailing character (`RXhwZW5zZTox0` for Expense 1).
 */
const sloppy = (globalId: string) => (globalId.endsWith('=') ? globalId.replace(/=+$/, '') : `${globalId}0`);

/**
 * A BAD_USER_INPUT error with a message that is not the masked one. HTTP 200 when raised while
 * executing; 400 when the variables cannot even be coerced (a request error, as GraphQL over HTTP says).
 */
function expectBadInput(answer: Answer, message?: RegExp) {
  expect([200, 400], JSON.stringify(answer)).toContain(answer.status);
  const error = answer.errors?.[0];
  expect(error?.message, JSON.stringify(answer)).not.toBe('Unexpected error.');
  expect(error?.extensions?.code, JSON.stringify(answer)).toBe('BAD_USER_INPUT');
  if (message) expect(error?.message).toMatch(message);
}

const BAD_IDS: Array<[string, string]> = [
  ['a non-numeric Expense id', b64('Expense:abc')],
  ['a non-numeric Deal id', b64('Deal:abc')],
  ['an unknown type', b64('Foo:1')],
  ['an id beyond int4', b64('Expense:99999999999')],
  ['a negative id', b64('Expense:-1')],
  ['not base64 at all', '%%%'],
  ['an empty id', ''],
  ['a NUL in the id', b64('Expense:1\u0000')],
  // Ids must re-encode to themselves (issue 22): these decode, leniently, to real-looking ids.
  ['a trailing character', 'RXhwZW5zZTox0'],
  ['missing padding', b64('Expense:12').replace(/=+$/, '')],
  ['a leading zero in the number', b64('Expense:012')],
];

describe('malformed global ids in query arguments are BAD_USER_INPUT', () => {
  test.each(BAD_IDS)('node(id:) with %s', async (_name, id) => {
    expectBadInput(await send('query($id: ID!) { node(id: $id) { id } }', { id }));
  });

  test.each(BAD_IDS)('nodes(ids:) with %s among good ids', async (_name, id) => {
    expectBadInput(await send('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [gid('Expense', expenseId), id] }));
  });

  test.each(BAD_IDS)('expense(id:) with %s', async (_name, id) => {
    expectBadInput(await send('query($id: ID!) { expense(id: $id) { id } }', { id }));
  });

  test.each(BAD_IDS)('an id filter with %s', async (_name, id) => {
    expectBadInput(await send('query($ids: [ID!]) { expenses(filter: { dealIds: $ids }) { totalCount } }', { ids: [id] }));
  });

  test("another spelling of an existing expense's id is refused in every argument, not read as that expense", async () => {
    const id = sloppy(gid('Expense', expenseId));
    expectBadInput(await send('query($id: ID!) { node(id: $id) { id } }', { id }), /not an id this API issued/);
    expectBadInput(await send('query($id: ID!) { expense(id: $id) { id } }', { id }));
    const deal = sloppy(gid('Deal', a.deals.eur));
    expectBadInput(await send('query($ids: [ID!]) { expenses(filter: { dealIds: $ids }) { totalCount } }', { ids: [deal] }));
    expectBadInput(await send('query($ids: [ID!]) { changeEvents(filter: { subjectIds: $ids }) { totalCount: edges { cursor } } }', { ids: [id] }));
  });

  test('a well-formed id that does not exist is null in node(id:), not an error', async () => {
    const answer = await send('query($id: ID!) { node(id: $id) { id } }', { id: gid('Expense', 999_999_999) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ node: null });
  });
});

describe('numbers past their range and impossible conditions in filters', () => {
  test.each([
    ['above int64', '99999999999999999999'],
    ['2^63', '9223372036854775808'],
    ['-(2^63) - 1', '-9223372036854775809'],
  ])('an amount filter %s is BAD_USER_INPUT', async (_name, value) => {
    expectBadInput(await send('query($v: BigInt) { expenses(filter: { amount: { gt: $v } }) { totalCount } }', { v: value }));
    expectBadInput(await send('query($v: BigInt!) { expenses(filter: { amount: { in: [1, $v] } }) { totalCount } }', { v: value }));
  });

  test('the int64 limits themselves are fine', async () => {
    const answer = await send(
      'query { expenses(filter: { amount: { lte: "9223372036854775807", gte: "-9223372036854775808" } }) { totalCount } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ expenses: { totalCount: 1 } });
  });

  test('isNull on a field that is never empty: true matches nothing, false everything', async () => {
    const none = await send('query { expenses(filter: { date: { isNull: true } }) { totalCount } }');
    expect(none.data).toEqual({ expenses: { totalCount: 0 } });
    const all = await send('query { expenses(filter: { date: { isNull: false } }) { totalCount } }');
    expect(all.data).toEqual({ expenses: { totalCount: 1 } });
  });

  test('cursors that decode but are wrong are BAD_USER_INPUT', async () => {
    for (const after of [b64('GPC:N:xxx'), b64('GPC:N:12345678901234567890'), b64('GPC:S:abc')]) {
      expectBadInput(await send('query($after: String) { expenses(after: $after) { totalCount nodes { id } } }', { after }));
      expectBadInput(await send('query($after: String) { deals(after: $after) { nodes { id } } }', { after }));
    }
  });
});

// ---- Mutation inputs: a userError on the field, nothing written ------------------------------

const CREATE = `mutation($input: CreateExpenseInput!) {
  createExpense(input: $input) { expense { databaseId exchangeRate position amount { default { cents } } } userErrors { field message code } }
}`;
const UPDATE = `mutation($input: UpdateExpenseInput!) {
  updateExpense(input: $input) { expense { databaseId exchangeRate } userErrors { field message code } }
}`;
const REJECT = `mutation($input: RejectExpenseInput!) {
  rejectExpense(input: $input) { expense { databaseId } userErrors { field message code } }
}`;

type Payload = { expense: Record<string, unknown> | null; userErrors: Array<{ field: string[]; message: string; code: string }> };

const valid = () => ({
  name: 'Valid',
  dealId: gid('Deal', a.deals.usd),
  serviceTypeId: gid('ServiceType', a.serviceTypes.travel),
  amount: 1000,
  currency: 'USD',
  date: '2021-04-15',
});

async function create(input: Record<string, unknown>): Promise<Payload> {
  const answer = await send(CREATE, { input: { ...valid(), ...input } });
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return (answer.data as { createExpense: Payload }).createExpense;
}

async function countExpenses() {
  return t.db.prisma.expense.count({ where: { organizationId: a.organizationId } });
}

/** The payload refused the input with exactly one error on `field` and wrote nothing. */
async function expectRefused(run: () => Promise<Payload>, field: string, code: string) {
  const before = await countExpenses();
  const payload = await run();
  expect(payload.expense).toBeNull();
  expect(payload.userErrors.map((e) => [e.field.join('.'), e.code]), JSON.stringify(payload.userErrors)).toEqual([[`input.${field}`, code]]);
  expect(await countExpenses()).toBe(before);
  return payload.userErrors[0]!;
}

describe('mutation inputs', () => {
  test('a NUL byte in a name or a reason is a userError on that field', async () => {
    const error = await expectRefused(() => create({ name: 'a\u0000b' }), 'name', 'INVALID');
    expect(error.message).toMatch(/NUL/);
    const answer = await send(REJECT, { input: { id: gid('Expense', expenseId), reason: 'no\u0000' } });
    expect((answer.data as { rejectExpense: Payload }).rejectExpense.userErrors).toEqual([
      { field: ['input', 'reason'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
  });

  test("another spelling of an existing object's id names nothing: NOT_FOUND on the field, nothing written", async () => {
    const answer = await send(REJECT, { input: { id: sloppy(gid('Expense', expenseId)), reason: 'Sloppy id' } });
    expect((answer.data as { rejectExpense: Payload }).rejectExpense.userErrors.map((e) => `${e.field.join('.')}:${e.code}`)).toEqual(['input.id:NOT_FOUND']);
    expect((await t.db.prisma.expense.findUniqueOrThrow({ where: { id: expenseId } })).rejected).toBe(false);
    await expectRefused(() => create({ dealId: sloppy(gid('Deal', a.deals.usd)) }), 'dealId', 'NOT_FOUND');
  });

  test('dates run from 0001-01-01 to 9999-12-31: year 0000 is refused by the Date scalar, not an "Unexpected error." (issue 22)', async () => {
    const before = await t.db.prisma.expense.count({ where: { organizationId: a.organizationId } });
    for (const date of ['0000-01-01', '31.12.0000']) {
      expectBadInput(await send(CREATE, { input: { ...valid(), date } }), /dates run from 0001-01-01 to 9999-12-31/);
      expectBadInput(await send('query($d: Date) { expenses(filter: { dateAfter: $d }) { totalCount } }', { d: date }));
      expectBadInput(await send(`query { expenses(filter: { dateAfter: "${date}" }) { totalCount } }`));
    }
    // Points in time too: they reach the database only in filters.
    expectBadInput(await send('query($d: DateTime) { expenses(filter: { createdAt: { gt: $d } }) { totalCount } }', { d: '0000-06-01T00:00:00Z' }), /0001-01-01/);
    expectBadInput(await send('query { expenses(filter: { createdAt: { lt: "0000-06-01T00:00:00Z" } }) { totalCount } }'));
    const latest = await send('query($d: DateTime) { expenses(filter: { createdAt: { lt: $d } }) { totalCount } }', { d: '9999-12-31T23:59:59Z' });
    expect(latest.errors).toBeUndefined();
    expect(await t.db.prisma.expense.count({ where: { organizationId: a.organizationId } })).toBe(before);
    for (const date of ['0001-01-01', '9999-12-31']) expect((await create({ date, payOn: date })).userErrors).toEqual([]);
  });

  test('the Date scalar answers every day of the calendar as toISOString would: both ends, years under 1000, leap days', async () => {
    const days = ['0001-01-01', '0009-02-28', '0099-12-31', '0999-06-15', '1000-01-01', '1900-02-28', '2000-02-29', '2024-02-29', '9999-12-31'];
    for (let i = 0; i < 2000; i++) days.push(new Date(Date.parse('0001-01-01T00:00:00Z') + Math.floor(Math.random() * 3_652_058) * 86_400_000).toISOString().slice(0, 10));
    for (const date of days) expect(isoDay(new Date(`${date}T00:00:00Z`)), date).toBe(date);
    // Through the API, at both ends.
    for (const date of ['0001-01-01', '0999-06-15', '9999-12-31']) {
      const made = await create({ date, payOn: date });
      expect(made.userErrors).toEqual([]);
      const shown = await send('query($id: ID!) { expense(id: $id) { date payOn } }', { id: gid('Expense', made.expense!.databaseId as number) });
      expect(shown.data).toEqual({ expense: { date, payOn: date } });
    }
  });

  test('a (nearly) megabyte name or reason is TOO_LONG, with the limit in the message', async () => {
    // Just under the 1 MiB body limit, so that the field's own limit is what answers.
    const megabyte = 'x'.repeat(1_000_000);
    const error = await expectRefused(() => create({ name: megabyte }), 'name', 'TOO_LONG');
    expect(error.message).toBe('is too long (maximum is 255 characters)');
    const answer = await send(REJECT, { input: { id: gid('Expense', expenseId), reason: megabyte } });
    expect((answer.data as { rejectExpense: Payload }).rejectExpense.userErrors).toEqual([
      { field: ['input', 'reason'], message: 'is too long (maximum is 1000 characters)', code: 'TOO_LONG' },
    ]);
    expect((await t.db.prisma.expense.findUniqueOrThrow({ where: { id: expenseId } })).rejected).toBe(false);
  });

  test('derived money past the bigint range is a userError on the rate that caused it, on create and update', async () => {
    const onRate = await expectRefused(
      () => create({ amount: '1000000000000000', currency: 'EUR', exchangeRate: '10000' }),
      'exchangeRate',
      'INVALID',
    );
    expect(onRate.message).toMatch(/too large/);
    const big = await create({ amount: '1000000000000000', currency: 'EUR', exchangeRate: '1' });
    expect(big.userErrors).toEqual([]);
    const id = gid('Expense', big.expense!.databaseId as number);
    const answer = await send(UPDATE, { input: { id, exchangeRate: '10000' } });
    const payload = (answer.data as { updateExpense: Payload }).updateExpense;
    expect(payload.userErrors.map((e) => e.field.join('.'))).toEqual(['input.exchangeRate']);
    const row = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: big.expense!.databaseId as number } });
    expect(row.exchangeRate.toFixed()).toBe('1');
  });

  test('positions are bounded, and the largest one does not block the next create', async () => {
    await expectRefused(() => create({ position: 2147483647 }), 'position', 'INVALID');
    await expectRefused(() => create({ position: 0 }), 'position', 'INVALID');
    const deal = gid('Deal', a.deals.eur);
    const top = await create({ dealId: deal, currency: 'EUR', position: 1_000_000 });
    expect(top.expense?.position).toBe(1_000_000);
    const next = await create({ dealId: deal, currency: 'EUR' });
    expect(next.userErrors).toEqual([]);
    expect(next.expense?.position).toBe(1_000_001);
  });

  test('exchange rates: the smallest storable rate reads back as a plain decimal, and the list still works', async () => {
    const tiny = await create({ currency: 'EUR', exchangeRate: '0.0000001', amount: 5 });
    expect(tiny.userErrors).toEqual([]);
    expect(tiny.expense?.exchangeRate).toBe('0.0000001');
    const list = await send('query { expenses(first: 200) { nodes { exchangeRate } } }');
    expect(list.errors).toBeUndefined();
    expect((list.data as { expenses: { nodes: Array<{ exchangeRate: string }> } }).expenses.nodes.map((n) => n.exchangeRate)).toContain(
      '0.0000001',
    );
    await expectRefused(() => create({ currency: 'EUR', exchangeRate: '0.00000000001' }), 'exchangeRate', 'INVALID');
    await expectRefused(() => create({ currency: 'EUR', exchangeRate: '1e-7' }), 'exchangeRate', 'INVALID');
    await expectRefused(() => create({ currency: 'EUR', exchangeRate: '99999999999' }), 'exchangeRate', 'INVALID');
  });

  test("a rate for the organization's own currency must be 1", async () => {
    const error = await expectRefused(() => create({ currency: 'USD', exchangeRate: '2' }), 'exchangeRate', 'INVALID');
    expect(error.message).toBe("must be 1 for the organization's own currency (USD)");
    const one = await create({ currency: 'USD', exchangeRate: '1.000' });
    expect(one.userErrors).toEqual([]);
    expect(one.expense?.amount).toEqual({ default: { cents: 1000 } });
  });

  test.each(BAD_IDS)('%s as dealId is a NOT_FOUND userError on dealId', async (_name, id) => {
    await expectRefused(() => create({ dealId: id }), 'dealId', 'NOT_FOUND');
  });

  test.each(BAD_IDS)('%s as the id of updateExpense is a NOT_FOUND userError on id', async (_name, id) => {
    const answer = await send(UPDATE, { input: { id, name: 'changed' } });
    expect(answer.errors).toBeUndefined();
    const payload = (answer.data as { updateExpense: Payload }).updateExpense;
    expect(payload.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([['input.id', 'NOT_FOUND']]);
  });
});

// ---- Nothing in variables can stall the server ------------------------------------------------

describe('bounded lists, depth and body', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => gid('Expense', i + 1));

  test('nodes(ids:) takes at most 200 ids', async () => {
    const ok = await send('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(200) });
    expect(ok.errors).toBeUndefined();
    expectBadInput(await send('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(201) }), /at most 200/);
  });

  test('a list of 5 000 values in variables is refused before any work, naming the limit', async () => {
    t.db.statements.reset();
    const answer = await send('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(5000) });
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'REQUEST_TOO_LARGE', limit: 'variablesList' });
    expect(answer.errors?.[0]?.message).toMatch(/5000 values, more than 1000/);
    expect(t.db.statements.count).toBe(0);
  });

  test('variables hold at most 5 000 values in all, however they are split into lists', async () => {
    const lists = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`v${i}`, ids(900)]));
    const declared = Object.keys(lists).map((k) => `$${k}: [ID!]`).join(', ');
    const used = Object.keys(lists).map((k, i) => `e${i}: expenses(filter: { dealIds: $${k} }) { totalCount }`).join(' ');
    const answer = await send(`query(${declared}) { ${used} }`, lists);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'REQUEST_TOO_LARGE', limit: 'variablesValues' });
  });

  test('100 000 ids (a body over 1 MB) are refused with 413', async () => {
    const answer = await send('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(100_000) });
    expect(answer.status).toBe(413);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'REQUEST_TOO_LARGE', limit: 'bodyBytes' });
  });

  test('a 10 MB body without a declared length is refused with 413 too', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await t.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  test('filter lists hold at most 500 values: in, id lists, and/or', async () => {
    const many = Array.from({ length: 501 }, (_, i) => `name ${i}`);
    expectBadInput(await send('query($v: [String!]) { expenses(filter: { name: { in: $v } }) { totalCount } }', { v: many }), /at most 500/);
    const deals = Array.from({ length: 501 }, (_, i) => gid('Deal', i + 1));
    expectBadInput(await send('query($v: [ID!]) { expenses(filter: { dealIds: $v }) { totalCount } }', { v: deals }), /at most 500/);
    const ors = Array.from({ length: 501 }, () => ({ invoiced: true }));
    expectBadInput(await send('query($v: [ExpenseFilter!]) { expenses(filter: { or: $v }) { totalCount } }', { v: ors }), /at most 500/);
    const fine = await send('query($v: [String!]) { expenses(filter: { name: { in: $v } }) { totalCount } }', { v: many.slice(0, 500) });
    expect(fine.errors).toBeUndefined();
  });

  const nested = (depth: number): Record<string, unknown> => {
    let filter: Record<string, unknown> = { invoiced: false };
    for (let i = 0; i < depth; i++) filter = { not: filter };
    return filter;
  };

  test('and/or/not nest at most 8 levels deep', async () => {
    const eight = await send('query($f: ExpenseFilter) { expenses(filter: $f) { totalCount } }', { f: nested(8) });
    expect(eight.errors).toBeUndefined();
    expectBadInput(await send('query($f: ExpenseFilter) { expenses(filter: $f) { totalCount } }', { f: nested(9) }), /at most 8 levels/);
  });

  test('a filter nested 3 000 deep is refused before parsing or coercion, in variables and inline', async () => {
    const deep = await send('query($f: ExpenseFilter) { expenses(filter: $f) { totalCount } }', { f: nested(3000) });
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'REQUEST_TOO_LARGE', limit: 'variablesDepth' });
    const inline = await send(`query { expenses(filter: ${'{ not: '.repeat(3000)}{ invoiced: true }${' }'.repeat(3000)}) { totalCount } }`);
    expect(inline.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 64 });
    expect(inline.errors?.[0]?.message).toMatch(/nests deeper than 64 levels/);
  });

  test("query-text limits say which limit and its value, with a code", async () => {
    let chain = 'name';
    for (let i = 0; i < 20; i += 1) chain = `ofType { ${chain} }`;
    const deep = await send(`{ __type(name: "Expense") { fields { type { ${chain} } } } }`);
    expect(deep.errors?.[0]).toMatchObject({
      message: 'Query too complex: Query depth limit of 12 exceeded, found 24.',
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: 12 },
    });
  });
});

describe('one object by id (src/schema/kit/by-id.ts)', () => {
  // Every `<type>(id:)` query: another organization's object, an unknown id and an id of another type
  // are the same NOT_FOUND error, naming the id, with a null answer and no trace of what exists.
  const FIELDS = [
    ['expense', 'Expense', 'expense'],
    ['deal', 'Deal', 'deal'],
    ['invoice', 'Invoice', 'invoice'],
    ['invoiceAttribution', 'InvoiceAttribution', 'invoice attribution'],
    ['contract', 'Contract', 'contract'],
    ['deletedItem', 'DeletedItem', 'deleted item'],
  ] as const;

  test.each(FIELDS)('%s(id:) is NOT_FOUND for an id of another organization or of nothing, BAD_USER_INPUT for another type', async (field, type, words) => {
    const b = await createTenant(t.db.prisma);
    const theirs = await b.expense({ name: 'Theirs' });
    const theirDeal = b.deals.eur;
    const company = gid('Company', a.companies.acme);
    const wrongType = await send(`query($id: ID!) { ${field}(id: $id) { id } }`, { id: company });
    expect(wrongType.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^`id` expects an? \w+ id; this is a Company id\.$/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    const ids = [gid(type, type === 'Expense' ? theirs : type === 'Deal' ? theirDeal : 2_000_000_000), gid(type, 2_000_000_001)];
    for (const id of ids) {
      const answer = await send(`query($id: ID!) { ${field}(id: $id) { id } }`, { id });
      expect(answer.status, id).toBe(200);
      expect(answer.data?.[field] ?? null, id).toBeNull();
      expect(answer.errors, id).toEqual([
        expect.objectContaining({ message: `No ${words} with id ${id}.`, path: [field], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }),
      ]);
    }
  });
});
