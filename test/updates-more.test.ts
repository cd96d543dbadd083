// Update mutations of tasks, pages, services, time entries, bookings and purchase orders (issue 24),
// through HTTP. For each: what it changes and what it leaves (node(id:) before and after); every
// user error its create reports for a field it shares, the update reports alike (the same
// validator), and writes nothing; another organization's object or reference (and a deleted one,
// or an id of another type) is NOT_FOUND and changes nothing; a NUL byte or a megabyte string is a
// user error, not a 500; one `*.updated` event per update; and on PostgreSQL 20 concurrent updates
// of one object all answer, the last committed wins whole, and each records its event.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPage } from '../src/domain/pages.js';
import { createTask } from '../src/domain/tasks.js';
import { execute, type Caller, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';
import { booking, event, purchaseOrder, service, timeEntry } from './helpers/records.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface UserError {
  field: string[];
  message: string;
  code: string;
}

/** What each type's tests read of it: node(id:) and the payloads select the same. */
const SHOWN: Record<string, string> = {
  Task: 'id title description private assignee { id } startDate dueDate tagList number project { id } closed',
  Page: 'id title body public project { id } parentPage { id }',
  Service:
    'id name description serviceType { id } billable unit pricingType quantity price { cents currency } total { cents currency } deal { id } position',
  TimeEntry: 'id service { id } task { id } person { id } date time billableTime note approved rejected',
  Booking: 'id person { id } service { id } event { id } startedOn endedOn time note',
  PurchaseOrder:
    'id vendor { id } deal { id } subject number note issuedOn deliveryOn exchangeDate currency exchangeRate totalCost { original { cents currency } default { cents currency } }',
};

const lower = (type: string) => type[0]!.toLowerCase() + type.slice(1);

async function send(caller: Caller, query: string, variables: Record<string, unknown>) {
  const answer = await execute(t.app, parse(query) as TypedDocumentNode<Data, Record<string, unknown>>, variables, caller);
  // Never a 500 or a GraphQL error: every problem of an input is a userError.
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
  return answer.body.data!;
}

/** `create<Type>` or `update<Type>` with `input`: the object (with SHOWN) and the user errors. */
async function mutate(caller: Caller, type: string, verb: 'create' | 'update', input: Record<string, unknown>): Promise<{ node: Data | null; userErrors: UserError[] }> {
  const field = `${verb}${type}`;
  const query = `mutation M($input: ${field[0]!.toUpperCase()}${field.slice(1)}Input!) { ${field}(input: $input) { ${lower(type)} { ${SHOWN[type]} } userErrors { field message code } } }`;
  const payload = (await send(caller, query, { input }))[field];
  return { node: payload[lower(type)], userErrors: payload.userErrors };
}

const update = (tenant: Tenant, type: string, input: Record<string, unknown>) => mutate({ token: tenant.token }, type, 'update', input);
const create = (tenant: Tenant, type: string, input: Record<string, unknown>) => mutate({ token: tenant.token }, type, 'create', input);

/** node(id:) as `tenant` sees it, with SHOWN. */
async function nodeOf(tenant: Tenant, id: string, caller: Caller = { token: tenant.token }): Promise<Data | null> {
  const type = Buffer.from(id, 'base64').toString('utf8').split(':')[0]!;
  return (await send(caller, `query N($id: ID!) { node(id: $id) { ... on ${type} { ${SHOWN[type]} } } }`, { id })).node;
}

/** The `*.updated` events of one object, in the order their transactions committed. */
async function updatedEvents(tenant: Tenant, id: string, type: string): Promise<Data[]> {
  const rows = await t.db.prisma.$queryRaw<Array<{ payload: Data }>>`
    SELECT payload FROM change_events
     WHERE organization_id = ${tenant.organizationId}::int4 AND subject_id = ${id} AND type = ${type}
     ORDER BY transaction_id, id`;
  return rows.map((row) => row.payload);
}

const err = (field: string, message: string, code: string): UserError => ({ field: ['input', field], message, code });
const notFound = (field: string, what: string) => err(field, `${what} not found`, 'NOT_FOUND');
const MEGABYTE = 'x'.repeat(1_000_000);
const NUL = 'a\u0000b';

/**
 * Sends each bad input to the create (over `valid`) and to the update of `id`: both answer the same
 * user errors, at least one, and the object stays as it was. The same validator answers both.
 */
async function sameErrorsAsCreate(tenant: Tenant, type: string, id: string, valid: Record<string, unknown>, bads: Array<Record<string, unknown>>) {
  const before = await nodeOf(tenant, id);
  for (const bad of bads) {
    const created = await create(tenant, type, { ...valid, ...bad });
    const updated = await update(tenant, type, { id, ...bad });
    const label = JSON.stringify(bad, (_k, v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 10)}…(${v.length})` : v));
    expect(created.userErrors.length, `create ${label}`).toBeGreaterThan(0);
    expect(updated.userErrors, `update ${label}`).toEqual(created.userErrors);
    expect(updated.node, label).toBeNull();
  }
  expect(await nodeOf(tenant, id)).toEqual(before);
}

/** Another organization's object, one of another type and one in the bin: NOT_FOUND, and theirs is unchanged. */
async function foreignObjects(type: string, what: string, theirs: string, changes: Record<string, unknown>, other: string) {
  const before = await nodeOf(b, theirs);
  expect((await update(a, type, { id: theirs, ...changes })).userErrors).toEqual([notFound('id', what)]);
  expect((await update(a, type, { id: other, ...changes })).userErrors).toEqual([notFound('id', what)]);
  expect(await nodeOf(b, theirs)).toEqual(before);
}

const taskOf = async (tenant: Tenant, input: Parameters<typeof createTask>[2] = {}) => {
  const made = await createTask(tenant.db, tenant.viewer, { projectId: tenant.projects.website, title: 'Launch', ...input });
  if (!made.ok) throw new Error(JSON.stringify(made.errors));
  return gid('Task', made.value.id);
};

const pageOf = async (tenant: Tenant, input: Parameters<typeof createPage>[2] = {}) => {
  const made = await createPage(tenant.db, tenant.viewer, { title: 'Home', body: '{"text":"Hi"}', projectId: tenant.projects.website, ...input });
  if (!made.ok) throw new Error(JSON.stringify(made.errors));
  return gid('Page', made.value.id);
};

const DeleteAny = (type: string) => `mutation D($input: Delete${type}Input!) { delete${type}(input: $input) { userErrors { code } } }`;

describe('updateTask', () => {
  test('changes what it is given, leaves the rest, null clears; its project and number stay; one event', async () => {
    const other = await a.member();
    const id = await taskOf(a, { description: 'Go', assigneeId: a.personId, startDate: new Date('2030-01-01'), dueDate: new Date('2030-02-01'), tagList: ['x'] });
    const before = (await nodeOf(a, id))!;
    const renamed = await update(a, 'Task', { id, title: ' Launch v2 ', assigneeId: gid('Person', other.personId), tagList: [' y ', 'y', ''] });
    expect(renamed.userErrors).toEqual([]);
    expect(renamed.node).toEqual({ ...before, title: 'Launch v2', assignee: { id: gid('Person', other.personId) }, tagList: ['y'] });
    const cleared = await update(a, 'Task', { id, description: null, assigneeId: null, startDate: null, dueDate: null, tagList: null });
    expect(cleared.node).toEqual({ ...renamed.node, description: null, assignee: null, startDate: null, dueDate: null, tagList: [] });
    expect(await nodeOf(a, id)).toEqual(cleared.node);
    const events = await updatedEvents(a, id, 'task.updated');
    expect(events.map((e) => e.title)).toEqual(['Launch v2', 'Launch v2']);
    expect(events[1]).toMatchObject({ description: null, assignee: null, number: before.number, project: before.project });
  });

  test("every error of createTask's shared fields, alike; nothing written", async () => {
    const id = await taskOf(a, { startDate: new Date('2030-01-10') });
    await sameErrorsAsCreate(a, 'Task', id, { projectId: gid('Project', a.projects.website), title: 'Valid', startDate: '2030-01-10' }, [
      { title: '' },
      { title: '   ' },
      { title: 't'.repeat(256) },
      { title: NUL },
      { title: MEGABYTE },
      { description: 'd'.repeat(10_001) },
      { description: NUL },
      { description: MEGABYTE },
      { dueDate: '2030-01-09' },
      { startDate: '2030-02-01', dueDate: '2030-01-01' },
      { tagList: Array.from({ length: 51 }, (_, i) => `t${i}`) },
      { tagList: ['t'.repeat(101)] },
      { tagList: [NUL] },
      { assigneeId: gid('Person', b.personId) },
      { assigneeId: gid('Project', a.projects.website) },
      { title: '', description: NUL, assigneeId: gid('Person', b.personId) },
    ]);
    // Fields the update has of its own: a start after the stored due date is refused on the start;
    // `private` is never null.
    const dated = await taskOf(a, { dueDate: new Date('2030-01-10') });
    expect((await update(a, 'Task', { id: dated, startDate: '2030-01-11' })).userErrors).toEqual([err('startDate', 'must not be after the due date', 'INVALID')]);
    expect((await update(a, 'Task', { id: dated, private: null })).userErrors).toEqual([err('private', "can't be blank", 'BLANK')]);
    expect(await updatedEvents(a, dated, 'task.updated')).toEqual([]);
  });

  test("another organization's task, another type's id, a task in the bin: NOT_FOUND, unchanged", async () => {
    await foreignObjects('Task', 'Task', await taskOf(b), { title: 'Mine' }, gid('Page', 1));
    const id = await taskOf(a);
    await send({ token: a.token }, DeleteAny('Task'), { input: { id } });
    expect((await update(a, 'Task', { id, title: 'Ghost' })).userErrors).toEqual([notFound('id', 'Task')]);
  });

  test('privacy: a private task of others is not found; a change that would hide it from its editor is refused; a private one records no event', async () => {
    const other = await a.member();
    const third = await a.member();
    const asOther = { token: other.token };
    // a creates a private task assigned to `other`; `third` cannot see it.
    const id = await taskOf(a, { private: true, assigneeId: other.personId });
    expect((await mutate({ token: third.token }, 'Task', 'update', { id, title: 'Seen' })).userErrors).toEqual([notFound('id', 'Task')]);
    // Its assignee may change it, but not hand it away: they would no longer see it.
    const hide = err('assigneeId', 'would hide the task from you: a private task is seen only by its creator and its assignee', 'INVALID');
    expect((await mutate(asOther, 'Task', 'update', { id, assigneeId: gid('Person', a.personId) })).userErrors).toEqual([hide]);
    expect((await mutate(asOther, 'Task', 'update', { id, assigneeId: null })).userErrors).toEqual([hide]);
    expect((await mutate(asOther, 'Task', 'update', { id, title: 'Mine to do' })).userErrors).toEqual([]);
    expect(await updatedEvents(a, id, 'task.updated')).toEqual([]);
    // A public task: someone who neither created it nor is assigned cannot make it private; its creator can.
    const open = await taskOf(a);
    expect((await mutate(asOther, 'Task', 'update', { id: open, private: true })).userErrors).toEqual([
      err('private', 'would hide the task from you: a private task is seen only by its creator and its assignee', 'INVALID'),
    ]);
    expect((await update(a, 'Task', { id: open, private: true, title: 'Secret now' })).node).toMatchObject({ private: true, title: 'Secret now' });
    expect(await nodeOf(a, open, asOther)).toBeNull();
    expect(await updatedEvents(a, open, 'task.updated')).toEqual([]);
  });
});

describe('updatePage', () => {
  test('changes title, body and public; stays where it is; null empties the body; one event each', async () => {
    const parent = await pageOf(a);
    const id = await pageOf(a, { title: 'Sub', parentPageId: Number(Buffer.from(parent, 'base64').toString().split(':')[1]), projectId: null });
    const before = (await nodeOf(a, id))!;
    const changed = await update(a, 'Page', { id, title: ' Sub 2 ', public: true });
    expect(changed.userErrors).toEqual([]);
    expect(changed.node).toEqual({ ...before, title: 'Sub 2', public: true });
    const emptied = await update(a, 'Page', { id, body: null });
    expect(emptied.node).toEqual({ ...changed.node, body: '' });
    expect((await update(a, 'Page', { id, body: '{"text":"Again"}' })).node).toEqual({ ...emptied.node, body: '{"text":"Again"}' });
    expect((await updatedEvents(a, id, 'page.updated')).map((e) => e.body)).toEqual(['{"text":"Hi"}', '', '{"text":"Again"}']);
  });

  test("every error of createPage's shared fields, alike; public is never null; foreign and deleted pages are not found", async () => {
    const id = await pageOf(a);
    await sameErrorsAsCreate(a, 'Page', id, { title: 'Valid' }, [
      { title: '' },
      { title: 't'.repeat(256) },
      { title: NUL },
      { title: MEGABYTE },
      { body: 'not json' },
      { body: `"${'b'.repeat(200_000)}"` },
      { body: JSON.stringify({ text: NUL }).replace('\\u0000', '\u0000') },
      { body: MEGABYTE },
      { title: '', body: '{' },
    ]);
    expect((await update(a, 'Page', { id, public: null })).userErrors).toEqual([err('public', "can't be blank", 'BLANK')]);
    await foreignObjects('Page', 'Page', await pageOf(b), { title: 'Mine' }, gid('Task', 1));
    await send({ token: a.token }, DeleteAny('Page'), { input: { id } });
    expect((await update(a, 'Page', { id, title: 'Ghost' })).userErrors).toEqual([notFound('id', 'Page')]);
  });
});

describe('updateService', () => {
  test('changes what it is given in the deal currency, leaves the rest; becoming NOT_BILLABLE makes it unbillable', async () => {
    const id = gid('Service', await service(a, { description: 'Pixels', serviceTypeId: a.serviceTypes.software, price: 10000n, quantity: '2' }));
    const before = (await nodeOf(a, id))!;
    expect(before).toMatchObject({ billable: true, price: { cents: 10000, currency: 'EUR' }, total: { cents: 20000, currency: 'EUR' } });
    const priced = await update(a, 'Service', { id, price: 3, quantity: '0.5', unit: 'DAY' });
    expect(priced.userErrors).toEqual([]);
    expect(priced.node).toEqual({ ...before, price: { cents: 3, currency: 'EUR' }, total: { cents: 2, currency: 'EUR' }, quantity: '0.5', unit: 'DAY' });
    const unbilled = await update(a, 'Service', { id, pricingType: 'NOT_BILLABLE', description: null, serviceTypeId: null, name: ' Design 2 ' });
    expect(unbilled.node).toEqual({ ...priced.node, pricingType: 'NOT_BILLABLE', billable: false, description: null, serviceType: null, name: 'Design 2' });
    // Back to time and materials: billable stays as it is unless given.
    const billed = await update(a, 'Service', { id, pricingType: 'TIME_AND_MATERIALS' });
    expect(billed.node).toMatchObject({ pricingType: 'TIME_AND_MATERIALS', billable: false });
    expect((await update(a, 'Service', { id, billable: true })).node).toMatchObject({ billable: true });
    expect((await updatedEvents(a, id, 'service.updated')).map((e) => e.pricingType)).toEqual(['TIME_AND_MATERIALS', 'NOT_BILLABLE', 'TIME_AND_MATERIALS', 'TIME_AND_MATERIALS']);
  });

  test("every error of createService's shared fields, alike; the total with the stored quantity; nothing written", async () => {
    const archived = await a.db.serviceType.create({ data: { organizationId: a.organizationId, name: 'Old', archivedAt: new Date() } });
    const theirType = gid('ServiceType', b.serviceTypes.software);
    const id = gid('Service', await service(a, { price: 100n, quantity: '3' }));
    await sameErrorsAsCreate(a, 'Service', id, { dealId: gid('Deal', a.deals.eur), name: 'Valid', price: 100, quantity: '3' }, [
      { name: '' },
      { name: 'n'.repeat(256) },
      { name: NUL },
      { name: MEGABYTE },
      { description: 'd'.repeat(10_001) },
      { description: NUL },
      { description: MEGABYTE },
      { pricingType: 'NOT_BILLABLE', billable: true },
      { quantity: '-1' },
      { quantity: '1.23456' },
      { quantity: NUL },
      { quantity: MEGABYTE },
      { price: -1 },
      { price: '1000000000000001' },
      { price: '1000000000000000', quantity: '2' },
      { serviceTypeId: theirType },
      { serviceTypeId: gid('ServiceType', archived.id) },
      { serviceTypeId: gid('Deal', a.deals.eur) },
      { name: '', quantity: 'x', price: -1, serviceTypeId: theirType },
    ]);
    // Only the price given: with the stored quantity 3 the total passes 10^15, reported on the price.
    expect((await update(a, 'Service', { id, price: '400000000000000' })).userErrors).toEqual([
      err('price', 'is too large for the quantity: price × quantity must be at most 1000000000000000', 'INVALID'),
    ]);
    // Fields a service always has are never null; its deal is not an update's field.
    for (const key of ['billable', 'unit', 'pricingType', 'quantity', 'price']) {
      expect((await update(a, 'Service', { id, [key]: null })).userErrors, key).toEqual([err(key, "can't be blank", 'BLANK')]);
    }
    expect(await updatedEvents(a, id, 'service.updated')).toEqual([]);
  });

  test("an archived service type it has stays; another organization's service or a deleted one is not found", async () => {
    const type = await a.db.serviceType.create({ data: { organizationId: a.organizationId, name: 'Soon old' } });
    const id = gid('Service', await service(a, { serviceTypeId: type.id }));
    await a.db.serviceType.update({ where: { id: type.id }, data: { archivedAt: new Date() } });
    expect((await update(a, 'Service', { id, serviceTypeId: gid('ServiceType', type.id), name: 'Kept' })).node).toMatchObject({
      name: 'Kept',
      serviceType: { id: gid('ServiceType', type.id) },
    });
    await foreignObjects('Service', 'Service', gid('Service', await service(b)), { name: 'Mine' }, gid('Task', 1));
    await send({ token: a.token }, DeleteAny('Service'), { input: { id } });
    expect((await update(a, 'Service', { id, name: 'Ghost' })).userErrors).toEqual([notFound('id', 'Service')]);
  });
});

describe('updateTimeEntry', () => {
  test('changes what it is given, leaves the rest; moves to another service; an approved entry stays approved', async () => {
    const other = await a.member();
    const design = await service(a);
    const build = await service(a, { dealId: a.deals.usd, name: 'Build' });
    const task = await taskOf(a);
    const id = gid('TimeEntry', await timeEntry(a, design, { note: 'Mockups', billableTime: 400 }));
    const before = (await nodeOf(a, id))!;
    const moved = await update(a, 'TimeEntry', { id, serviceId: gid('Service', build), taskId: task, personId: gid('Person', other.personId), time: 90 });
    expect(moved.userErrors).toEqual([]);
    expect(moved.node).toEqual({ ...before, service: { id: gid('Service', build) }, task: { id: task }, person: { id: gid('Person', other.personId) }, time: 90 });
    const cleared = await update(a, 'TimeEntry', { id, taskId: null, note: null, billableTime: 0, date: '2025-08-02' });
    expect(cleared.node).toEqual({ ...moved.node, task: null, note: null, billableTime: 0, date: '2025-08-02' });
    // As an expense: approval is its own decision, an edit keeps it.
    await send({ token: a.token }, 'mutation A($input: ApproveTimeEntryInput!) { approveTimeEntry(input: $input) { userErrors { code } } }', { input: { id } });
    expect((await update(a, 'TimeEntry', { id, time: 30 })).node).toMatchObject({ time: 30, approved: true });
    expect((await updatedEvents(a, id, 'time_entry.updated')).map((e) => [e.time, e.approved])).toEqual([[90, false], [90, false], [30, true]]);
    // The service it left can go to the bin without it; it stays with the one it joined.
    await send({ token: a.token }, DeleteAny('Service'), { input: { id: gid('Service', design) } });
    expect(await nodeOf(a, id)).toMatchObject({ service: { id: gid('Service', build) } });
  });

  test("every error of createTimeEntry, alike; foreign service, task and person are not found; nothing written", async () => {
    const design = await service(a);
    const id = gid('TimeEntry', await timeEntry(a, design));
    const theirService = gid('Service', await service(b));
    const theirTask = await taskOf(b);
    await sameErrorsAsCreate(a, 'TimeEntry', id, { serviceId: gid('Service', design), date: '2025-08-01', time: 60 }, [
      { serviceId: null },
      { date: null },
      { time: null },
      { time: -1 },
      { time: 1441 },
      { billableTime: -1 },
      { billableTime: 1441 },
      { note: 'n'.repeat(10_001) },
      { note: NUL },
      { note: MEGABYTE },
      { serviceId: theirService },
      { serviceId: gid('Task', 1) },
      { taskId: theirTask },
      { personId: gid('Person', b.personId) },
      { serviceId: theirService, taskId: theirTask, personId: gid('Person', b.personId), time: 2000, note: NUL },
    ]);
    // A service in the bin takes no entry.
    const gone = await service(a, { name: 'Gone' });
    await send({ token: a.token }, DeleteAny('Service'), { input: { id: gid('Service', gone) } });
    expect((await update(a, 'TimeEntry', { id, serviceId: gid('Service', gone) })).userErrors).toEqual([notFound('serviceId', 'Service')]);
    expect(await updatedEvents(a, id, 'time_entry.updated')).toEqual([]);
    await foreignObjects('TimeEntry', 'Time entry', gid('TimeEntry', await timeEntry(b, await service(b))), { time: 1 }, gid('Booking', 1));
  });
});

describe('updateBooking', () => {
  test('changes what it is given, leaves the rest; moves to another service or event, keeping its kind', async () => {
    const other = await a.member();
    const design = await service(a);
    const build = await service(a, { name: 'Build' });
    const id = gid('Booking', await booking(a, { serviceId: design, note: 'On site' }));
    const before = (await nodeOf(a, id))!;
    const moved = await update(a, 'Booking', { id, serviceId: gid('Service', build), personId: gid('Person', other.personId), endedOn: '2025-08-08', time: 60 });
    expect(moved.userErrors).toEqual([]);
    expect(moved.node).toEqual({ ...before, service: { id: gid('Service', build) }, person: { id: gid('Person', other.personId) }, endedOn: '2025-08-08', time: 60 });
    expect((await update(a, 'Booking', { id, note: null, startedOn: '2025-08-08' })).node).toEqual({ ...moved.node, note: null, startedOn: '2025-08-08' });
    const vacation = await event(a, 'Vacation');
    const holiday = await event(a, 'Holiday');
    const absence = gid('Booking', await booking(a, { eventId: vacation }));
    expect((await update(a, 'Booking', { id: absence, eventId: gid('Event', holiday) })).node).toMatchObject({ event: { id: gid('Event', holiday) }, service: null });
    // Work stays work, an absence stays an absence.
    expect((await update(a, 'Booking', { id, eventId: gid('Event', holiday) })).userErrors).toEqual([
      err('eventId', 'cannot be set: a booking on a service stays on a service (book anew to change its kind)', 'INVALID'),
    ]);
    expect((await update(a, 'Booking', { id: absence, serviceId: gid('Service', design), eventId: null })).userErrors).toEqual([
      err('serviceId', 'cannot be set: a booking on an event stays on an event (book anew to change its kind)', 'INVALID'),
      err('eventId', "can't be blank", 'BLANK'),
    ]);
    expect(await updatedEvents(a, id, 'booking.updated')).toHaveLength(2);
  });

  test("every error of createBooking's shared fields, alike; foreign references and bookings are not found", async () => {
    const design = await service(a);
    const id = gid('Booking', await booking(a, { serviceId: design }));
    await sameErrorsAsCreate(a, 'Booking', id, { serviceId: gid('Service', design), startedOn: '2025-08-01', endedOn: '2025-08-05', time: 240 }, [
      { startedOn: null },
      { endedOn: null },
      { time: null },
      { time: 0 },
      { time: 1441 },
      { endedOn: '2025-07-31' },
      { startedOn: '2025-08-10', endedOn: '2025-08-09' },
      { note: 'n'.repeat(10_001) },
      { note: NUL },
      { note: MEGABYTE },
      { serviceId: gid('Service', await service(b)) },
      { serviceId: gid('Event', 1) },
      { personId: gid('Person', b.personId) },
      { time: 0, note: NUL, personId: gid('Person', b.personId) },
    ]);
    expect((await update(a, 'Booking', { id, startedOn: '2025-08-06' })).userErrors).toEqual([err('startedOn', 'must not be after endedOn', 'INVALID')]);
    expect((await update(a, 'Booking', { id, personId: null })).userErrors).toEqual([err('personId', "can't be blank", 'BLANK')]);
    const absence = gid('Booking', await booking(a, { eventId: await event(a) }));
    expect((await update(a, 'Booking', { id: absence, eventId: gid('Event', await event(b)) })).userErrors).toEqual([notFound('eventId', 'Event')]);
    expect(await updatedEvents(a, id, 'booking.updated')).toEqual([]);
    await foreignObjects('Booking', 'Booking', gid('Booking', await booking(b, { eventId: await event(b) })), { time: 1 }, gid('TimeEntry', 1));
  });
});

describe('updatePurchaseOrder', () => {
  test('changes what it is given, leaves the rest; the rate follows the currency; null is the deal’s currency again', async () => {
    const id = gid('PurchaseOrder', await purchaseOrder(a, { subject: 'Chairs', number: 'PO-1', note: 'Blue', totalCost: 10000n, issuedOn: new Date('2030-05-02') }));
    const before = (await nodeOf(a, id))!;
    expect(before).toMatchObject({ currency: 'EUR', exchangeRate: '1.25', totalCost: { original: { cents: 10000, currency: 'EUR' }, default: { cents: 12500, currency: 'USD' } } });
    const changed = await update(a, 'PurchaseOrder', { id, vendorId: gid('Company', a.companies.acme), subject: null, issuedOn: '2030-05-03', deliveryOn: '2030-06-01' });
    expect(changed.userErrors).toEqual([]);
    expect(changed.node).toEqual({ ...before, vendor: { id: gid('Company', a.companies.acme) }, subject: null, issuedOn: '2030-05-03', exchangeDate: '2030-05-03', deliveryOn: '2030-06-01' });
    // The organization's currency: rate 1; another one needs its rate; the stored rate stays while the currency does.
    const usd = await update(a, 'PurchaseOrder', { id, currency: 'USD', totalCost: 500 });
    expect(usd.node).toMatchObject({ currency: 'USD', exchangeRate: '1.0', totalCost: { original: { cents: 500, currency: 'USD' }, default: { cents: 500, currency: 'USD' } } });
    const gbp = await update(a, 'PurchaseOrder', { id, currency: 'GBP', exchangeRate: '1.3' });
    expect(gbp.node).toMatchObject({ currency: 'GBP', exchangeRate: '1.3', totalCost: { default: { cents: 650, currency: 'USD' } } });
    expect((await update(a, 'PurchaseOrder', { id, currency: 'GBP', note: null })).node).toMatchObject({ currency: 'GBP', exchangeRate: '1.3', note: null });
    expect((await update(a, 'PurchaseOrder', { id, currency: null })).node).toMatchObject({ currency: 'EUR', exchangeRate: '1.25' });
    expect((await updatedEvents(a, id, 'purchase_order.updated')).map((e) => e.currency)).toEqual(['EUR', 'USD', 'GBP', 'GBP', 'EUR']);
  });

  test("every error of createPurchaseOrder's shared fields, alike; foreign vendors and orders are not found; nothing written", async () => {
    const id = gid('PurchaseOrder', await purchaseOrder(a));
    await sameErrorsAsCreate(a, 'PurchaseOrder', id, { dealId: gid('Deal', a.deals.eur), vendorId: gid('Company', a.companies.globex) }, [
      { subject: 's'.repeat(256) },
      { subject: NUL },
      { subject: MEGABYTE },
      { number: 'n'.repeat(256) },
      { number: NUL },
      { note: 'n'.repeat(10_001) },
      { note: NUL },
      { note: MEGABYTE },
      { currency: '' },
      { currency: 'eur' },
      { currency: NUL },
      { currency: 'GBP' },
      { exchangeRate: 'abc' },
      { currency: 'USD', exchangeRate: '2' },
      { totalCost: -1 },
      { totalCost: '1000000000000001' },
      { totalCost: '1000000000000000', currency: 'EUR', exchangeRate: '10000' },
      { vendorId: gid('Company', b.companies.acme) },
      { vendorId: gid('Deal', a.deals.eur) },
      { subject: NUL, currency: 'eur', totalCost: -1, vendorId: gid('Company', b.companies.acme) },
    ]);
    for (const key of ['vendorId', 'issuedOn', 'totalCost']) {
      expect((await update(a, 'PurchaseOrder', { id, [key]: null })).userErrors, key).toEqual([err(key, "can't be blank", 'BLANK')]);
    }
    expect(await updatedEvents(a, id, 'purchase_order.updated')).toEqual([]);
    await foreignObjects('PurchaseOrder', 'Purchase order', gid('PurchaseOrder', await purchaseOrder(b)), { subject: 'Mine' }, gid('Service', 1));
    await send({ token: a.token }, DeleteAny('PurchaseOrder'), { input: { id } });
    expect((await update(a, 'PurchaseOrder', { id, subject: 'Ghost' })).userErrors).toEqual([notFound('id', 'Purchase order')]);
  });
});

// ---- Concurrency -------------------------------------------------------------------------------
//
// On PostgreSQL (TEST_DATABASE_URL) the 20 calls run on parallel connections; on PGlite one
// connection runs them one after the other, and the test shows only the sequential behaviour.

const pad = (i: number) => String(i + 1).padStart(2, '0');

/** Whether `actual` holds `partial` (as toMatchObject, nested objects partially too). */
function holds(actual: unknown, partial: unknown): boolean {
  if (partial === null || typeof partial !== 'object') return actual === partial;
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(partial).every(([key, value]) => holds((actual as Data)[key], value));
}

const TWENTY = Array.from({ length: 20 }, (_, i) => i);

/** Per type: a new object, and the i-th of 20 concurrent changes with what node(id:) then shows of it. */
const CONCURRENT: Array<{
  type: string;
  event: string;
  make: () => Promise<string>;
  change: (i: number) => Record<string, unknown>;
  shows: (i: number) => Data;
}> = [
  {
    type: 'Task',
    event: 'task.updated',
    make: () => taskOf(a),
    change: (i) => ({ title: `T${i}`, description: `D${i}`, dueDate: `2030-01-${pad(i)}` }),
    shows: (i) => ({ title: `T${i}`, description: `D${i}`, dueDate: `2030-01-${pad(i)}` }),
  },
  {
    type: 'Page',
    event: 'page.updated',
    make: () => pageOf(a),
    change: (i) => ({ title: `P${i}`, body: `{"i":${i}}` }),
    shows: (i) => ({ title: `P${i}`, body: `{"i":${i}}` }),
  },
  {
    type: 'Service',
    event: 'service.updated',
    make: async () => gid('Service', await service(a)),
    change: (i) => ({ name: `S${i}`, price: 100 * i + 1, quantity: `${i + 1}` }),
    shows: (i) => ({ name: `S${i}`, price: { cents: 100 * i + 1, currency: 'EUR' }, quantity: `${i + 1}.0` }),
  },
  {
    type: 'TimeEntry',
    event: 'time_entry.updated',
    make: async () => gid('TimeEntry', await timeEntry(a, await service(a))),
    change: (i) => ({ time: i + 1, billableTime: i, note: `N${i}` }),
    shows: (i) => ({ time: i + 1, billableTime: i, note: `N${i}` }),
  },
  {
    type: 'Booking',
    event: 'booking.updated',
    make: async () => gid('Booking', await booking(a, { serviceId: await service(a) })),
    change: (i) => ({ time: i + 1, note: `N${i}`, endedOn: `2025-08-${pad(i + 5)}` }),
    shows: (i) => ({ time: i + 1, note: `N${i}`, endedOn: `2025-08-${pad(i + 5)}` }),
  },
  {
    type: 'PurchaseOrder',
    event: 'purchase_order.updated',
    make: async () => gid('PurchaseOrder', await purchaseOrder(a)),
    change: (i) => ({ subject: `S${i}`, number: `PO-${i}`, totalCost: i + 1 }),
    shows: (i) => ({ subject: `S${i}`, number: `PO-${i}`, totalCost: { original: { cents: i + 1, currency: 'EUR' }, default: { cents: Math.round((i + 1) * 1.25 + 1e-9), currency: 'USD' } } }),
  },
];

describe('20 concurrent updates of one object', () => {
  test.each(CONCURRENT)('$type: every one answers, each records its event, the last committed wins whole', async ({ type, event, make, change, shows }) => {
    const id = await make();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => update(a, type, { id, ...change(i) })));
    answers.forEach((answer, i) => expect(answer.userErrors, `update ${i}`).toEqual([]));
    // One event per update, each showing its own change whole (a payload is the row its write holds).
    const events = await updatedEvents(a, id, event);
    expect(events).toHaveLength(20);
    const shown = events.map((payload) => TWENTY.find((i) => holds(payload, shows(i))));
    expect(shown.sort((x, y) => x! - y!)).toEqual(TWENTY);
    const final = (await nodeOf(a, id))!;
    // The stored object is one update's change, whole (no field of another), and it is the last
    // event's, in commit order.
    const winner = TWENTY.filter((i) => holds(final, shows(i)));
    expect(winner, JSON.stringify(final)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject(shows(winner[0]!));
    expect(events.at(-1)).toMatchObject(final);
  });
});

describe('moves racing a delete of a service', () => {
  /** Entries of `ids` as stored, with whether their service is in the bin. */
  const rows = (ids: number[]) =>
    t.db.prisma.timeEntry.findMany({ where: { id: { in: ids } }, select: { id: true, serviceId: true, deletedAt: true, service: { select: { deletedAt: true } } } });

  test('entries moving off a service being deleted: each is live on the new one, or went to the bin with the old one it was still on', async () => {
    const from = await service(a, { name: 'Leaving' });
    const to = await service(a, { name: 'Joining' });
    const ids = await Promise.all(Array.from({ length: 10 }, () => timeEntry(a, from)));
    const [deleted, ...moves] = await Promise.all([
      send({ token: a.token }, DeleteAny('Service'), { input: { id: gid('Service', from) } }),
      ...ids.map((id) => update(a, 'TimeEntry', { id: gid('TimeEntry', id), serviceId: gid('Service', to) })),
    ]);
    expect(deleted!.deleteService.userErrors).toEqual([]);
    for (const move of moves) expect([[], [notFound('id', 'Time entry')]]).toContainEqual((move as { userErrors: UserError[] }).userErrors);
    for (const row of await rows(ids)) {
      if (row.deletedAt === null) expect(row, 'live: on the service it joined').toMatchObject({ serviceId: to, service: { deletedAt: null } });
      else expect(row, 'in the bin: with the service it was on').toMatchObject({ serviceId: from, deletedAt: row.service.deletedAt });
    }
  });

  test('entries moving onto a service being deleted: each stays where it was (NOT_FOUND), or went to the bin with the service it joined', async () => {
    const from = await service(a, { name: 'Staying' });
    const to = await service(a, { name: 'Doomed' });
    const ids = await Promise.all(Array.from({ length: 10 }, () => timeEntry(a, from)));
    const [deleted, ...moves] = await Promise.all([
      send({ token: a.token }, DeleteAny('Service'), { input: { id: gid('Service', to) } }),
      ...ids.map((id) => update(a, 'TimeEntry', { id: gid('TimeEntry', id), serviceId: gid('Service', to) })),
    ]);
    expect(deleted!.deleteService.userErrors).toEqual([]);
    for (const move of moves) expect([[], [notFound('serviceId', 'Service')]]).toContainEqual((move as { userErrors: UserError[] }).userErrors);
    for (const row of await rows(ids)) {
      if (row.deletedAt === null) expect(row, 'live: where it was').toMatchObject({ serviceId: from, service: { deletedAt: null } });
      else expect(row, 'in the bin: with the service it joined').toMatchObject({ serviceId: to, deletedAt: row.service.deletedAt });
    }
  });
});
