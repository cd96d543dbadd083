// Roles (issue 24): an organization's admins manage its webhooks; members get FORBIDDEN, and the
// data layer hides webhooks from a member's client even where a field would forget to ask.
// `viewer { role organizations }` lists every organization the token's person belongs to.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient, ScopeViolation } from '../src/db/scope.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { addPerson, appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';

const ViewerRoles = graphql(`
  query RlViewer { viewer { role organizations { organizationId databaseId name defaultCurrency role current } } }
`);
const Webhooks = graphql(`query RlWebhooks { webhooks(first: 10) { totalCount nodes { id url } } }`);
const WebhookNode = graphql(`query RlWebhookNode($id: ID!) { node(id: $id) { id ... on Webhook { url } } }`);
const Deliveries = graphql(`query RlDeliveries($id: ID!) { webhookDeliveries(webhookId: $id, first: 5) { totalCount } }`);
const CreateWebhook = graphql(`
  mutation RlCreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } secret userErrors { code } } }
`);
const UpdateWebhook = graphql(`
  mutation RlUpdateWebhook($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { url } userErrors { code } } }
`);
const DeleteWebhook = graphql(`
  mutation RlDeleteWebhook($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { deletedWebhookId userErrors { code } } }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
let hook: string;
let member: { token: string };
beforeAll(async () => {
  ({ t, a, b } = await appWithTwoTenants({ webhooks: { policy: new AddressPolicy(['127.0.0.1/32']) } }));
  const created = await data(t.app, CreateWebhook, { input: { url: 'http://127.0.0.1:9/hook', events: ['EXPENSE_CREATED'] } }, as(a));
  expect(created.createWebhook.userErrors).toEqual([]);
  hook = created.createWebhook.webhook!.id;
  member = await a.member();
});
afterAll(() => t.close());

const forbidden = (body: { errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }) =>
  body.errors?.map((e) => [e.extensions?.code, e.message]);
const FORBIDDEN = [['FORBIDDEN', "Only the organization's admins can manage webhooks."]];

describe('webhooks are the admins\'', () => {
  test('a member cannot list them, read one, or read its deliveries', async () => {
    expect(forbidden((await execute(t.app, Webhooks, {}, as(member))).body)).toEqual(FORBIDDEN);
    expect(forbidden((await execute(t.app, Deliveries, { id: hook }, as(member))).body)).toEqual(FORBIDDEN);
    // node(id:) goes through no webhook field: the data layer answers as if there were none.
    expect((await data(t.app, WebhookNode, { id: hook }, as(member))).node).toBeNull();
    // The admin sees what the member does not.
    expect((await data(t.app, Webhooks, {}, as(a))).webhooks.totalCount).toBe(1);
    expect((await data(t.app, WebhookNode, { id: hook }, as(a))).node).toMatchObject({ url: 'http://127.0.0.1:9/hook' });
  });

  test('a member cannot create, change or delete one; nothing changes', async () => {
    const create = await execute(t.app, CreateWebhook, { input: { url: 'http://127.0.0.1:9/other', events: ['EXPENSE_CREATED'] } }, as(member));
    expect(forbidden(create.body)).toEqual(FORBIDDEN);
    expect(create.body.data).toBeNull();
    const update = await execute(t.app, UpdateWebhook, { input: { id: hook, url: 'http://127.0.0.1:9/stolen' } }, as(member));
    expect(forbidden(update.body)).toEqual(FORBIDDEN);
    const remove = await execute(t.app, DeleteWebhook, { input: { id: hook } }, as(member));
    expect(forbidden(remove.body)).toEqual(FORBIDDEN);
    const rows = await t.db.prisma.webhook.findMany({ where: { organizationId: a.organizationId }, select: { url: true } });
    expect(rows).toEqual([{ url: 'http://127.0.0.1:9/hook' }]);
  });

  test("a member's client finds no webhook and refuses to create one, whatever asks it", async () => {
    const db = scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: 0, role: 'member' });
    expect(await db.webhook.findMany({})).toEqual([]);
    expect(await db.webhook.count({})).toBe(0);
    expect(await db.webhookDelivery.findMany({})).toEqual([]);
    const id = Number(Buffer.from(hook, 'base64').toString().split(':')[1]);
    expect(await db.webhook.updateMany({ where: { id }, data: { url: 'http://x.example/' } })).toEqual({ count: 0 });
    await expect(db.webhook.create({ data: { organizationId: a.organizationId, url: 'http://x.example/', secret: 's'.repeat(32), events: [] } as never })).rejects.toThrow(
      ScopeViolation,
    );
    const admin = scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: 0, role: 'admin' });
    expect(await admin.webhook.count({})).toBe(1);
  });
});

describe('viewer', () => {
  test('role and every organization of the person, the current one marked; X-Tenant picks the role', async () => {
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId], 'admin');
    await t.db.prisma.membership.create({ data: { organizationId: b.organizationId, personId: person.id, role: 'member' } });
    const names = await t.db.prisma.organization.findMany({ where: { id: { in: [a.organizationId, b.organizationId] } }, orderBy: { id: 'asc' } });

    const inA = await data(t.app, ViewerRoles, {}, { token, tenant: a.organizationId });
    expect(inA.viewer).toEqual({
      role: 'ADMIN',
      organizations: [
        { organizationId: gid('Organization', a.organizationId), databaseId: a.organizationId, name: names[0]!.name, defaultCurrency: 'USD', role: 'ADMIN', current: true },
        { organizationId: gid('Organization', b.organizationId), databaseId: b.organizationId, name: names[1]!.name, defaultCurrency: 'USD', role: 'MEMBER', current: false },
      ],
    });
    const inB = await data(t.app, ViewerRoles, {}, { token, tenant: gid('Organization', b.organizationId) });
    expect(inB.viewer.role).toBe('MEMBER');
    expect(inB.viewer.organizations.map((o) => o.current)).toEqual([false, true]);
    // The member of b cannot manage b's webhooks, though an admin of a.
    expect(forbidden((await execute(t.app, Webhooks, {}, { token, tenant: b.organizationId })).body)).toEqual(FORBIDDEN);
    expect((await data(t.app, Webhooks, {}, { token, tenant: a.organizationId })).webhooks.totalCount).toBe(1);
  });

  test('a member of one organization sees only it', async () => {
    const only = await data(t.app, ViewerRoles, {}, as(member));
    expect(only.viewer.role).toBe('MEMBER');
    expect(only.viewer.organizations.map((o) => [o.databaseId, o.current])).toEqual([[a.organizationId, true]]);
  });
});
