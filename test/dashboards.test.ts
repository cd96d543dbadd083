// Dashboards through GraphQL (issue 11): create with every validation and another organization's
// ids, lists with their filters and sorts, `Project.dashboards`, and the recycle bin round trip.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import type { DashboardFilter, DashboardOrder } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { itemNode, itemRoundTrip, projectItems } from './helpers/project-items.js';

const CreateDashboard = graphql(`
  mutation DbCreateDashboard($input: CreateDashboardInput!) {
    createDashboard(input: $input) {
      dashboard { id databaseId name createdAt updatedAt project { databaseId } creator { databaseId } }
      userErrors { field message code }
    }
  }
`);

const DeleteDashboard = graphql(`
  mutation DbDeleteDashboard($input: DeleteDashboardInput!) {
    deleteDashboard(input: $input) { deletedDashboardId userErrors { field message code } }
  }
`);

const Dashboards = graphql(`
  query DbDashboards($filter: DashboardFilter, $orderBy: [DashboardOrder!]) {
    dashboards(filter: $filter, orderBy: $orderBy) { totalCount nodes { name } }
  }
`);

let t: TestApp;
let b: Tenant;
beforeAll(async () => ({ t, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function dashboard(tenant: Tenant, name: string, projectId?: number) {
  const result = await data(t.app, CreateDashboard, { input: { name, projectId: projectId ? gid('Project', projectId) : null } }, as(tenant));
  expect(result.createDashboard.userErrors).toEqual([]);
  return result.createDashboard.dashboard!;
}
describe('dashboards', () => {
  test("create, with and without a project; validation; another organization's project; list and Project.dashboards", async () => {
    const c = await createTenant(t.db.prisma);
    const board = await dashboard(c, '  Dashboard aa ', c.projects.website);
    expect(board).toMatchObject({ name: 'Dashboard aa', project: { databaseId: c.projects.website }, creator: { databaseId: c.personId } });
    expect(await dashboard(c, 'Company KPIs')).toMatchObject({ project: null });
    await dashboard(c, 'Burn rate', c.projects.app);

    const count = () => t.db.prisma.dashboard.count({ where: { organizationId: c.organizationId } });
    const before = await count();
    const empty = await data(t.app, CreateDashboard, { input: {} }, as(c));
    expect(empty.createDashboard).toEqual({ dashboard: null, userErrors: [{ field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }] });
    const all = await data(t.app, CreateDashboard, { input: { projectId: gid('Project', b.projects.app), name: 'n'.repeat(256) } }, as(c));
    expect(all.createDashboard.userErrors).toEqual([
      { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
      { field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' },
    ]);
    const nul = await data(t.app, CreateDashboard, { input: { name: '\u0000', projectId: 'bm9wZQ' } }, as(c));
    expect(nul.createDashboard.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.name', 'INVALID'],
      ['input.projectId', 'NOT_FOUND'],
    ]);
    const megabyte = await execute(t.app, CreateDashboard, { input: { name: 'z'.repeat(1_100_000) } }, as(c));
    expect(megabyte.status).toBe(413);
    expect(await count()).toBe(before);

    const names = async (variables: { filter?: DashboardFilter; orderBy?: DashboardOrder[] }) =>
      (await data(t.app, Dashboards, variables, as(c))).dashboards.nodes.map((n) => n.name);
    expect(await names({})).toEqual(['Burn rate', 'Company KPIs', 'Dashboard aa']);
    expect(await names({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Burn rate', 'Company KPIs', 'Dashboard aa']);
    expect(await names({ orderBy: [{ field: 'NAME', direction: 'DESC' }] })).toEqual(['Dashboard aa', 'Company KPIs', 'Burn rate']);
    expect(await names({ filter: { projectIds: [gid('Project', c.projects.website)] } })).toEqual(['Dashboard aa']);
    expect(await names({ filter: { name: { startsWith: 'C' } } })).toEqual(['Company KPIs']);
    expect((await data(t.app, Dashboards, {}, as(b))).dashboards.nodes.map((n) => n.name)).toEqual([]);
    expect(await projectItems(t.app, as(c), gid('Project', c.projects.app))).toMatchObject({ dashboards: { totalCount: 1, nodes: [{ name: 'Burn rate' }] } });
    expect(await itemNode(t.app, as(b), board.id)).toBeNull();
    expect((await data(t.app, DeleteDashboard, { input: { id: board.id } }, as(b))).deleteDashboard.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Dashboard not found', code: 'NOT_FOUND' },
    ]);
  });

  test('the bin round trip, in a project and in the organization', async () => {
    const c = await createTenant(t.db.prisma);
    const listed = async () => (await data(t.app, Dashboards, {}, as(c))).dashboards.nodes.map((n) => n.name);
    const remove = (id: string) => async () =>
      expect((await data(t.app, DeleteDashboard, { input: { id } }, as(c))).deleteDashboard).toEqual({ deletedDashboardId: id, userErrors: [] });
    const inProject = await dashboard(c, 'Dashboard aa', c.projects.app);
    await itemRoundTrip({
      app: t.app, owner: as(c), other: as(b), item: inProject, remove: remove(inProject.id), listed, table: t.db.prisma.dashboard,
      itemType: 'DASHBOARD', typename: 'Dashboard', name: 'Dashboard aa', location: c.viewer.organization.name, restored: { name: 'Dashboard aa', project: { name: 'App' } },
    });
    const ofOrganization = await dashboard(c, 'KPIs');
    await itemRoundTrip({
      app: t.app, owner: as(c), other: as(b), item: ofOrganization, remove: remove(ofOrganization.id), listed, table: t.db.prisma.dashboard,
      itemType: 'DASHBOARD', typename: 'Dashboard', name: 'KPIs', location: c.viewer.organization.name, restored: { name: 'KPIs', project: null },
    });
  });
});

