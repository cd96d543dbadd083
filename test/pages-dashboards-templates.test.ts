// Pages, dashboards and templates through GraphQL (issue 11): create with every validation and
// another organization's ids, lists with their filters and sorts, the page tree (`parentPage`,
// `subpages`, a subpage in its parent's project), `Project.pages`/`dashboards`, and the recycle
// bin round trip of each (delete, entry, restore, purge), a page's delete taking its subpages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPage, deletePage } from '../src/domain/pages.js';
import { graphql } from './generated/index.js';
import type { CreatePageInput, DashboardFilter, DashboardOrder, PageFilter, PageOrder, TemplateFilter, TemplateOrder } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

const CreatePage = graphql(`
  mutation PdtCreatePage($input: CreatePageInput!) {
    createPage(input: $input) {
      page {
        id databaseId title body public position createdAt updatedAt
        project { databaseId } parentPage { databaseId } creator { databaseId }
        subpages { totalCount nodes { title } }
      }
      userErrors { field message code }
    }
  }
`);

const DeletePage = graphql(`
  mutation PdtDeletePage($input: DeletePageInput!) { deletePage(input: $input) { deletedPageId userErrors { field message code } } }
`);

const Pages = graphql(`
  query PdtPages($filter: PageFilter, $orderBy: [PageOrder!]) {
    pages(filter: $filter, orderBy: $orderBy) { totalCount nodes { title } }
  }
`);

const PageTree = graphql(`
  query PdtPageTree($id: ID!) {
    node(id: $id) {
      ... on Page {
        title
        project { name }
        parentPage { title }
        subpages(orderBy: [{ field: TITLE }]) { totalCount nodes { title subpages { totalCount nodes { title } } } }
      }
    }
  }
`);

const CreateDashboard = graphql(`
  mutation PdtCreateDashboard($input: CreateDashboardInput!) {
    createDashboard(input: $input) {
      dashboard { id databaseId name createdAt updatedAt project { databaseId } creator { databaseId } }
      userErrors { field message code }
    }
  }
`);

const DeleteDashboard = graphql(`
  mutation PdtDeleteDashboard($input: DeleteDashboardInput!) {
    deleteDashboard(input: $input) { deletedDashboardId userErrors { field message code } }
  }
`);

const Dashboards = graphql(`
  query PdtDashboards($filter: DashboardFilter, $orderBy: [DashboardOrder!]) {
    dashboards(filter: $filter, orderBy: $orderBy) { totalCount nodes { name } }
  }
`);

const CreateTemplate = graphql(`
  mutation PdtCreateTemplate($input: CreateTemplateInput!) {
    createTemplate(input: $input) {
      template { id databaseId name description taskTitles createdAt updatedAt creator { databaseId } }
      userErrors { field message code }
    }
  }
`);

const DeleteTemplate = graphql(`
  mutation PdtDeleteTemplate($input: DeleteTemplateInput!) {
    deleteTemplate(input: $input) { deletedTemplateId userErrors { field message code } }
  }
`);

const Templates = graphql(`
  query PdtTemplates($filter: TemplateFilter, $orderBy: [TemplateOrder!]) {
    templates(filter: $filter, orderBy: $orderBy) { totalCount nodes { name } }
  }
`);

const ProjectItems = graphql(`
  query PdtProjectItems($id: ID!) {
    node(id: $id) { ... on Project { pages { totalCount nodes { title } } dashboards { totalCount nodes { name } } } }
  }
`);

const Node = graphql(`
  query PdtNode($id: ID!) {
    node(id: $id) {
      id
      ... on Page { title }
      ... on Dashboard { name }
      ... on Template { name }
    }
  }
`);

const Bin = graphql(`
  query PdtBin($filter: DeletedItemFilter) {
    deletedItems(filter: $filter) { totalCount nodes { id itemType itemId name location private } }
  }
`);

const Restore = graphql(`
  mutation PdtRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item {
        __typename
        ... on Page { id title project { name } parentPage { title } subpages { totalCount } }
        ... on Dashboard { id name project { name } }
        ... on Template { id name taskTitles }
      }
      userErrors { field message code }
    }
  }
`);

const Purge = graphql(`
  mutation PdtPurge($input: PurgeDeletedItemInput!) {
    purgeDeletedItem(input: $input) { purgedDeletedItemId userErrors { field message code } }
  }
`);

const PG = Boolean(process.env.TEST_DATABASE_URL);

let t: TestApp;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
});
afterAll(() => t.close());

const as = (tenant: Tenant) => ({ token: tenant.token });

async function page(tenant: Tenant, input: Partial<CreatePageInput>) {
  const result = await data(t.app, CreatePage, { input: { title: 'Page title 1', ...input } }, as(tenant));
  expect(result.createPage.userErrors).toEqual([]);
  return result.createPage.page!;
}

async function dashboard(tenant: Tenant, name: string, projectId?: number) {
  const result = await data(t.app, CreateDashboard, { input: { name, projectId: projectId ? gid('Project', projectId) : null } }, as(tenant));
  expect(result.createDashboard.userErrors).toEqual([]);
  return result.createDashboard.dashboard!;
}

async function template(tenant: Tenant, name: string, taskTitles: string[] = []) {
  const result = await data(t.app, CreateTemplate, { input: { name, taskTitles } }, as(tenant));
  expect(result.createTemplate.userErrors).toEqual([]);
  return result.createTemplate.template!;
}

type ItemType = 'PAGE' | 'DASHBOARD' | 'TEMPLATE';

async function entryOf(tenant: Tenant, itemType: ItemType, itemId: string) {
  const bin = await data(t.app, Bin, { filter: { itemType: [itemType] } }, as(tenant));
  return bin.deletedItems.nodes.find((n) => n.itemId === itemId);
}

const restore = (tenant: Tenant, id: string) => data(t.app, Restore, { input: { id } }, as(tenant));
const purge = (tenant: Tenant, id: string) => data(t.app, Purge, { input: { id } }, as(tenant));
const nodeOf = async (tenant: Tenant, id: string) => (await data(t.app, Node, { id }, as(tenant))).node;

/**
 * The round trip every item type makes: deleted, it is in the bin with its name and location and
 * nowhere else; restored, it is back and its entry gone; deleted again and purged, it is gone for
 * good with its entry, and the entry cannot be restored.
 */
async function roundTrip(
  tenant: Tenant,
  item: { id: string; databaseId: number },
  type: { itemType: ItemType; typename: string; name: string; location: string; restored: Record<string, unknown> },
  remove: () => Promise<unknown>,
  listed: () => Promise<string[]>,
  table: { count(args: { where: { id: number } }): Promise<number> },
) {
  await remove();
  const entry = await entryOf(tenant, type.itemType, item.id);
  expect(entry).toMatchObject({ itemType: type.itemType, name: type.name, location: type.location, private: false });
  expect(await nodeOf(tenant, item.id)).toBeNull();
  expect(await listed()).not.toContain(type.name);
  // Another organization can neither restore nor purge it.
  expect((await restore(b, entry!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  expect((await purge(b, entry!.id)).purgeDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);

  const back = await restore(tenant, entry!.id);
  expect(back.restoreDeletedItem.userErrors).toEqual([]);
  expect(back.restoreDeletedItem.item).toMatchObject({ __typename: type.typename, id: item.id, ...type.restored });
  expect(await nodeOf(tenant, item.id)).toMatchObject({ id: item.id });
  expect(await listed()).toContain(type.name);
  expect(await entryOf(tenant, type.itemType, item.id)).toBeUndefined();

  await remove();
  const again = await entryOf(tenant, type.itemType, item.id);
  expect((await purge(tenant, again!.id)).purgeDeletedItem).toEqual({ purgedDeletedItemId: again!.id, userErrors: [] });
  expect(await entryOf(tenant, type.itemType, item.id)).toBeUndefined();
  expect(await table.count({ where: { id: item.databaseId } })).toBe(0);
  expect((await restore(tenant, again!.id)).restoreDeletedItem).toEqual({
    item: null,
    userErrors: [{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }],
  });
}

describe('pages', () => {
  test('every attribute; body defaults to empty; the caller is the creator', async () => {
    const created = await page(a, {
      title: '  Page title 1 ',
      body: '{"text":"Page body 1"}',
      projectId: gid('Project', a.projects.website),
      public: true,
    });
    expect(created).toMatchObject({
      title: 'Page title 1',
      body: '{"text":"Page body 1"}',
      public: true,
      position: null,
      project: { databaseId: a.projects.website },
      parentPage: null,
      creator: { databaseId: a.personId },
      subpages: { totalCount: 0, nodes: [] },
    });
    const plain = await page(a, { title: 'Plain' });
    expect(plain).toMatchObject({ body: '', public: false, project: null, parentPage: null });
  });

  test("a subpage is in its parent's project; another project is refused; it shows under its parent", async () => {
    const c = await createTenant(t.db.prisma);
    const website = gid('Project', c.projects.website);
    const parent = await page(c, { title: 'Handbook', projectId: website });
    const child = await page(c, { title: 'Onboarding', parentPageId: parent.id });
    expect(child).toMatchObject({ project: { databaseId: c.projects.website }, parentPage: { databaseId: parent.databaseId } });
    const same = await page(c, { title: 'Benefits', parentPageId: parent.id, projectId: website });
    expect(same.project).toEqual({ databaseId: c.projects.website });
    const grandchild = await page(c, { title: 'First day', parentPageId: child.id });
    expect(grandchild.project).toEqual({ databaseId: c.projects.website });

    const other = await data(t.app, CreatePage, { input: { title: 'X', parentPageId: parent.id, projectId: gid('Project', c.projects.app) } }, as(c));
    expect(other.createPage.userErrors).toEqual([
      { field: ['input', 'projectId'], message: "must be the parent page's project (leave it out to use that one)", code: 'INVALID' },
    ]);
    const orgPage = await page(c, { title: 'Company wiki' });
    const intoProject = await data(t.app, CreatePage, { input: { title: 'X', parentPageId: orgPage.id, projectId: website } }, as(c));
    expect(intoProject.createPage.userErrors.map((e) => e.code)).toEqual(['INVALID']);
    expect((await page(c, { title: 'Org subpage', parentPageId: orgPage.id })).project).toBeNull();

    const tree = await data(t.app, PageTree, { id: parent.id }, as(c));
    expect(tree.node).toEqual({
      title: 'Handbook',
      project: { name: 'Website' },
      parentPage: null,
      subpages: {
        totalCount: 2,
        nodes: [
          { title: 'Benefits', subpages: { totalCount: 0, nodes: [] } },
          { title: 'Onboarding', subpages: { totalCount: 1, nodes: [{ title: 'First day' }] } },
        ],
      },
    });
    expect((await data(t.app, PageTree, { id: grandchild.id }, as(c))).node).toMatchObject({ parentPage: { title: 'Onboarding' } });
  });

  test("every problem at once; another organization's project and page are not found; hostile input; nothing written", async () => {
    const count = () => t.db.prisma.page.count({ where: { organizationId: a.organizationId } });
    const before = await count();
    const foreignPage = await page(b, { title: 'Of b' });
    const empty = await data(t.app, CreatePage, { input: {} }, as(a));
    expect(empty.createPage).toEqual({ page: null, userErrors: [{ field: ['input', 'title'], message: "can't be blank", code: 'BLANK' }] });
    const all = await data(
      t.app,
      CreatePage,
      { input: { public: true, parentPageId: foreignPage.id, projectId: gid('Project', b.projects.website), body: '{"text":', title: 'x'.repeat(256) } },
      as(a),
    );
    expect(all.createPage.userErrors).toEqual([
      { field: ['input', 'title'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
      { field: ['input', 'body'], message: 'must be JSON text, e.g. {"text":"Page body"}', code: 'INVALID' },
      { field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' },
      { field: ['input', 'parentPageId'], message: 'Page not found', code: 'NOT_FOUND' },
    ]);
    const nul = await data(t.app, CreatePage, { input: { title: 'a\u0000', body: '{"text":"\u0000"}' } }, as(a));
    expect(nul.createPage.userErrors).toEqual([
      { field: ['input', 'title'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
      { field: ['input', 'body'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    const long = await data(t.app, CreatePage, { input: { title: 'Long', body: JSON.stringify({ text: 'x'.repeat(300_000) }) } }, as(a));
    expect(long.createPage.userErrors).toEqual([{ field: ['input', 'body'], message: 'is too long (maximum is 200000 characters)', code: 'TOO_LONG' }]);
    const megabyte = await execute(t.app, CreatePage, { input: { title: 'Big', body: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    const malformed = await data(t.app, CreatePage, { input: { title: 'M', projectId: 'bm9wZQ', parentPageId: gid('Task', 1) } }, as(a));
    expect(malformed.createPage.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.projectId', 'NOT_FOUND'],
      ['input.parentPageId', 'NOT_FOUND'],
    ]);
    expect(await count()).toBe(before);
    // A parent in the bin takes no subpage.
    const gone = await page(a, { title: 'Gone' });
    expect((await deletePage(a.db, a.viewer, gone.databaseId)).ok).toBe(true);
    const under = await data(t.app, CreatePage, { input: { title: 'Under', parentPageId: gone.id } }, as(a));
    expect(under.createPage.userErrors).toEqual([{ field: ['input', 'parentPageId'], message: 'Page not found', code: 'NOT_FOUND' }]);
    // Another organization's page is invisible, and cannot be deleted.
    expect(await nodeOf(a, foreignPage.id)).toBeNull();
    expect((await data(t.app, DeletePage, { input: { id: foreignPage.id } }, as(a))).deletePage.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Page not found', code: 'NOT_FOUND' },
    ]);
  });

  test('list: filters and sorts; Project.pages', async () => {
    const c = await createTenant(t.db.prisma);
    const website = gid('Project', c.projects.website);
    const root = await page(c, { title: 'Charlie', projectId: website });
    await page(c, { title: 'Alpha', parentPageId: root.id });
    await page(c, { title: 'Bravo_1' });
    await page(c, { title: 'Delta', projectId: gid('Project', c.projects.app) });
    const titles = async (variables: { filter?: PageFilter; orderBy?: PageOrder[] }) =>
      (await data(t.app, Pages, variables, as(c))).pages.nodes.map((n) => n.title);
    expect(await titles({})).toEqual(['Alpha', 'Bravo_1', 'Charlie', 'Delta']);
    expect(await titles({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Delta', 'Bravo_1', 'Alpha', 'Charlie']);
    expect(await titles({ orderBy: [{ field: 'TITLE', direction: 'DESC' }] })).toEqual(['Delta', 'Charlie', 'Bravo_1', 'Alpha']);
    expect(await titles({ filter: { projectIds: [website] } })).toEqual(['Alpha', 'Charlie']);
    expect(await titles({ filter: { parentPageIds: [root.id] } })).toEqual(['Alpha']);
    expect(await titles({ filter: { topLevel: true } })).toEqual(['Bravo_1', 'Charlie', 'Delta']);
    expect(await titles({ filter: { topLevel: false } })).toEqual(['Alpha']);
    expect(await titles({ filter: { title: { contains: '_' } } })).toEqual(['Bravo_1']);
    // An hour from now, not a literal year: nothing is created after it, whatever year this runs in.
    expect(await titles({ filter: { createdAt: { gt: new Date(Date.now() + 3_600_000).toISOString() } } })).toEqual([]);
    expect((await data(t.app, Pages, {}, as(b))).pages.nodes.map((n) => n.title)).not.toContain('Charlie');
    const items = await data(t.app, ProjectItems, { id: website }, as(c));
    expect(items.node).toEqual({ pages: { totalCount: 2, nodes: [{ title: 'Alpha' }, { title: 'Charlie' }] }, dashboards: { totalCount: 0, nodes: [] } });
  });

  test('the bin round trip, in a project and in the organization', async () => {
    const c = await createTenant(t.db.prisma);
    const listed = async () => (await data(t.app, Pages, {}, as(c))).pages.nodes.map((n) => n.title);
    const remove = (id: string) => async () =>
      expect((await data(t.app, DeletePage, { input: { id } }, as(c))).deletePage).toEqual({ deletedPageId: id, userErrors: [] });
    const inProject = await page(c, { title: 'Page title 1', projectId: gid('Project', c.projects.website) });
    await page(c, { title: 'Its subpage', parentPageId: inProject.id });
    await roundTrip(
      c,
      inProject,
      {
        itemType: 'PAGE', typename: 'Page', name: 'Page title 1', location: 'Project: Website',
        restored: { title: 'Page title 1', project: { name: 'Website' }, parentPage: null, subpages: { totalCount: 1 } },
      },
      remove(inProject.id),
      listed,
      t.db.prisma.page,
    );
    const ofOrganization = await page(c, { title: 'Wiki' });
    const location = c.viewer.organization.name;
    const restored = { title: 'Wiki', project: null, parentPage: null, subpages: { totalCount: 0 } };
    await roundTrip(c, ofOrganization, { itemType: 'PAGE', typename: 'Page', name: 'Wiki', location, restored }, remove(ofOrganization.id), listed, t.db.prisma.page);
  });

  test("a page's delete takes its subpages, recursively; they come back with it; a subpage deleted before stays; purge erases all", async () => {
    const c = await createTenant(t.db.prisma);
    const root = await page(c, { title: 'Root' });
    const child = await page(c, { title: 'Child', parentPageId: root.id });
    const grandchild = await page(c, { title: 'Grandchild', parentPageId: child.id });
    const before = await page(c, { title: 'Deleted before', parentPageId: child.id });
    const sibling = await page(c, { title: 'Elsewhere' });
    await data(t.app, DeletePage, { input: { id: before.id } }, as(c));
    const beforeEntry = await entryOf(c, 'PAGE', before.id);

    await data(t.app, DeletePage, { input: { id: root.id } }, as(c));
    expect((await data(t.app, Pages, {}, as(c))).pages.nodes.map((n) => n.title)).toEqual(['Elsewhere']);
    expect(await nodeOf(c, grandchild.id)).toBeNull();
    const bin = await data(t.app, Bin, { filter: { itemType: ['PAGE'] } }, as(c));
    expect(bin.deletedItems.nodes.map((n) => n.name)).toEqual(['Root', 'Deleted before']);

    // The subpage deleted on its own cannot come back while its parent is in the bin.
    const orphan = await restore(c, beforeEntry!.id);
    expect(orphan.restoreDeletedItem.userErrors).toEqual([
      { field: ['input', 'id'], message: 'cannot be restored while its parent page is in the recycle bin: restore that first', code: 'PARENT_DELETED' },
    ]);
    const rootEntry = await entryOf(c, 'PAGE', root.id);
    expect((await restore(c, rootEntry!.id)).restoreDeletedItem.userErrors).toEqual([]);
    const tree = await data(t.app, PageTree, { id: root.id }, as(c));
    expect(tree.node).toMatchObject({ subpages: { totalCount: 1, nodes: [{ title: 'Child', subpages: { totalCount: 1, nodes: [{ title: 'Grandchild' }] } }] } });
    // Now its parent is back, it can come back too.
    expect((await restore(c, beforeEntry!.id)).restoreDeletedItem.userErrors).toEqual([]);
    await data(t.app, DeletePage, { input: { id: before.id } }, as(c));
    const beforeAgain = await entryOf(c, 'PAGE', before.id);

    await data(t.app, DeletePage, { input: { id: root.id } }, as(c));
    expect((await purge(c, (await entryOf(c, 'PAGE', root.id))!.id)).purgeDeletedItem.userErrors).toEqual([]);
    const ids = [root, child, grandchild, before].map((p) => p.databaseId);
    expect(await t.db.prisma.page.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await entryOf(c, 'PAGE', before.id)).toBeUndefined();
    expect((await restore(c, beforeAgain!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(await nodeOf(c, sibling.id)).toMatchObject({ title: 'Elsewhere' });
  });
});

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
    const items = await data(t.app, ProjectItems, { id: gid('Project', c.projects.app) }, as(c));
    expect(items.node).toMatchObject({ dashboards: { totalCount: 1, nodes: [{ name: 'Burn rate' }] } });
    expect(await nodeOf(b, board.id)).toBeNull();
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
    const type = { itemType: 'DASHBOARD', typename: 'Dashboard', name: 'Dashboard aa', location: 'Project: App', restored: { name: 'Dashboard aa', project: { name: 'App' } } } as const;
    await roundTrip(c, inProject, type, remove(inProject.id), listed, t.db.prisma.dashboard);
    const ofOrganization = await dashboard(c, 'KPIs');
    const location = c.viewer.organization.name;
    const restored = { name: 'KPIs', project: null };
    await roundTrip(c, ofOrganization, { itemType: 'DASHBOARD', typename: 'Dashboard', name: 'KPIs', location, restored }, remove(ofOrganization.id), listed, t.db.prisma.dashboard);
  });
});

describe('templates', () => {
  test('create with task titles; every problem at once, each title by its index; nothing written', async () => {
    const c = await createTenant(t.db.prisma);
    const created = await data(t.app, CreateTemplate, { input: { name: ' Website ', description: 'A launch', taskTitles: [' Design ', 'Build'] } }, as(c));
    expect(created.createTemplate).toMatchObject({
      template: { name: 'Website', description: 'A launch', taskTitles: ['Design', 'Build'], creator: { databaseId: c.personId } },
      userErrors: [],
    });
    expect(await template(c, 'Empty')).toMatchObject({ description: null, taskTitles: [] });

    const count = () => t.db.prisma.template.count({ where: { organizationId: c.organizationId } });
    const before = await count();
    const empty = await data(t.app, CreateTemplate, { input: {} }, as(c));
    expect(empty.createTemplate).toEqual({ template: null, userErrors: [{ field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }] });
    const all = await data(
      t.app,
      CreateTemplate,
      { input: { taskTitles: ['Fine', '  ', 't'.repeat(256), 'a\u0000'], description: 'd'.repeat(10_001), name: 'n'.repeat(256) } },
      as(c),
    );
    expect(all.createTemplate.userErrors).toEqual([
      { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
      { field: ['input', 'description'], message: 'is too long (maximum is 10000 characters)', code: 'TOO_LONG' },
      { field: ['input', 'taskTitles', '1'], message: "can't be blank", code: 'BLANK' },
      { field: ['input', 'taskTitles', '2'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
      { field: ['input', 'taskTitles', '3'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    const many = await data(t.app, CreateTemplate, { input: { name: 'Many', taskTitles: Array.from({ length: 201 }, (_, i) => `T${i}`) } }, as(c));
    expect(many.createTemplate.userErrors).toEqual([{ field: ['input', 'taskTitles'], message: 'may hold at most 200 task titles', code: 'INVALID' }]);
    expect((await template(c, 'Two hundred', Array.from({ length: 200 }, (_, i) => `T${i}`))).taskTitles).toHaveLength(200);
    // 1000 titles pass the server's limit on lists in variables: a user error. 100 000 do not.
    const thousand = await data(t.app, CreateTemplate, { input: { name: 'Huge', taskTitles: Array.from({ length: 1000 }, () => 'x') } }, as(c));
    expect(thousand.createTemplate.userErrors.map((e) => e.code)).toEqual(['INVALID']);
    const huge = await execute(t.app, CreateTemplate, { input: { name: 'Huge', taskTitles: Array.from({ length: 100_000 }, () => 'x') } }, as(c));
    expect([huge.status, huge.body.errors?.[0]?.extensions?.code]).toEqual([400, 'REQUEST_TOO_LARGE']);
    const megabyte = await execute(t.app, CreateTemplate, { input: { name: 'Mega', taskTitles: ['z'.repeat(1_100_000)] } }, as(c));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect(await count()).toBe(before + 1);
  });

  test('list: filter and sorts; another organization sees none and deletes none', async () => {
    const c = await createTenant(t.db.prisma);
    const web = await template(c, 'Website');
    await template(c, 'App');
    await template(c, 'Brochure');
    const names = async (variables: { filter?: TemplateFilter; orderBy?: TemplateOrder[] }) =>
      (await data(t.app, Templates, variables, as(c))).templates.nodes.map((n) => n.name);
    expect(await names({})).toEqual(['App', 'Brochure', 'Website']);
    expect(await names({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Brochure', 'App', 'Website']);
    expect(await names({ filter: { name: { contains: 'SITE' } } })).toEqual(['Website']);
    expect((await data(t.app, Templates, {}, as(b))).templates.totalCount).toBe(0);
    expect(await nodeOf(b, web.id)).toBeNull();
    expect((await data(t.app, DeleteTemplate, { input: { id: web.id } }, as(b))).deleteTemplate.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Template not found', code: 'NOT_FOUND' },
    ]);
  });

  test("the bin round trip: located in the organization's name", async () => {
    const c = await createTenant(t.db.prisma);
    const listed = async () => (await data(t.app, Templates, {}, as(c))).templates.nodes.map((n) => n.name);
    const item = await template(c, 'Website', ['Design']);
    const remove = async () =>
      expect((await data(t.app, DeleteTemplate, { input: { id: item.id } }, as(c))).deleteTemplate).toEqual({ deletedTemplateId: item.id, userErrors: [] });
    const type = { itemType: 'TEMPLATE', typename: 'Template', name: 'Website', location: c.viewer.organization.name, restored: { taskTitles: ['Design'] } } as const;
    await roundTrip(c, item, type, remove, listed, t.db.prisma.template);
  });
});

// PGlite has one connection, which serializes these; on PostgreSQL they run on parallel connections.
describe.runIf(PG)('concurrency (PostgreSQL)', () => {
  test('a page delete racing 10 subpage creates leaves no live page under the deleted one', async () => {
    for (let round = 0; round < 3; round += 1) {
      const c = await createTenant(t.db.prisma);
      const root = await createPage(c.db, c.viewer, { title: 'Root', projectId: c.projects.website });
      const child = await createPage(c.db, c.viewer, { title: 'Child', parentPageId: root.ok ? root.value.id : -1 });
      if (!root.ok || !child.ok) throw new Error('setup');
      const creates = Array.from({ length: 10 }, (_, i) =>
        createPage(c.db, c.viewer, { title: `Racer ${i}`, parentPageId: i % 2 ? root.value.id : child.value.id }),
      );
      const [created, deleted] = await Promise.all([Promise.all(creates), deletePage(c.db, c.viewer, root.value.id)]);
      expect(deleted.ok).toBe(true);
      for (const r of created) if (!r.ok) expect(r.errors.map((e) => e.code)).toEqual(['NOT_FOUND']);
      const live = await t.db.prisma.page.count({ where: { organizationId: c.organizationId, deletedAt: null } });
      expect(live).toBe(0);
    }
  });
});
