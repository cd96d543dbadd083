// The cost rule (src/limits/cost.ts, docs/rate-limits.md), on the real schema: what an operation is
// charged before it runs, and what it actually cost after.
import { parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';
import { actualCost, requestedCost } from '../src/limits/cost.js';

const cost = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  requestedCost(schema, parse(query), variables, operationName);

const actual = (query: string, data: Record<string, unknown>, variables?: Record<string, unknown>) =>
  actualCost(schema, parse(query), variables, undefined, data);

describe('requested cost', () => {
  test('scalars, enums and __typename cost nothing; an object field costs 1', () => {
    expect(cost('{ __typename }')).toBe(0);
    expect(cost('{ viewer { __typename } }')).toBe(1);
    expect(cost('{ viewer { person { firstName lastName email } } }')).toBe(2);
    expect(cost('{ viewer { organization { name defaultCurrency } person { id } } }')).toBe(3);
  });

  test('a connection costs 2 + n × one item, n = first ?? last ?? the default page size (30)', () => {
    expect(cost('{ expenses(first: 10) { nodes { id } } }')).toBe(2 + 10);
    expect(cost('{ expenses(last: 5) { nodes { id } } }')).toBe(2 + 5);
    expect(cost('{ expenses { nodes { id } } }')).toBe(2 + 30);
    expect(cost('{ expenses(first: 0) { nodes { id } } }')).toBe(2);
    // An edge is a free wrapper: edges { node } costs what nodes costs; selecting both pays twice.
    expect(cost('{ expenses(first: 10) { edges { cursor node { id } } } }')).toBe(2 + 10);
    expect(cost('{ expenses(first: 10) { edges { node { id } } nodes { id } } }')).toBe(2 + 20);
    // totalCount, pageInfo and aggregates are paid once, not per item.
    expect(cost('{ expenses(first: 10) { totalCount pageInfo { hasNextPage } nodes { id } } }')).toBe(2 + 1 + 10);
    expect(cost('{ expenses(first: 10) { aggregates { totalAmount { default { cents } } } } }')).toBe(2 + 3);
    // Objects under each item multiply with the page.
    expect(cost('{ expenses(first: 10) { nodes { id deal { name company { name } } } } }')).toBe(2 + 10 * 3);
  });

  test('groups cost by the number a page can hold: 2 + n × (the group and every object under it); totalCount is free', () => {
    const groups = (args: string, node: string) => cost(`{ expenses(first: 0) { groupedAggregates(groupBy: [{ field: DEAL }]${args}) { totalCount nodes { ${node} } } } }`);
    // The list (first: 0) costs 2, the groups' connection 2; totalCount comes with the groups' statement.
    expect(groups(', first: 10', 'count')).toBe(2 + 2 + 10);
    // Per group: itself, its keys, the deal and the deal's company.
    expect(groups(', first: 10', 'count keys { deal { name company { name } } }')).toBe(2 + 2 + 10 * 4);
    expect(groups(', first: 10', 'aggregates { totalAmount { default { cents } } }')).toBe(2 + 2 + 10 * 4);
    expect(groups('', 'count')).toBe(2 + 2 + 30);
    expect(groups(', last: 1000', 'count')).toBe(2 + 2 + 200);
  });

  test('pages above the maximum (200) are charged as the maximum: the field refuses them anyway', () => {
    expect(cost('{ expenses(first: 1000) { nodes { id } } }')).toBe(2 + 200);
  });

  test('nested connections multiply', () => {
    expect(cost('{ deals(first: 5) { nodes { expenses(first: 10) { nodes { id } } } } }')).toBe(2 + 5 * (1 + 2 + 10));
    expect(cost('{ deals(first: 20) { nodes { expenses(first: 50) { nodes { deal { id } } } } } }')).toBe(
      2 + 20 * (1 + 2 + 50 * 2),
    );
  });

  test('variables are resolved, with their defaults; a missing one means the default page size', () => {
    const query = 'query Page($n: Int) { expenses(first: $n) { nodes { id } } }';
    expect(cost(query, { n: 7 })).toBe(9);
    expect(cost(query, {})).toBe(32);
    expect(cost('query Page($n: Int = 4) { expenses(last: $n) { nodes { id } } }', {})).toBe(6);
    expect(cost('query Page($n: Int = 4) { expenses(last: $n) { nodes { id } } }', { n: 40 })).toBe(42);
  });

  test('variables the executor would refuse make an operation that runs nothing: cost 0', () => {
    expect(cost('query Page($n: Int!) { expenses(first: $n) { nodes { id } } }', {})).toBe(0);
    expect(cost('query Page($n: Int) { expenses(first: $n) { nodes { id } } }', { n: 'ten' })).toBe(0);
  });

  test('the operation named by operationName is the one charged', () => {
    const document = 'query Small { viewer { person { id } } } query Big { expenses(first: 100) { nodes { id } } }';
    expect(cost(document, {}, 'Small')).toBe(2);
    expect(cost(document, {}, 'Big')).toBe(102);
  });

  test('a mutation field costs 10 + its selection', () => {
    expect(cost('mutation { createExpense(input: {}) { expense { id } userErrors { field message } } }')).toBe(10 + 1 + 1);
    expect(
      cost(
        'mutation { a: deleteExpense(input: { id: "x" }) { userErrors { code } } b: deleteExpense(input: { id: "y" }) { userErrors { code } } }',
      ),
    ).toBe(2 * (10 + 1));
  });

  test('fragments and inline fragments count; on an interface or union the most expensive type counts', () => {
    expect(cost('{ expenses(first: 10) { nodes { ...E } } } fragment E on Expense { deal { name } }')).toBe(2 + 10 * 2);
    expect(cost('{ expenses(first: 10) { nodes { ... on Expense { deal { name } } } } }')).toBe(2 + 10 * 2);
    const node = `{ node(id: "x") {
      ... on Deal { company { name } expenses(first: 10) { nodes { id } } }
      ... on Expense { deal { name } }
      ...OnNode
    } } fragment OnNode on Node { id }`;
    expect(cost(node)).toBe(1 + (1 + 2 + 10));
    // A fragment spread twice is counted once, as the executor merges it.
    expect(cost('{ viewer { ...V ...V } } fragment V on Viewer { person { id } }')).toBe(2);
  });

  test('the same field selected twice is merged as the executor merges it; aliases are separate fields', () => {
    expect(cost('{ expenses(first: 10) { nodes { id } } expenses(first: 10) { nodes { name } } }')).toBe(12);
    expect(cost('{ a: expenses(first: 10) { nodes { id } } b: expenses(first: 10) { nodes { name } } }')).toBe(24);
  });

  test('skipped fields cost nothing', () => {
    expect(cost('{ expenses(first: 10) @skip(if: true) { nodes { id } } viewer { person { id } } }')).toBe(2);
    const query = 'query($with: Boolean!) { viewer { person @include(if: $with) { id } } }';
    expect(cost(query, { with: false })).toBe(1);
    expect(cost(query, { with: true })).toBe(2);
  });

  test('plain lists of objects count their declared size (ids, count), else 1', () => {
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { id } }')).toBe(3);
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Expense { deal { id } } } }', { ids: ['a', 'b'] })).toBe(
      2 * 2,
    );
    expect(cost('{ contract(id: "x") { upcomingOccurrences { startsOn } } }')).toBe(1 + 3);
    expect(cost('{ contract(id: "x") { upcomingOccurrences(count: 50) { startsOn } } }')).toBe(1 + 50);
  });

  test('introspection counts like the rest', () => {
    expect(cost('{ __schema { types { name fields { name type { name } } } } }')).toBe(1 + 1 + 1 + 1);
    expect(cost('{ __type(name: "Expense") { name fields { name } } }')).toBe(2);
  });
});

describe('actual cost', () => {
  test('a connection counts the items it returned', () => {
    const query = '{ expenses(first: 50) { totalCount nodes { id deal { name } } } }';
    expect(cost(query)).toBe(2 + 50 * 2);
    const data = { expenses: { totalCount: 2, nodes: [{ id: 'a', deal: { name: 'x' } }, { id: 'b', deal: { name: 'y' } }] } };
    expect(actual(query, data)).toBe(2 + 2 * 2);
    expect(actual(query, { expenses: { totalCount: 0, nodes: [] } })).toBe(2);
  });

  test('edges count like nodes; nested connections count what each returned', () => {
    const query = '{ deals(first: 5) { edges { node { expenses(first: 10) { nodes { id } } } } } }';
    const data = {
      deals: {
        edges: [
          { node: { expenses: { nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] } } },
          { node: { expenses: { nodes: [] } } },
        ],
      },
    };
    expect(actual(query, data)).toBe(2 + (1 + 2 + 3) + (1 + 2));
  });

  test('null objects cost the lookup only; fields absent from the data cost nothing; nothing costs more than requested', () => {
    expect(actual('{ viewer { person { id } } }', { viewer: null })).toBe(1);
    expect(actual('{ viewer { person { id } } expenses(first: 3) { nodes { id } } }', { viewer: { person: { id: 1 } } })).toBe(2);
    // A list charged as 1 (userErrors) stays at most 1 however many errors came back.
    const mutation = 'mutation { createExpense(input: {}) { expense { id } userErrors { field } } }';
    const data = { createExpense: { expense: null, userErrors: [{ field: ['a'] }, { field: ['b'] }, { field: ['c'] }] } };
    expect(actual(mutation, data)).toBe(cost(mutation));
    expect(actual('{ expenses(first: 1) { nodes { id } } }', { expenses: { nodes: [{ id: 1 }, { id: 2 }, { id: 3 }] } })).toBe(3);
  });

  test('no data, no cost', () => {
    expect(actualCost(schema, parse('{ viewer { person { id } } }'), {}, undefined, null)).toBe(0);
  });
});
