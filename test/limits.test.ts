// What one request may ask for: the largest documented page with every field must pass; documents
// built to exhaust the server must not.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import { data, startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

const Largest = graphql(`
  query LimitsLargestPage {
    expenses(first: 200) {
      totalCount
      aggregates {
        totalAmount { original { cents currency } default { cents currency } normalized { cents currency } }
        totalBillableAmount { original { cents currency } default { cents currency } normalized { cents currency } }
        totalProfit { original { cents currency } default { cents currency } normalized { cents currency } }
      }
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id databaseId name date payOn paidOn position invoiced approved approvedAt rejected rejectedReason
          rejectedAt reimbursable reimbursedOn currency exchangeRate exchangeDate createdAt updatedAt
          amount { original { cents currency } default { cents currency } normalized { cents currency } }
          billableAmount { original { cents currency } default { cents currency } normalized { cents currency } }
          profit { original { cents currency } default { cents currency } normalized { cents currency } }
          deal { id name number currency company { id name } project { id name company { name } } }
          serviceType { id name } creator { id name email } person { id name } approver { id name } rejecter { id name }
        }
      }
    }
  }
`);

let t: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  t = await startApp();
  tenant = await createTenant(t.db.prisma);
  await tenant.expense({ name: 'one' });
});
afterAll(() => t.close());

async function raw(query: string) {
  const response = await t.app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> };
}

test('the largest page (first: 200) with every field and the totals is allowed', async () => {
  const result = await data(t.app, Largest, {}, { token: tenant.token });
  expect(result.expenses.totalCount).toBe(1);
  expect(result.expenses.edges[0]?.node.name).toBe('one');
});

test('thirty-one aliased copies of the largest page are refused before anything runs', async () => {
  const page = 'expenses(first: 200) { nodes { name deal { company { name } } } }';
  const query = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: ${page}`).join(' ')} }`;
  t.db.statements.reset();
  const result = await raw(query);
  expect(result.data).toBeUndefined();
  expect(result.errors?.[0]?.message).toMatch(/alias/i);
  expect(t.db.statements.count).toBe(0);
});

test("GraphiQL's introspection query passes the limits; a 20-level ofType chain does not", async () => {
  const introspection = await raw(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
  expect(introspection.errors ?? []).toEqual([]);
  let chain = 'name';
  for (let i = 0; i < 20; i += 1) chain = `ofType { ${chain} }`;
  const deep = await raw(`{ __type(name: "Expense") { fields { type { ${chain} } } } }`);
  expect(deep.data).toBeUndefined();
  expect(deep.errors?.[0]?.message).toMatch(/depth/i);
});
