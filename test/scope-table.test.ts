// The tenant scope as a table: every model reachable through the scoped client × every Prisma
// operation and argument shape that could reach another organization's rows, each with the one
// outcome allowed. Organization A's client runs each case against organization B; afterwards B's
// rows must be exactly as before. A new model or operation is one row below.
//
// Reads must be blind to B: besides finding nothing of B's by key, a read through relations must
// return the same whether or not B has rows linked to the person both organizations share (the
// only bridge between them: people are global). `toggleShared` removes and restores that link.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ScopeViolation } from '../src/db/scope.js';
import { getDatamodel } from '../src/generated/pothos-types.js';
import { startApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/fixtures.js';

type Data = Record<string, unknown>;
type Delegate = Record<string, (args?: object) => Promise<unknown>>;

/** Every row of B, and any person B shares, is marked so that a leak shows in a result. */
const SECRET = 'SECRET';

let t: TestApp;
let a: Tenant;
let b: Tenant;
/** A's person, also a member of B: the bridge. */
let shared: number;
/** B's other person, who takes over the shared expense while B's links to `shared` are hidden. */
let stand: number;
/** A person of no organization, who takes over the shared membership meanwhile. */
let ghost: number;
let aExpense: number;
let bExpense: number;
let sharedExpense: number;
let sharedMembership: number;
let bMembership: number;
let aMembership: number;

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
  shared = a.personId;
  stand = (await b.member()).personId;
  ghost = (await t.db.prisma.person.create({ data: { firstName: 'Ghost', lastName: SECRET, email: 'ghost@test.example' } })).id;
  aExpense = await a.expense({ name: 'A expense' });
  bExpense = await b.expense({ name: `${SECRET} expense` });
  const p = t.db.prisma;
  sharedMembership = (await p.membership.create({ data: { organizationId: b.organizationId, personId: shared } })).id;
  sharedExpense = await b.expense({ name: `${SECRET} shared` });
  await p.expense.update({ where: { id: sharedExpense }, data: { creatorId: shared, personId: shared } });
  aMembership = (await p.membership.findFirstOrThrow({ where: { organizationId: a.organizationId, personId: shared } })).id;
  bMembership = (await p.membership.findFirstOrThrow({ where: { organizationId: b.organizationId, personId: b.personId } })).id;

  const inB = { organizationId: b.organizationId };
  await p.organization.update({ where: { id: b.organizationId }, data: { name: `${SECRET} org` } });
  await p.person.updateMany({ where: { id: { in: [b.personId, stand] } }, data: { lastName: SECRET } });
  // (A membership's role was a canary too; roles are now one of two values, a check constraint.)
  for (const model of ['company', 'project', 'deal', 'serviceType'] as const) {
    await (p[model] as unknown as Delegate).updateMany!({ where: inB, data: { name: `${SECRET} ${model}` } });
  }
});
afterAll(() => t.close());

/** Removes every link between B and the shared person while `run` runs (raw SQL: no updatedAt change). */
async function toggleShared<T>(run: () => Promise<T>): Promise<T> {
  const sql = t.db.scripts;
  await sql.query('UPDATE expenses SET creator_id = $1, person_id = $1 WHERE id = $2', [stand, sharedExpense]);
  await sql.query('UPDATE memberships SET person_id = $1 WHERE id = $2', [ghost, sharedMembership]);
  try {
    return await run();
  } finally {
    await sql.query('UPDATE memberships SET person_id = $1 WHERE id = $2', [shared, sharedMembership]);
    await sql.query('UPDATE expenses SET creator_id = $1, person_id = $1 WHERE id = $2', [shared, sharedExpense]);
  }
}

/** Everything of B's, read without the scope. */
async function snapshotOfB() {
  const p = t.db.prisma;
  const inB = { where: { organizationId: b.organizationId }, orderBy: { id: 'asc' as const } };
  return {
    organization: await p.organization.findUnique({ where: { id: b.organizationId } }),
    people: await p.person.findMany({ where: { id: { in: [shared, b.personId, stand, ghost] } }, orderBy: { id: 'asc' } }),
    memberships: await p.membership.findMany(inB),
    companies: await p.company.findMany(inB),
    projects: await p.project.findMany(inB),
    deals: await p.deal.findMany(inB),
    serviceTypes: await p.serviceType.findMany(inB),
    expenses: await p.expense.findMany(inB),
  };
}

// ---- Models -------------------------------------------------------------------------------------

interface ModelRow {
  model: string;
  delegate: string;
  /** What the scoped client may write: everything, only `update` (Organization), or nothing. */
  writes: 'all' | 'update' | 'none';
  softDelete: boolean;
  /** A row of B. */
  b(): number;
  /** A row of A that leads to the shared person along `path`. */
  a(): number;
  /** Valid create data in A. */
  data(): Promise<Data>;
  /** Data that would put a row into B: the organization column set to B. */
  move(): Data;
  /** A nested write naming a row of B. */
  connect(): Data;
  /** Relations from this model to a Person. */
  path: string[];
}

/** Create data copied from one of A's rows. */
const copyOfA = (delegate: string, id: () => number) => async () => {
  const row = (await (t.db.prisma as unknown as Record<string, Delegate>)[delegate]!.findUniqueOrThrow!({
    where: { id: id() },
  })) as Data;
  const { id: _id, ...data } = row;
  // A copied expense needs a free position on its deal (positions are unique among live expenses).
  return delegate === 'expense' ? { ...data, position: 2_000_000 + ++unique } : data;
};
const intoB = () => ({ organizationId: b.organizationId });
let unique = 0;

const MODELS: ModelRow[] = [
  {
    model: 'Organization', delegate: 'organization', writes: 'update', softDelete: false,
    b: () => b.organizationId, a: () => a.organizationId,
    data: async () => ({ name: 'New', defaultCurrency: 'USD' }),
    move: () => ({ id: b.organizationId }),
    connect: () => ({ companies: { connect: { id: b.companies.acme } } }),
    path: ['memberships', 'person'],
  },
  {
    model: 'Person', delegate: 'person', writes: 'none', softDelete: false,
    b: () => b.personId, a: () => shared,
    data: async () => ({ firstName: 'New', lastName: 'Person', email: `new${(unique += 1)}@test.example` }),
    move: intoB,
    connect: () => ({ memberships: { connect: { id: bMembership } } }),
    path: [],
  },
  {
    model: 'Membership', delegate: 'membership', writes: 'none', softDelete: false,
    b: () => bMembership, a: () => aMembership,
    data: async () => ({ organizationId: a.organizationId, personId: stand }),
    move: intoB,
    connect: () => ({ person: { connect: { id: b.personId } } }),
    path: ['person'],
  },
  {
    model: 'Company', delegate: 'company', writes: 'all', softDelete: true,
    b: () => b.companies.acme, a: () => a.companies.acme,
    data: copyOfA('company', () => a.companies.acme),
    move: intoB,
    connect: () => ({ organization: { connect: { id: b.organizationId } } }),
    path: ['deals', 'expenses', 'creator'],
  },
  {
    model: 'Project', delegate: 'project', writes: 'all', softDelete: true,
    b: () => b.projects.website, a: () => a.projects.website,
    data: copyOfA('project', () => a.projects.website),
    move: intoB,
    connect: () => ({ company: { connect: { id: b.companies.acme } } }),
    path: ['deals', 'expenses', 'creator'],
  },
  {
    model: 'Deal', delegate: 'deal', writes: 'all', softDelete: true,
    b: () => b.deals.eur, a: () => a.deals.eur,
    data: copyOfA('deal', () => a.deals.eur),
    move: intoB,
    connect: () => ({ company: { connect: { id: b.companies.acme } } }),
    path: ['expenses', 'creator'],
  },
  {
    model: 'ServiceType', delegate: 'serviceType', writes: 'all', softDelete: true,
    b: () => b.serviceTypes.travel, a: () => a.serviceTypes.travel,
    data: copyOfA('serviceType', () => a.serviceTypes.travel),
    move: intoB,
    connect: () => ({ organization: { connect: { id: b.organizationId } } }),
    path: ['expenses', 'creator'],
  },
  {
    model: 'Expense', delegate: 'expense', writes: 'all', softDelete: true,
    b: () => bExpense, a: () => aExpense,
    data: copyOfA('expense', () => aExpense),
    move: intoB,
    connect: () => ({ deal: { connect: { id: b.deals.eur } } }),
    path: ['creator'],
  },
];

// ---- Arguments along a model's path to the shared person ----------------------------------------

const RELATIONS = new Map(
  Object.entries(getDatamodel().datamodel.models).map(([name, model]) => [
    name,
    new Map(model.fields.filter((f) => f.kind === 'object').map((f) => [f.name, { model: f.type, isList: f.isList }])),
  ]),
);
const step = (model: string, name: string) => RELATIONS.get(model)!.get(name)!;

/** A `where` on `model` that applies `filter` to the person at the end of `path`. */
function whereVia(model: string, path: string[], filter: Data, toOne: 'is' | 'bare' = 'is'): Data {
  if (path.length === 0) return filter;
  const [head, ...rest] = path as [string, ...string[]];
  const relation = step(model, head);
  const inner = whereVia(relation.model, rest, filter, toOne);
  return { [head]: relation.isList ? { some: inner } : toOne === 'is' ? { is: inner } : inner };
}

/** An `include` (or `select`) down `path` that ends with `leaf` on the person. */
function selectVia(model: string, path: string[], leaf: Data, key: 'include' | 'select'): Data {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string, ...string[]];
  const nested = { [key]: selectVia(step(model, head).model, rest, leaf, key) };
  return key === 'select' ? { id: true, [head]: nested } : { [head]: nested };
}

/** An `orderBy` by the count of the first to-many relation on the way (the person's expenses at the end). */
function orderByCount(model: string, path: string[]): Data {
  if (path.length === 0) return { createdExpenses: { _count: 'desc' } };
  const [head, ...rest] = path as [string, ...string[]];
  const relation = step(model, head);
  return { [head]: relation.isList ? { _count: 'desc' } : orderByCount(relation.model, rest) };
}

const inB = () => ({ organizationId: b.organizationId });
const some = () => ({ createdExpenses: { some: inB() } });

// ---- Operations ----------------------------------------------------------------------------------

/**
 * refused: a ScopeViolation, nothing sent. notFound: Prisma's P2025. empty: null, [], 0 or zero
 * aggregates. blind: no trace of B, and the same result with B's links to the shared person removed.
 * createdInA: a new row of A (an upsert that did not find B's row).
 */
type Outcome = 'refused' | 'notFound' | 'empty' | 'blind' | 'createdInA';

interface Operation {
  name: string;
  run(db: Delegate, m: ModelRow): Promise<unknown>;
  expect(m: ModelRow): Outcome;
}

const writable = (m: ModelRow, outcome: Outcome): Outcome => (m.writes === 'all' ? outcome : 'refused');
const deletable = (m: ModelRow, outcome: Outcome): Outcome => (m.writes === 'all' && !m.softDelete ? outcome : 'refused');

const OPERATIONS: Operation[] = [
  // B's row by its key
  { name: 'findUnique', run: (d, m) => d.findUnique!({ where: { id: m.b() } }), expect: () => 'empty' },
  { name: 'findUniqueOrThrow', run: (d, m) => d.findUniqueOrThrow!({ where: { id: m.b() } }), expect: () => 'notFound' },
  { name: 'findFirst', run: (d, m) => d.findFirst!({ where: { id: m.b() } }), expect: () => 'empty' },
  { name: 'findFirstOrThrow', run: (d, m) => d.findFirstOrThrow!({ where: { id: m.b() } }), expect: () => 'notFound' },
  { name: 'findMany', run: (d, m) => d.findMany!({ where: { id: m.b() } }), expect: () => 'empty' },
  { name: 'findMany of everything', run: (d) => d.findMany!({ orderBy: { id: 'asc' } }), expect: () => 'blind' },
  { name: 'count', run: (d, m) => d.count!({ where: { id: m.b() } }), expect: () => 'empty' },
  {
    name: 'aggregate',
    run: (d, m) => d.aggregate!({ where: { id: m.b() }, _count: { _all: true }, _max: { id: true } }),
    expect: () => 'empty',
  },
  { name: 'groupBy', run: (d, m) => d.groupBy!({ by: ['id'], where: { id: m.b() } }), expect: () => 'empty' },

  // Creates that name B
  { name: 'create in B', run: async (d, m) => d.create!({ data: { ...(await m.data()), ...m.move() } }), expect: () => 'refused' },
  { name: 'createMany in B', run: async (d, m) => d.createMany!({ data: [{ ...(await m.data()), ...m.move() }] }), expect: () => 'refused' },
  {
    name: 'createManyAndReturn in B',
    run: async (d, m) => d.createManyAndReturn!({ data: [{ ...(await m.data()), ...m.move() }] }),
    expect: () => 'refused',
  },

  // Writes to B's row
  {
    name: 'update',
    run: (d, m) => d.update!({ where: { id: m.b() }, data: { createdAt: new Date() } }),
    expect: (m) => (m.writes === 'none' ? 'refused' : 'notFound'),
  },
  { name: 'updateMany', run: (d, m) => d.updateMany!({ where: { id: m.b() }, data: { createdAt: new Date() } }), expect: (m) => writable(m, 'empty') },
  {
    name: 'updateManyAndReturn',
    run: (d, m) => d.updateManyAndReturn!({ where: { id: m.b() }, data: { createdAt: new Date() } }),
    expect: (m) => writable(m, 'empty'),
  },
  {
    name: 'upsert',
    run: async (d, m) => d.upsert!({ where: { id: m.b() }, create: await m.data(), update: { createdAt: new Date() } }),
    expect: (m) => writable(m, 'createdInA'),
  },
  { name: 'delete', run: (d, m) => d.delete!({ where: { id: m.b() } }), expect: (m) => deletable(m, 'notFound') },
  { name: 'deleteMany', run: (d, m) => d.deleteMany!({ where: { id: m.b() } }), expect: (m) => deletable(m, 'empty') },

  // Moving A's rows into B
  { name: 'update data organizationId', run: (d, m) => d.update!({ where: { id: m.a() }, data: m.move() }), expect: () => 'refused' },
  { name: 'updateMany data organizationId', run: (d, m) => d.updateMany!({ data: m.move() }), expect: () => 'refused' },
  {
    name: 'updateManyAndReturn data organizationId',
    run: (d, m) => d.updateManyAndReturn!({ data: m.move() }),
    expect: () => 'refused',
  },
  {
    name: 'upsert update organizationId',
    run: async (d, m) => d.upsert!({ where: { id: m.a() }, create: await m.data(), update: m.move() }),
    expect: () => 'refused',
  },

  // Nested writes naming B's rows
  { name: 'nested connect in update', run: (d, m) => d.update!({ where: { id: m.a() }, data: m.connect() }), expect: () => 'refused' },
  { name: 'nested connect in create', run: async (d, m) => d.create!({ data: { ...(await m.data()), ...m.connect() } }), expect: () => 'refused' },
  {
    name: 'nested create in upsert',
    run: async (d, m) => {
      const [relation] = Object.keys(m.connect());
      return d.upsert!({ where: { id: m.a() }, create: await m.data(), update: { [relation!]: { create: {} } } });
    },
    expect: () => 'refused',
  },

  // Cursors look their row up with no scope
  { name: 'cursor', run: (d, m) => d.findMany!({ cursor: { id: m.b() }, take: 1 }), expect: () => 'refused' },
  { name: 'cursor in count', run: (d, m) => d.count!({ cursor: { id: m.b() } }), expect: () => 'refused' },
  {
    name: 'cursor in nested to-many',
    run: (d, m) =>
      d.findMany!({ where: { id: m.a() }, include: selectVia(m.model, m.path, { createdExpenses: { cursor: { id: sharedExpense }, take: 1 } }, 'include') }),
    expect: () => 'refused',
  },

  // Relations nested in include / select
  {
    name: 'include to-many',
    run: (d, m) => d.findMany!({ where: { id: m.a() }, include: selectVia(m.model, m.path, { createdExpenses: true, memberships: true, expenses: true }, 'include') }),
    expect: () => 'blind',
  },
  {
    name: 'select to-many with where',
    run: (d, m) =>
      d.findUnique!({
        where: { id: m.a() },
        select: selectVia(m.model, m.path, { id: true, createdExpenses: { where: { amount: { gt: 0 } }, select: { id: true, name: true } } }, 'select'),
      }),
    expect: () => 'blind',
  },
  {
    name: 'nested where with a relation filter',
    run: (d, m) =>
      d.findMany!({ where: { id: m.a() }, include: selectVia(m.model, m.path, { memberships: { where: { person: some() } } }, 'include') }),
    expect: () => 'blind',
  },
  {
    name: '_count',
    run: (d, m) =>
      d.findMany!({ where: { id: m.a() }, include: selectVia(m.model, m.path, { _count: { select: { createdExpenses: true, memberships: true } } }, 'include') }),
    expect: () => 'blind',
  },
  {
    name: '_count with where',
    run: (d, m) =>
      d.findMany!({
        where: { id: m.a() },
        include: selectVia(
          m.model,
          m.path,
          { _count: { select: { createdExpenses: { where: { amount: { gt: 0 } } }, memberships: { where: { person: some() } } } } },
          'include',
        ),
      }),
    expect: () => 'blind',
  },

  // Relation filters in where
  { name: 'where to-many some', run: (d, m) => d.findMany!({ where: whereVia(m.model, m.path, some()) }), expect: () => 'blind' },
  {
    name: 'where to-many none',
    run: (d, m) => d.findMany!({ where: whereVia(m.model, m.path, { createdExpenses: { none: inB() } }) }),
    expect: () => 'blind',
  },
  {
    name: 'where to-many every',
    run: (d, m) => d.findMany!({ where: whereVia(m.model, m.path, { createdExpenses: { every: { organizationId: { not: b.organizationId } } } }) }),
    expect: () => 'blind',
  },
  {
    name: 'where to-one (bare) and memberships',
    run: (d, m) => d.findMany!({ where: whereVia(m.model, m.path, { memberships: { some: inB() } }, 'bare') }),
    expect: () => 'blind',
  },
  {
    name: 'where inside AND / OR / NOT',
    run: (d, m) =>
      d.findMany!({
        where: {
          AND: [{ OR: [whereVia(m.model, m.path, some()), { id: -1 }] }],
          NOT: [whereVia(m.model, m.path, { createdExpenses: { none: inB() } })],
        },
      }),
    expect: () => 'blind',
  },
  { name: 'count with a relation filter', run: (d, m) => d.count!({ where: whereVia(m.model, m.path, some()) }), expect: () => 'blind' },
  {
    name: 'groupBy with a relation filter',
    run: (d, m) => d.groupBy!({ by: ['id'], where: whereVia(m.model, m.path, some()), orderBy: { id: 'asc' } }),
    expect: () => 'blind',
  },
  {
    name: 'findUnique with a relation filter',
    run: (d, m) => d.findUnique!({ where: { id: m.a(), ...whereVia(m.model, m.path, some()) } }),
    expect: () => 'blind',
  },

  // Ordering
  { name: 'orderBy a to-many count', run: (d, m) => d.findMany!({ orderBy: orderByCount(m.model, m.path) }), expect: () => 'refused' },
];

// ---- The table -----------------------------------------------------------------------------------

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const isEmpty = (value: unknown): boolean =>
  value === null ||
  value === 0 ||
  (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && Object.values(value as object).every(isEmpty));

async function outcome<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error };
  }
}

let before: Awaited<ReturnType<typeof snapshotOfB>>;
beforeEach(async () => {
  before = await snapshotOfB();
});

describe.each(MODELS)('$model', (m) => {
  const cases = OPERATIONS.map((op) => ({ ...op, outcome: op.expect(m) }));

  test.each(cases)('$name → $outcome', async (op) => {
    const db = (a.db as unknown as Record<string, Delegate>)[m.delegate]!;
    const result = await outcome(() => op.run(db, m));

    switch (op.outcome) {
      case 'refused':
        expect(result.error).toBeInstanceOf(ScopeViolation);
        break;
      case 'notFound':
        expect(result.error, json(result.value)).toMatchObject({ code: 'P2025' });
        break;
      case 'empty':
        if (result.error) throw result.error;
        expect(isEmpty(result.value), json(result.value)).toBe(true);
        break;
      case 'createdInA': {
        if (result.error) throw result.error;
        const row = result.value as { id: number; organizationId: number };
        expect(row.id).not.toBe(m.b());
        expect(row.organizationId).toBe(a.organizationId);
        break;
      }
      case 'blind': {
        if (result.error) throw result.error;
        const without = await toggleShared(() => op.run(db, m));
        expect(json(without)).toBe(json(result.value));
        break;
      }
    }
    expect(json(result.value ?? null)).not.toContain(SECRET);
    expect(await snapshotOfB()).toEqual(before);
  });
});
