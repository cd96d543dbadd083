// A delete answers the recycle bin entry it filed (issue 24): `deletedItem { id }` in every delete
// payload, so that an undo is one `restoreDeletedItem` call. For every delete mutation of the schema:
// the entry is the object's, restoring it brings the object back; another organization's delete is
// NOT_FOUND with no entry; a delete that files none (a webhook) answers null.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { execute, type Caller, type TestApp, as, startApp } from './helpers/app.js';
import { on } from './helpers/contracts.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ webhooks: { policy: new AddressPolicy(['127.0.0.1/32']) } });
});
afterAll(() => t.close());

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gql(caller: Caller, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { body } = await execute(t.app, parse(query) as TypedDocumentNode<Data, Record<string, unknown>>, variables, caller);
  if (body.errors?.length || !body.data) throw new Error(`${query.slice(0, 80)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A create mutation through the API: the new object's global id (user errors fail the test). */
async function create(caller: Caller, field: string, input: Record<string, unknown>): Promise<string> {
  const inputType = `${field[0]!.toUpperCase()}${field.slice(1)}Input`;
  const object = field.replace(/^create(.)/, (_, c: string) => c.toLowerCase());
  const result = await gql(caller, `mutation($input: ${inputType}!) { ${field}(input: $input) { ${object} { id } userErrors { code message field } } }`, { input });
  expect(result[field].userErrors, field).toEqual([]);
  return result[field][object].id;
}

/** `delete<Type>` with its payload's entry. */
async function remove(caller: Caller, type: string, id: string) {
  const field = `delete${type}`;
  const result = await gql(
    caller,
    `mutation($input: Delete${type}Input!) { ${field}(input: $input) { deleted${type}Id deletedItem { id itemType itemId name location private recoveredAt } userErrors { code } } }`,
    { input: { id } },
  );
  return result[field] as { deletedItem: Data | null; userErrors: Array<{ code: string }> } & Record<string, unknown>;
}

async function restore(caller: Caller, entryId: string) {
  const result = await gql(
    caller,
    'mutation($input: RestoreDeletedItemInput!) { restoreDeletedItem(input: $input) { item { __typename ... on Node { id } } deletedItem { id recoveredAt } userErrors { code } } }',
    { input: { id: entryId } },
  );
  return result.restoreDeletedItem as { item: Data | null; deletedItem: Data | null; userErrors: Array<{ code: string }> };
}

const nodeOf = async (caller: Caller, id: string) => (await gql(caller, 'query($id: ID!) { node(id: $id) { id } }', { id })).node;

/** Every object type a delete mutation takes, made through the API in a fresh organization. */
async function everything(a: Tenant): Promise<Record<string, string>> {
  const caller = as(a);
  const acme = gid('Company', a.companies.acme);
  const website = gid('Project', a.projects.website);
  const project = await create(caller, 'createProject', { name: 'Intranet', companyId: acme });
  const deal = await create(caller, 'createDeal', { name: 'Retainer', companyId: acme, budget: true, date: '2030-06-01', currency: 'EUR', exchangeRate: '1.25' });
  const service = await create(caller, 'createService', { dealId: deal, name: 'Design' });
  const event = await create(caller, 'createEvent', { name: 'Holiday' });
  const invoice = await create(caller, 'createInvoice', { companyId: acme, number: '2030/1', amount: 100000, currency: 'EUR', exchangeRate: '1.25', invoicedOn: '2030-05-20' });
  const other = await create(caller, 'createInvoice', { companyId: acme, number: '2030/2', amount: 100000, currency: 'EUR', exchangeRate: '1.25', invoicedOn: '2030-05-20' });
  return {
    Project: project,
    Deal: deal,
    Service: service,
    Event: event,
    Invoice: invoice,
    Booking: await create(caller, 'createBooking', { serviceId: service, startedOn: '2030-06-03', endedOn: '2030-06-05', time: 240 }),
    Contract: await create(caller, 'createContract', { templateId: await create(caller, 'createDeal', { name: 'Template', companyId: acme, budget: true, date: '2030-06-01' }), intervalId: 1, nextOccurrenceOn: '2030-07-01' }),
    Dashboard: await create(caller, 'createDashboard', { name: 'Overview', projectId: website }),
    Expense: await create(caller, 'createExpense', {
      name: 'Taxi', dealId: deal, serviceTypeId: gid('ServiceType', a.serviceTypes.travel), amount: 1250, currency: 'EUR', date: '2030-05-01',
    }),
    InvoiceAttribution: await create(caller, 'createInvoiceAttribution', { invoiceId: other, budgetId: deal, amount: 40000 }),
    Page: await create(caller, 'createPage', { title: 'Home', projectId: website }),
    PurchaseOrder: await create(caller, 'createPurchaseOrder', { dealId: deal, vendorId: gid('Company', a.companies.globex), subject: 'Chairs' }),
    Task: await create(caller, 'createTask', { projectId: website, title: 'Launch' }),
    Template: await create(caller, 'createTemplate', { name: 'Onboarding' }),
    TimeEntry: await create(caller, 'createTimeEntry', { serviceId: service, date: '2030-05-30', time: 90 }),
  };
}

/** The delete mutations of the schema, by the type they delete. */
const DELETES = Object.keys(schema.getMutationType()!.getFields())
  .filter((name) => /^delete[A-Z]/.test(name))
  .map((name) => name.slice('delete'.length))
  .sort();

describe('a delete answers its recycle bin entry', () => {
  test('every delete mutation: `deletedItem.id` restores the object; another organization gets NOT_FOUND and no entry', () =>
    // Contracts take a next occurrence after today.
    on('2030-06-01', async () => {
      const a = await createTenant(t.db.prisma);
      const b = await createTenant(t.db.prisma);
      const objects = await everything(a);
      // Every delete of the schema is here, but the webhook's (below): it files no entry.
      expect([...Object.keys(objects), 'Webhook'].sort()).toEqual(DELETES);

      // Leaves first, so that what a parent takes with it is not already gone.
      for (const type of ['TimeEntry', 'Booking', 'Expense', 'InvoiceAttribution', 'PurchaseOrder', 'Contract', 'Service', 'Page', 'Dashboard', 'Task', 'Template', 'Invoice', 'Event', 'Deal', 'Project']) {
        const id = objects[type]!;
        const foreign = await remove(as(b), type, id);
        expect(foreign, `${type} from another organization`).toMatchObject({ deletedItem: null, userErrors: [{ code: 'NOT_FOUND' }] });

        const deleted = await remove(as(a), type, id);
        expect(deleted.userErrors, type).toEqual([]);
        expect(deleted[`deleted${type}Id`]).toBe(id);
        const entry = deleted.deletedItem!;
        expect(entry, type).toMatchObject({ itemId: id, private: false, recoveredAt: null });
        expect(await nodeOf(as(a), id), `${type} is in the bin`).toBeNull();
        // The entry is the organization's: another one neither reads nor restores it.
        expect(await nodeOf(as(b), entry.id)).toBeNull();
        expect((await restore(as(b), entry.id)).userErrors).toEqual([{ code: 'NOT_FOUND' }]);

        const back = await restore(as(a), entry.id);
        expect(back.userErrors, type).toEqual([]);
        expect(back.item, type).toEqual({ __typename: type, id });
        expect(await nodeOf(as(a), id), `${type} is back`).toEqual({ id });
        // A second delete files a new entry, which is answered in turn.
        const again = await remove(as(a), type, id);
        expect(again.deletedItem!.id, type).not.toBe(entry.id);
        expect((await restore(as(a), again.deletedItem!.id)).userErrors, type).toEqual([]);
      }
    }));

  test('a private task: the entry is private, answered to its deleter and hidden from the others', async () => {
    const a = await createTenant(t.db.prisma);
    const member = await a.member();
    const task = await create(as(member), 'createTask', { projectId: gid('Project', a.projects.website), title: 'Secret', private: true });
    const deleted = await remove(as(member), 'Task', task);
    expect(deleted.deletedItem).toMatchObject({ itemType: 'TASK', itemId: task, name: 'Secret', private: true });
    expect(await nodeOf(as(a), deleted.deletedItem!.id)).toBeNull();
    expect((await restore(as(a), deleted.deletedItem!.id)).userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    expect((await restore(as(member), deleted.deletedItem!.id)).item).toEqual({ __typename: 'Task', id: task });
  });

  test('a delete with user errors, and a webhook (deleted for good), answer no entry', async () => {
    const a = await createTenant(t.db.prisma);
    expect(await remove(as(a), 'Expense', gid('Expense', 999_999_999))).toMatchObject({ deletedItem: null, userErrors: [{ code: 'NOT_FOUND' }] });
    const hook = await gql(as(a), 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code } } }', {
      input: { url: 'http://127.0.0.1:9/hook', events: ['EXPENSE_CREATED'] },
    });
    const deleted = await remove(as(a), 'Webhook', hook.createWebhook.webhook.id);
    expect(deleted).toMatchObject({ deletedWebhookId: hook.createWebhook.webhook.id, deletedItem: null, userErrors: [] });
    expect(await t.db.prisma.deletedItem.count({ where: { organizationId: a.organizationId } })).toBe(0);
  });
});
