// Every object with a global id is a Node (issue 24): change events and webhook deliveries are found
// by node(id:)/nodes(ids:) like everything else, scoped like everything else -- an event as the
// `changeEvents` list shows it (the organization's, private things record none), a delivery to the
// organization's admins only -- and another organization's ids are null.
import { isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { eventsReadable } from './helpers/events.js';
import { appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';
import { apiExpense } from './helpers/mutations.js';

const Events = graphql(`query NdEvents { changeEvents(last: 50) { nodes { id type subjectId } } }`);
const EventNode = graphql(`
  query NdEventNode($id: ID!) { node(id: $id) { __typename id ... on ChangeEvent { type subjectId actor { databaseId } payload } } }
`);
const Nodes = graphql(`query NdNodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`);
const CreateWebhook = graphql(`
  mutation NdCreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code } } }
`);
const Deliveries = graphql(`
  query NdDeliveries($id: ID!) { webhookDeliveries(webhookId: $id, first: 5) { nodes { id status event { id type } } } }
`);
const DeliveryNode = graphql(`
  query NdDeliveryNode($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status event { id } webhook { id } } } }
`);
const CreateTask = graphql(`
  mutation NdCreateTask($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }
`);
const Tokens = graphql(`query NdTokens { viewer { apiTokens { id } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants({ webhooks: { policy: new AddressPolicy(['127.0.0.1/32']) } })));
afterAll(() => t.close());

async function eventsOf(tenant: Tenant, caller = as(tenant)) {
  await eventsReadable(t.db.prisma, tenant.organizationId);
  return (await data(t.app, Events, {}, caller)).changeEvents.nodes;
}

describe('change events are nodes', () => {
  test('node(id:) answers an event of the list as the list shows it; another organization gets null', async () => {
    const expense = await apiExpense(t.app, a, 'Taxi');
    const listed = (await eventsOf(a)).find((e) => e.subjectId === expense)!;
    expect(listed).toMatchObject({ type: 'EXPENSE_CREATED' });
    expect(Buffer.from(listed.id, 'base64').toString()).toMatch(/^ChangeEvent:\d+$/);

    const { node } = await data(t.app, EventNode, { id: listed.id }, as(a));
    expect(node).toMatchObject({ __typename: 'ChangeEvent', id: listed.id, type: 'EXPENSE_CREATED', subjectId: expense, actor: { databaseId: a.personId } });
    expect((node as unknown as { payload: { id: string } }).payload.id).toBe(expense);
    // Any member reads the log, so any member finds its events.
    const member = await a.member();
    expect((await data(t.app, EventNode, { id: listed.id }, as(member))).node).toMatchObject({ id: listed.id });
    // Another organization: null, in node(id:) and among nodes(ids:).
    expect((await data(t.app, EventNode, { id: listed.id }, as(b))).node).toBeNull();
    const theirExpense = await apiExpense(t.app, b, 'Theirs');
    const theirs = (await eventsOf(b)).find((e) => e.subjectId === theirExpense)!.id;
    expect((await data(t.app, EventNode, { id: theirs }, as(a))).node).toBeNull();
    expect((await data(t.app, Nodes, { ids: [theirs, listed.id, expense] }, as(a))).nodes).toEqual([
      null,
      { __typename: 'ChangeEvent', id: listed.id },
      { __typename: 'Expense', id: expense },
    ]);
  });

  test('a private task records no event: neither the list nor node(id:) knows of it', async () => {
    const member = await a.member();
    const created = await data(t.app, CreateTask, { input: { projectId: gid('Project', a.projects.website), title: 'Secret', private: true } }, as(member));
    const task = created.createTask.task!.id;
    expect(await t.db.prisma.changeEvent.count({ where: { organizationId: a.organizationId, subjectId: task } })).toBe(0);
    expect((await eventsOf(a)).filter((e) => e.subjectId === task)).toEqual([]);
  });

  test('ids past int4 are ids of the event log (int8); past int8 they are refused', async () => {
    const big = 2n ** 40n + 7n;
    await t.db.prisma.changeEvent.create({
      data: { id: big, organizationId: a.organizationId, type: 'expense.created', subjectId: gid('Expense', 1), payload: { id: gid('Expense', 1) } },
    });
    const id = Buffer.from(`ChangeEvent:${big}`).toString('base64');
    expect((await data(t.app, EventNode, { id }, as(a))).node).toMatchObject({ id, type: 'EXPENSE_CREATED' });
    expect((await data(t.app, EventNode, { id }, as(b))).node).toBeNull();
    // An int4 type's id past int4 stays refused; an int8 past int8 too.
    for (const text of ['Expense:4294967296', 'ChangeEvent:9223372036854775808']) {
      const answer = await execute(t.app, EventNode, { id: Buffer.from(text).toString('base64') }, as(a));
      expect(answer.body.errors?.[0]?.extensions?.code, text).toBe('BAD_USER_INPUT');
      expect(answer.body.errors?.[0]?.message, text).toMatch(/no such id can exist/);
    }
  });
});

describe('webhook deliveries are nodes, for admins only', () => {
  test("an admin finds a delivery by id; a member and another organization's admin get null", async () => {
    const hook = (await data(t.app, CreateWebhook, { input: { url: 'http://127.0.0.1:9/hook', events: ['EXPENSE_CREATED'] } }, as(a))).createWebhook;
    expect(hook.userErrors).toEqual([]);
    await apiExpense(t.app, a, 'Hotel');
    const [delivery] = (await data(t.app, Deliveries, { id: hook.webhook!.id }, as(a))).webhookDeliveries!.nodes;
    expect(Buffer.from(delivery!.id, 'base64').toString()).toMatch(/^WebhookDelivery:\d+$/);

    expect((await data(t.app, DeliveryNode, { id: delivery!.id }, as(a))).node).toEqual({
      id: delivery!.id,
      status: 'PENDING',
      event: { id: delivery!.event.id },
      webhook: { id: hook.webhook!.id },
    });
    const member = await a.member();
    expect((await data(t.app, DeliveryNode, { id: delivery!.id }, as(member))).node).toBeNull();
    expect((await data(t.app, Nodes, { ids: [delivery!.id] }, as(member))).nodes).toEqual([null]);
    expect((await data(t.app, DeliveryNode, { id: delivery!.id }, as(b))).node).toBeNull();
    // Its event is a node too, which any member reads.
    expect((await data(t.app, EventNode, { id: delivery!.event.id }, as(member))).node).toMatchObject({ type: 'EXPENSE_CREATED' });
  });
});

describe('node types', () => {
  test('every object type with an `id: ID!` implements Node', () => {
    const missing = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
      .filter((type) => {
        const fields = (type as import('graphql').GraphQLObjectType).getFields();
        return String(fields.id?.type) === 'ID!' && !(type as import('graphql').GraphQLObjectType).getInterfaces().some((i) => i.name === 'Node');
      })
      .map((type) => type.name);
    expect(missing).toEqual([]);
  });

  test('nodes(ids:) answers in the order asked, null where none is visible (API tokens: only your own)', async () => {
    const member = await a.member();
    const [mine] = (await data(t.app, Tokens, {}, as(a))).viewer.apiTokens;
    const [theirs] = (await data(t.app, Tokens, {}, as(member))).viewer.apiTokens;
    expect((await data(t.app, Nodes, { ids: [theirs!.id, mine!.id] }, as(a))).nodes).toEqual([null, { __typename: 'ApiToken', id: mine!.id }]);
  });
});
