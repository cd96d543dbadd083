// Idempotent creates (issue 13): `idempotencyKey` in a create's input makes a retry answer the first
// result without writing; another input with the key is IDEMPOTENCY_KEY_REUSED; keys are per
// organization, live 24 hours, are kept only by creates that succeeded, and hold when the requests
// arrive at the same moment (PostgreSQL: TEST_DATABASE_URL).
import { randomUUID } from 'node:crypto';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/index.js';
import { canonicalJson, IDEMPOTENCY_TTL_MS, inputHash } from '../src/domain/kit/idempotency.js';
import { createService } from '../src/domain/services.js';
import { schema } from '../src/schema/index.js';
import { isInputObjectType, isNonNullType } from 'graphql';
import { graphql } from './generated/index.js';
import type { CreateExpenseInput } from './generated/graphql.js';
import { as, data, execute, startApp, type TestApp } from './helpers/app.js';
import { on } from './helpers/contracts.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { DeleteExpense } from './helpers/mutations.js';

const CreateExpense = graphql(`
  mutation IdemCreateExpense($input: CreateExpenseInput!) {
    createExpense(input: $input) {
      expense { id databaseId name }
      userErrors { field message code }
    }
  }
`);

const CreateTwice = graphql(`
  mutation IdemCreateTwice($a: CreateExpenseInput!, $b: CreateExpenseInput!) {
    first: createExpense(input: $a) { expense { databaseId } userErrors { code } }
    second: createExpense(input: $b) { expense { databaseId } userErrors { code } }
  }
`);

const CreateDeal = graphql(`
  mutation IdemCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) { deal { id databaseId number } userErrors { field message code } }
  }
`);

const CreateInvoice = graphql(`
  mutation IdemCreateInvoice($input: CreateInvoiceInput!) {
    createInvoice(input: $input) { invoice { id databaseId } userErrors { field message code } }
  }
`);

const CreateDealStatus = graphql(`
  mutation IdemCreateDealStatus($input: CreateDealStatusInput!) {
    createDealStatus(input: $input) { dealStatus { id } userErrors { field message code } }
  }
`);

const CreateContract = graphql(`
  mutation IdemCreateContract($input: CreateContractInput!) {
    createContract(input: $input) { contract { id } userErrors { field message code } }
  }
`);

const CreateAttribution = graphql(`
  mutation IdemCreateAttribution($input: CreateInvoiceAttributionInput!) {
    createInvoiceAttribution(input: $input) { invoiceAttribution { id } userErrors { field message code } }
  }
`);

const CreateProject = graphql(`
  mutation IdemCreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { project { id } userErrors { field message code } }
  }
`);

const CreateTask = graphql(`
  mutation IdemCreateTask($input: CreateTaskInput!) {
    createTask(input: $input) { task { id } userErrors { field message code } }
  }
`);

const CreateServiceDoc = graphql(`
  mutation IdemCreateService($input: CreateServiceInput!) {
    createService(input: $input) { service { id } userErrors { field message code } }
  }
`);

const CreateTimeEntry = graphql(`
  mutation IdemCreateTimeEntry($input: CreateTimeEntryInput!) {
    createTimeEntry(input: $input) { timeEntry { id } userErrors { field message code } }
  }
`);

const CreateBooking = graphql(`
  mutation IdemCreateBooking($input: CreateBookingInput!) {
    createBooking(input: $input) { booking { id } userErrors { field message code } }
  }
`);

const CreateEvent = graphql(`
  mutation IdemCreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) { event { id } userErrors { field message code } }
  }
`);

const CreatePage = graphql(`
  mutation IdemCreatePage($input: CreatePageInput!) {
    createPage(input: $input) { page { id } userErrors { field message code } }
  }
`);

const CreateDashboard = graphql(`
  mutation IdemCreateDashboard($input: CreateDashboardInput!) {
    createDashboard(input: $input) { dashboard { id } userErrors { field message code } }
  }
`);

const CreatePurchaseOrder = graphql(`
  mutation IdemCreatePurchaseOrder($input: CreatePurchaseOrderInput!) {
    createPurchaseOrder(input: $input) { purchaseOrder { id } userErrors { field message code } }
  }
`);

const CreateTemplate = graphql(`
  mutation IdemCreateTemplate($input: CreateTemplateInput!) {
    createTemplate(input: $input) { template { id } userErrors { field message code } }
  }
`);

const CreateCompany = graphql(`
  mutation IdemCreateCompany($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } userErrors { field message code } } }
`);

const CreateServiceType = graphql(`
  mutation IdemCreateServiceType($input: CreateServiceTypeInput!) {
    createServiceType(input: $input) { serviceType { id } userErrors { field message code } }
  }
`);

const CreateTaskWithTitle = graphql(`
  mutation IdemCreateTaskWithTitle($input: CreateTaskInput!) {
    createTask(input: $input) { task { id title private } userErrors { field message code } }
  }
`);

const TaskNode = graphql(`
  query IdemTaskNode($id: ID!) {
    node(id: $id) { id ... on Task { title } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const pg = Boolean(process.env.TEST_DATABASE_URL);
const newKey = () => `key-${randomUUID()}`;

const expenseInput = (tenant: Tenant, extra: Partial<CreateExpenseInput> = {}): CreateExpenseInput => ({
  name: 'Train to Berlin',
  dealId: gid('Deal', tenant.deals.eur),
  serviceTypeId: gid('ServiceType', tenant.serviceTypes.travel),
  amount: 12500,
  currency: 'EUR',
  date: '2021-04-15',
  ...extra,
});

const createExpense = async (tenant: Tenant, input: CreateExpenseInput) =>
  (await data(t.app, CreateExpense, { input }, as(tenant))).createExpense;

const expenseCount = (tenant: Tenant) => t.db.prisma.expense.count({ where: { organizationId: tenant.organizationId } });
const keyRow = (tenant: Tenant, key: string) =>
  t.db.prisma.idempotencyKey.findUnique({ where: { organizationId_key: { organizationId: tenant.organizationId, key } } });

const reused = (message: string) => [{ field: ['input', 'idempotencyKey'], message, code: 'IDEMPOTENCY_KEY_REUSED' }];
const DIFFERENT_INPUT = 'has already been used with a different input';
const ANOTHER_PERSON = 'has already been used by another person';
const GONE = 'has already been used for an object that is deleted or not visible to you';

const WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;

describe('the same key with the same input', () => {
  test('answers the first result and writes nothing', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const first = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    expect(first.userErrors).toEqual([]);
    const before = await expenseCount(a);
    const keyBefore = await keyRow(a, key);

    t.db.statements.reset();
    const again = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    // Authentication aside: the claim (which meets the live key and returns it; its transaction
    // rolls back, nothing else ran in it), whether the caller can still read the object, and the
    // payload's read. Nothing is written. (The PostgreSQL adapter's ROLLBACK is a statement of its own.)
    const log = t.db.statements.log.filter((sql) => !sql.includes('api_tokens') && sql !== 'ROLLBACK');

    expect(again).toEqual(first);
    expect(await expenseCount(a)).toBe(before);
    expect(log, log.join('\n')).toHaveLength(3);
    expect(log[0]).toMatch(/^INSERT INTO "public"\."idempotency_keys"[^]* ON CONFLICT /);
    expect(log[1]).toMatch(/^SELECT .* FROM "public"\."expenses"/);
    expect(log[2]).toMatch(/^SELECT .* FROM "public"\."expenses"/);
    expect(await keyRow(a, key)).toMatchObject({ operation: 'createExpense', resultId: first.expense!.databaseId });
    expect(await keyRow(a, key)).toEqual(keyBefore);
  });

  test('is the same input whatever the order of its fields and the form of its values', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const first = await createExpense(a, expenseInput(a, { idempotencyKey: key, amount: 12500, date: '2021-04-15' }));
    const { name, ...rest } = expenseInput(a, { idempotencyKey: key, amount: '12500', date: '15.04.2021' });
    const again = await createExpense(a, { ...rest, name });
    expect(again.userErrors).toEqual([]);
    expect(again.expense!.databaseId).toBe(first.expense!.databaseId);
  });

  test('answers the object as it is now; once it was deleted, IDEMPOTENCY_KEY_REUSED rather than an empty payload', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const first = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    await data(t.app, DeleteExpense, { input: { id: first.expense!.id } }, as(a));
    const again = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    expect(again).toEqual({ expense: null, userErrors: reused(GONE) });
    expect(await expenseCount(a)).toBe(1);
  });

  test('without a key, every request creates', async () => {
    const a = await createTenant(t.db.prisma);
    const one = await createExpense(a, expenseInput(a));
    const two = await createExpense(a, expenseInput(a, { idempotencyKey: null }));
    expect(one.expense!.databaseId).not.toBe(two.expense!.databaseId);
    expect(await t.db.prisma.idempotencyKey.count({ where: { organizationId: a.organizationId } })).toBe(0);
  });

  test('applies per mutation field: two fields of one document', async () => {
    const a = await createTenant(t.db.prisma);
    const [k1, k2] = [newKey(), newKey()];
    const both = await data(t.app, CreateTwice, { a: expenseInput(a, { idempotencyKey: k1 }), b: expenseInput(a, { idempotencyKey: k2 }) }, as(a));
    expect(both.first.expense!.databaseId).not.toBe(both.second.expense!.databaseId);
    const same = await data(t.app, CreateTwice, { a: expenseInput(a, { idempotencyKey: k1 }), b: expenseInput(a, { idempotencyKey: k1 }) }, as(a));
    expect(same.first.expense!.databaseId).toBe(both.first.expense!.databaseId);
    expect(same.second.expense!.databaseId).toBe(both.first.expense!.databaseId);
    expect(await expenseCount(a)).toBe(2);
  });
});

describe('a key used before for something else', () => {
  test('with a different input is IDEMPOTENCY_KEY_REUSED, and nothing is written', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    const before = await expenseCount(a);
    for (const change of [{ amount: 12501 }, { name: 'Train to Paris' }, { payOn: '2021-05-01' }, { billableAmount: 0 }]) {
      const other = await createExpense(a, expenseInput(a, { idempotencyKey: key, ...change }));
      expect(other).toEqual({ expense: null, userErrors: reused(DIFFERENT_INPUT) });
    }
    expect(await expenseCount(a)).toBe(before);
  });

  test('for a different mutation is IDEMPOTENCY_KEY_REUSED', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    const deals = await t.db.prisma.deal.count({ where: { organizationId: a.organizationId } });
    const deal = await data(t.app, CreateDeal, { input: { name: 'New deal', companyId: gid('Company', a.companies.acme), idempotencyKey: key } }, as(a));
    expect(deal.createDeal).toEqual({ deal: null, userErrors: reused('has already been used for createExpense') });
    expect(await t.db.prisma.deal.count({ where: { organizationId: a.organizationId } })).toBe(deals);
  });
});

describe('a replay shows no more than the replaying person may see (issue 22)', () => {
  const privateTask = (a: Tenant, key: string) => ({
    projectId: gid('Project', a.projects.website), title: 'Salary review of a2', private: true, idempotencyKey: key,
  });

  test("another member sending the same input and key gets IDEMPOTENCY_KEY_REUSED, not the first member's private task", async () => {
    const a = await createTenant(t.db.prisma);
    const a2 = await a.member();
    const key = newKey();
    const mine = (await data(t.app, CreateTaskWithTitle, { input: privateTask(a, key) }, as(a))).createTask;
    expect(mine.userErrors).toEqual([]);
    // node(id:) hides it from a2 ...
    expect((await data(t.app, TaskNode, { id: mine.task!.id }, { token: a2.token })).node).toBeNull();
    // ... and so does the replay.
    const theirs = (await data(t.app, CreateTaskWithTitle, { input: privateTask(a, key) }, { token: a2.token })).createTask;
    expect(theirs).toEqual({ task: null, userErrors: reused(ANOTHER_PERSON) });
    expect(await t.db.prisma.task.count({ where: { organizationId: a.organizationId } })).toBe(1);
    // The one who sent it still gets it.
    expect((await data(t.app, CreateTaskWithTitle, { input: privateTask(a, key) }, as(a))).createTask).toEqual(mine);
  });

  test('also for an object every member can see: a key replays only for the person who used it', async () => {
    const a = await createTenant(t.db.prisma);
    const a2 = await a.member();
    const key = newKey();
    await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    const theirs = (await data(t.app, CreateExpense, { input: expenseInput(a, { idempotencyKey: key }) }, { token: a2.token })).createExpense;
    expect(theirs).toEqual({ expense: null, userErrors: reused(ANOTHER_PERSON) });
    // Whatever the other input: nothing about the first request is told.
    const other = (await data(t.app, CreateDeal, { input: { name: 'D', companyId: gid('Company', a.companies.acme), idempotencyKey: key } }, { token: a2.token })).createDeal;
    expect(other).toEqual({ deal: null, userErrors: reused(ANOTHER_PERSON) });
    expect(await expenseCount(a)).toBe(1);
  });

  test('a key stored before people were recorded replays for nobody', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    await createExpense(a, expenseInput(a, { idempotencyKey: key }));
    await t.db.prisma.idempotencyKey.updateMany({ where: { organizationId: a.organizationId, key }, data: { personId: null } });
    expect(await createExpense(a, expenseInput(a, { idempotencyKey: key }))).toEqual({ expense: null, userErrors: reused(ANOTHER_PERSON) });
    expect(await expenseCount(a)).toBe(1);
  });

  test.skipIf(!pg)('two members sending one key at once: one creates, the other gets IDEMPOTENCY_KEY_REUSED, never the task', async () => {
    const a = await createTenant(t.db.prisma);
    const a2 = await a.member();
    const key = newKey();
    const callers = Array.from({ length: 12 }, (_, i) => (i % 2 ? { token: a2.token } : as(a)));
    const answers = await Promise.all(
      callers.map(async (caller) => (await data(t.app, CreateTaskWithTitle, { input: privateTask(a, key) }, caller)).createTask),
    );
    const row = await keyRow(a, key);
    const winner = row!.personId === a.personId ? a.token : a2.token;
    expect(await t.db.prisma.task.count({ where: { organizationId: a.organizationId } })).toBe(1);
    for (const [i, answer] of answers.entries()) {
      if (callers[i]!.token === winner) expect(answer.task?.title, String(i)).toBe('Salary review of a2');
      else expect(answer, String(i)).toEqual({ task: null, userErrors: reused(ANOTHER_PERSON) });
    }
  });
});

test('keys are per organization: another organization gets its own object with the same key', async () => {
  const { a, b } = await twoTenants(t.db.prisma);
  const key = newKey();
  const mine = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
  const theirs = await createExpense(b, expenseInput(b, { idempotencyKey: key }));
  expect(theirs.userErrors).toEqual([]);
  expect(theirs.expense!.databaseId).not.toBe(mine.expense!.databaseId);
  expect(await expenseCount(b)).toBe(1);
  // And with another input too: B's key is not A's.
  const b2 = await createTenant(t.db.prisma);
  const other = await createExpense(b2, expenseInput(b2, { idempotencyKey: key, name: 'Something else' }));
  expect(other.userErrors).toEqual([]);
});

test('a create with user errors keeps no key: the corrected retry with the same key creates', async () => {
  const a = await createTenant(t.db.prisma);
  const key = newKey();
  const wrong = await createExpense(a, expenseInput(a, { idempotencyKey: key, name: ' ', currency: 'XX' }));
  expect(wrong.userErrors.map((e) => e.code)).toEqual(['BLANK', 'INVALID_CURRENCY']);
  expect(await keyRow(a, key)).toBeNull();
  expect(await expenseCount(a)).toBe(0);

  const right = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
  expect(right.userErrors).toEqual([]);
  const replay = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
  expect(replay.expense!.databaseId).toBe(right.expense!.databaseId);
  expect(await expenseCount(a)).toBe(1);
});

test('an expired key (older than 24 hours) runs the create again and is replaced', async () => {
  const a = await createTenant(t.db.prisma);
  const key = newKey();
  const first = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
  await t.db.prisma.idempotencyKey.updateMany({
    where: { organizationId: a.organizationId, key },
    data: { createdAt: new Date(Date.now() - 25 * 3600_000) },
  });
  // Even with another input: the old use no longer counts.
  const second = await createExpense(a, expenseInput(a, { idempotencyKey: key, name: 'Again' }));
  expect(second.userErrors).toEqual([]);
  expect(second.expense!.databaseId).not.toBe(first.expense!.databaseId);
  const row = await keyRow(a, key);
  expect(row!.resultId).toBe(second.expense!.databaseId);
  expect(Date.now() - row!.createdAt.getTime()).toBeLessThan(60_000);
  expect(await expenseCount(a)).toBe(2);
});

describe('the key itself', () => {
  test('must be 1 to 255 characters without NUL: otherwise a user error, and nothing is written', async () => {
    const a = await createTenant(t.db.prisma);
    const cases: Array<[string, { message: string; code: string }]> = [
      ['k'.repeat(256), { message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' }],
      ['abc\u0000def', { message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' }],
      ['', { message: "can't be blank", code: 'BLANK' }],
    ];
    for (const [key, error] of cases) {
      const result = await createExpense(a, expenseInput(a, { idempotencyKey: key }));
      expect(result).toEqual({ expense: null, userErrors: [{ field: ['input', 'idempotencyKey'], ...error }] });
    }
    expect(await expenseCount(a)).toBe(0);
    const longest = await createExpense(a, expenseInput(a, { idempotencyKey: 'k'.repeat(255) }));
    expect(longest.userErrors).toEqual([]);
  });

  test('canonical input: keys sorted, undefined left out, BigInt and dates as strings', () => {
    expect(canonicalJson({ b: 1n, a: [day('2021-04-15'), null], c: undefined, d: { z: 'x', y: true } })).toBe(
      '{"a":["2021-04-15T00:00:00.000Z",null],"b":"1","d":{"y":true,"z":"x"}}',
    );
    expect(inputHash('createExpense', { a: 1, b: 2 })).toBe(inputHash('createExpense', { b: 2, a: 1 }));
    expect(inputHash('createExpense', { a: 1 })).not.toBe(inputHash('createDeal', { a: 1 }));
    expect(inputHash('createExpense', { a: null })).not.toBe(inputHash('createExpense', {}));
  });
});

describe('requests with one key at the same moment', () => {
  test('20 concurrent createExpense create one expense, and all answer it', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => execute(t.app, CreateExpense, { input: expenseInput(a, { idempotencyKey: key }) }, as(a))),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.createExpense.userErrors).toEqual([]);
    }
    const ids = new Set(responses.map((r) => r.body.data!.createExpense.expense!.databaseId));
    expect(ids.size).toBe(1);
    expect(await expenseCount(a)).toBe(1);
    expect((await keyRow(a, key))!.resultId).toBe([...ids][0]);
  });

  test.skipIf(!pg)('with different inputs, one creates and the others are IDEMPOTENCY_KEY_REUSED', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        execute(t.app, CreateExpense, { input: expenseInput(a, { idempotencyKey: key, name: `Expense ${i}` }) }, as(a)),
      ),
    );
    expect(responses.every((r) => r.status === 200 && r.body.errors === undefined)).toBe(true);
    const answers = responses.map((r) => r.body.data!.createExpense);
    expect(answers.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(answers.filter((r) => r.userErrors[0]?.code === 'IDEMPOTENCY_KEY_REUSED')).toHaveLength(9);
    expect(await expenseCount(a)).toBe(1);
  });

  test.skipIf(!pg)('a first request that fails leaves the key to the concurrent one that waited for it', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    // Half of them have a user error (they roll back); their key goes to a correct one.
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        execute(t.app, CreateExpense, { input: expenseInput(a, { idempotencyKey: key, ...(i % 2 ? { currency: 'XX' } : {}) }) }, as(a)),
      ),
    );
    const answers = responses.map((r) => r.body.data!.createExpense);
    const created = new Set(answers.filter((r) => r.expense).map((r) => r.expense!.databaseId));
    expect(created.size).toBe(1);
    expect(answers.filter((r) => r.expense)).toHaveLength(5);
    for (const r of answers.filter((r) => !r.expense)) {
      expect(['INVALID_CURRENCY', 'IDEMPOTENCY_KEY_REUSED']).toContain(r.userErrors[0]!.code);
    }
    expect(await expenseCount(a)).toBe(1);
  });
});

describe('other creates', () => {
  test('createDeal and createInvoice replay, and take no second number', async () => {
    const a = await createTenant(t.db.prisma);
    const key = newKey();
    const input = { name: 'Redesign', companyId: gid('Company', a.companies.acme), idempotencyKey: key };
    const deal = (await data(t.app, CreateDeal, { input }, as(a))).createDeal;
    const again = (await data(t.app, CreateDeal, { input }, as(a))).createDeal;
    expect(again).toEqual(deal);
    const next = (await data(t.app, CreateDeal, { input: { ...input, idempotencyKey: newKey() } }, as(a))).createDeal;
    expect(next.deal!.number).toBe(deal.deal!.number + 1);

    const invoiceKey = newKey();
    const invoiceInput = { companyId: gid('Company', a.companies.acme), number: 'INV-1', amount: 1000, idempotencyKey: invoiceKey };
    const invoice = (await data(t.app, CreateInvoice, { input: invoiceInput }, as(a))).createInvoice;
    expect(invoice.userErrors).toEqual([]);
    // Without the key, the same number would be TAKEN: the replay does not run the create at all.
    const replay = (await data(t.app, CreateInvoice, { input: invoiceInput }, as(a))).createInvoice;
    expect(replay).toEqual(invoice);
    expect(await t.db.prisma.invoice.count({ where: { organizationId: a.organizationId } })).toBe(1);
  });

  test('every create mutation stores its key with its result, and replays it', async () => {
    const a = await createTenant(t.db.prisma);
    const service = await createService(a.db, a.viewer, { dealId: a.deals.usd, name: 'Design' });
    if (!service.ok) throw new Error('fixture service');
    const invoice = await a.db.invoice.create({
      data: {
        organizationId: a.organizationId, companyId: a.companies.acme, creatorId: a.personId, invoicedOn: day('2021-01-24'),
        currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-24'), amount: 100_000n,
      },
    });
    const company = gid('Company', a.companies.acme);
    /** The created object's global id, from a payload `{ <object> { id } userErrors }`. */
    const go = async <R extends object>(operation: keyof R & string, answer: Promise<R>): Promise<string> => {
      const payload = (await answer)[operation] as { userErrors: unknown[] } & Record<string, { id: string } | null>;
      expect(payload.userErrors, operation).toEqual([]);
      const [, object] = Object.entries(payload).find(([name]) => name !== 'userErrors')!;
      return (object as { id: string }).id;
    };
    type Case = [string, (key: string) => Promise<string>];
    const cases: Case[] = [
      ['createExpense', (k) => go('createExpense', data(t.app, CreateExpense, { input: expenseInput(a, { idempotencyKey: k }) }, as(a)))],
      ['createDeal', (k) => go('createDeal', data(t.app, CreateDeal, { input: { name: 'D', companyId: company, idempotencyKey: k } }, as(a)))],
      ['createDealStatus', (k) => go('createDealStatus', data(t.app, CreateDealStatus, { input: { name: `S ${k}`, idempotencyKey: k } }, as(a)))],
      [
        'createContract',
        // "Today" fixed: the next occurrence must be after it.
        (k) =>
          on('2030-06-01', () => go('createContract', data(t.app, CreateContract, {
            input: { templateId: gid('Deal', a.deals.eur), interval: 'MONTHLY', nextOccurrenceOn: '2099-01-01', idempotencyKey: k },
          }, as(a)))),
      ],
      ['createInvoice', (k) => go('createInvoice', data(t.app, CreateInvoice, { input: { companyId: company, idempotencyKey: k } }, as(a)))],
      [
        'createInvoiceAttribution',
        (k) =>
          go('createInvoiceAttribution', data(t.app, CreateAttribution, {
            input: { invoiceId: gid('Invoice', invoice.id), budgetId: gid('Deal', a.deals.usd), amount: 100, idempotencyKey: k },
          }, as(a))),
      ],
      ['createProject', (k) => go('createProject', data(t.app, CreateProject, { input: { companyId: company, name: 'P', idempotencyKey: k } }, as(a)))],
      [
        'createTask',
        (k) => go('createTask', data(t.app, CreateTask, { input: { projectId: gid('Project', a.projects.website), title: 'T', idempotencyKey: k } }, as(a))),
      ],
      ['createService', (k) => go('createService', data(t.app, CreateServiceDoc, { input: { dealId: gid('Deal', a.deals.usd), name: 'S', idempotencyKey: k } }, as(a)))],
      [
        'createTimeEntry',
        (k) =>
          go('createTimeEntry', data(t.app, CreateTimeEntry, {
            input: { serviceId: gid('Service', service.value.id), date: '2021-04-15', time: 60, idempotencyKey: k },
          }, as(a))),
      ],
      [
        'createBooking',
        (k) =>
          go('createBooking', data(t.app, CreateBooking, {
            input: { serviceId: gid('Service', service.value.id), startedOn: '2021-04-15', endedOn: '2021-04-16', time: 60, idempotencyKey: k },
          }, as(a))),
      ],
      ['createEvent', (k) => go('createEvent', data(t.app, CreateEvent, { input: { name: 'Holiday', idempotencyKey: k } }, as(a)))],
      ['createPage', (k) => go('createPage', data(t.app, CreatePage, { input: { title: 'Notes', idempotencyKey: k } }, as(a)))],
      ['createDashboard', (k) => go('createDashboard', data(t.app, CreateDashboard, { input: { name: 'Board', idempotencyKey: k } }, as(a)))],
      [
        'createPurchaseOrder',
        (k) =>
          go('createPurchaseOrder', data(t.app, CreatePurchaseOrder, {
            input: { dealId: gid('Deal', a.deals.usd), vendorId: gid('Company', a.companies.globex), idempotencyKey: k },
          }, as(a))),
      ],
      ['createTemplate', (k) => go('createTemplate', data(t.app, CreateTemplate, { input: { name: 'Tpl', idempotencyKey: k } }, as(a)))],
      ['createCompany', (k) => go('createCompany', data(t.app, CreateCompany, { input: { name: 'Initech', idempotencyKey: k } }, as(a)))],
      ['createServiceType', (k) => go('createServiceType', data(t.app, CreateServiceType, { input: { name: 'Design', idempotencyKey: k } }, as(a)))],
    ];
    // A create mutation added later without a case here fails this line (createWebhook: test/webhooks.test.ts).
    const creates = Object.keys(schema.getMutationType()!.getFields()).filter(
      (name) => /^create[A-Z]/.test(name) && name !== 'createWebhook' && !WITHOUT_KEY.has(name),
    );
    expect(cases.map(([operation]) => operation).sort()).toEqual(creates.sort());
    for (const [operation, create] of cases) {
      const key = newKey();
      t.db.statements.reset();
      const id = await create(key);
      // Stored in the create's own transaction, as its first write (before any lock or row).
      expect(t.db.statements.log.find((sql) => WRITE.test(sql)), operation).toMatch(/^INSERT INTO "public"\."idempotency_keys"/);
      expect(await create(key), operation).toBe(id);
      const row = await keyRow(a, key);
      expect(row, operation).toMatchObject({ operation });
      expect(decodeGlobalID(id).id, operation).toBe(String(row!.resultId));
    }
  });
});

// createApiToken has none: a replay could not answer the secret again (only its hash is stored), so a
// client that lost the answer has lost the secret either way; it revokes the token it cannot see.
const WITHOUT_KEY = new Set(['createApiToken']);

test('every create mutation takes an optional idempotencyKey in its input', () => {
  const creates = Object.entries(schema.getMutationType()!.getFields()).filter(([name]) => /^create[A-Z]/.test(name) && !WITHOUT_KEY.has(name));
  expect(creates.length).toBeGreaterThan(15);
  for (const [name, field] of creates) {
    const inputArg = field.args.find((arg) => arg.name === 'input');
    const type = inputArg && (isNonNullType(inputArg.type) ? inputArg.type.ofType : inputArg.type);
    expect(type && isInputObjectType(type), name).toBe(true);
    const key = isInputObjectType(type) ? type.getFields().idempotencyKey : undefined;
    expect(key?.type.toString(), name).toBe('String');
  }
});

test('`idempotency purge` deletes the expired keys only', async () => {
  const a = await createTenant(t.db.prisma);
  const [fresh, old] = [newKey(), newKey()];
  await createExpense(a, expenseInput(a, { idempotencyKey: fresh }));
  await createExpense(a, expenseInput(a, { idempotencyKey: old, name: 'Old' }));
  await t.db.prisma.idempotencyKey.updateMany({
    where: { organizationId: a.organizationId, key: old },
    data: { createdAt: new Date(Date.now() - IDEMPOTENCY_TTL_MS - 1000) },
  });
  let out = '';
  const code = await runCli(['idempotency', 'purge'], { database: t.db, stdout: (s) => (out += s), stderr: (s) => (out += s) });
  expect(code).toBe(0);
  expect(out).toMatch(/^Deleted \d+ expired idempotency keys?\.\n$/);
  expect(await keyRow(a, old)).toBeNull();
  expect(await keyRow(a, fresh)).not.toBeNull();
});
