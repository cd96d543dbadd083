// A user's mistake is a clear error, never "Unexpected error.": malformed global ids, numbers past
// their type's range, NUL bytes, oversized lists and strings, deep filters. Query arguments give a
// BAD_USER_INPUT error naming the argument; mutation inputs give a userError on the field; and
// nothing is written. Documents are sent as raw text, as a hostile client would.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
