// Pages through GraphQL (issue 11): create with every validation and another organization's ids,
// lists with their filters and sorts, the page tree (`parentPage`, `subpages`, a subpage in its
// parent's project), `Project.pages`, the recycle bin round trip, a page's delete taking its
// subpages, and, on PostgreSQL, a page delete racing subpage creates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPage, deletePage } from '../src/domain/pages.js';
import { graphql } from './generated/index.js';
import type { CreatePageInput, PageFilter, PageOrder } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { binEntries, binEntry, purgeEntry } from './helpers/bin.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { itemNode, itemRoundTrip, projectItems, restoreItem } from './helpers/project-items.js';

const CreatePage = graphql(`
  mutation PgCreatePage($input: CreatePageInput!) {
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
  mutation PgDeletePage($input: DeletePageInput!) { deletePage(input: $input) { deletedPageId userErrors { field message code } } }
`);

const Pages = graphql(`
  query PgPages($filter: PageFilter, $orderBy: [PageOrder!]) {
    pages(filter: $filter, orderBy: $orderBy) { totalCount nodes { title } }
  }
`);

const PageTree = graphql(`
  query PgPageTree($id: ID!) {
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

const PG = Boolean(process.env.TEST_DATABASE_URL);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function page(tenant: Tenant, input: Partial<CreatePageInput>) {
  const result = await data(t.app, CreatePage, { input: { title: 'Page title 1', ...input } }, as(tenant));
  expect(result.createPage.userErrors).toEqual([]);
  return result.createPage.page!;
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
    expect(await itemNode(t.app, as(a), foreignPage.id)).toBeNull();
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
    expect(await projectItems(t.app, as(c), website)).toEqual({ pages: { totalCount: 2, nodes: [{ title: 'Alpha' }, { title: 'Charlie' }] }, dashboards: { totalCount: 0, nodes: [] } });
  });

  test('the bin round trip, in a project and in the organization', async () => {
    const c = await createTenant(t.db.prisma);
    const listed = async () => (await data(t.app, Pages, {}, as(c))).pages.nodes.map((n) => n.title);
    const remove = (id: string) => async () =>
      expect((await data(t.app, DeletePage, { input: { id } }, as(c))).deletePage).toEqual({ deletedPageId: id, userErrors: [] });
    const inProject = await page(c, { title: 'Page title 1', projectId: gid('Project', c.projects.website) });
    await page(c, { title: 'Its subpage', parentPageId: inProject.id });
    await itemRoundTrip({
      app: t.app, owner: as(c), other: as(b), item: inProject, remove: remove(inProject.id), listed, table: t.db.prisma.page,
      itemType: 'PAGE', typename: 'Page', name: 'Page title 1', location: 'Project: Website',
      restored: { title: 'Page title 1', project: { name: 'Website' }, parentPage: null, subpages: { totalCount: 1 } },
    });
    const ofOrganization = await page(c, { title: 'Wiki' });
    await itemRoundTrip({
      app: t.app, owner: as(c), other: as(b), item: ofOrganization, remove: remove(ofOrganization.id), listed, table: t.db.prisma.page,
      itemType: 'PAGE', typename: 'Page', name: 'Wiki', location: c.viewer.organization.name,
      restored: { title: 'Wiki', project: null, parentPage: null, subpages: { totalCount: 0 } },
    });
  });

  test("a page's delete takes its subpages, recursively; they come back with it; a subpage deleted before stays; purge erases all", async () => {
    const c = await createTenant(t.db.prisma);
    const root = await page(c, { title: 'Root' });
    const child = await page(c, { title: 'Child', parentPageId: root.id });
    const grandchild = await page(c, { title: 'Grandchild', parentPageId: child.id });
    const before = await page(c, { title: 'Deleted before', parentPageId: child.id });
    const sibling = await page(c, { title: 'Elsewhere' });
    await data(t.app, DeletePage, { input: { id: before.id } }, as(c));
    const beforeEntry = await binEntry(t.app, as(c), 'PAGE', before.id);

    await data(t.app, DeletePage, { input: { id: root.id } }, as(c));
    expect((await data(t.app, Pages, {}, as(c))).pages.nodes.map((n) => n.title)).toEqual(['Elsewhere']);
    expect(await itemNode(t.app, as(c), grandchild.id)).toBeNull();
    expect((await binEntries(t.app, as(c), 'PAGE')).map((n) => n.name)).toEqual(['Root', 'Deleted before']);

    // The subpage deleted on its own cannot come back while its parent is in the bin.
    const orphan = await restoreItem(t.app, as(c), beforeEntry!.id);
    expect(orphan.userErrors).toEqual([
      { field: ['input', 'id'], message: 'cannot be restored while its parent page is in the recycle bin: restore that first', code: 'PARENT_DELETED' },
    ]);
    const rootEntry = await binEntry(t.app, as(c), 'PAGE', root.id);
    expect((await restoreItem(t.app, as(c), rootEntry!.id)).userErrors).toEqual([]);
    const tree = await data(t.app, PageTree, { id: root.id }, as(c));
    expect(tree.node).toMatchObject({ subpages: { totalCount: 1, nodes: [{ title: 'Child', subpages: { totalCount: 1, nodes: [{ title: 'Grandchild' }] } }] } });
    // Now its parent is back, it can come back too.
    expect((await restoreItem(t.app, as(c), beforeEntry!.id)).userErrors).toEqual([]);
    await data(t.app, DeletePage, { input: { id: before.id } }, as(c));
    const beforeAgain = await binEntry(t.app, as(c), 'PAGE', before.id);

    await data(t.app, DeletePage, { input: { id: root.id } }, as(c));
    expect((await purgeEntry(t.app, as(c), (await binEntry(t.app, as(c), 'PAGE', root.id))!.id)).userErrors).toEqual([]);
    const ids = [root, child, grandchild, before].map((p) => p.databaseId);
    expect(await t.db.prisma.page.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await binEntry(t.app, as(c), 'PAGE', before.id)).toBeUndefined();
    expect((await restoreItem(t.app, as(c), beforeAgain!.id)).userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(await itemNode(t.app, as(c), sibling.id)).toMatchObject({ title: 'Elsewhere' });
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
