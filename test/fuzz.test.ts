// A seeded fuzzer over every query and mutation of the schema: hostile argument values (bad and
// foreign ids, forged cursors, numbers at and past their limits, NUL bytes, long and odd strings,
// long lists, deep inputs) through HTTP. Whatever it sends, the answer is a result or a clear error:
// never HTTP 500, never "Unexpected error.", never an internal message (SQL, Prisma, a stack).
// FUZZ_SEED and FUZZ_REQUESTS change the run; a failure prints the seed and the request.
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 600);
const TIME_BUDGET_MS = 20_000;

/** mulberry32: small, seeded, good enough to pick from lists. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let t: TestApp;
let a: Tenant;
let b: Tenant;
let ids: string[];

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
  const mine = await a.expense({ name: 'fuzz target' });
  const theirs = await b.expense({ name: 'foreign' });
  ids = [
    gid('Expense', mine),
    gid('Expense', theirs),
    gid('Deal', a.deals.eur),
    gid('Deal', b.deals.eur),
    gid('ServiceType', a.serviceTypes.travel),
    gid('Company', a.companies.acme),
    gid('Project', a.projects.website),
    gid('Person', a.personId),
    gid('Person', b.personId),
    gid('Organization', a.organizationId),
    gid('Organization', b.organizationId),
  ];
});
afterAll(() => t.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');

function values(rand: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const strings = [
    '', ' ', 'a', 'Travel', 'EUR', 'USD', 'usd', '%', '_', '\\', "'; DROP TABLE expenses; --", 'a\u0000b', '\u0000',
    'ü€😀', 'x'.repeat(256), 'x'.repeat(5000), '1.25', '0', '-1', '1e-7', '0.0000001', '99999999999', 'null',
    '2021-04-15', '2021-02-30', 'GPC:N:1', b64('GPC:N:1'), b64('{"l":"Expense"}'),
  ];
  const badIds = [b64('Expense:abc'), b64('Foo:1'), b64('Expense:99999999999'), b64('Expense:-1'), '%%%', '', b64('Expense:1\u0000')];
  const scalar = (name: string): unknown => {
    switch (name) {
      case 'ID':
        return rand() < 0.6 ? pick(ids) : rand() < 0.7 ? pick(badIds) : pick(strings);
      case 'String':
        return pick(strings);
      case 'Int':
        return pick([0, 1, -1, 2, 30, 200, 201, 1_000_000, 1_000_001, 2 ** 31 - 1, -(2 ** 31), 2 ** 31]);
      case 'Float':
        return pick([0, 1.5, -1e308]);
      case 'Boolean':
        return rand() < 0.5;
      case 'BigInt':
        return pick([0, 1, -1, 10000, '1000000000000000', '9223372036854775807', '9223372036854775808', '-9223372036854775809', 'abc', 1.5]);
      case 'Date':
        return pick(['2021-04-15', '1970-01-01', '9999-12-31', '2021-02-30', '2021-4-5', 'today', '']);
      case 'DateTime':
        return pick(['2021-04-15T01:03:38.804Z', '2021-04-15', 'garbage', '1970-01-01T00:00:00Z']);
      default:
        return pick(strings);
    }
  };
  const input = (type: GraphQLInputType, depth: number): unknown => {
    if (isNonNullType(type)) return input(type.ofType, depth);
    if (rand() < 0.08) return null;
    if (isListType(type)) {
      const n = rand() < 0.05 ? 600 : Math.floor(rand() * 4);
      return Array.from({ length: n }, () => input(type.ofType, depth + 1));
    }
    if (isScalarType(type)) return scalar(type.name);
    if (isEnumType(type)) return rand() < 0.95 ? pick(type.getValues()).name : 'NOT_A_VALUE';
    if (isInputObjectType(type)) {
      const out: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        const required = isNonNullType(field.type);
        if (required || (depth < 4 && rand() < 0.35)) out[field.name] = input(field.type, depth + 1);
      }
      return out;
    }
    return null;
  };
  return { pick, input };
}

/** Scalars of a type, and one level of objects (their scalars), skipping fields that need arguments. */
function selection(type: GraphQLObjectType, depth = 0): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(field.name);
    else if (isObjectType(named) && depth < 2) parts.push(`${field.name} { ${selection(named, depth + 1)} }`);
  }
  return parts.join(' ');
}

function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, rand: () => number) {
  const { input } = values(rand);
  const variables: Record<string, unknown> = {};
  const declared: string[] = [];
  const passed: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type) && rand() < 0.4) continue;
    variables[arg.name] = input(arg.type, 0);
    declared.push(`$${arg.name}: ${String(arg.type)}`);
    passed.push(`${arg.name}: $${arg.name}`);
  }
  const named = getNamedType(getNullableType(field.type));
  const body = isObjectType(named) ? `{ ${selection(named)} }` : '';
  const vars = declared.length ? `(${declared.join(', ')})` : '';
  const args = passed.length ? `(${passed.join(', ')})` : '';
  return { query: `${kind}${vars} { ${field.name}${args} ${body} }`, variables };
}

const INTERNAL = /prisma|invalid input syntax|violates|constraint|relation "|column "|\bat .+\.(ts|js):\d+|Unexpected error/i;

test(`fuzz: ${REQUESTS} hostile requests over every query and mutation (seed ${SEED})`, async () => {
  const rand = random(SEED);
  const fields = [
    ...Object.values(schema.getQueryType()!.getFields()).map((f) => ['query', f] as const),
    ...Object.values(schema.getMutationType()!.getFields()).map((f) => ['mutation', f] as const),
  ];
  const started = Date.now();
  let sent = 0;
  const codes = new Map<string, number>();
  for (let i = 0; i < REQUESTS && Date.now() - started < TIME_BUDGET_MS; i++) {
    const [kind, field] = fields[i % fields.length]!;
    const request = operation(kind, field, rand);
    const response = await t.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      body: JSON.stringify(request),
    });
    const text = await response.text();
    const context = `seed ${SEED}, request ${i}: ${JSON.stringify(request).slice(0, 2000)}\n→ ${response.status} ${text.slice(0, 1000)}`;
    expect(response.status, context).toBeLessThan(500);
    const body = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    for (const error of body.errors ?? []) {
      expect(error.message, context).not.toMatch(INTERNAL);
      expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
      codes.set(error.extensions?.code ?? 'none', (codes.get(error.extensions?.code ?? 'none') ?? 0) + 1);
    }
    sent += 1;
  }
  // The fuzzer must have reached the resolvers, not only the validation layer.
  expect(sent).toBeGreaterThanOrEqual(Math.min(REQUESTS, 100));
  expect([...codes.keys()]).toContain('BAD_USER_INPUT');
  // And B's rows are exactly as they were: nothing A sent reached them.
  const foreign = await t.db.prisma.expense.findMany({ where: { organizationId: b.organizationId } });
  expect(foreign.map((e) => [e.name, e.deletedAt, e.approved, e.rejected])).toEqual([['foreign', null, false, false]]);
}, 60_000);
