// Templates through GraphQL (issue 11): create with every validation and another organization's
// ids, lists with their filters and sorts, and the recycle bin round trip.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import type { TemplateFilter, TemplateOrder } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, type Tenant } from './helpers/fixtures.js';
import { itemNode, itemRoundTrip } from './helpers/project-items.js';

const CreateTemplate = graphql(`
  mutation TpCreateTemplate($input: CreateTemplateInput!) {
    createTemplate(input: $input) {
      template { id databaseId name description taskTitles createdAt updatedAt creator { databaseId } }
      userErrors { field message code }
    }
  }
`);

const DeleteTemplate = graphql(`
  mutation TpDeleteTemplate($input: DeleteTemplateInput!) {
    deleteTemplate(input: $input) { deletedTemplateId userErrors { field message code } }
  }
`);

const Templates = graphql(`
  query TpTemplates($filter: TemplateFilter, $orderBy: [TemplateOrder!]) {
    templates(filter: $filter, orderBy: $orderBy) { totalCount nodes { name } }
  }
`);

let t: TestApp;
let b: Tenant;
beforeAll(async () => ({ t, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function template(tenant: Tenant, name: string, taskTitles: string[] = []) {
  const result = await data(t.app, CreateTemplate, { input: { name, taskTitles } }, as(tenant));
  expect(result.createTemplate.userErrors).toEqual([]);
  return result.createTemplate.template!;
}
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
    expect(await itemNode(t.app, as(b), web.id)).toBeNull();
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
    await itemRoundTrip({
      app: t.app, owner: as(c), other: as(b), item, remove, listed, table: t.db.prisma.template,
      itemType: 'TEMPLATE', typename: 'Template', name: 'Website', location: c.viewer.organization.name, restored: { taskTitles: ['Design'] },
    });
  });
});
