// Contracts (recurring budgets) through GraphQL: create and update with every validation of the
// reference (exact messages and fields, both date formats, nothing written on any error), the
// template made the budget of its period as the reference's POST answers (one contract per template,
// also under concurrent creates), reading
// (contract, node, the list, upcoming occurrences), soft delete, tenant isolation, generation of
// budgets (fields, expenses copied with exact money, idempotence, concurrency, bounds), the SQL
// statements a list costs, and the `contracts generate` command.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { deleteDeal } from '../src/domain/deals.js';
import { approveExpense, deleteExpense } from '../src/domain/expenses.js';
import { graphql } from './generated/index.js';
import type { ContractsListQueryVariables, CreateContractInput, UpdateContractInput } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { refused, runCommand } from './helpers/cli.js';
import { contractRow, on, templateDeal } from './helpers/contracts.js';
import { binEntry } from './helpers/bin.js';
import { eventsReadable } from './helpers/events.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

graphql(`
  fragment ContractsFields on Contract {
    id
    databaseId
    interval
    intervalId
    nextOccurrenceOn
    endsOn
    copyExpenses
    createdAt
    updatedAt
    template { id databaseId name }
  }
`);

const Create = graphql(`
  mutation ContractsCreate($input: CreateContractInput!) {
    createContract(input: $input) {
      contract { ...ContractsFields }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation ContractsUpdate($input: UpdateContractInput!) {
    updateContract(input: $input) {
      contract { ...ContractsFields }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation ContractsDelete($input: DeleteContractInput!) {
    deleteContract(input: $input) {
      deletedContractId
      userErrors { field message code }
    }
  }
`);

const Generate = graphql(`
  mutation ContractsGenerate($input: GenerateContractOccurrencesInput!) {
    generateContractOccurrences(input: $input) {
      createdBudgets {
        id databaseId name number suffix date endDate budget currency exchangeRate
        contract { databaseId } originDeal { databaseId } creator { databaseId }
        company { databaseId } project { databaseId }
      }
      contracts { databaseId nextOccurrenceOn }
      userErrors { field message code }
    }
  }
`);

const One = graphql(`
  query ContractsOne($id: ID!) {
    contract(id: $id) { ...ContractsFields }
  }
`);

const Node = graphql(`
  query ContractsNode($id: ID!) {
    node(id: $id) { __typename id ... on Contract { databaseId nextOccurrenceOn } }
  }
`);

const Upcoming = graphql(`
  query ContractsUpcoming($id: ID!, $count: Int) {
    contract(id: $id) { upcomingOccurrences(count: $count) { startsOn endsOn suffix } }
  }
`);

const UpcomingDefault = graphql(`
  query ContractsUpcomingDefault($id: ID!) {
    contract(id: $id) { upcomingOccurrences { startsOn endsOn suffix } }
  }
`);

const List = graphql(`
  query ContractsList($filter: ContractFilter, $orderBy: [ContractOrder!], $first: Int, $after: String) {
    contracts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      nodes { databaseId }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const BudgetExpenses = graphql(`
  query ContractsBudgetExpenses($id: ID!) {
    node(id: $id) {
      ... on Deal {
        expenses(orderBy: [{ field: NAME }]) {
          totalCount
          nodes {
            name date approvalStatus invoiced paidOn
            amount { original { cents currency } default { cents currency } normalized { cents currency } }
            billableAmount { original { cents currency } default { cents currency } normalized { cents currency } }
            profit { original { cents currency } default { cents currency } normalized { cents currency } }
          }
        }
      }
    }
  }
`);

const BudgetContract = graphql(`
  query ContractsBudgetContract($id: ID!) {
    node(id: $id) { ... on Deal { suffix contract { databaseId } } }
  }
`);

graphql(`
  fragment ContractsZero on MoneySet { original { cents currency } default { cents currency } normalized { cents currency } }
`);

/** The fields the reference's POST answer shows of the template deal. */
const TemplateShown = graphql(`
  query ContractsTemplateShown($id: ID!) {
    deal(id: $id) {
      name date endDate number suffix timeApproval expenseApproval budget salesStatus salesStatusId salesStatusUpdatedAt
      tagList originDeal { id } probability closed closedAt deliveredOn lastActivityAt exchangeRate exchangeDate currency
      creator { databaseId } company { databaseId } responsible { databaseId } dealStatus { id } project { databaseId }
      contract { id databaseId }
      revenue { ...ContractsZero } cost { ...ContractsZero } profit { ...ContractsZero } invoiced { ...ContractsZero }
      pendingInvoicing { ...ContractsZero } expense { ...ContractsZero } expenseBillable { ...ContractsZero }
      budgetTotal { ...ContractsZero } budgetUsed { ...ContractsZero } budgetRemaining { ...ContractsZero }
    }
  }
`);

const ContractBudgets = graphql(`
  query ContractsContractBudgets($id: ID!) {
    contract(id: $id) { template { databaseId suffix } budgets(orderBy: [{ field: DATE }]) { totalCount nodes { databaseId suffix date endDate } } }
  }
`);

const Restore = graphql(`
  mutation ContractsRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) { userErrors { field message code } }
  }
`);

const Templates = graphql(`
  query ContractsTemplates($first: Int) {
    contracts(first: $first) { nodes { template { name } } }
  }
`);

const Budgets = graphql(`
  query ContractsBudgets($first: Int) {
    contracts(first: $first) {
      nodes {
        databaseId
        budgets(first: 2, orderBy: [{ field: DATE, direction: DESC }]) {
          totalCount
          nodes { suffix revenue { default { cents } } }
          pageInfo { hasNextPage }
        }
      }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

// As in expenses-write: user errors are data, and a mutation answers with its payload only.
let stray = new Set<string>();
beforeEach(() => {
  stray = new Set();
});
afterEach(() => {
  expect([...stray], 'GraphQL errors beside mutation payloads').toEqual([]);
});

async function mutate<T, V>(document: TypedDocumentNode<T, V>, variables: V, token: string): Promise<T> {
  const { status, body } = await execute(t.app, document, variables, { token });
  expect(status).toBe(200);
  if (!body.data) throw new Error(`Expected data, got ${status}: ${JSON.stringify(body.errors)}`);
  for (const error of body.errors ?? []) stray.add(`${error.path?.join('.')}: ${error.message}`);
  return body.data;
}

const create = (tenant: Tenant, input: CreateContractInput) => mutate(Create, { input }, tenant.token).then((r) => r.createContract);
const update = (tenant: Tenant, input: UpdateContractInput) => mutate(Update, { input }, tenant.token).then((r) => r.updateContract);
const generate = (tenant: Tenant, input: { until: string; contractIds?: string[] }, token = tenant.token) =>
  mutate(Generate, { input }, token).then((r) => r.generateContractOccurrences);

const error = (field: Array<string | number>, message: string, code: string) => ({ field: field.map(String), message, code });
const at = (...path: Array<string | number>) => ['input', ...path];
const INVALID_TEMPLATE = (field = 'templateId') => error(at(field), 'attribute is invalid', 'INVALID');

/** Every contract row of the organization, deleted ones included. */
const contractRows = (tenant: Tenant) =>
  t.db.prisma.contract.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'asc' } });
const contractOf = (id: number) => t.db.prisma.contract.findUniqueOrThrow({ where: { id } });
/** The budgets a contract generated, deleted ones included, by date. */
const budgetsOf = (contractId: number) => t.db.prisma.deal.findMany({ where: { contractId }, orderBy: { date: 'asc' } });
const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

// "Today" is 15 January 2017 for the rules that depend on it, as in the reference's examples.
const TODAY = '2017-01-15';

describe('createContract', () => {
  test("the reference's example: interval_id 1, next occurrence 01.02.2017", async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2017-01-01' });
    const result = await on(TODAY, () =>
      create(tenant, { templateId: gid('Deal', template), intervalId: 1, nextOccurrenceOn: '01.02.2017' }),
    );
    expect(result.userErrors).toEqual([]);
    expect(result.contract).toMatchObject({
      interval: 'MONTHLY',
      intervalId: 1,
      nextOccurrenceOn: '2017-02-01',
      endsOn: null,
      copyExpenses: false,
      template: { id: gid('Deal', template), databaseId: template, name: 'test name' },
    });
    const row = await contractOf(result.contract!.databaseId);
    expect(iso(row.anchorOn)).toBe('2017-02-01');
    expect(row.organizationId).toBe(tenant.organizationId);
  });

  test('interval by name, ISO dates, endsOn and copyExpenses', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant);
    const result = await on(TODAY, () =>
      create(tenant, {
        templateId: gid('Deal', template),
        interval: 'QUARTERLY',
        nextOccurrenceOn: '2017-03-01',
        endsOn: '31.12.2017',
        copyExpenses: true,
      }),
    );
    expect(result.userErrors).toEqual([]);
    expect(result.contract).toMatchObject({ interval: 'QUARTERLY', intervalId: 6, nextOccurrenceOn: '2017-03-01', endsOn: '2017-12-31', copyExpenses: true });
    // Both given and agreeing is fine too (on another template: this one is now the first's budget).
    const another = await templateDeal(tenant);
    const both = await on(TODAY, () =>
      create(tenant, { templateId: gid('Deal', another), interval: 'WEEKLY', intervalId: 3, nextOccurrenceOn: '2017-01-16' }),
    );
    expect(both.userErrors).toEqual([]);
    expect(both.contract).toMatchObject({ interval: 'WEEKLY', intervalId: 3, nextOccurrenceOn: '2017-01-16' });
  });

  test('every interval id maps to its name', async () => {
    const tenant = await createTenant(t.db.prisma);
    const names: string[] = [];
    for (const intervalId of [1, 2, 3, 4, 5, 6]) {
      const template = await templateDeal(tenant);
      const result = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), intervalId, nextOccurrenceOn: '2017-02-01' }));
      names.push(result.contract!.interval);
    }
    expect(names).toEqual(['MONTHLY', 'BI_WEEKLY', 'WEEKLY', 'ANNUAL', 'SEMIANNUAL', 'QUARTERLY']);
  });

  test('an empty input: every required field at once, in input order, nothing written', async () => {
    const tenant = await createTenant(t.db.prisma);
    const result = await create(tenant, {});
    expect(result.contract).toBeNull();
    expect(result.userErrors).toEqual([
      error(at('templateId'), "can't be blank", 'BLANK'),
      error(at('interval'), "can't be blank", 'BLANK'),
      error(at('nextOccurrenceOn'), "can't be blank", 'BLANK'),
    ]);
    const nulls = await create(tenant, { templateId: null, interval: null, intervalId: null, nextOccurrenceOn: null, endsOn: null });
    expect(nulls.userErrors).toEqual(result.userErrors);
    expect(await contractRows(tenant)).toEqual([]);
  });

  test("a template that is not a live deal of the organization is 'attribute is invalid'", async () => {
    const tenant = await createTenant(t.db.prisma);
    const other = await createTenant(t.db.prisma);
    const otherTemplate = await templateDeal(other);
    const deleted = await templateDeal(tenant);
    await tenant.db.deal.update({ where: { id: deleted }, data: { deletedAt: new Date(), deleterId: tenant.personId } });
    const expense = await tenant.expense({});
    for (const templateId of [
      gid('Deal', otherTemplate), // another organization's: exactly like one that does not exist
      gid('Deal', 2_000_000_000),
      gid('Deal', deleted),
      gid('Expense', expense), // not a deal
      'not an id',
    ]) {
      const result = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-02-01' }));
      expect(result.userErrors, templateId).toEqual([INVALID_TEMPLATE()]);
    }
    expect(await contractRows(tenant)).toEqual([]);
    expect(await contractRows(other)).toEqual([]);
  });

  test('an intervalId outside 1..6, or one that disagrees with interval, is INVALID on intervalId', async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant));
    const outside = error(at('intervalId'), 'must be 1 (monthly), 2 (bi-weekly), 3 (weekly), 4 (annual), 5 (semiannual) or 6 (quarterly)', 'INVALID');
    for (const intervalId of [0, 7, -1, 2_000_000]) {
      const result = await on(TODAY, () => create(tenant, { templateId, intervalId, nextOccurrenceOn: '2017-02-01' }));
      expect(result.userErrors).toEqual([outside]);
    }
    const disagreeing = await on(TODAY, () => create(tenant, { templateId, interval: 'WEEKLY', intervalId: 1, nextOccurrenceOn: '2017-02-01' }));
    expect(disagreeing.userErrors).toEqual([error(at('intervalId'), 'does not match interval (WEEKLY is 3)', 'INVALID')]);
    expect(await contractRows(tenant)).toEqual([]);
  });

  test("nextOccurrenceOn must be after today, and after the template's date", async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant, { date: '2017-01-20' }));
    const afterToday = error(at('nextOccurrenceOn'), 'must be after today', 'INVALID');
    const afterTemplate = error(at('nextOccurrenceOn'), "must be after the template's date", 'INVALID');
    const cases: Array<[string, unknown[]]> = [
      ['29.12.2016', [afterToday]], // the reference's PATCH example
      ['2017-01-15', [afterToday]], // today itself
      ['2017-01-16', [afterTemplate]], // after today, before the template's date
      ['20.01.2017', [afterTemplate]], // the template's date itself
    ];
    for (const [nextOccurrenceOn, expected] of cases) {
      const result = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn }));
      expect(result.userErrors, nextOccurrenceOn).toEqual(expected);
    }
    expect(await contractRows(tenant)).toEqual([]);
    const ok = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-01-21' }));
    expect(ok.userErrors).toEqual([]);
  });

  test('"today" is the UTC day: one second before midnight UTC it is still the 15th', async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant));
    const late = await on('2017-01-15T23:59:59Z', () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-01-16' }));
    expect(late.userErrors).toEqual([]);
    const another = gid('Deal', await templateDeal(tenant));
    const next = await on('2017-01-16T00:00:01Z', () => create(tenant, { templateId: another, intervalId: 1, nextOccurrenceOn: '2017-01-16' }));
    expect(next.userErrors).toEqual([error(at('nextOccurrenceOn'), 'must be after today', 'INVALID')]);
  });

  test('endsOn must not be before nextOccurrenceOn (the same day is fine)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant));
    const before = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-02-01', endsOn: '31.01.2017' }));
    expect(before.userErrors).toEqual([error(at('endsOn'), 'must not be before the next occurrence', 'INVALID')]);
    expect(await contractRows(tenant)).toEqual([]);
    const same = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-02-01', endsOn: '2017-02-01' }));
    expect(same.userErrors).toEqual([]);
  });

  test('every problem at once, one per field, in input order', async () => {
    const tenant = await createTenant(t.db.prisma);
    const result = await on(TODAY, () =>
      create(tenant, { templateId: gid('Deal', 2_000_000_000), intervalId: 9, nextOccurrenceOn: '2017-01-10', endsOn: '2017-01-01' }),
    );
    expect(result.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.templateId', 'INVALID'],
      ['input.intervalId', 'INVALID'],
      ['input.nextOccurrenceOn', 'INVALID'],
      ['input.endsOn', 'INVALID'],
    ]);
    expect(await contractRows(tenant)).toEqual([]);
  });

  test('a malformed date is a GraphQL error naming the value, nothing written', async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant));
    const { body } = await execute(t.app, Create, { input: { templateId, intervalId: 1, nextOccurrenceOn: '31.02.2017' } }, { token: tenant.token });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('31.02.2017');
    expect(await contractRows(tenant)).toEqual([]);
  });
});

describe('the template becomes the budget of its period (the reference\'s POST answer)', () => {
  const money = (currency: string, inDefault = 'USD') => ({
    original: { cents: 0, currency },
    default: { cents: 0, currency: inDefault },
    normalized: { cents: 0, currency },
  });

  test("the reference's example: template 13 answers contract 6, budget, 2017/01 to 2017-01-31", async () => {
    const tenant = await createTenant(t.db.prisma);
    const responsible = await tenant.member();
    // Deal 13 as the answer shows it, apart from what the contract changes.
    const template = await tenant.db.deal.create({
      data: {
        organizationId: tenant.organizationId, companyId: tenant.companies.acme, projectId: tenant.projects.website,
        creatorId: tenant.personId, responsibleId: responsible.personId, name: 'test name', number: 2, budget: true,
        date: day('2017-01-01'), probability: 50, timeApproval: true, expenseApproval: true,
        currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2017-01-01'),
      },
    });
    const result = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template.id), intervalId: 1, nextOccurrenceOn: '01.02.2017' }));
    expect(result.userErrors).toEqual([]);
    const contract = result.contract!;
    // "ends_on": null, "next_occurrence_on": "2017-02-01", "interval_id": 1, "template": deal 13.
    expect(contract).toMatchObject({ endsOn: null, nextOccurrenceOn: '2017-02-01', intervalId: 1, template: { id: gid('Deal', template.id) } });

    const shown = (await data(t.app, TemplateShown, { id: gid('Deal', template.id) }, { token: tenant.token })).deal;
    expect(shown).toEqual({
      name: 'test name',
      date: '2017-01-01',
      endDate: '2017-01-31',
      number: 2,
      suffix: '2017/01',
      timeApproval: true,
      expenseApproval: true,
      budget: true,
      salesStatus: null,
      salesStatusId: null,
      salesStatusUpdatedAt: null,
      tagList: [],
      originDeal: null,
      probability: 50,
      closed: false,
      closedAt: null,
      deliveredOn: null,
      lastActivityAt: null,
      exchangeRate: '1.25',
      exchangeDate: '2017-01-01',
      currency: 'EUR',
      creator: { databaseId: tenant.personId },
      company: { databaseId: tenant.companies.acme },
      responsible: { databaseId: responsible.personId },
      dealStatus: null,
      project: { databaseId: tenant.projects.website },
      contract: { id: contract.id, databaseId: contract.databaseId },
      revenue: money('EUR'),
      cost: money('EUR'),
      profit: money('EUR'),
      invoiced: money('EUR'),
      pendingInvoicing: money('EUR'),
      expense: money('EUR'),
      expenseBillable: money('EUR'),
      budgetTotal: money('EUR'),
      budgetUsed: money('EUR'),
      budgetRemaining: money('EUR'),
    });
    // The contract's budgets: the template is the first.
    const budgets = (await data(t.app, ContractBudgets, { id: contract.id }, { token: tenant.token })).contract!;
    expect(budgets.template).toEqual({ databaseId: template.id, suffix: '2017/01' });
    expect(budgets.budgets).toEqual({ totalCount: 1, nodes: [{ databaseId: template.id, suffix: '2017/01', date: '2017-01-01', endDate: '2017-01-31' }] });
  });

  test('a deal in the pipeline leaves it as updateDeal turns a deal into a budget; its date, number and money stay; one event each', async () => {
    const tenant = await createTenant(t.db.prisma);
    // An open deal of 10 January; the contract runs from the 15th of each month.
    const open = await templateDeal(tenant, { date: '2017-01-10', number: 7 });
    const won = await templateDeal(tenant, { date: '2017-01-10' });
    const closedAt = new Date('2017-01-12T10:00:00Z');
    await t.db.prisma.deal.update({ where: { id: won }, data: { salesStatusId: 2, closedAt } });
    const before = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: open } });
    await eventsReadable(t.db.prisma, tenant.organizationId);
    const last = (await t.db.prisma.changeEvent.aggregate({ where: { organizationId: tenant.organizationId }, _max: { id: true } }))._max.id ?? 0n;

    const result = await on(TODAY, () => create(tenant, { templateId: gid('Deal', open), intervalId: 1, nextOccurrenceOn: '2017-02-15' }));
    expect(result.userErrors).toEqual([]);
    const after = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: open } });
    expect(after).toEqual({
      ...before,
      contractId: result.contract!.databaseId,
      budget: true,
      salesStatusId: null,
      salesStatusUpdatedAt: expect.any(Date),
      // 10 January is in the period from 15 December (counted back from 15 February).
      suffix: '2016/12',
      endDate: day('2017-01-14'),
      updatedAt: expect.any(Date),
    });
    expect(iso(after.salesStatusUpdatedAt)).toBe(TODAY);

    // A won deal becomes a closed budget: its closedAt stays.
    const fromWon = await on(TODAY, () => create(tenant, { templateId: gid('Deal', won), interval: 'QUARTERLY', nextOccurrenceOn: '2017-04-01' }));
    expect(fromWon.userErrors).toEqual([]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: won } })).toMatchObject({
      budget: true, salesStatusId: null, closedAt, suffix: '2017/Q1', endDate: day('2017-03-31'), date: day('2017-01-10'),
    });

    await eventsReadable(t.db.prisma, tenant.organizationId);
    const events = await t.db.prisma.changeEvent.findMany({ where: { organizationId: tenant.organizationId, id: { gt: last } }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      ['contract.created', result.contract!.id],
      ['deal.updated', gid('Deal', open)],
      ['contract.created', fromWon.contract!.id],
      ['deal.updated', gid('Deal', won)],
    ]);
    expect(events[1]!.payload).toMatchObject({ budget: true, suffix: '2016/12', endDate: '2017-01-14', salesStatus: null, contract: { id: result.contract!.id } });
  });

  test('a deal that is a budget of a live contract starts no other (TAKEN, nothing written); once that contract is in the bin, it may', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2017-01-01' });
    const first = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), intervalId: 1, nextOccurrenceOn: '2017-02-01' }));
    expect(first.userErrors).toEqual([]);
    const generated = await generate(tenant, { until: '2017-02-01' });
    expect(generated.createdBudgets.map((b) => b.suffix)).toEqual(['2017/02']);
    const before = await t.db.prisma.deal.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'asc' } });

    const taken = error(at('templateId'), 'is already a budget of a contract', 'TAKEN');
    for (const templateId of [gid('Deal', template), generated.createdBudgets[0]!.id]) {
      const again = await on(TODAY, () => create(tenant, { templateId, intervalId: 1, nextOccurrenceOn: '2017-03-01' }));
      expect(again).toEqual({ contract: null, userErrors: [taken] });
    }
    // With every other problem of the input, in input order.
    const all = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), intervalId: 9, nextOccurrenceOn: '2017-01-01' }));
    expect(all.userErrors.map((e) => e.code)).toEqual(['TAKEN', 'INVALID', 'INVALID']);
    expect((await contractRows(tenant)).map((c) => c.id)).toEqual([first.contract!.databaseId]);
    expect(await t.db.prisma.deal.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'asc' } })).toEqual(before);

    // Its contract in the bin lets it go: a new contract makes it its own budget.
    await mutate(Delete, { input: { id: first.contract!.id } }, tenant.token);
    const second = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), interval: 'QUARTERLY', nextOccurrenceOn: '2017-04-01' }));
    expect(second.userErrors).toEqual([]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: template } })).toMatchObject({ contractId: second.contract!.databaseId, suffix: '2017/Q1' });
    // A template changed later is only what new budgets copy: any live deal, nothing of it changes.
    const other = await templateDeal(tenant, { date: '2017-01-05' });
    const otherBefore = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: other } });
    const changed = await on(TODAY, () => update(tenant, { id: second.contract!.id, templateId: gid('Deal', other) }));
    expect(changed.userErrors).toEqual([]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: other } })).toEqual(otherBefore);
  });

  test('its own budgets: generation continues from the next occurrence; deleting the contract keeps the template, deleting the template takes the contract', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2017-01-01' });
    const created = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), intervalId: 1, nextOccurrenceOn: '2017-02-01' }));
    const contract = created.contract!;
    const generated = await generate(tenant, { until: '2017-03-31' });
    expect(generated.createdBudgets.map((b) => [b.suffix, b.originDeal?.databaseId, b.number])).toEqual([
      ['2017/02', template, 3],
      ['2017/03', template, 3],
    ]);
    const listed = async () => (await data(t.app, ContractBudgets, { id: contract.id }, { token: tenant.token })).contract!.budgets;
    expect((await listed()).nodes.map((b) => [b.suffix, b.date, b.endDate])).toEqual([
      ['2017/01', '2017-01-01', '2017-01-31'],
      ['2017/02', '2017-02-01', '2017-02-28'],
      ['2017/03', '2017-03-01', '2017-03-31'],
    ]);

    // Deleting the template takes the contract to the bin with it; its entry is a budget's now.
    expect((await deleteDeal(tenant.db, tenant.viewer, template)).ok).toBe(true);
    expect((await contractOf(contract.databaseId)).deletedAt).not.toBeNull();
    const entry = await binEntry(t.app, { token: tenant.token }, 'BUDGET', gid('Deal', template));
    expect(entry).toMatchObject({ name: 'test name', location: 'Project: Website' });
    const restored = await mutate(Restore, { input: { id: entry!.id } }, tenant.token);
    expect(restored.restoreDeletedItem.userErrors).toEqual([]);
    expect((await listed()).totalCount).toBe(3);

    // Deleting the contract keeps every budget, the template too, which then shows no contract.
    await mutate(Delete, { input: { id: contract.id } }, tenant.token);
    const shown = (await data(t.app, TemplateShown, { id: gid('Deal', template) }, { token: tenant.token })).deal;
    expect(shown).toMatchObject({ budget: true, suffix: '2017/01', contract: null });
    expect((await budgetsOf(contract.databaseId)).map((b) => [b.id === template, b.deletedAt])).toEqual([
      [true, null],
      [false, null],
      [false, null],
    ]);
  });

  test("a template's period must start in the calendar", async () => {
    const tenant = await createTenant(t.db.prisma);
    // 0001-01-01 is a Monday: weekly periods from Tuesday 17 January 2017 put it in one from 0000-12-26.
    const ancient = await templateDeal(tenant, { date: '0001-01-01' });
    const refused = await on(TODAY, () => create(tenant, { templateId: gid('Deal', ancient), interval: 'WEEKLY', nextOccurrenceOn: '2017-01-17' }));
    expect(refused).toEqual({ contract: null, userErrors: [error(at('templateId'), 'has its date in a period that would start before 0001-01-01', 'INVALID')] });
    const monday = await on(TODAY, () => create(tenant, { templateId: gid('Deal', ancient), interval: 'WEEKLY', nextOccurrenceOn: '2017-01-16' }));
    expect(monday.userErrors).toEqual([]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: ancient } })).toMatchObject({ suffix: '0001/01/01', endDate: day('0001-01-07') });
  });

  test.skipIf(!process.env.TEST_DATABASE_URL)('20 concurrent creates on one template: one contract, 19 TAKEN, the template its budget', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2017-01-01' });
    const results = await on(TODAY, () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => create(tenant, { templateId: gid('Deal', template), intervalId: 1 + (i % 6), nextOccurrenceOn: '2017-02-01' }))),
    );
    const made = results.filter((r) => r.contract);
    expect(made).toHaveLength(1);
    expect(results.filter((r) => !r.contract).map((r) => r.userErrors)).toEqual(
      Array.from({ length: 19 }, () => [error(at('templateId'), 'is already a budget of a contract', 'TAKEN')]),
    );
    expect((await contractRows(tenant)).map((c) => c.id)).toEqual([made[0]!.contract!.databaseId]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: template } })).toMatchObject({ contractId: made[0]!.contract!.databaseId, budget: true });
    await eventsReadable(t.db.prisma, tenant.organizationId);
    expect(await t.db.prisma.changeEvent.count({ where: { organizationId: tenant.organizationId, type: { in: ['contract.created', 'deal.updated'] } } })).toBe(2);
  });
});

describe('updateContract', () => {
  async function setup() {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant);
    const created = await on(TODAY, () => create(tenant, { templateId: gid('Deal', template), intervalId: 1, nextOccurrenceOn: '2017-02-01' }));
    const contract = created.contract!;
    return { tenant, template, contract, id: contract.id };
  }

  test("the reference's example: ends_on 31.12.2017 answers 2017-12-31, the rest unchanged", async () => {
    const { tenant, id, contract } = await setup();
    const result = await on(TODAY, () => update(tenant, { id, endsOn: '31.12.2017' }));
    expect(result.userErrors).toEqual([]);
    expect(result.contract).toMatchObject({ ...contract, endsOn: '2017-12-31', updatedAt: expect.any(String) });
  });

  test("the reference's example: next_occurrence_on 2016-12-29 must be after today; nothing changes", async () => {
    const { tenant, id, contract } = await setup();
    const before = await contractOf(contract.databaseId);
    const result = await on(TODAY, () => update(tenant, { id, nextOccurrenceOn: '2016-12-29', endsOn: '2018-01-01' }));
    expect(result).toEqual({ contract: null, userErrors: [error(at('nextOccurrenceOn'), 'must be after today', 'INVALID')] });
    expect(await contractOf(contract.databaseId)).toEqual(before);
  });

  test('setting nextOccurrenceOn sets anchorOn to the same day; a new interval counts from the next occurrence', async () => {
    const { tenant, id, contract } = await setup();
    await t.db.prisma.contract.update({ where: { id: contract.databaseId }, data: { anchorOn: day('2017-01-31'), nextOccurrenceOn: day('2017-02-28') } });
    const moved = await on(TODAY, () => update(tenant, { id, nextOccurrenceOn: '15.03.2017' }));
    expect(moved.contract).toMatchObject({ nextOccurrenceOn: '2017-03-15', interval: 'MONTHLY' });
    expect(iso((await contractOf(contract.databaseId)).anchorOn)).toBe('2017-03-15');

    await t.db.prisma.contract.update({ where: { id: contract.databaseId }, data: { anchorOn: day('2017-01-31'), nextOccurrenceOn: day('2017-02-28') } });
    const weekly = await on(TODAY, () => update(tenant, { id, interval: 'WEEKLY' }));
    expect(weekly.contract).toMatchObject({ interval: 'WEEKLY', intervalId: 3, nextOccurrenceOn: '2017-02-28' });
    expect(iso((await contractOf(contract.databaseId)).anchorOn)).toBe('2017-02-28');

    // Other changes leave the anchor alone.
    await t.db.prisma.contract.update({ where: { id: contract.databaseId }, data: { anchorOn: day('2017-01-31') } });
    await on(TODAY, () => update(tenant, { id, intervalId: 3, copyExpenses: true, endsOn: '2018-01-01' }));
    expect(iso((await contractOf(contract.databaseId)).anchorOn)).toBe('2017-01-31');
  });

  test('each validation of create, on the fields given', async () => {
    const { tenant, id, contract } = await setup();
    const other = await createTenant(t.db.prisma);
    const before = await contractOf(contract.databaseId);
    const cases: Array<[Record<string, unknown>, unknown[]]> = [
      [{ templateId: gid('Deal', await templateDeal(other)) }, [INVALID_TEMPLATE()]],
      [{ templateId: null }, [error(at('templateId'), "can't be blank", 'BLANK')]],
      [{ interval: null }, [error(at('interval'), "can't be blank", 'BLANK')]],
      [{ interval: null, intervalId: null }, [error(at('interval'), "can't be blank", 'BLANK')]],
      [{ intervalId: 7 }, [expect.objectContaining({ field: at('intervalId'), code: 'INVALID' })]],
      [{ interval: 'ANNUAL', intervalId: 5 }, [error(at('intervalId'), 'does not match interval (ANNUAL is 4)', 'INVALID')]],
      [{ nextOccurrenceOn: null }, [error(at('nextOccurrenceOn'), "can't be blank", 'BLANK')]],
      [{ nextOccurrenceOn: '2017-01-15' }, [error(at('nextOccurrenceOn'), 'must be after today', 'INVALID')]],
      // Against the stored next occurrence (2017-02-01)...
      [{ endsOn: '2017-01-31' }, [error(at('endsOn'), 'must not be before the next occurrence', 'INVALID')]],
      [
        { templateId: gid('Deal', await templateDeal(tenant, { date: '2017-03-01' })) },
        [error(at('nextOccurrenceOn'), "must be after the template's date", 'INVALID')],
      ],
    ];
    for (const [input, expected] of cases) {
      const result = await on(TODAY, () => update(tenant, { id, ...input } as UpdateContractInput));
      expect(result.userErrors, JSON.stringify(input)).toEqual(expected);
      expect(result.contract).toBeNull();
    }
    expect(await contractOf(contract.databaseId)).toEqual(before);

    // ...and a new next occurrence against the stored end.
    expect((await on(TODAY, () => update(tenant, { id, endsOn: '2017-03-01' }))).userErrors).toEqual([]);
    const late = await on(TODAY, () => update(tenant, { id, nextOccurrenceOn: '2017-04-01' }));
    expect(late.userErrors).toEqual([error(at('endsOn'), 'must not be before the next occurrence', 'INVALID')]);
    // null clears the end.
    const cleared = await on(TODAY, () => update(tenant, { id, nextOccurrenceOn: '2017-04-01', endsOn: null }));
    expect(cleared.userErrors).toEqual([]);
    expect(cleared.contract).toMatchObject({ nextOccurrenceOn: '2017-04-01', endsOn: null });
  });

  test('fields not given are not checked again: a contract whose next occurrence is past can still be changed', async () => {
    const { tenant, id } = await setup();
    // 1 March 2017: the stored next occurrence (1 February) is in the past.
    const result = await on('2017-03-01', () => update(tenant, { id, copyExpenses: true, intervalId: 1 }));
    expect(result.userErrors).toEqual([]);
    expect(result.contract).toMatchObject({ copyExpenses: true, nextOccurrenceOn: '2017-02-01' });
  });

  test('a new template, checked against the stored next occurrence', async () => {
    const { tenant, id } = await setup();
    const newer = await templateDeal(tenant, { name: 'newer', date: '2017-01-10' });
    const result = await on(TODAY, () => update(tenant, { id, templateId: gid('Deal', newer) }));
    expect(result.userErrors).toEqual([]);
    expect(result.contract!.template).toMatchObject({ databaseId: newer, name: 'newer' });
  });

  test('an unknown or malformed id is NOT_FOUND', async () => {
    const { tenant } = await setup();
    for (const id of [gid('Contract', 2_000_000_000), gid('Deal', tenant.deals.eur), 'nope']) {
      const result = await on(TODAY, () => update(tenant, { id, endsOn: '2018-01-01' }));
      expect(result).toEqual({ contract: null, userErrors: [error(at('id'), 'Contract not found', 'NOT_FOUND')] });
    }
  });
});

describe('reading contracts', () => {
  test('contract(id:) and node(id:)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant);
    const id = await contractRow(tenant, { templateId: template, intervalId: 5, nextOccurrenceOn: '2017-07-01', endsOn: '2018-12-31' });
    const one = await data(t.app, One, { id: gid('Contract', id) }, { token: tenant.token });
    expect(one.contract).toMatchObject({
      id: gid('Contract', id),
      databaseId: id,
      interval: 'SEMIANNUAL',
      intervalId: 5,
      nextOccurrenceOn: '2017-07-01',
      endsOn: '2018-12-31',
      copyExpenses: false,
      template: { databaseId: template },
    });
    const node = await data(t.app, Node, { id: gid('Contract', id) }, { token: tenant.token });
    expect(node.node).toEqual({ __typename: 'Contract', id: gid('Contract', id), databaseId: id, nextOccurrenceOn: '2017-07-01' });

    const missing = await execute(t.app, One, { id: gid('Contract', 2_000_000_000) }, { token: tenant.token });
    expect(missing.body.data?.contract).toBeNull();
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const wrongType = await execute(t.app, One, { id: gid('Deal', template) }, { token: tenant.token });
    expect(wrongType.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('upcomingOccurrences: three by default, up to endsOn, nothing written; count between 1 and 100', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant);
    const id = await contractRow(tenant, { templateId: template, intervalId: 1, anchorOn: '2017-01-31', nextOccurrenceOn: '2017-02-28', endsOn: '2017-06-15' });
    const before = await contractOf(id);
    const three = await data(t.app, UpcomingDefault, { id: gid('Contract', id) }, { token: tenant.token });
    expect(three.contract!.upcomingOccurrences).toEqual([
      { startsOn: '2017-02-28', endsOn: '2017-03-30', suffix: '2017/02' },
      { startsOn: '2017-03-31', endsOn: '2017-04-29', suffix: '2017/03' },
      { startsOn: '2017-04-30', endsOn: '2017-05-30', suffix: '2017/04' },
    ]);
    const all = await data(t.app, Upcoming, { id: gid('Contract', id), count: 100 }, { token: tenant.token });
    expect(all.contract!.upcomingOccurrences.map((o) => o.startsOn)).toEqual(['2017-02-28', '2017-03-31', '2017-04-30', '2017-05-31']);
    expect(await contractOf(id)).toEqual(before);
    expect(await budgetsOf(id)).toEqual([]);

    for (const count of [0, -1, 101]) {
      const { body } = await execute(t.app, Upcoming, { id: gid('Contract', id), count }, { token: tenant.token });
      expect(body.errors?.[0]).toMatchObject({
        message: `\`count\` must be between 1 and 100, got ${count}.`,
        extensions: { code: 'BAD_USER_INPUT', argument: 'count' },
      });
    }
  });

  test('the list: filters by template, interval, dates; sorts with empty ends last; pages', async () => {
    const tenant = await createTenant(t.db.prisma);
    const a = await templateDeal(tenant);
    const b = await templateDeal(tenant);
    const monthly = await contractRow(tenant, { templateId: a, intervalId: 1, nextOccurrenceOn: '2017-03-01', endsOn: '2017-12-31' });
    const weekly = await contractRow(tenant, { templateId: b, intervalId: 3, nextOccurrenceOn: '2017-02-06' });
    const annual = await contractRow(tenant, { templateId: a, intervalId: 4, nextOccurrenceOn: '2017-05-01', endsOn: '2019-12-31' });
    const deleted = await contractRow(tenant, { templateId: a, intervalId: 1, nextOccurrenceOn: '2017-01-20' });
    await tenant.db.contract.update({ where: { id: deleted }, data: { deletedAt: new Date(), deleterId: tenant.personId } });
    const list = async (variables: ContractsListQueryVariables) => (await data(t.app, List, variables, { token: tenant.token })).contracts;
    const ids = async (variables: ContractsListQueryVariables) => (await list(variables)).nodes.map((n) => n.databaseId);

    expect(await ids({})).toEqual([monthly, weekly, annual]);
    expect((await list({})).totalCount).toBe(3);
    expect(await ids({ filter: { templateIds: [gid('Deal', a)] } })).toEqual([monthly, annual]);
    expect(await ids({ filter: { interval: 'WEEKLY' } })).toEqual([weekly]);
    expect(await ids({ filter: { nextOccurrenceOn: { gte: '01.03.2017' } } })).toEqual([monthly, annual]);
    expect(await ids({ filter: { endsOn: { isNull: true } } })).toEqual([weekly]);
    expect(await ids({ filter: { endsOn: { lt: '2018-01-01' } } })).toEqual([monthly]);
    expect(await ids({ filter: { createdAt: { lte: new Date(Date.now() + 60_000).toISOString() } } })).toEqual([monthly, weekly, annual]);
    expect(await ids({ orderBy: [{ field: 'NEXT_OCCURRENCE_ON' }] })).toEqual([weekly, monthly, annual]);
    expect(await ids({ orderBy: [{ field: 'NEXT_OCCURRENCE_ON', direction: 'DESC' }] })).toEqual([annual, monthly, weekly]);
    expect(await ids({ orderBy: [{ field: 'ENDS_ON' }] })).toEqual([monthly, annual, weekly]);
    expect(await ids({ orderBy: [{ field: 'ENDS_ON', direction: 'DESC' }] })).toEqual([annual, monthly, weekly]);
    expect(await ids({ orderBy: [{ field: 'CREATED_AT' }] })).toEqual([monthly, weekly, annual]);

    const first = await list({ orderBy: [{ field: 'ENDS_ON' }], first: 2 });
    expect(first.nodes.map((n) => n.databaseId)).toEqual([monthly, annual]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(await ids({ orderBy: [{ field: 'ENDS_ON' }], first: 2, after: first.pageInfo.endCursor })).toEqual([weekly]);
  });
});

describe('the end of the calendar (issue 22)', () => {
  const NO_PERIOD = 'leaves no whole period before 9999-12-31';

  test('a next occurrence whose period would not end before 9999-12-31 is INVALID, on create and update; nothing written', async () => {
    const tenant = await createTenant(t.db.prisma);
    const templateId = gid('Deal', await templateDeal(tenant));
    for (const [interval, nextOccurrenceOn] of [['MONTHLY', '9999-12-31'], ['MONTHLY', '9999-12-01'], ['WEEKLY', '9999-12-25'], ['ANNUAL', '9999-01-01']] as const) {
      const refused = await create(tenant, { templateId, interval, nextOccurrenceOn });
      expect(refused, `${interval} ${nextOccurrenceOn}`).toEqual({ contract: null, userErrors: [error(at('nextOccurrenceOn'), NO_PERIOD, 'INVALID')] });
    }
    expect(await contractRows(tenant)).toEqual([]);
    // The last days that still have a whole period.
    const monthly = await create(tenant, { templateId, interval: 'MONTHLY', nextOccurrenceOn: '9999-11-30' });
    expect(monthly.userErrors).toEqual([]);
    const another = gid('Deal', await templateDeal(tenant));
    const weekly = await create(tenant, { templateId: another, interval: 'WEEKLY', nextOccurrenceOn: '9999-12-24' });
    expect(weekly.userErrors).toEqual([]);

    const moved = await update(tenant, { id: weekly.contract!.id, nextOccurrenceOn: '9999-12-30' });
    expect(moved.userErrors).toEqual([error(at('nextOccurrenceOn'), NO_PERIOD, 'INVALID')]);
    // A longer interval counts from the stored next occurrence: a month from 9999-12-24 is past the end.
    const longer = await update(tenant, { id: weekly.contract!.id, interval: 'MONTHLY' });
    expect(longer.userErrors).toEqual([error(at('interval'), NO_PERIOD, 'INVALID')]);
    expect(await contractOf(weekly.contract!.databaseId)).toMatchObject({ intervalId: 3, nextOccurrenceOn: day('9999-12-24') });
  });

  test('upcomingOccurrences and generation stop at the last whole period: every date answered is one Date accepts', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant);
    // Stored before the rule existed.
    const stuck = await contractRow(tenant, { templateId: template, intervalId: 1, nextOccurrenceOn: '9999-12-31' });
    expect((await data(t.app, Upcoming, { id: gid('Contract', stuck), count: 3 }, { token: tenant.token })).contract!.upcomingOccurrences).toEqual([]);

    const id = await contractRow(tenant, { templateId: template, intervalId: 1, nextOccurrenceOn: '9999-10-01' });
    const upcoming = await data(t.app, Upcoming, { id: gid('Contract', id), count: 5 }, { token: tenant.token });
    // 9999/12 would end on 9999-12-31 and leave the next occurrence in year 10000.
    expect(upcoming.contract!.upcomingOccurrences).toEqual([
      { startsOn: '9999-10-01', endsOn: '9999-10-31', suffix: '9999/10' },
      { startsOn: '9999-11-01', endsOn: '9999-11-30', suffix: '9999/11' },
    ]);

    const generated = await on('9999-06-01', () => generate(tenant, { until: '9999-12-31', contractIds: [gid('Contract', id), gid('Contract', stuck)] }));
    expect(generated.userErrors).toEqual([]);
    expect(generated.createdBudgets.map((b) => [b.suffix, b.date, b.endDate])).toEqual([
      ['9999/10', '9999-10-01', '9999-10-31'],
      ['9999/11', '9999-11-01', '9999-11-30'],
    ]);
    expect(iso((await contractOf(id)).nextOccurrenceOn)).toBe('9999-12-01');
    expect(iso((await contractOf(stuck)).nextOccurrenceOn)).toBe('9999-12-31');
  });
});

describe('deleteContract', () => {
  test('soft delete: gone from every read, the budgets it generated stay', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-01' });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const generated = await generate(tenant, { until: '2017-02-28', contractIds: [gid('Contract', id)] });
    expect(generated.createdBudgets).toHaveLength(2);

    const result = await mutate(Delete, { input: { id: gid('Contract', id) } }, tenant.token);
    expect(result.deleteContract).toEqual({ deletedContractId: gid('Contract', id), userErrors: [] });
    const row = await contractOf(id);
    expect(row.deletedAt).not.toBeNull();
    expect(row.deleterId).toBe(tenant.personId);

    const budgets = await budgetsOf(id);
    expect(budgets.map((b) => [b.suffix, b.deletedAt, b.contractId])).toEqual([['2017/01', null, id], ['2017/02', null, id]]);
    const budget = await data(t.app, BudgetContract, { id: gid('Deal', budgets[0]!.id) }, { token: tenant.token });
    expect(budget.node).toEqual({ suffix: '2017/01', contract: null });
    expect((await execute(t.app, One, { id: gid('Contract', id) }, { token: tenant.token })).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await data(t.app, Node, { id: gid('Contract', id) }, { token: tenant.token })).node).toBeNull();
    expect((await data(t.app, List, {}, { token: tenant.token })).contracts.totalCount).toBe(0);

    const again = await mutate(Delete, { input: { id: gid('Contract', id) } }, tenant.token);
    expect(again.deleteContract).toEqual({ deletedContractId: null, userErrors: [error(at('id'), 'Contract not found', 'NOT_FOUND')] });
    const regenerate = await generate(tenant, { until: '2017-12-31', contractIds: [gid('Contract', id)] });
    expect(regenerate.userErrors).toEqual([error(at('contractIds', 0), 'Contract not found', 'NOT_FOUND')]);
    const updated = await on(TODAY, () => update(tenant, { id: gid('Contract', id), endsOn: '2018-01-01' }));
    expect(updated.userErrors).toEqual([error(at('id'), 'Contract not found', 'NOT_FOUND')]);
  });
});

describe("another organization's contract", () => {
  test('is not found anywhere, and nothing of it changes', async () => {
    const owner = await createTenant(t.db.prisma);
    const intruder = await createTenant(t.db.prisma);
    const template = await templateDeal(owner, { date: '2016-12-01' });
    const id = await contractRow(owner, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const before = await contractOf(id);
    const global = gid('Contract', id);

    const one = await execute(t.app, One, { id: global }, { token: intruder.token });
    expect(one.body.data?.contract).toBeNull();
    expect(one.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await data(t.app, Node, { id: global }, { token: intruder.token })).node).toBeNull();
    expect((await data(t.app, List, {}, { token: intruder.token })).contracts.totalCount).toBe(0);

    const updated = await on(TODAY, () => update(intruder, { id: global, endsOn: '2018-01-01' }));
    expect(updated).toEqual({ contract: null, userErrors: [error(at('id'), 'Contract not found', 'NOT_FOUND')] });
    const deleted = await mutate(Delete, { input: { id: global } }, intruder.token);
    expect(deleted.deleteContract).toEqual({ deletedContractId: null, userErrors: [error(at('id'), 'Contract not found', 'NOT_FOUND')] });
    const generated = await generate(intruder, { until: '2017-12-31', contractIds: [global] });
    expect(generated).toEqual({ createdBudgets: [], contracts: [], userErrors: [error(at('contractIds', 0), 'Contract not found', 'NOT_FOUND')] });
    // All of the intruder's contracts: none of the owner's.
    expect((await generate(intruder, { until: '2017-12-31' })).createdBudgets).toEqual([]);

    expect(await contractOf(id)).toEqual(before);
    expect(await budgetsOf(id)).toEqual([]);
  });
});

describe('generateContractOccurrences', () => {
  test('creates a budget per period: a copy of the template with suffix, dates, contract and number', async () => {
    const tenant = await createTenant(t.db.prisma);
    const viewer = await tenant.member();
    const template = await templateDeal(tenant, { date: '2016-12-15', number: 7 });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const result = await generate(tenant, { until: '31.03.2017', contractIds: [gid('Contract', id)] }, viewer.token);
    expect(result.userErrors).toEqual([]);
    expect(result.createdBudgets.map(({ id: _id, databaseId: _databaseId, ...fields }) => fields)).toEqual(
      [
        ['2017/01', '2017-01-01', '2017-01-31'],
        ['2017/02', '2017-02-01', '2017-02-28'],
        ['2017/03', '2017-03-01', '2017-03-31'],
      ].map(([suffix, date, endDate]) => ({
        name: 'test name',
        number: 7,
        suffix,
        date,
        endDate,
        budget: true,
        currency: 'EUR',
        exchangeRate: '1.25',
        contract: { databaseId: id },
        originDeal: { databaseId: template },
        creator: { databaseId: viewer.personId },
        company: { databaseId: tenant.companies.acme },
        project: { databaseId: tenant.projects.website },
      })),
    );
    expect(result.contracts).toEqual([{ databaseId: id, nextOccurrenceOn: '2017-04-01' }]);

    const source = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: template } });
    const budgets = await budgetsOf(id);
    expect(budgets.map((b) => b.id)).toEqual(result.createdBudgets.map((b) => b.databaseId));
    expect(budgets.map((b) => [b.suffix, iso(b.date), iso(b.endDate)])).toEqual([
      ['2017/01', '2017-01-01', '2017-01-31'],
      ['2017/02', '2017-02-01', '2017-02-28'],
      ['2017/03', '2017-03-01', '2017-03-31'],
    ]);
    for (const b of budgets) {
      expect(b).toMatchObject({
        organizationId: tenant.organizationId,
        budget: true,
        contractId: id,
        originDealId: template,
        creatorId: viewer.personId,
        number: 7,
        companyId: source.companyId,
        projectId: source.projectId,
        responsibleId: source.responsibleId,
        dealStatusId: source.dealStatusId,
        currency: 'EUR',
        exchangeDate: source.exchangeDate,
        budgetTotal: 1_234_567n,
        probability: 50,
        timeApproval: true,
        expenseApproval: true,
        tagList: ['retainer', 'monthly'],
        salesStatusId: null,
        deletedAt: null,
      });
      expect(b.exchangeRate.toString()).toBe('1.25');
    }
    const contract = await contractOf(id);
    expect([iso(contract.nextOccurrenceOn), iso(contract.anchorOn)]).toEqual(['2017-04-01', '2017-01-01']);
    // The template itself is untouched.
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: template } })).toEqual(source);
  });

  test('running again for the same day creates nothing; a later day continues where it stopped', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const id = await contractRow(tenant, { templateId: template, intervalId: 6, nextOccurrenceOn: '2017-01-01' });
    const first = await generate(tenant, { until: '2017-06-30' });
    expect(first.createdBudgets.map((b) => b.date)).toEqual(['2017-01-01', '2017-04-01']);
    const updatedAt = (await contractOf(id)).updatedAt;
    const second = await generate(tenant, { until: '2017-06-30' });
    expect(second).toEqual({ createdBudgets: [], contracts: [], userErrors: [] });
    // Nothing to do: the contract is not even touched.
    expect((await contractOf(id)).updatedAt).toEqual(updatedAt);
    const third = await generate(tenant, { until: '2017-12-31' });
    expect(third.createdBudgets.map((b) => b.date)).toEqual(['2017-07-01', '2017-10-01']);
    expect((await budgetsOf(id)).map((b) => b.suffix)).toEqual(['2017/Q1', '2017/Q2', '2017/Q3', '2017/Q4']);
    expect(iso((await contractOf(id)).nextOccurrenceOn)).toBe('2018-01-01');
    // Contract.budgets: what it generated, with the deal list's arguments.
    const listed = await data(t.app, Budgets, { first: 10 }, { token: tenant.token });
    expect(listed.contracts.nodes).toEqual([
      {
        databaseId: id,
        budgets: {
          totalCount: 4,
          nodes: [
            { suffix: '2017/Q4', revenue: { default: { cents: 0 } } },
            { suffix: '2017/Q3', revenue: { default: { cents: 0 } } },
          ],
          pageInfo: { hasNextPage: true },
        },
      },
    ]);
  });

  test('31 January comes back to the 31st after February', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-31' });
    await generate(tenant, { until: '2017-02-28' });
    expect(iso((await contractOf(id)).nextOccurrenceOn)).toBe('2017-03-31');
    await generate(tenant, { until: '2017-04-30' });
    expect((await budgetsOf(id)).map((b) => [iso(b.date), iso(b.endDate)])).toEqual([
      ['2017-01-31', '2017-02-27'],
      ['2017-02-28', '2017-03-30'],
      ['2017-03-31', '2017-04-29'],
      ['2017-04-30', '2017-05-30'],
    ]);
  });

  test("copyExpenses copies the template's live expenses with exact money, unapproved, uninvoiced, unpaid", async () => {
    const tenant = await createTenant(t.db.prisma);
    const viewer = await tenant.member();
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const eur = await tenant.expense({ dealId: template, name: 'Hosting', amount: 10000n, currency: 'EUR', billableAmount: 5001n, date: day('2016-12-20'), personId: tenant.personId });
    const usd = await tenant.expense({
      dealId: template, name: 'Licences', amount: 9999n, currency: 'USD', billableAmount: 12345n, serviceTypeId: tenant.serviceTypes.software,
      reimbursable: true, date: day('2016-12-21'), payOn: day('2017-01-05'), paidOn: day('2017-01-04'),
    });
    const gone = await tenant.expense({ dealId: template, name: 'Deleted', amount: 1n, currency: 'EUR', date: day('2016-12-22') });
    expect((await approveExpense(tenant.db, tenant.viewer, usd)).ok).toBe(true);
    await t.db.prisma.expense.update({ where: { id: usd }, data: { invoiced: true } });
    expect((await deleteExpense(tenant.db, tenant.viewer, gone)).ok).toBe(true);
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01', copyExpenses: true });

    const result = await generate(tenant, { until: '2017-02-01' }, viewer.token);
    expect(result.userErrors).toEqual([]);
    const originals = await t.db.prisma.expense.findMany({ where: { id: { in: [eur, usd] } }, orderBy: { position: 'asc' } });
    const money = (e: (typeof originals)[number]) => ({
      name: e.name, serviceTypeId: e.serviceTypeId, personId: e.personId, position: e.position, reimbursable: e.reimbursable,
      currency: e.currency, exchangeRate: e.exchangeRate.toString(), exchangeDate: e.exchangeDate,
      amount: e.amount, amountDefault: e.amountDefault, amountNormalized: e.amountNormalized,
      billableAmount: e.billableAmount, billableAmountDefault: e.billableAmountDefault, normalizedCurrency: e.normalizedCurrency,
      profitNormalized: e.profitNormalized, profitDefault: e.profitDefault,
    });
    // 10000 EUR at 1.25 is 12500 USD; billable 5001 EUR is 6251.25, rounded to 6251 USD.
    expect(originals.map((e) => [e.amountDefault, e.billableAmountDefault, e.profitDefault])).toEqual([
      [12500n, 6251n, -6249n],
      [9999n, 15431n, 5432n],
    ]);
    for (const budget of result.createdBudgets) {
      const copies = await t.db.prisma.expense.findMany({ where: { dealId: budget.databaseId }, orderBy: { position: 'asc' } });
      expect(copies.map(money)).toEqual(originals.map(money));
      for (const copy of copies) {
        expect(copy).toMatchObject({
          organizationId: tenant.organizationId,
          date: day(budget.date),
          creatorId: viewer.personId,
          approved: false, approvedAt: null, approverId: null,
          rejected: false, invoiced: false, payOn: null, paidOn: null, reimbursedOn: null, deletedAt: null,
        });
      }
    }
    expect(result.createdBudgets.map((b) => b.date)).toEqual(['2017-01-01', '2017-02-01']);
    // Through GraphQL: the same money in all three forms as the template's expenses.
    const moneyOf = async (dealId: number) => {
      const node = (await data(t.app, BudgetExpenses, { id: gid('Deal', dealId) }, { token: tenant.token })).node;
      if (!node || !('expenses' in node)) throw new Error('not a deal');
      return node.expenses;
    };
    const source = await moneyOf(template);
    const copied = await moneyOf(result.createdBudgets[1]!.databaseId);
    expect(copied.totalCount).toBe(2);
    expect(copied.nodes.map(({ name, amount, billableAmount, profit }) => ({ name, amount, billableAmount, profit }))).toEqual(
      source.nodes.map(({ name, amount, billableAmount, profit }) => ({ name, amount, billableAmount, profit })),
    );
    expect(copied.nodes.find((n) => n.name === 'Hosting')!.amount).toEqual({
      original: { cents: 10000, currency: 'EUR' },
      default: { cents: 12500, currency: 'USD' },
      normalized: { cents: 10000, currency: 'EUR' },
    });
    expect(copied.nodes.map((n) => [n.date, n.approvalStatus, n.invoiced, n.paidOn])).toEqual([
      ['2017-02-01', 'NOT_APPROVED', false, null],
      ['2017-02-01', 'NOT_APPROVED', false, null],
    ]);
    // The template's own expenses are untouched, and a contract without copyExpenses copies none.
    expect(await t.db.prisma.expense.count({ where: { dealId: template, deletedAt: null } })).toBe(2);
    const plain = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const without = await generate(tenant, { until: '2017-01-01', contractIds: [gid('Contract', plain)] });
    expect(await t.db.prisma.expense.count({ where: { dealId: without.createdBudgets[0]!.databaseId } })).toBe(0);
    expect(id).toBeGreaterThan(0);
  });

  test('endsOn stops generation; the contract is then finished', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01', endsOn: '2017-02-15' });
    const result = await generate(tenant, { until: '2017-12-31' });
    expect(result.createdBudgets.map((b) => b.date)).toEqual(['2017-01-01', '2017-02-01']);
    expect(result.contracts).toEqual([{ databaseId: id, nextOccurrenceOn: '2017-03-01' }]);
    expect((await generate(tenant, { until: '2018-12-31' })).createdBudgets).toEqual([]);
    expect((await data(t.app, UpcomingDefault, { id: gid('Contract', id) }, { token: tenant.token })).contract!.upcomingOccurrences).toEqual([]);
  });

  test('a period that already has a live budget of the contract is skipped', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const existing = await tenant.db.deal.create({
      data: {
        organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: 'made by hand', number: 3, budget: true,
        contractId: id, date: day('2017-02-01'), currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2017-02-01'),
      },
    });
    const result = await generate(tenant, { until: '2017-03-31' });
    expect(result.createdBudgets.map((b) => b.date)).toEqual(['2017-01-01', '2017-03-01']);
    expect((await budgetsOf(id)).map((b) => [iso(b.date), b.id === existing.id])).toEqual([
      ['2017-01-01', false],
      ['2017-02-01', true],
      ['2017-03-01', false],
    ]);
    expect(iso((await contractOf(id)).nextOccurrenceOn)).toBe('2017-04-01');
  });

  test('only the contracts asked for; unknown or malformed ids are NOT_FOUND at their index, nothing generated', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const a = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const b = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01' });
    const bad = await generate(tenant, { until: '2017-01-31', contractIds: [gid('Contract', a), gid('Contract', 2_000_000_000), 'junk', 'junk'] });
    expect(bad).toEqual({
      createdBudgets: [],
      contracts: [],
      userErrors: [
        error(at('contractIds', 1), 'Contract not found', 'NOT_FOUND'),
        error(at('contractIds', 2), 'Contract not found', 'NOT_FOUND'),
        error(at('contractIds', 3), 'Contract not found', 'NOT_FOUND'),
      ],
    });
    expect(await budgetsOf(a)).toEqual([]);
    // Every problem at once, in input order.
    const both = await on(TODAY, () => generate(tenant, { until: '2030-01-01', contractIds: ['junk'] }));
    expect(both.userErrors).toEqual([
      error(at('until'), 'must be at most 10 years after today (2027-01-15 at the latest)', 'INVALID'),
      error(at('contractIds', 0), 'Contract not found', 'NOT_FOUND'),
    ]);
    const onlyB = await generate(tenant, { until: '2017-01-31', contractIds: [gid('Contract', b), gid('Contract', b)] });
    expect(onlyB.contracts.map((c) => c.databaseId)).toEqual([b]);
    expect(await budgetsOf(a)).toEqual([]);
    expect(await generate(tenant, { until: '2017-01-31', contractIds: [] })).toEqual({ createdBudgets: [], contracts: [], userErrors: [] });
  });

  test('a contract whose template was deleted: refused when asked for, left alone otherwise', async () => {
    const tenant = await createTenant(t.db.prisma);
    const live = await templateDeal(tenant, { date: '2016-12-15' });
    const dead = await templateDeal(tenant, { date: '2016-12-15' });
    const ok = await contractRow(tenant, { templateId: live, nextOccurrenceOn: '2017-01-01' });
    const orphan = await contractRow(tenant, { templateId: dead, nextOccurrenceOn: '2017-01-01' });
    await tenant.db.deal.update({ where: { id: dead }, data: { deletedAt: new Date(), deleterId: tenant.personId } });
    const asked = await generate(tenant, { until: '2017-01-31', contractIds: [gid('Contract', orphan)] });
    expect(asked.userErrors).toEqual([error(at('contractIds', 0), 'has no live template: its template deal was deleted', 'INVALID')]);
    const all = await generate(tenant, { until: '2017-01-31' });
    expect(all.userErrors).toEqual([]);
    expect(all.contracts.map((c) => c.databaseId)).toEqual([ok]);
    expect(await budgetsOf(orphan)).toEqual([]);
  });

  test('until at most 10 years after today, and at most 500 periods per contract: clear user errors, nothing written', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    const far = await on(TODAY, () => generate(tenant, { until: '2027-01-16' }));
    expect(far).toEqual({
      createdBudgets: [],
      contracts: [],
      userErrors: [error(at('until'), 'must be at most 10 years after today (2027-01-15 at the latest)', 'INVALID')],
    });
    expect((await on(TODAY, () => generate(tenant, { until: '15.01.2027' }))).userErrors).toEqual([]);

    const weekly = await contractRow(tenant, { templateId: template, intervalId: 3, nextOccurrenceOn: '2017-01-02' });
    const monthly = await contractRow(tenant, { templateId: template, intervalId: 1, nextOccurrenceOn: '2017-01-01' });
    // 2017-01-02 plus 500 weeks is 2026-08-03: the 501st period starts then.
    const tooMany = await on(TODAY, () => generate(tenant, { until: '2026-08-03' }));
    expect(tooMany.userErrors).toEqual([
      error(at('until'), `would create more than 500 budgets in one run for contract ${weekly}: generate up to an earlier date first, then again`, 'INVALID'),
    ]);
    expect(await budgetsOf(weekly)).toEqual([]);
    expect(await budgetsOf(monthly)).toEqual([]);
    // Exactly 500 periods pass the cap per contract, but are 1000 rows (budgets and their events):
    // more than one call may write across all contracts (the operator's CLI has no such cap).
    const five = await on(TODAY, () => generate(tenant, { until: '2026-08-02', contractIds: [gid('Contract', weekly)] }));
    expect(five.userErrors).toEqual([
      error(
        at('until'),
        'would write 1000 rows in one call (500 budgets, 500 events and 0 copied expenses), more than 500: generate up to an earlier date first, then again',
        'INVALID',
      ),
    ]);
    expect(await budgetsOf(weekly)).toEqual([]);
    // 250 weeks are 500 rows: fine.
    const half = await on(TODAY, () => generate(tenant, { until: '2021-10-11', contractIds: [gid('Contract', weekly)] }));
    expect(half.userErrors).toEqual([]);
    expect(half.createdBudgets).toHaveLength(250);
    expect(iso((await contractOf(weekly)).nextOccurrenceOn)).toBe('2021-10-18');
  });

  test('10 concurrent runs create each period exactly once', async () => {
    const tenant = await createTenant(t.db.prisma);
    const template = await templateDeal(tenant, { date: '2016-12-15' });
    await tenant.expense({ dealId: template, amount: 100n, currency: 'EUR', date: day('2016-12-20') });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01', copyExpenses: true });
    const runs = await Promise.all(Array.from({ length: 10 }, () => generate(tenant, { until: '2017-06-30' })));
    expect(runs.flatMap((r) => r.userErrors)).toEqual([]);
    expect(runs.flatMap((r) => r.createdBudgets.map((b) => b.date)).sort()).toEqual(
      ['2017-01-01', '2017-02-01', '2017-03-01', '2017-04-01', '2017-05-01', '2017-06-01'],
    );
    const budgets = await budgetsOf(id);
    expect(budgets.map((b) => iso(b.date))).toEqual(['2017-01-01', '2017-02-01', '2017-03-01', '2017-04-01', '2017-05-01', '2017-06-01']);
    expect(await t.db.prisma.expense.count({ where: { dealId: { in: budgets.map((b) => b.id) } } })).toBe(6);
    expect(iso((await contractOf(id)).nextOccurrenceOn)).toBe('2017-07-01');
  });
});

describe('statements', () => {
  test('a page of 50 contracts with their templates costs as many statements as a page of 5', async () => {
    const small = await createTenant(t.db.prisma);
    const large = await createTenant(t.db.prisma);
    for (const [tenant, n] of [[small, 5], [large, 50]] as const) {
      const templates = [await templateDeal(tenant), await templateDeal(tenant, { name: 'other' })];
      for (let i = 0; i < n; i += 1) await contractRow(tenant, { templateId: templates[i % 2]!, nextOccurrenceOn: '2017-02-01' });
    }
    const count = async (tenant: Tenant, first: number) => {
      t.db.statements.reset();
      const result = await data(t.app, Templates, { first }, { token: tenant.token });
      return { count: t.db.statements.count, log: [...t.db.statements.log], names: result.contracts.nodes.map((n) => n.template.name) };
    };
    const few = await count(small, 50);
    const many = await count(large, 50);
    expect(few.names).toHaveLength(5);
    expect(many.names).toHaveLength(50);
    expect(new Set(many.names)).toEqual(new Set(['test name', 'other']));
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Besides authentication (cached or not), one statement: the page with its templates joined in.
    const page = (log: string[]) => log.filter((sql) => !sql.includes('api_tokens'));
    expect(page(many.log), many.log.join('\n')).toHaveLength(1);
    expect(page(few.log), few.log.join('\n')).toHaveLength(1);

    // With their budgets, a count and money: one statement more for each, whatever the page.
    for (const tenant of [small, large]) await generate(tenant, { until: '2017-04-30' });
    t.db.statements.reset();
    const result = await data(t.app, Budgets, { first: 50 }, { token: large.token });
    expect(result.contracts.nodes.every((c) => c.budgets.totalCount === 3 && c.budgets.nodes.length === 2)).toBe(true);
    expect(page([...t.db.statements.log]), t.db.statements.log.join('\n')).toHaveLength(3);
  });
});

// ---- npm run cli -- contracts generate ------------------------------------------------------------

const cli = (...argv: string[]) => runCommand(t.db, ...argv);

describe('contracts generate (CLI)', () => {
  test('one organization: a line per budget and a summary; creators are kept', async () => {
    const tenant = await createTenant(t.db.prisma);
    const author = await tenant.member();
    const template = await templateDeal(tenant, { date: '2016-12-15', name: 'Retainer', number: 9 });
    await t.db.prisma.deal.update({ where: { id: template }, data: { creatorId: author.personId } });
    const expense = await tenant.expense({ dealId: template, amount: 700n, currency: 'EUR', date: day('2016-12-20') });
    const id = await contractRow(tenant, { templateId: template, nextOccurrenceOn: '2017-01-01', copyExpenses: true });

    const run = await cli('contracts', 'generate', '--until', '28.02.2017', '--organization', String(tenant.organizationId));
    expect(run.code, run.err).toBe(0);
    expect(run.err).toBe('');
    const budgets = await budgetsOf(id);
    expect(run.out.trimEnd().split('\n')).toEqual([
      `Organization ${tenant.organizationId}, contract ${id}: created budget ${budgets[0]!.id} "Retainer" #9 2017/01 (2017-01-01 to 2017-01-31).`,
      `Organization ${tenant.organizationId}, contract ${id}: created budget ${budgets[1]!.id} "Retainer" #9 2017/02 (2017-02-01 to 2017-02-28).`,
      'Created 2 budgets from 1 contract in 1 organization, until 2017-02-28.',
    ]);
    expect(budgets.map((b) => b.creatorId)).toEqual([author.personId, author.personId]);
    const copies = await t.db.prisma.expense.findMany({ where: { dealId: { in: budgets.map((b) => b.id) } } });
    const original = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: expense } });
    expect(copies.map((c) => [c.creatorId, c.amount])).toEqual([
      [original.creatorId, 700n],
      [original.creatorId, 700n],
    ]);

    const again = await cli('contracts', 'generate', '--until', '2017-02-28', '--organization', String(tenant.organizationId));
    expect(again).toEqual({ code: 0, err: '', out: 'Nothing to generate until 2017-02-28: every contract is up to date.\n' });
  });

  test('every organization by default', async () => {
    // In 2000, so that this run over every organization of the database generates nothing for
    // the other tests (on PostgreSQL, other test files share the database).
    const first = await createTenant(t.db.prisma);
    const second = await createTenant(t.db.prisma);
    const a = await contractRow(first, { templateId: await templateDeal(first, { date: '1999-12-15' }), nextOccurrenceOn: '2000-01-01' });
    const b = await contractRow(second, { templateId: await templateDeal(second, { date: '1999-12-15' }), intervalId: 4, nextOccurrenceOn: '2000-01-01' });
    const run = await cli('contracts', 'generate', '--until', '2000-01-31');
    expect(run.code, run.err).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes(`contract ${a}:`))).toEqual([
      expect.stringMatching(new RegExp(`^Organization ${first.organizationId}, contract ${a}: created budget \\d+ "test name" #3 2000/01 \\(2000-01-01 to 2000-01-31\\)\\.$`)),
    ]);
    expect(lines.filter((l) => l.includes(`contract ${b}:`))).toEqual([
      expect.stringMatching(new RegExp(`^Organization ${second.organizationId}, contract ${b}: created budget \\d+ "test name" #3 2000 \\(2000-01-01 to 2000-12-31\\)\\.$`)),
    ]);
    expect(lines.at(-1)).toBe('Created 2 budgets from 2 contracts in 2 organizations, until 2000-01-31.');
    expect((await budgetsOf(a)).length + (await budgetsOf(b)).length).toBe(2);
  });

  test('mistakes are one line and exit code 1, and nothing is generated', async () => {
    const tenant = await createTenant(t.db.prisma);
    const id = await contractRow(tenant, { templateId: await templateDeal(tenant, { date: '2016-12-15' }), intervalId: 3, nextOccurrenceOn: '2017-01-02' });
    // "Today" fixed: 2099 is more than 10 years ahead only until 2089.
    refused(await on(TODAY, () => cli('contracts', 'generate', '--until', '2099-01-01')), /^error: --until: must be at most 10 years after today \(2027-01-15 at the latest\)$/m);
    refused(await cli('contracts', 'generate', '--until', '30.02.2017'), /--until.*It must be a calendar date, YYYY-MM-DD or DD\.MM\.YYYY\./);
    refused(await cli('contracts', 'generate'), /required option '--until <date>' not specified/);
    refused(await cli('contracts', 'generate', '--until', '2017-01-31', '--organization', '2000000000'), /^error: --organization: no organization with id 2000000000$/m);
    refused(
      await cli('contracts', 'generate', '--until', '2026-08-03', '--organization', String(tenant.organizationId)),
      new RegExp(`^error: --until: would create more than 500 budgets in one run for contract ${id}: .*\\(organization ${tenant.organizationId}\\); nothing was generated$`, 'm'),
    );
    expect(await budgetsOf(id)).toEqual([]);
  });
});
