// The BigInt scalar: exact JSON out (a number while it is a safe integer, a string beyond), strict
// input (integers only, within PostgreSQL's bigint), and silence: graphql-scalars' BigIntResolver
// printed "By default, BigInts are not serialized to JSON as numbers..." on the first money query
// of every process (issue 8); ours prints nothing.
import { GraphQLError, parseValue as parseAst } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { parseBigInt, parseBigIntLiteral, serializeBigInt } from '../src/schema/builder.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

const TWO_53 = 2n ** 53n;
const TWO_63 = 2n ** 63n;

describe('serializing', () => {
  test.each([
    ['0', 0n, 0],
    ['-1', -1n, -1],
    ['2^53 - 1, the largest safe integer', TWO_53 - 1n, Number.MAX_SAFE_INTEGER],
    ['-(2^53 - 1)', -(TWO_53 - 1n), Number.MIN_SAFE_INTEGER],
    ['2^53', TWO_53, '9007199254740992'],
    ['-(2^53)', -TWO_53, '-9007199254740992'],
    ['2^63 - 1', TWO_63 - 1n, '9223372036854775807'],
    ['-2^63', -TWO_63, '-9223372036854775808'],
    ['2^64, beyond int64 (sums may be)', 2n ** 64n, '18446744073709551616'],
  ])('%s', (_name, value, expected) => {
    expect(serializeBigInt(value)).toStrictEqual(expected);
    // What the client receives parses back to the same integer.
    expect(BigInt(JSON.parse(JSON.stringify({ v: serializeBigInt(value) })).v)).toBe(value);
  });

  test('a safe number or a digit string from a resolver is accepted; anything else is a server bug (masked), not a GraphQLError', () => {
    expect(serializeBigInt(42)).toBe(42);
    expect(serializeBigInt('9007199254740993')).toBe('9007199254740993');
    for (const bad of [1.5, 2 ** 60, 'abc', null, {}]) {
      expect(() => serializeBigInt(bad)).toThrow(TypeError);
    }
  });
});

describe('parsing', () => {
  const refused = (parse: () => unknown, message?: RegExp) => {
    let error: unknown;
    try {
      parse();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    if (message) expect((error as GraphQLError).message).toMatch(message);
  };

  test('integers as numbers and digit strings, always as bigint, up to the int64 limits', () => {
    expect(parseBigInt(12500)).toBe(12500n);
    expect(parseBigInt(-1)).toBe(-1n);
    expect(parseBigInt('12500')).toBe(12500n);
    expect(parseBigInt('9223372036854775807')).toBe(TWO_63 - 1n);
    expect(parseBigInt('-9223372036854775808')).toBe(-TWO_63);
    expect(parseBigIntLiteral(parseAst('12500'))).toBe(12500n);
    expect(parseBigIntLiteral(parseAst('"-9223372036854775808"'))).toBe(-TWO_63);
  });

  test('past the int64 range, in any form', () => {
    const range = /between -9223372036854775808 and 9223372036854775807/;
    refused(() => parseBigInt('9223372036854775808'), range);
    refused(() => parseBigInt('-9223372036854775809'), range);
    refused(() => parseBigIntLiteral(parseAst('99999999999999999999')), range);
    // A huge digit string is refused without being parsed.
    refused(() => parseBigInt('1'.repeat(100_000)), range);
  });

  test('a JSON number beyond 2^53 - 1 was already rounded by JSON.parse: refused, send a string', () => {
    refused(() => parseBigInt(2 ** 53), /must be sent as strings/);
    expect(parseBigInt(String(TWO_53 + 1n))).toBe(TWO_53 + 1n);
  });

  test.each([['1.5'], ['007'], ['+1'], [' 1'], ['1 '], ['1e3'], ['0x1F'], ['-0'], [''], ['abc'], ['１２']])(
    'the string %j is refused',
    (text) => {
      refused(() => parseBigInt(text), /expected an integer/);
    },
  );

  test('non-integers and other types are refused', () => {
    refused(() => parseBigInt(1.5), /non-integer/);
    refused(() => parseBigInt(true), /boolean/);
    refused(() => parseBigInt(null), /null/);
    refused(() => parseBigInt([5]), /object/);
    refused(() => parseBigIntLiteral(parseAst('1.5')), /FloatValue/);
    refused(() => parseBigIntLiteral(parseAst('true')), /BooleanValue/);
  });
});

describe('through the API', () => {
  let t: TestApp;
  let a: Tenant;

  beforeAll(async () => {
    t = await startApp();
    a = await createTenant(t.db.prisma);
    // Ten of the largest amount an expense may have: each is safe, their sum (10^16) is not.
    for (let i = 0; i < 10; i++) await a.expense({ amount: 10n ** 15n, currency: 'EUR' });
  });
  afterAll(() => t.close());
  afterEach(() => vi.restoreAllMocks());

  async function send(query: string, variables: Record<string, unknown>) {
    const response = await t.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  }

  const MONEY = `query($min: BigInt!) {
    expenses(first: 1, filter: { amount: { gte: $min, lte: "9223372036854775807", in: [1000000000000000, "1"] } }) {
      nodes { amount { original { cents } } }
      aggregates { totalAmount { original { cents currency } default { cents } } }
    }
  }`;

  test('a money query writes nothing to the console or stderr, and its amounts are exact JSON', async () => {
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    const stderr = vi.spyOn(process.stderr, 'write');

    // Inputs that are safe integers (a variable and a literal) and outputs on both sides of 2^53:
    // each of these made BigIntResolver warn.
    const answer = await send(MONEY, { min: 1 });

    expect(answer.errors).toBeUndefined();
    expect(answer.data.expenses.nodes[0].amount.original.cents).toBe(1_000_000_000_000_000);
    expect(answer.data.expenses.aggregates.totalAmount).toEqual({
      original: { cents: '10000000000000000', currency: 'EUR' },
      default: { cents: '12500000000000000' },
    });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/BigInt/);
  });

  test('a BigInt variable that is not an integer is BAD_USER_INPUT naming the variable', async () => {
    const answer = await send(MONEY, { min: '1.5' });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Variable "\$min" got invalid value "1\.5"; BigInt cannot represent "1\.5"/),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
  });
});
