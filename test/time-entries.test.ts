// Time entries through GraphQL (issue 11): create with every validation (exact messages, in input
// order, nothing written), limits and hostile input, other organizations' ids and private tasks,
// lists and filters (also `Service.timeEntries`), and the recycle bin round trip.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceInput } from '../src/domain/services.js';
import { graphql } from './generated/index.js';
import type { CreateTimeEntryInput } from './generated/graphql.js';
import { as, data, errorsOf, execute, startApp, type TestApp } from './helpers/app.js';
import { binEntry, nodeOf, purgeEntry } from './helpers/bin.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { service as serviceRecord, timeEntry as entry } from './helpers/records.js';
import { DeleteTimeEntry, RestoreTimeEntry, TimeEntries } from './helpers/time-entries.js';

graphql(`
  fragment TeTimeEntryFields on TimeEntry {
    id
    databaseId
    date
    time
    billableTime
    note
    approved
    approvedAt
    service { id }
    task { id }
    person { id }
    creator { id }
    createdAt
    updatedAt
  }
`);

const CreateTimeEntry = graphql(`
  mutation TeCreateTimeEntry($input: CreateTimeEntryInput!) {
    createTimeEntry(input: $input) {
      timeEntry { ...TeTimeEntryFields }
      userErrors { field message code }
    }
  }
`);

const EntryTasks = graphql(`
  query TeEntryTasks { timeEntries { nodes { databaseId task { id } } } }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

/** A service priced 100.00, through the domain (test/helpers/records.ts). */
const service = (tenant: Tenant, input: Partial<ServiceInput> = {}) => serviceRecord(tenant, { price: 10000n, ...input });

async function task(tenant: Tenant, input: { private?: boolean; creatorId?: number; number?: number } = {}): Promise<number> {
  const row = await tenant.db.task.create({
    data: {
      organizationId: tenant.organizationId, projectId: tenant.projects.website, creatorId: input.creatorId ?? tenant.personId,
      number: input.number ?? 1, title: 'Wireframes', private: input.private ?? false,
    },
  });
  return row.id;
}

async function createEntryGql(tenant: Tenant, input: Partial<CreateTimeEntryInput>) {
  return (await data(t.app, CreateTimeEntry, { input: { date: '2025-08-01', time: 480, ...input } }, as(tenant))).createTimeEntry;
}

const entryCount = (tenant: Tenant) => t.db.prisma.timeEntry.count({ where: { organizationId: tenant.organizationId } });

// ---- Time entries -----------------------------------------------------------------------------

describe('createTimeEntry', () => {
  test('every field; defaults: the viewer, billable time = time', async () => {
    const a = await createTenant(t.db.prisma);
    const svc = await service(a);
    const taskId = await task(a);
    const result = await createEntryGql(a, { serviceId: gid('Service', svc), taskId: gid('Task', taskId), note: '  test note  ' });
    expect(result.userErrors).toEqual([]);
    expect(result.timeEntry).toMatchObject({
      date: '2025-08-01', time: 480, billableTime: 480, note: 'test note', approved: false, approvedAt: null,
      service: { id: gid('Service', svc) }, task: { id: gid('Task', taskId) },
      person: { id: gid('Person', a.personId) }, creator: { id: gid('Person', a.personId) },
    });
    const other = await a.member();
    const forOther = await createEntryGql(a, { serviceId: gid('Service', svc), personId: gid('Person', other.personId), time: 0, billableTime: 1440, date: '31.12.2025' });
    expect(forOther.timeEntry).toMatchObject({
      date: '2025-12-31', time: 0, billableTime: 1440, note: null, task: null,
      person: { id: gid('Person', other.personId) }, creator: { id: gid('Person', a.personId) },
    });
  });

  test('every problem at once, in input order; limits of minutes and texts; nothing written', async () => {
    const a = await createTenant(t.db.prisma);
    const svc = gid('Service', await service(a));
    const before = await entryCount(a);
    const empty = await data(t.app, CreateTimeEntry, { input: {} }, as(a));
    expect(errorsOf(empty.createTimeEntry.userErrors)).toEqual([
      ['input.serviceId', 'BLANK', "can't be blank"],
      ['input.date', 'BLANK', "can't be blank"],
      ['input.time', 'BLANK', "can't be blank"],
    ]);
    const all = await createEntryGql(a, {
      serviceId: gid('Service', 999_999), taskId: gid('Task', 999_999), personId: gid('Person', 999_999),
      time: -1, billableTime: 1441, note: 'x\u0000',
    });
    expect(errorsOf(all.userErrors)).toEqual([
      ['input.serviceId', 'NOT_FOUND', 'Service not found'],
      ['input.taskId', 'NOT_FOUND', 'Task not found'],
      ['input.personId', 'NOT_FOUND', 'Person not found'],
      ['input.time', 'INVALID', 'must be between 0 and 1440 (minutes)'],
      ['input.billableTime', 'INVALID', 'must be between 0 and 1440 (minutes)'],
      ['input.note', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
    ]);
    expect(errorsOf((await createEntryGql(a, { serviceId: svc, time: 1441, billableTime: -1 })).userErrors)).toEqual([
      ['input.time', 'INVALID', 'must be between 0 and 1440 (minutes)'],
      ['input.billableTime', 'INVALID', 'must be between 0 and 1440 (minutes)'],
    ]);
    expect(errorsOf((await createEntryGql(a, { serviceId: svc, note: 'n'.repeat(10_001) })).userErrors)).toEqual([
      ['input.note', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
    ]);
    const int32 = await execute(t.app, CreateTimeEntry, { input: { serviceId: svc, date: '2025-08-01', time: 2 ** 31 } }, as(a));
    expect(int32.status).toBe(400);
    const badDate = await execute(t.app, CreateTimeEntry, { input: { serviceId: svc, date: '2025-02-30', time: 1 } }, as(a));
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors?.[0]?.message).toMatch(/YYYY-MM-DD or DD\.MM\.YYYY/);
    const megabyte = await execute(t.app, CreateTimeEntry, { input: { serviceId: svc, date: '2025-08-01', time: 1, note: 'z'.repeat(1_100_000) } }, as(a));
    expect(megabyte.status).toBe(413);
    expect(await entryCount(a)).toBe(before);
    // The edges of the calendar the Date scalar takes are stored as they are.
    for (const date of ['0001-01-01', '9999-12-31']) {
      expect((await createEntryGql(a, { serviceId: svc, date })).timeEntry?.date, date).toBe(date);
    }
  });

  test("other organizations' service, task and person; a non-member; a task in the bin or private to others: NOT_FOUND", async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const theirs = await service(a);
    const theirTask = await task(a);
    const foreign = await createEntryGql(b, { serviceId: gid('Service', theirs), taskId: gid('Task', theirTask), personId: gid('Person', a.personId) });
    expect(errorsOf(foreign.userErrors)).toEqual([
      ['input.serviceId', 'NOT_FOUND', 'Service not found'],
      ['input.taskId', 'NOT_FOUND', 'Task not found'],
      ['input.personId', 'NOT_FOUND', 'Person not found'],
    ]);
    const other = await a.member();
    const hidden = await task(a, { private: true, creatorId: other.personId, number: 2 });
    const binned = await task(a, { number: 3 });
    await a.db.task.updateMany({ where: { id: binned }, data: { deletedAt: new Date() } });
    for (const taskId of [hidden, binned]) {
      expect(errorsOf((await createEntryGql(a, { serviceId: gid('Service', theirs), taskId: gid('Task', taskId) })).userErrors)).toEqual([
        ['input.taskId', 'NOT_FOUND', 'Task not found'],
      ]);
    }
    // The private task's creator may.
    const byCreator = await data(
      t.app, CreateTimeEntry, { input: { serviceId: gid('Service', theirs), taskId: gid('Task', hidden), date: '2025-08-01', time: 5 } }, { token: other.token },
    );
    expect(byCreator.createTimeEntry.timeEntry?.task).toEqual({ id: gid('Task', hidden) });
    // ...and others do not see that task through the entry either.
    const seen = await data(t.app, EntryTasks, {}, as(a));
    expect(seen.timeEntries.nodes).toEqual([{ databaseId: byCreator.createTimeEntry.timeEntry?.databaseId, task: null }]);
    expect(await entryCount(b)).toBe(0);
  });

  test('an entry whose task goes to the bin shows no task', async () => {
    const a = await createTenant(t.db.prisma);
    const taskId = await task(a);
    const id = await entry(a, await service(a), { taskId });
    await a.db.task.updateMany({ where: { id: taskId }, data: { deletedAt: new Date() } });
    expect((await data(t.app, EntryTasks, {}, as(a))).timeEntries.nodes).toEqual([{ databaseId: id, task: null }]);
  });
});

describe('time entry lists', () => {
  test('filters by service, person, task, deal and dates (inclusive); by date unless another order is given', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const other = await a.member();
    const design = await service(a);
    const ops = await service(a, { dealId: a.deals.usd });
    const taskId = await task(a);
    const late = await entry(a, design, { date: day('2025-08-03'), taskId });
    const early = await entry(a, design, { date: day('2025-08-01'), personId: other.personId });
    const middle = await entry(a, ops, { date: day('2025-08-02') });
    await entry(b, await service(b));

    const ids = async (variables: object) =>
      (await data(t.app, TimeEntries, variables as never, as(a))).timeEntries.nodes.map((n) => n.id);
    const g = (...rows: number[]) => rows.map((r) => gid('TimeEntry', r));
    expect(await ids({})).toEqual(g(early, middle, late));
    expect(await ids({ orderBy: [{ field: 'DATE', direction: 'DESC' }] })).toEqual(g(late, middle, early));
    expect(await ids({ orderBy: [{ field: 'CREATED_AT' }] })).toEqual(g(late, early, middle));
    expect(await ids({ filter: { serviceIds: [gid('Service', design)] } })).toEqual(g(early, late));
    expect(await ids({ filter: { personIds: [gid('Person', other.personId)] } })).toEqual(g(early));
    expect(await ids({ filter: { taskIds: [gid('Task', taskId)] } })).toEqual(g(late));
    expect(await ids({ filter: { dealIds: [gid('Deal', a.deals.usd)] } })).toEqual(g(middle));
    expect(await ids({ filter: { dateAfter: '2025-08-02', dateBefore: '2025-08-03' } })).toEqual(g(middle, late));
    expect(await ids({ filter: { dateBefore: '2025-08-01' } })).toEqual(g(early));
    expect(await ids({ filter: { time: { gte: 480 } } })).toEqual(g(early, middle, late));
  });

  test('delete: the bin names it "First Last - Aug 1 2025 - 08:00" at "project / deal / service"; restore and purge', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await entry(a, await service(a, { name: 'test name' }), { date: day('2025-08-01'), time: 480 });
    const global = gid('TimeEntry', id);
    expect((await data(t.app, DeleteTimeEntry, { input: { id: global } }, as(a))).deleteTimeEntry).toEqual({ deletedTimeEntryId: global, userErrors: [] });
    const person = await t.db.prisma.person.findUniqueOrThrow({ where: { id: a.personId } });
    const binned = (await binEntry(t.app, as(a), 'TIME_ENTRY', global))!;
    expect(binned).toMatchObject({ name: `Test ${person.lastName} - Aug 1 2025 - 08:00`, location: 'Website / EUR budget / test name' });
    expect((await data(t.app, TimeEntries, {}, as(a))).timeEntries.totalCount).toBe(0);
    expect((await nodeOf(t.app, as(a), global))).toBeNull();

    const restored = await data(t.app, RestoreTimeEntry, { input: { id: binned.id } }, as(a));
    expect(restored.restoreDeletedItem).toMatchObject({ item: { id: global, time: 480, person: { id: gid('Person', a.personId) } }, userErrors: [] });
    await data(t.app, DeleteTimeEntry, { input: { id: global } }, as(a));
    const again = (await binEntry(t.app, as(a), 'TIME_ENTRY', global))!;
    expect((await purgeEntry(t.app, as(a), again.id))).toEqual({ purgedDeletedItemId: again.id, userErrors: [] });
    expect(await t.db.prisma.timeEntry.count({ where: { id } })).toBe(0);
    expect((await data(t.app, RestoreTimeEntry, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' },
    ]);
  });
});

