// Event payloads (issue 23): each domain's presenter builds an event's payload from the rows its
// write holds, without running GraphQL. The payload must still be the object "as the API shows
// it": for every subject type and every kind of event it records, the stored payload equals what
// `node(id:)` answers for the same object, as the same person, with the selection the payloads
// stand for -- every field a client can select without arguments, money sets in full, related nodes
// as `{ id }` -- derived here from the schema itself. So a field added to the schema but not to its
// presenter (or computed differently there) fails this test.
import { readFileSync, readdirSync } from 'node:fs';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EVENT_TYPES } from '../src/changes/types.js';
import { schema } from '../src/schema/index.js';
import { execute, startApp, type TestApp } from './helpers/app.js';
import { on } from './helpers/contracts.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

// ---- The selection a payload stands for (what src/changes/presenter.ts executed before issue 23) ----

/** How deep value objects (money sets, contract occurrences) nest before they are cut. */
const MAX_DEPTH = 3;

const isNode = (type: GraphQLObjectType) => type.getInterfaces().some((i) => i.name === 'Node');

/** A field a client could select as it is: no argument is required, and it is not a connection. */
const selectable = (field: GraphQLField<unknown, unknown>) =>
  !field.deprecationReason &&
  field.args.every((arg) => arg.type.toString().endsWith('!') === false || arg.defaultValue !== undefined) &&
  !getNamedType(field.type).name.endsWith('Connection');

function selection(type: GraphQLObjectType, depth: number): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (!selectable(field)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isAbstractType(named)) parts.push(`${field.name} { __typename ... on Node { id } }`);
    else if (isObjectType(named)) {
      if (isNode(named)) parts.push(`${field.name} { id }`);
      else if (depth < MAX_DEPTH) {
        const inner = selection(named, depth + 1);
        if (inner) parts.push(`${field.name} { ${inner} }`);
      }
    }
  }
  return parts.join(' ');
}

function nodeQuery(s: GraphQLSchema, typeName: string): string {
  const type = s.getType(typeName);
  if (!type || !isObjectType(type) || !isNode(type)) throw new Error(`${typeName} is not a node type`);
  return `query PayloadNode($id: ID!) { node(id: $id) { __typename ... on ${typeName} { ${selection(type, 1)} } } }`;
}

// ---- Talking to the app over HTTP ----------------------------------------------------------------

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gql(tenant: Tenant, query: string, variables: Record<string, unknown>): Promise<Data> {
  const { body } = await execute(t.app, parse(query) as TypedDocumentNode<Data, Record<string, unknown>>, variables, { token: tenant.token });
  if (body.errors?.length || !body.data) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** `node(id:)` as `tenant`'s person sees it, with the payload's selection; without `__typename`. */
async function nodeAs(tenant: Tenant, globalId: string): Promise<Data | null> {
  const typeName = Buffer.from(globalId, 'base64').toString('utf8').split(':')[0]!;
  const { node } = await gql(tenant, nodeQuery(schema, typeName), { id: globalId });
  if (!node) return null;
  const { __typename: _typename, ...fields } = node;
  return fields;
}

/** A mutation `field` with `input`; fails the test on user errors. */
async function mutate(tenant: Tenant, field: string, input: Record<string, unknown>): Promise<void> {
  const inputType = `${field[0]!.toUpperCase()}${field.slice(1)}Input`;
  const result = await gql(tenant, `mutation Payload($input: ${inputType}!) { ${field}(input: $input) { userErrors { code message field } } }`, { input });
  expect(result[field].userErrors, field).toEqual([]);
}

async function lastEventId(tenant: Tenant): Promise<bigint> {
  const last = await t.db.prisma.changeEvent.findFirst({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'desc' } });
  return last?.id ?? 0n;
}

/** The latest bin entry of an object (by global id). */
async function entryOf(tenant: Tenant, globalId: string): Promise<string> {
  const itemId = Number(Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]);
  const entry = await t.db.prisma.deletedItem.findFirstOrThrow({
    where: { organizationId: tenant.organizationId, itemId, recoveredAt: null },
    orderBy: { id: 'desc' },
  });
  return gid('DeletedItem', entry.id);
}

const compared = new Set<string>();

/**
 * Runs a mutation and checks the events it records: their types, and each payload against
 * `node(id:)` of what it shows -- the subject, or (deleted) its new bin entry -- right after. A
 * purge's payload is the entry as it was: `shownBefore` is what node(id:) answered before it.
 * Returns the subjects' global ids.
 */
async function step(
  tenant: Tenant,
  field: string,
  input: Record<string, unknown>,
  types: string[],
  shownBefore?: Data | null,
): Promise<string[]> {
  const before = await lastEventId(tenant);
  await mutate(tenant, field, input);
  const events = await t.db.prisma.changeEvent.findMany({ where: { organizationId: tenant.organizationId, id: { gt: before } }, orderBy: { id: 'asc' } });
  expect(events.map((e) => e.type), field).toEqual(types);
  for (const event of events) {
    let expected: Data | null;
    if (event.type.endsWith('.purged')) expected = shownBefore!;
    else if (event.type.endsWith('.deleted')) expected = await nodeAs(tenant, await entryOf(tenant, event.subjectId));
    else expected = await nodeAs(tenant, event.subjectId);
    expect(expected, `${event.type}: node(id:) answers`).not.toBeNull();
    expect(event.payload, `${event.type} ${event.subjectId}`).toEqual(expected);
    compared.add(event.type);
  }
  return events.map((e) => e.subjectId);
}

/** Creates an object and returns its global id (from its `*.created` event, compared as every event is). */
async function create(tenant: Tenant, field: string, input: Record<string, unknown>, type: string): Promise<string> {
  const [id] = await step(tenant, field, input, [type]);
  return id!;
}

/** Delete, restore, delete again, purge: each event's payload checked. */
async function lifecycle(tenant: Tenant, subject: string, globalId: string, deleteField: string): Promise<void> {
  await step(tenant, deleteField, { id: globalId }, [`${subject}.deleted`]);
  await step(tenant, 'restoreDeletedItem', { id: await entryOf(tenant, globalId) }, [`${subject}.restored`]);
  await step(tenant, deleteField, { id: globalId }, [`${subject}.deleted`]);
  const entry = await entryOf(tenant, globalId);
  const shown = await nodeAs(tenant, entry);
  await step(tenant, 'purgeDeletedItem', { id: entry }, [`${subject}.purged`], shown);
}

// ---- Every type, every kind of event ---------------------------------------------------------------

test('every event payload equals node(id:) of what it shows, for every subject type and kind of event', () =>
  // The clock is fixed: a contract generates only periods after today (see test/events.test.ts).
  on('2030-06-01', async () => {
    const a = await createTenant(t.db.prisma);
    const acme = gid('Company', a.companies.acme);
    const website = gid('Project', a.projects.website);

    // Set-up: the organization's settings; a company and a service type, changed and archived.
    await step(a, 'updateOrganization', { name: 'Agency d.o.o.', timeZone: 'Europe/Zagreb' }, ['organization.updated']);
    const client = await create(a, 'createCompany', { name: 'Globex' }, 'company.created');
    await step(a, 'updateCompany', { id: client, name: 'Globex Corp', archived: true }, ['company.updated']);
    const design = await create(a, 'createServiceType', { name: 'Design', description: 'Pixels' }, 'service_type.created');
    await step(a, 'updateServiceType', { id: design, description: null, archived: true }, ['service_type.updated']);

    // Projects, and what lives in them.
    const project = await create(a, 'createProject', { name: 'Intranet', companyId: acme }, 'project.created');
    const dashboard = await create(a, 'createDashboard', { name: 'Overview', projectId: website }, 'dashboard.created');
    const page = await create(a, 'createPage', { title: 'Home', body: '{"text":"Hi"}', projectId: website, public: true }, 'page.created');
    const subpage = await create(a, 'createPage', { title: 'Sub', parentPageId: page }, 'page.created');
    const task = await create(
      a,
      'createTask',
      { projectId: website, title: 'Launch', description: 'Go', assigneeId: gid('Person', a.personId), dueDate: '2030-07-01', tagList: ['x', 'y'] },
      'task.created',
    );
    const template = await create(a, 'createTemplate', { name: 'Onboarding', description: 'New hire', taskTitles: ['Laptop', 'Badge'] }, 'template.created');
    const event = await create(a, 'createEvent', { name: 'Holiday', description: 'Summer', paid: false }, 'event.created');
    await step(a, 'updateProject', { id: project, name: 'Intranet 2' }, ['project.updated']);
    await step(a, 'updateDashboard', { id: dashboard, name: 'Overview 2' }, ['dashboard.updated']);
    await step(a, 'updateTemplate', { id: template, description: null, taskTitles: ['Desk'] }, ['template.updated']);
    await step(a, 'updateEvent', { id: event, paid: true, description: 'Winter' }, ['event.updated']);
    await step(a, 'updateTask', { id: task, title: 'Launch v2', startDate: '2030-06-02', tagList: ['z'] }, ['task.updated']);
    await step(a, 'updatePage', { id: subpage, title: 'Sub 2', body: null, public: true }, ['page.updated']);

    // Deals and their money: an expense, an attribution, a service with its time and bookings.
    const deal = await create(
      a,
      'createDeal',
      { name: 'Retainer', companyId: acme, projectId: website, budget: true, date: '2030-06-01', currency: 'EUR', exchangeRate: '1.25', budgetTotal: 500000, tagList: ['a'] },
      'deal.created',
    );
    const expense = await create(
      a,
      'createExpense',
      { name: 'Taxi', dealId: deal, serviceTypeId: gid('ServiceType', a.serviceTypes.travel), amount: 1250, billableAmount: 2000, currency: 'USD', exchangeRate: '1', date: '2030-05-01', payOn: '2030-06-15', reimbursable: true },
      'expense.created',
    );
    await step(a, 'updateExpense', { id: expense, name: 'Taxi (airport)', paidOn: '2030-06-02', invoiced: true }, ['expense.updated']);
    await step(a, 'approveExpense', { id: expense }, ['expense.approved']);
    await step(a, 'unapproveExpense', { id: expense }, ['expense.unapproved']);
    await step(a, 'rejectExpense', { id: expense, reason: 'No receipt' }, ['expense.rejected']);

    const invoice = await create(
      a,
      'createInvoice',
      { companyId: acme, number: '2030/1', amount: 100000, currency: 'EUR', exchangeRate: '1.25', invoicedOn: '2030-05-20', tax1Name: 'VAT', tax1Value: '20', discount: '5', sentOn: '2030-05-21', payOn: '2030-05-30', tagList: ['t'] },
      'invoice.created',
    );
    const creditNote = await create(
      a,
      'createInvoice',
      { companyId: acme, number: '2030/1-C', invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice, amount: -10000, invoicedOn: '2030-05-25' },
      'invoice.created',
    );
    // Now credited: its payload shows the credit note's effect, as node(id:) does.
    await step(a, 'updateInvoice', { id: invoice, note: 'Thanks', amountPaid: 5000 }, ['invoice.updated']);
    await step(a, 'archiveInvoice', { id: invoice }, ['invoice.archived']);
    await step(a, 'unarchiveInvoice', { id: invoice }, ['invoice.unarchived']);
    const attribution = await create(a, 'createInvoiceAttribution', { invoiceId: invoice, budgetId: deal, amount: 40000, dateFrom: '2030-05-01' }, 'invoice_attribution.created');
    await step(a, 'updateInvoiceAttribution', { id: attribution, amount: 50000, dateTo: '2030-05-31' }, ['invoice_attribution.updated']);
    // The deal's money now has costs, revenue and invoicing in it.
    await step(a, 'updateDeal', { id: deal, name: 'Retainer 2030', probability: 80, deliveredOn: '2030-06-01' }, ['deal.updated']);

    const service = await create(
      a,
      'createService',
      { dealId: deal, name: 'Design', serviceTypeId: gid('ServiceType', a.serviceTypes.software), price: 9999, quantity: '2.5', unit: 'DAY', pricingType: 'FIXED_PRICE', description: 'Pixels' },
      'service.created',
    );
    await step(a, 'updateService', { id: service, price: 5000, quantity: '3', pricingType: 'NOT_BILLABLE', serviceTypeId: null, name: 'Design 2' }, ['service.updated']);
    const timeEntry = await create(a, 'createTimeEntry', { serviceId: service, taskId: task, date: '2030-05-30', time: 90, billableTime: 60, note: 'Mockups' }, 'time_entry.created');
    await step(a, 'updateTimeEntry', { id: timeEntry, time: 120, note: null, date: '2030-05-31' }, ['time_entry.updated']);
    await step(a, 'approveTimeEntry', { id: timeEntry }, ['time_entry.approved']);
    await step(a, 'unapproveTimeEntry', { id: timeEntry }, ['time_entry.unapproved']);
    await step(a, 'rejectTimeEntry', { id: timeEntry, reason: 'Wrong day' }, ['time_entry.rejected']);
    await step(a, 'closeTask', { id: task }, ['task.closed']);
    await step(a, 'reopenTask', { id: task }, ['task.reopened']);
    const booking = await create(a, 'createBooking', { serviceId: service, startedOn: '2030-06-03', endedOn: '2030-06-05', time: 240, note: 'On site' }, 'booking.created');
    const absence = await create(a, 'createBooking', { eventId: event, startedOn: '2030-08-01', endedOn: '2030-08-01', time: 480 }, 'booking.created');
    const order = await create(
      a,
      'createPurchaseOrder',
      { dealId: deal, vendorId: gid('Company', a.companies.globex), subject: 'Chairs', issuedOn: '2030-05-02', currency: 'USD', exchangeRate: '1', totalCost: 123456, number: 'PO-1' },
      'purchase_order.created',
    );
    await step(a, 'updateBooking', { id: booking, endedOn: '2030-06-06', note: null, time: 300 }, ['booking.updated']);
    await step(a, 'updatePurchaseOrder', { id: order, currency: null, totalCost: 5000, deliveryOn: '2030-06-10', subject: null }, ['purchase_order.updated']);

    // Contracts: created, updated, generating budgets (whose payloads are deals).
    // The template becomes the contract's budget of its period: its change is recorded too.
    const [contract] = await step(a, 'createContract', { templateId: deal, intervalId: 1, nextOccurrenceOn: '2030-07-01', copyExpenses: true }, [
      'contract.created',
      'deal.updated',
    ]);
    await step(a, 'updateContract', { id: contract, endsOn: '2031-12-31' }, ['contract.updated']);
    const budgets = await step(a, 'generateContractOccurrences', { contractIds: [contract], until: '2030-09-15' }, [
      'contract.occurrence_generated',
      'contract.occurrence_generated',
      'contract.occurrence_generated',
    ]);
    // A budget whose contract is in the bin shows it as null, as the API does.
    await step(a, 'deleteContract', { id: contract }, ['contract.deleted']);
    await step(a, 'updateDeal', { id: budgets[0]!, name: 'July, on its own' }, ['deal.updated']);
    await step(a, 'restoreDeletedItem', { id: await entryOf(a, contract) }, ['contract.restored']);

    // A bulk export cancelled: its finished event (one that completes is written by its run: test/bulk-exports.test.ts).
    const started = await gql(a, 'mutation { startBulkExport(input: { query: "{ deals { nodes { id } } }" }) { bulkExport { id } userErrors { code } } }', {});
    await step(a, 'cancelBulkExport', { id: started.startBulkExport.bulkExport.id }, ['bulk_export.finished']);

    // The recycle bin, for every type: deleted (the entry), restored (the object), purged (the entry as it was).
    await lifecycle(a, 'booking', absence, 'deleteBooking');
    await lifecycle(a, 'booking', booking, 'deleteBooking');
    await lifecycle(a, 'time_entry', timeEntry, 'deleteTimeEntry');
    await lifecycle(a, 'service', service, 'deleteService');
    await lifecycle(a, 'purchase_order', order, 'deletePurchaseOrder');
    await lifecycle(a, 'invoice_attribution', attribution, 'deleteInvoiceAttribution');
    await lifecycle(a, 'expense', expense, 'deleteExpense');
    await lifecycle(a, 'contract', contract, 'deleteContract');
    await lifecycle(a, 'invoice', creditNote, 'deleteInvoice');
    await lifecycle(a, 'invoice', invoice, 'deleteInvoice');
    await lifecycle(a, 'deal', budgets[1]!, 'deleteDeal');
    // An expense deleted on its own stays in the bin when its deal comes back: the restored deal's
    // money leaves it out, in the payload as in node(id:).
    const lunch = await create(
      a,
      'createExpense',
      { name: 'Lunch', dealId: deal, serviceTypeId: gid('ServiceType', a.serviceTypes.travel), amount: 3000, billableAmount: 3500, currency: 'EUR', date: '2030-05-02' },
      'expense.created',
    );
    await step(a, 'deleteExpense', { id: lunch }, ['expense.deleted']);
    await lifecycle(a, 'deal', deal, 'deleteDeal');
    await lifecycle(a, 'page', subpage, 'deletePage');
    await lifecycle(a, 'page', page, 'deletePage');
    await lifecycle(a, 'dashboard', dashboard, 'deleteDashboard');
    await lifecycle(a, 'task', task, 'deleteTask');
    await lifecycle(a, 'template', template, 'deleteTemplate');
    await lifecycle(a, 'event', event, 'deleteEvent');
    await lifecycle(a, 'project', project, 'deleteProject');

    // Every kind of event the gateway records was compared at least once.
    expect([...compared].sort()).toEqual([...EVENT_TYPES].sort());
  }));

test('a payload shows the object as its actor sees it: another member’s private task is null on a time entry', async () => {
  const a = await createTenant(t.db.prisma);
  const other = await a.member();
  const asOther = { ...a, token: other.token, personId: other.personId };
  const secret = await gql(asOther, 'mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }', {
    input: { projectId: gid('Project', a.projects.website), title: 'Secret', private: true },
  });
  const deal = await create(a, 'createDeal', { name: 'D', companyId: gid('Company', a.companies.acme), budget: true, date: '2030-06-01' }, 'deal.created');
  const service = await create(a, 'createService', { dealId: deal, name: 'Work' }, 'service.created');
  // The other member logs time on their private task; the entry's event shows it to them.
  const [entry] = await step(asOther, 'createTimeEntry', { serviceId: service, taskId: secret.createTask.task.id, date: '2030-05-30', time: 30 }, ['time_entry.created']);
  const stored = await t.db.prisma.changeEvent.findFirstOrThrow({ where: { subjectId: entry!, type: 'time_entry.created' } });
  expect((stored.payload as Data).task).toEqual({ id: secret.createTask.task.id });
  // ...and the owner of the organization, who cannot see that task, sees the same entry without it.
  expect((await nodeAs(a, entry!))!.task).toBeNull();
});

test('src/changes imports nothing from src/schema: no GraphQL runs inside a write', () => {
  const dir = new URL('../src/changes/', import.meta.url);
  for (const file of readdirSync(dir)) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(text, file).not.toMatch(/from '\.\.\/schema\//);
    expect(text, file).not.toMatch(/import\(['"]\.\.\/schema\//);
    expect(text, file).not.toMatch(/from 'graphql'/);
  }
});
