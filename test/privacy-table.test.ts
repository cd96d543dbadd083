// Privacy as a table, as test/scope-table.test.ts has tenancy: every Prisma operation shape that
// could reach a private row × the private models (tasks, bin entries), through a client bound to
// one person. Another person's private row must be hidden (reads), not found (unique lookups,
// updates, deletes) and left unchanged; the viewer's own, assigned and public rows stay visible.
// Then the views that must see every private row, explicitly: an operator's client (no person) and
// a cascade's (`everyone`); and the view a payload is rendered in (`widenTransaction`) keeps the person.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { everyone, scopedClient, widenTransaction, type ScopedClient } from '../src/db/scope.js';
import { restoreDeletedItem } from '../src/domain/bin-restore.js';
import { deleteItem, purgeDeletedItem } from '../src/domain/recycle-bin.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

type Data = Record<string, unknown>;
type Delegate = Record<string, (args?: object) => Promise<unknown>>;

let t: TestApp;
let a: Tenant;
/** The viewer. */
let me: number;
/** Another member, who owns the hidden rows. */
let other: number;
/** The viewer's client: bound to the organization and to `me`. */
let db: ScopedClient;
let bin: ScopedClient;

const tasks = { hidden: 0, own: 0, assigned: 0, public: 0 };
const entries = { hidden: 0, own: 0, public: 0 };
/** Time entries on the hidden task and on the assigned one. */
let hiddenTaskEntry = 0;
let assignedTaskEntry = 0;
let serviceId = 0;
let copied = 0;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  me = a.personId;
  other = (await a.member()).personId;
  db = scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: me });
  bin = scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: me, includeDeleted: true });
  const p = t.db.prisma;
  let number = 0;
  const task = async (title: string, data: Data) =>
    (await p.task.create({
      data: { organizationId: a.organizationId, projectId: a.projects.website, number: (number += 1), title, creatorId: other, private: true, ...data } as never,
    })).id;
  tasks.hidden = await task('Hidden', {});
  tasks.own = await task('Own', { creatorId: me });
  tasks.assigned = await task('Assigned', { assigneeId: me });
  tasks.public = await task('Public', { private: false });
  const entry = async (name: string, data: Data) =>
    (await p.deletedItem.create({
      data: { organizationId: a.organizationId, itemType: 'task', itemId: 1_000_000 + (number += 1), name, location: 'Project: Website', deleterId: other, private: true, stamp: new Date(), ...data },
    })).id;
  entries.hidden = await entry('Hidden', {});
  entries.own = await entry('Own', { deleterId: me });
  entries.public = await entry('Public', { private: false });
  serviceId = (await p.service.create({
    data: {
      organizationId: a.organizationId, dealId: a.deals.usd, serviceTypeId: a.serviceTypes.travel, name: 'Design', position: 1, price: 100n,
    },
  })).id;
  const timeEntry = async (taskId: number) =>
    (await p.timeEntry.create({
      data: { organizationId: a.organizationId, serviceId, taskId, personId: me, creatorId: me, date: new Date('2025-08-01'), time: 60, billableTime: 60 } as never,
    })).id;
  hiddenTaskEntry = await timeEntry(tasks.hidden);
  assignedTaskEntry = await timeEntry(tasks.assigned);
});
afterAll(() => t.close());

/** The private rows of others, read without any scope: none of the cases may change them. */
async function hiddenRows() {
  return {
    task: await t.db.prisma.task.findUnique({ where: { id: tasks.hidden } }),
    entry: await t.db.prisma.deletedItem.findUnique({ where: { id: entries.hidden } }),
  };
}

interface PrivateModel {
  model: string;
  delegate: 'task' | 'deletedItem';
  client: () => ScopedClient;
  hidden: () => number;
  /** Own, assigned (tasks), public. */
  visible: () => number[];
  /** A harmless change of a text column. */
  change: Data;
  softDelete: boolean;
}

const MODELS: PrivateModel[] = [
  {
    model: 'Task', delegate: 'task', client: () => db, hidden: () => tasks.hidden,
    visible: () => [tasks.own, tasks.assigned, tasks.public], change: { description: 'Changed' }, softDelete: true,
  },
  {
    model: 'DeletedItem', delegate: 'deletedItem', client: () => bin, hidden: () => entries.hidden,
    visible: () => [entries.own, entries.public], change: { name: 'Changed' }, softDelete: false,
  },
];

type Outcome = 'hidden' | 'rejected';

interface Case {
  name: string;
  /** Runs the operation against one id; answers what the test compares. */
  run(d: Delegate, id: number, m: PrivateModel): Promise<unknown>;
  /** What it answers for another person's private row. */
  hidden: Outcome | ((m: PrivateModel) => unknown);
  /** What it answers for a visible row (own, assigned, public). */
  visible: (id: number, m: PrivateModel) => unknown;
  /** Only for models that are hard-deletable (soft-deleted ones refuse deletes anyway: test/scope-table). */
  hardDeleteOnly?: boolean;
}

const unscoped = (m: PrivateModel) => (t.db.prisma as unknown as Record<string, Delegate>)[m.delegate]!;

/** Create data copied from a row (a bin entry's copy names another object: one open entry each). */
async function copyOf(m: PrivateModel, id: number): Promise<Data> {
  const { id: _id, ...row } = (await unscoped(m).findUniqueOrThrow!({ where: { id } })) as Data;
  copied += 1;
  return 'itemId' in row ? { ...row, itemId: 2_000_000 + copied } : { ...row, number: 2_000_000 + copied };
}

const idOf = (row: unknown) => (row as { id: number } | null)?.id ?? null;

const CASES: Case[] = [
  { name: 'findUnique', run: async (d, id) => idOf(await d.findUnique!({ where: { id } })), hidden: () => null, visible: (id) => id },
  { name: 'findUniqueOrThrow', run: async (d, id) => idOf(await d.findUniqueOrThrow!({ where: { id } })), hidden: 'rejected', visible: (id) => id },
  { name: 'findFirst', run: async (d, id) => idOf(await d.findFirst!({ where: { id } })), hidden: () => null, visible: (id) => id },
  { name: 'findFirstOrThrow', run: async (d, id) => idOf(await d.findFirstOrThrow!({ where: { id } })), hidden: 'rejected', visible: (id) => id },
  {
    name: 'findMany by an OR that names it',
    run: async (d, id) => ((await d.findMany!({ where: { OR: [{ id }, { private: true, id }] }, select: { id: true } })) as Data[]).map(idOf),
    hidden: () => [],
    visible: (id) => [id],
  },
  { name: 'findMany by NOT', run: async (d, id) => ((await d.findMany!({ where: { NOT: { id: { not: id } } } })) as Data[]).map(idOf), hidden: () => [], visible: (id) => [id] },
  { name: 'count', run: (d, id) => d.count!({ where: { id } }), hidden: () => 0, visible: () => 1 },
  { name: 'count with select', run: async (d, id) => ((await d.count!({ where: { id }, select: { _all: true, id: true } })) as Data)._all, hidden: () => 0, visible: () => 1 },
  { name: 'aggregate', run: async (d, id) => ((await d.aggregate!({ where: { id }, _count: { id: true }, _max: { id: true } })) as { _max: Data })._max.id, hidden: () => null, visible: (id) => id },
  {
    name: 'groupBy',
    run: async (d, id) => ((await d.groupBy!({ by: ['private'], where: { id }, _count: { id: true } })) as Data[]).length,
    hidden: () => 0,
    visible: () => 1,
  },
  { name: 'update', run: async (d, id, m) => idOf(await d.update!({ where: { id }, data: m.change })), hidden: 'rejected', visible: (id) => id },
  { name: 'updateMany', run: async (d, id, m) => ((await d.updateMany!({ where: { id }, data: m.change })) as { count: number }).count, hidden: () => 0, visible: () => 1 },
  {
    name: 'updateManyAndReturn',
    run: async (d, id, m) => ((await d.updateManyAndReturn!({ where: { id }, data: m.change })) as Data[]).map(idOf),
    hidden: () => [],
    visible: (id) => [id],
  },
  {
    name: 'upsert',
    // Whether it updated the row it names. For a hidden row the create branch runs instead, with a
    // copy of another hidden row (so the lists below are unaffected).
    run: async (d, id, m) => idOf(await d.upsert!({ where: { id }, update: m.change, create: await copyOf(m, m.hidden()) })) === id,
    hidden: () => false,
    visible: () => true,
  },
  { name: 'delete', run: async (d, id) => idOf(await d.delete!({ where: { id } })), hidden: 'rejected', visible: (id) => id, hardDeleteOnly: true },
  { name: 'deleteMany', run: async (d, id) => ((await d.deleteMany!({ where: { id } })) as { count: number }).count, hidden: () => 0, visible: () => 1, hardDeleteOnly: true },
];

describe.each(MODELS)('$model: another person\'s private row', (m) => {
  const delegate = () => m.client()[m.delegate] as unknown as Delegate;
  test.each(CASES.filter((c) => !c.hardDeleteOnly || !m.softDelete))('$name: not there for them', async (c) => {
    const before = await hiddenRows();
    const answer = c.run(delegate(), m.hidden(), m);
    if (c.hidden === 'rejected') await expect(answer).rejects.toThrow();
    else expect(await answer).toEqual((c.hidden as (m: PrivateModel) => unknown)(m));
    expect(await hiddenRows()).toEqual(before);
  });

  test.each(CASES.filter((c) => !c.hardDeleteOnly || !m.softDelete))('$name: own, assigned and public rows are there', async (c) => {
    // A delete case is run on a copy, so that the rows stay for the other cases.
    const copies = c.hardDeleteOnly
      ? await Promise.all(m.visible().map(async (id) => idOf(await unscoped(m).create!({ data: await copyOf(m, id) }))!))
      : m.visible();
    for (const id of copies) expect(await c.run(delegate(), id, m)).toEqual(c.visible(id, m));
  });

  test('lists and totals leave it out and keep the rest', async () => {
    const all = [m.hidden(), ...m.visible()];
    const rows = (await delegate().findMany!({ where: { id: { in: all } }, select: { id: true } })) as Data[];
    expect(rows.map(idOf).sort()).toEqual([...m.visible()].sort());
    expect(await delegate().count!({ where: { id: { in: all } } })).toBe(m.visible().length);
    expect(await delegate().count!({})).toBe(m.visible().length);
  });

  test('inside an interactive transaction too', async () => {
    const seen = await m.client().$transaction(async (tx) => {
      const d = tx[m.delegate] as unknown as Delegate;
      return [await d.findUnique!({ where: { id: m.hidden() } }), await d.count!({ where: { id: { in: [m.hidden(), ...m.visible()] } } })];
    });
    expect(seen).toEqual([null, m.visible().length]);
  });
});

describe('Task through its relations', () => {
  const visibleTasks = () => [tasks.own, tasks.assigned, tasks.public];

  test('a to-many include and a relation count leave it out', async () => {
    const project = await db.project.findUniqueOrThrow({ where: { id: a.projects.website }, include: { tasks: { select: { id: true } }, _count: { select: { tasks: true } } } });
    expect(project.tasks.map((task) => task.id).sort()).toEqual(visibleTasks().sort());
    expect(project._count.tasks).toBe(3);
    const counted = await db.project.findUniqueOrThrow({ where: { id: a.projects.website }, select: { _count: true } });
    expect(counted._count.tasks).toBe(3);
  });

  test('relation filters: some and none do not find it, every ignores it', async () => {
    const website = a.projects.website;
    const ids = async (where: object) => (await db.project.findMany({ where, select: { id: true } })).map((p) => p.id);
    expect(await ids({ tasks: { some: { id: tasks.hidden } } })).toEqual([]);
    expect(await ids({ tasks: { some: { title: 'Hidden' } } })).toEqual([]);
    expect(await ids({ id: website, tasks: { none: { title: 'Hidden' } } })).toEqual([website]);
    // Every task the viewer sees is one of the visible ones: true, whatever the hidden task is.
    expect(await ids({ id: website, tasks: { every: { id: { in: visibleTasks() } } } })).toEqual([website]);
  });

  test('to-one filters do not match on its columns, in every form', async () => {
    const ids = async (where: object) => (await db.timeEntry.findMany({ where, select: { id: true } })).map((e) => e.id);
    expect(await ids({ task: { title: 'Hidden' } })).toEqual([]);
    expect(await ids({ task: { is: { title: 'Hidden' } } })).toEqual([]);
    expect(await ids({ task: { is: { id: tasks.hidden } } })).toEqual([]);
    // `isNot` matches it whatever the condition: as for an entry without a task, its columns tell nothing.
    expect(await ids({ id: hiddenTaskEntry, task: { isNot: { title: 'Hidden' } } })).toEqual([hiddenTaskEntry]);
    expect(await ids({ id: hiddenTaskEntry, task: { isNot: { title: { not: 'Hidden' } } } })).toEqual([hiddenTaskEntry]);
    expect(await ids({ task: { is: { title: 'Assigned' } } })).toEqual([assignedTaskEntry]);
    // The rows that point at it are not private: they stay, by their own columns.
    expect((await ids({ id: { in: [hiddenTaskEntry, assignedTaskEntry] } })).sort()).toEqual([hiddenTaskEntry, assignedTaskEntry].sort());
  });

  test('its id and its existence do not show through the entry: filters read a hidden task as none', async () => {
    const ids = async (client: ScopedClient, where: object) =>
      (await client.timeEntry.findMany({ where: { serviceId, ...where }, select: { id: true }, orderBy: { id: 'asc' } })).map((e) => e.id);
    // By the foreign key, in the forms the API's filters make (`taskIds`, "has a task").
    expect(await ids(db, { taskId: tasks.hidden })).toEqual([]);
    expect(await ids(db, { taskId: { in: [tasks.hidden, tasks.assigned] } })).toEqual([assignedTaskEntry]);
    expect(await ids(db, { taskId: { not: null } })).toEqual([assignedTaskEntry]);
    // "Without a task": the entry on the hidden task is one, as `task` reads null on it.
    expect(await ids(db, { taskId: null })).toEqual([hiddenTaskEntry]);
    expect(await ids(db, { taskId: { equals: null } })).toEqual([hiddenTaskEntry]);
    expect(await ids(db, { task: null })).toEqual([hiddenTaskEntry]);
    expect(await ids(db, { task: { is: null } })).toEqual([hiddenTaskEntry]);
    expect(await ids(db, { task: { isNot: null } })).toEqual([assignedTaskEntry]);
    // Inside AND, OR and NOT, and through a relation filter from above.
    expect(await ids(db, { OR: [{ taskId: tasks.hidden }, { taskId: tasks.assigned }] })).toEqual([assignedTaskEntry]);
    expect(await ids(db, { NOT: { taskId: null } })).toEqual([assignedTaskEntry]);
    const services = await db.service.findMany({ where: { id: serviceId, timeEntries: { some: { taskId: tasks.hidden } } }, select: { id: true } });
    expect(services).toEqual([]);
    // Counts agree with the lists.
    expect(await db.timeEntry.count({ where: { serviceId, taskId: null } })).toBe(1);
    // An order by its columns would place the entry by them: refused to a person's client.
    await expect(db.timeEntry.findMany({ where: { serviceId }, orderBy: { task: { title: 'asc' } } })).rejects.toThrow(/private model/);
    await expect(db.service.findMany({ select: { timeEntries: { orderBy: [{ task: { number: 'desc' } }] } } })).rejects.toThrow(/private model/);
    // An operator's view (no person) sees the task, and filters by it as it is.
    const operator = scopedClient(t.db.prisma, { organizationId: a.organizationId });
    expect(await ids(operator, { taskId: tasks.hidden })).toEqual([hiddenTaskEntry]);
    expect(await ids(operator, { taskId: null })).toEqual([]);
    expect(await operator.timeEntry.count({ where: { serviceId }, orderBy: { task: { title: 'asc' } } })).toBe(2);
  });

  test('a to-one read answers null for it, with include or select, at any depth, and adds no columns', async () => {
    const entry = await db.timeEntry.findUniqueOrThrow({ where: { id: hiddenTaskEntry }, include: { task: true } });
    expect(entry.task).toBeNull();
    const selected = await db.timeEntry.findMany({ where: { serviceId }, select: { id: true, task: { select: { title: true } } }, orderBy: { id: 'asc' } });
    expect(selected).toEqual([
      { id: hiddenTaskEntry, task: null },
      { id: assignedTaskEntry, task: { title: 'Assigned' } },
    ]);
    const deep = await db.service.findUniqueOrThrow({
      where: { id: serviceId },
      select: { timeEntries: { select: { id: true, task: { select: { number: true, timeEntries: { select: { id: true } } } } }, orderBy: { id: 'asc' } } },
    });
    expect(deep.timeEntries).toEqual([
      { id: hiddenTaskEntry, task: null },
      { id: assignedTaskEntry, task: { number: expect.any(Number), timeEntries: [{ id: assignedTaskEntry }] } },
    ]);
    const project = await db.project.findUniqueOrThrow({
      where: { id: a.projects.website },
      select: { tasks: { select: { timeEntries: { select: { task: { select: { id: true } } } } } } },
    });
    expect(project.tasks.flatMap((task) => task.timeEntries.map((e) => e.task))).toEqual([{ id: tasks.assigned }]);
  });
});

describe('views that must see every private row, explicitly', () => {
  test("an operator's client (no person: the CLI, jobs) sees every private row", async () => {
    const operator = scopedClient(t.db.prisma, { organizationId: a.organizationId });
    expect(await operator.task.count({ where: { id: tasks.hidden } })).toBe(1);
    const binOf = scopedClient(t.db.prisma, { organizationId: a.organizationId, includeDeleted: true });
    expect(await binOf.deletedItem.count({ where: { id: entries.hidden } })).toBe(1);
    expect((await operator.timeEntry.findUniqueOrThrow({ where: { id: hiddenTaskEntry }, include: { task: true } })).task?.id).toBe(tasks.hidden);
  });

  test("a cascade's view (`everyone`) sees them in the same transaction; the rendering view (`widenTransaction`) keeps the person", async () => {
    const seen = await db.$transaction(async (tx) => ({
      own: await tx.task.count({ where: { id: tasks.hidden } }),
      cascade: await everyone(tx).task.count({ where: { id: tasks.hidden } }),
      cascadeWhere: await everyone(tx).task.count({ where: { id: tasks.hidden, organizationId: a.organizationId } }),
      widened: await widenTransaction(tx).task.count({ where: { id: tasks.hidden } }),
      widenedSeesDeleted: await widenTransaction(tx).deletedItem.count({ where: { id: entries.hidden } }),
    }));
    expect(seen).toEqual({ own: 0, cascade: 1, cascadeWhere: 1, widened: 0, widenedSeesDeleted: 0 });
  });

  test('everyone() takes only a transaction of the scoped client', () => {
    expect(() => everyone(db as never)).toThrow(/transaction of the scoped client/);
  });

  test('a client per person: two people of one organization never share one', () => {
    expect(scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: me })).toBe(db);
    expect(scopedClient(t.db.prisma, { organizationId: a.organizationId, personId: other })).not.toBe(db);
    expect(scopedClient(t.db.prisma, { organizationId: a.organizationId })).not.toBe(db);
  });
});

describe("the bin moves others' private rows with what they belong to", () => {
  test('a project goes to the bin, comes back and is purged with a private task its deleter cannot see', async () => {
    const c = await createTenant(t.db.prisma);
    const owner = (await c.member()).personId;
    const p = t.db.prisma;
    const project = (await p.project.create({ data: { organizationId: c.organizationId, companyId: c.companies.acme, name: 'Secret work', number: 3 } })).id;
    const secret = (await p.task.create({ data: { organizationId: c.organizationId, projectId: project, number: 1, title: 'Secret', creatorId: owner, private: true } })).id;
    const viewerDb = scopedClient(p, { organizationId: c.organizationId, personId: c.personId });
    const viewerBin = scopedClient(p, { organizationId: c.organizationId, personId: c.personId, includeDeleted: true });
    expect(await viewerDb.task.count({ where: { id: secret } })).toBe(0);
    const state = async () => p.task.findUniqueOrThrow({ where: { id: secret }, select: { deletedAt: true } }).then((row) => row.deletedAt !== null, () => 'gone');

    expect((await deleteItem(viewerDb, c.viewer, 'project', project)).ok).toBe(true);
    expect(await state()).toBe(true); // in the bin with its project, though its deleter never saw it
    const entry = await p.deletedItem.findFirstOrThrow({ where: { organizationId: c.organizationId, itemType: 'project', itemId: project } });
    expect((await restoreDeletedItem(viewerBin, c.viewer, entry.id)).ok).toBe(true);
    expect(await state()).toBe(false); // back with it

    expect((await deleteItem(viewerDb, c.viewer, 'project', project)).ok).toBe(true);
    const again = await p.deletedItem.findFirstOrThrow({ where: { organizationId: c.organizationId, itemType: 'project', itemId: project, recoveredAt: null } });
    expect((await purgeDeletedItem(viewerBin, c.viewer, again.id)).ok).toBe(true);
    expect(await state()).toBe('gone'); // erased with it
  });

  test("another person's private task: not theirs to delete; its private entry: not theirs to restore or purge", async () => {
    const c = await createTenant(t.db.prisma);
    const owner = await c.member();
    const p = t.db.prisma;
    const secret = (await p.task.create({ data: { organizationId: c.organizationId, projectId: c.projects.website, number: 1, title: 'Secret', creatorId: owner.personId, private: true } })).id;
    const viewerDb = scopedClient(p, { organizationId: c.organizationId, personId: c.personId });
    const viewerBin = scopedClient(p, { organizationId: c.organizationId, personId: c.personId, includeDeleted: true });
    const ownerViewer = { ...c.viewer, person: { ...c.viewer.person, id: owner.personId } };
    const ownerDb = scopedClient(p, { organizationId: c.organizationId, personId: owner.personId });
    const codes = (r: { ok: boolean; errors?: { code: string }[] }) => (r.ok ? [] : r.errors!.map((e) => e.code));

    expect(codes(await deleteItem(viewerDb, c.viewer, 'task', secret) as never)).toEqual(['NOT_FOUND']);
    expect((await p.task.findUniqueOrThrow({ where: { id: secret } })).deletedAt).toBeNull();
    expect((await deleteItem(ownerDb, ownerViewer, 'task', secret)).ok).toBe(true);
    const entry = await p.deletedItem.findFirstOrThrow({ where: { organizationId: c.organizationId, itemType: 'task', itemId: secret } });
    expect(entry.private).toBe(true);
    expect(codes(await restoreDeletedItem(viewerBin, c.viewer, entry.id) as never)).toEqual(['NOT_FOUND']);
    expect(codes(await purgeDeletedItem(viewerBin, c.viewer, entry.id) as never)).toEqual(['NOT_FOUND']);
    expect(await p.deletedItem.findUniqueOrThrow({ where: { id: entry.id } })).toMatchObject({ recoveredAt: null });
    // The operator's bin (no person) may purge it.
    const operatorBin = scopedClient(p, { organizationId: c.organizationId, includeDeleted: true });
    expect((await purgeDeletedItem(operatorBin, null, entry.id)).ok).toBe(true);
    expect(await p.task.findUnique({ where: { id: secret } })).toBeNull();
  });
});
