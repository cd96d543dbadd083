// Setting an organization up through the API (issue 24): companies and service types are created,
// changed and archived (never deleted); an archived one stays on what has it and cannot be chosen
// by anything new. Every write through HTTP, on both databases; concurrency on PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';

const CreateCompany = graphql(`
  mutation SuCreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) { company { id databaseId name archivedAt createdAt updatedAt } userErrors { field message code } }
  }
`);
const UpdateCompany = graphql(`
  mutation SuUpdateCompany($input: UpdateCompanyInput!) {
    updateCompany(input: $input) { company { id name archivedAt updatedAt } userErrors { field message code } }
  }
`);
const Companies = graphql(`
  query SuCompanies($filter: CompanyFilter) { companies(filter: $filter, first: 50) { totalCount nodes { name archivedAt } } }
`);
const CreateServiceType = graphql(`
  mutation SuCreateServiceType($input: CreateServiceTypeInput!) {
    createServiceType(input: $input) { serviceType { id databaseId name description archivedAt createdAt updatedAt } userErrors { field message code } }
  }
`);
const UpdateServiceType = graphql(`
  mutation SuUpdateServiceType($input: UpdateServiceTypeInput!) {
    updateServiceType(input: $input) { serviceType { id name description archivedAt } userErrors { field message code } }
  }
`);
const ServiceTypes = graphql(`
  query SuServiceTypes($filter: ServiceTypeFilter) { serviceTypes(filter: $filter, first: 50) { totalCount nodes { name } } }
`);
const CreateDeal = graphql(`
  mutation SuCreateDeal($input: CreateDealInput!) { createDeal(input: $input) { deal { id company { name archivedAt } } userErrors { field message code } } }
`);
const UpdateDeal = graphql(`
  mutation SuUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { deal { name company { name } } userErrors { field message code } } }
`);
const CreateProject = graphql(`
  mutation SuCreateProject($input: CreateProjectInput!) { createProject(input: $input) { project { id } userErrors { field message code } } }
`);
const CreateExpense = graphql(`
  mutation SuCreateExpense($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id serviceType { name } } userErrors { field message code } } }
`);
const UpdateExpense = graphql(`
  mutation SuUpdateExpense($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { name } userErrors { field message code } } }
`);
const CreateService = graphql(`
  mutation SuCreateService($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { field message code } } }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

const ARCHIVED = (field: string) => ({ field: ['input', field], message: 'is archived', code: 'INVALID' });

async function company(tenant: Tenant, name: string) {
  const result = await data(t.app, CreateCompany, { input: { name } }, as(tenant));
  expect(result.createCompany.userErrors).toEqual([]);
  return result.createCompany.company!;
}

async function serviceType(tenant: Tenant, name: string) {
  const result = await data(t.app, CreateServiceType, { input: { name } }, as(tenant));
  expect(result.createServiceType.userErrors).toEqual([]);
  return result.createServiceType.serviceType!;
}

describe('companies', () => {
  test('create, rename, archive (keeping the first moment), unarchive; the list filters on it', async () => {
    const c = await createTenant(t.db.prisma);
    const created = await data(t.app, CreateCompany, { input: { name: '  Initech ' } }, as(c));
    expect(created.createCompany).toMatchObject({ company: { name: 'Initech', archivedAt: null }, userErrors: [] });
    const id = created.createCompany.company!.id;

    const renamed = await data(t.app, UpdateCompany, { input: { id, name: 'Initech Ltd' } }, as(c));
    expect(renamed.updateCompany).toMatchObject({ company: { name: 'Initech Ltd', archivedAt: null }, userErrors: [] });
    const archived = await data(t.app, UpdateCompany, { input: { id, archived: true } }, as(c));
    const when = archived.updateCompany.company!.archivedAt;
    expect(when).not.toBeNull();
    const again = await data(t.app, UpdateCompany, { input: { id, archived: true, name: 'Initech' } }, as(c));
    expect(again.updateCompany.company).toMatchObject({ name: 'Initech', archivedAt: when });

    const names = async (archived?: boolean) =>
      (await data(t.app, Companies, { filter: archived === undefined ? undefined : { archived } }, as(c))).companies.nodes.map((n) => n.name);
    expect(await names(true)).toEqual(['Initech']);
    expect(await names(false)).toEqual(['Acme', 'Globex']);
    expect(await names()).toEqual(['Acme', 'Globex', 'Initech']);

    const back = await data(t.app, UpdateCompany, { input: { id, archived: false } }, as(c));
    expect(back.updateCompany.company!.archivedAt).toBeNull();
    expect(await names(true)).toEqual([]);
  });

  test('every problem with a field named; NUL, too long, blank; nothing written', async () => {
    const count = () => t.db.prisma.company.count({ where: { organizationId: a.organizationId } });
    const before = await count();
    for (const [name, error] of [
      [undefined, { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }],
      ['   ', { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }],
      ['x'.repeat(256), { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' }],
      ['a\u0000b', { field: ['input', 'name'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' }],
    ] as const) {
      const result = await data(t.app, CreateCompany, { input: { name } }, as(a));
      expect(result.createCompany, String(name).slice(0, 10)).toEqual({ company: null, userErrors: [error] });
    }
    const megabyte = await execute(t.app, CreateCompany, { input: { name: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect(await count()).toBe(before);

    const id = gid('Company', a.companies.acme);
    const blank = await data(t.app, UpdateCompany, { input: { id, name: null } }, as(a));
    expect(blank.updateCompany.userErrors).toEqual([{ field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }]);
    expect((await t.db.prisma.company.findUniqueOrThrow({ where: { id: a.companies.acme } })).name).toBe('Acme');
  });

  test("another organization's company (or an unknown one, or another type's id) is not found and stays as it is", async () => {
    const theirs = gid('Company', b.companies.acme);
    const result = await data(t.app, UpdateCompany, { input: { id: theirs, name: 'Mine now', archived: true } }, as(a));
    expect(result.updateCompany).toEqual({ company: null, userErrors: [{ field: ['input', 'id'], message: 'Company not found', code: 'NOT_FOUND' }] });
    expect(await t.db.prisma.company.findUniqueOrThrow({ where: { id: b.companies.acme } })).toMatchObject({ name: 'Acme', archivedAt: null });
    const unknown = await data(t.app, UpdateCompany, { input: { id: gid('Company', 2_147_483_647), name: 'X' } }, as(a));
    expect(unknown.updateCompany.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    // Another type's id (or a malformed one) names no company either.
    for (const id of [gid('Deal', a.deals.eur), 'not an id']) {
      const wrong = await data(t.app, UpdateCompany, { input: { id, name: 'X' } }, as(a));
      expect(wrong.updateCompany.userErrors.map((e) => e.code), id).toEqual(['NOT_FOUND']);
    }
  });

  test('an archived company stays on its deals; a new deal or project cannot choose it; keeping it is no choice', async () => {
    const c = await createTenant(t.db.prisma);
    const acme = gid('Company', c.companies.acme);
    await data(t.app, UpdateCompany, { input: { id: acme, archived: true } }, as(c));
    const deal = await data(t.app, CreateDeal, { input: { name: 'New', companyId: acme, date: '2026-01-01' } }, as(c));
    expect(deal.createDeal).toEqual({ deal: null, userErrors: [ARCHIVED('companyId')] });
    const project = await data(t.app, CreateProject, { input: { name: 'New', companyId: acme } }, as(c));
    expect(project.createProject).toEqual({ project: null, userErrors: [ARCHIVED('companyId')] });

    // The deal it had keeps it, shows it, and may be changed without choosing another company.
    const kept = await data(t.app, UpdateDeal, { input: { id: gid('Deal', c.deals.eur), name: 'Renamed', companyId: acme } }, as(c));
    expect(kept.updateDeal).toMatchObject({ deal: { name: 'Renamed', company: { name: 'Acme' } }, userErrors: [] });
    // Moving another deal onto it is a choice.
    const moved = await data(t.app, UpdateDeal, { input: { id: gid('Deal', c.deals.usd), companyId: acme, projectId: null } }, as(c));
    expect(moved.updateDeal.userErrors).toEqual([ARCHIVED('companyId')]);
  });

  test('an idempotent create answers the same company twice and writes one', async () => {
    const c = await createTenant(t.db.prisma);
    const input = { name: 'Hooli', idempotencyKey: 'hooli-1' };
    const first = await data(t.app, CreateCompany, { input }, as(c));
    const second = await data(t.app, CreateCompany, { input }, as(c));
    expect(second.createCompany.company!.id).toBe(first.createCompany.company!.id);
    expect(await t.db.prisma.company.count({ where: { organizationId: c.organizationId, name: 'Hooli' } })).toBe(1);
  });

  test.runIf(Boolean(process.env.TEST_DATABASE_URL))('20 concurrent archives and renames of one company: every answer has the one first moment', async () => {
    const c = await createTenant(t.db.prisma);
    const { id } = await company(c, 'Contended');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => data(t.app, UpdateCompany, { input: { id, archived: true, ...(i % 2 ? { name: `Name ${i}` } : {}) } }, as(c))),
    );
    const moments = new Set(results.map((r) => r.updateCompany.company!.archivedAt));
    expect([...moments]).toHaveLength(1);
    const stored = await t.db.prisma.company.findUniqueOrThrow({ where: { id: Number(Buffer.from(id, 'base64').toString().split(':')[1]) } });
    expect(stored.archivedAt!.toISOString()).toBe([...moments][0]);
  });
});

describe('service types', () => {
  test('create with a description, clear it, archive, unarchive; the list filters on it', async () => {
    const c = await createTenant(t.db.prisma);
    const created = await data(t.app, CreateServiceType, { input: { name: ' Design ', description: ' Pixels ' } }, as(c));
    expect(created.createServiceType).toMatchObject({ serviceType: { name: 'Design', description: 'Pixels', archivedAt: null }, userErrors: [] });
    const id = created.createServiceType.serviceType!.id;
    const cleared = await data(t.app, UpdateServiceType, { input: { id, description: null, archived: true } }, as(c));
    expect(cleared.updateServiceType.serviceType).toMatchObject({ name: 'Design', description: null });
    expect(cleared.updateServiceType.serviceType!.archivedAt).not.toBeNull();
    const names = async (archived: boolean) => (await data(t.app, ServiceTypes, { filter: { archived } }, as(c))).serviceTypes.nodes.map((n) => n.name);
    expect(await names(true)).toEqual(['Design']);
    await data(t.app, UpdateServiceType, { input: { id, archived: false } }, as(c));
    expect(await names(true)).toEqual([]);

    const bad = await data(t.app, CreateServiceType, { input: { name: '', description: 'd'.repeat(2001) } }, as(c));
    expect(bad.createServiceType.userErrors).toEqual([
      { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' },
      { field: ['input', 'description'], message: 'is too long (maximum is 2000 characters)', code: 'TOO_LONG' },
    ]);
    const theirs = await data(t.app, UpdateServiceType, { input: { id: gid('ServiceType', b.serviceTypes.travel), name: 'Mine' } }, as(a));
    expect(theirs.updateServiceType.userErrors).toEqual([{ field: ['input', 'id'], message: 'Service type not found', code: 'NOT_FOUND' }]);
    expect((await t.db.prisma.serviceType.findUniqueOrThrow({ where: { id: b.serviceTypes.travel } })).name).not.toBe('Mine');
  });

  test('an archived type stays on its expenses; new expenses and services cannot choose it; keeping it is no choice', async () => {
    const c = await createTenant(t.db.prisma);
    const travel = gid('ServiceType', c.serviceTypes.travel);
    const expense = await c.expense({ dealId: c.deals.usd, serviceTypeId: c.serviceTypes.travel, currency: 'USD' });
    const other = await c.expense({ dealId: c.deals.usd, serviceTypeId: c.serviceTypes.software, currency: 'USD' });
    await data(t.app, UpdateServiceType, { input: { id: travel, archived: true } }, as(c));

    const input = { name: 'Taxi', dealId: gid('Deal', c.deals.usd), serviceTypeId: travel, amount: 100, currency: 'USD', date: '2026-01-01' };
    const count = () => t.db.prisma.expense.count({ where: { organizationId: c.organizationId } });
    const before = await count();
    const created = await data(t.app, CreateExpense, { input }, as(c));
    expect(created.createExpense).toEqual({ expense: null, userErrors: [ARCHIVED('serviceTypeId')] });
    expect(await count()).toBe(before);
    const service = await data(t.app, CreateService, { input: { name: 'Design', dealId: gid('Deal', c.deals.usd), serviceTypeId: travel } }, as(c));
    expect(service.createService).toEqual({ service: null, userErrors: [ARCHIVED('serviceTypeId')] });

    const kept = await data(t.app, UpdateExpense, { input: { id: gid('Expense', expense), name: 'Kept', serviceTypeId: travel } }, as(c));
    expect(kept.updateExpense).toEqual({ expense: { name: 'Kept' }, userErrors: [] });
    const changed = await data(t.app, UpdateExpense, { input: { id: gid('Expense', other), serviceTypeId: travel } }, as(c));
    expect(changed.updateExpense.userErrors).toEqual([ARCHIVED('serviceTypeId')]);

    // In use again, it can be chosen.
    await data(t.app, UpdateServiceType, { input: { id: travel, archived: false } }, as(c));
    const again = await data(t.app, CreateExpense, { input }, as(c));
    expect(again.createExpense).toMatchObject({ expense: { serviceType: { name: 'Travel' } }, userErrors: [] });
  });

  test('a new organization can record its first expense through the API alone', async () => {
    const c = await createTenant(t.db.prisma);
    const { id: companyId } = await company(c, 'First client');
    const { id: serviceTypeId } = await serviceType(c, 'Consulting');
    const deal = await data(t.app, CreateDeal, { input: { name: 'First deal', companyId, date: '2026-01-01' } }, as(c));
    expect(deal.createDeal.userErrors).toEqual([]);
    const expense = await data(
      t.app,
      CreateExpense,
      { input: { name: 'Train', dealId: deal.createDeal.deal!.id, serviceTypeId, amount: 4200, currency: 'USD', date: '2026-01-02' } },
      as(c),
    );
    expect(expense.createExpense).toMatchObject({ expense: { serviceType: { name: 'Consulting' } }, userErrors: [] });
  });
});
