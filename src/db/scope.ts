// The one place tenancy and soft deletion are enforced. `scopedClient` binds a Prisma client to
// one organization: every read, count, aggregate and write of the bound client is narrowed to that
// organization and, unless asked otherwise, to rows that are not soft-deleted -- including to-many
// relations and relation counts nested in `include`/`select`, and relation filters in `where`.
// Resolvers receive only this client, so none of them can forget a filter.
//
// Writes are checked as well as narrowed: a row's organization is stamped on create and can never
// be changed, and nested relation writes (connect, create, ...) are refused, so domain code writes
// scalar foreign keys. Those are composite with organization_id (see prisma/schema.prisma), and a
// trigger keeps organization_id immutable, so the database refuses a reference into another
// organization. To-one relations therefore need no filter of their own.
//
// Privacy is enforced here too: a client bound to a person (`personId`, every request's) sees a
// private row (PRIVATE below) only when that person is one of its owners -- in reads, counts,
// aggregates, relation filters, nested to-many selections, unique lookups and the `where` of
// updates and deletes; a to-one relation to a hidden row reads as null. A client without a person
// is an operator's (CLI, jobs) and sees every private row; domain code that must move rows
// whatever their owners (a cascade into the bin, a restore, a purge) asks for that with `everyone`.
import { LRUCache } from 'lru-cache';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { committing } from './after-commit.js';

export interface Scope {
  organizationId: number;
  /** Soft-deleted rows are hidden unless this is set (only the recycle bin sets it). */
  includeDeleted?: boolean;
  /**
   * Whose view this is: private rows of other people are hidden. Absent: an operator's view (the
   * CLI, scheduled jobs, test fixtures), or a cascade's (`everyone`), which sees every private row.
   */
  personId?: number;
  /**
   * The person's role: a member's client sees and writes none of the organization's administration
   * (ADMIN_ONLY below), as if it had none. Absent: an operator's view, which sees all.
   */
  role?: 'admin' | 'member';
}

/**
 * What only an organization's admins may see and change: its webhooks (their URLs, secrets and
 * deliveries reach outside the organization). The API refuses members with FORBIDDEN before it gets
 * here (src/schema/kit/roles.ts); this is what holds if a path forgets to.
 */
const ADMIN_ONLY = new Set(['Webhook', 'WebhookDelivery']);

const hiddenFromMembers = (model: string, scope: Scope) => scope.role === 'member' && ADMIN_ONLY.has(model);

/**
 * Models with private rows: such a row (`private` true) is visible only to the people its owner
 * columns name. A task to its creator and assignee; a bin entry to its deleter.
 */
const PRIVATE: Record<string, readonly string[]> = {
  Task: ['creatorId', 'assigneeId'],
  DeletedItem: ['deleterId'],
};

interface Owner {
  column: string;
  /** A nullable column (a task's assignee) is also tested for NOT NULL: see `privacyWhere`. */
  nullable: boolean;
}

const OWNERS: Map<string, Owner[]> = new Map(
  Object.entries(PRIVATE).map(([model, columns]) => {
    const fields = getDatamodel().datamodel.models[model]!.fields;
    return [model, columns.map((column) => ({ column, nullable: !fields.find((f) => f.name === column)!.isRequired }))];
  }),
);

/**
 * The condition a private model's rows must meet to be visible to `personId`. `assignee_id = $1`
 * alone is NULL, not false, for a task without an assignee, and a negation of the condition
 * (`isNot`, `every`) would then match nothing: hence the NOT NULL beside it.
 */
function privacyWhere(owners: readonly Owner[], personId: number): Where {
  return {
    OR: [{ private: false }, ...owners.map(({ column, nullable }) => ({ [column]: nullable ? { not: null, equals: personId } : personId }))],
  };
}

/** The same test on a loaded row (a to-one relation's, which Prisma cannot filter). */
function visibleRow(owners: readonly Owner[], personId: number, row: Where): boolean {
  return row.private === false || owners.some(({ column }) => row[column] === personId);
}

/** The privacy rule that applies to `model` in `scope`, if any. */
function privacyOf(model: string, scope: Scope): readonly Owner[] | undefined {
  return scope.personId === undefined ? undefined : OWNERS.get(model);
}

interface ModelInfo {
  kind: 'tenant' | 'organization' | 'person' | 'system';
  softDelete: boolean;
  relations: Map<string, { model: string; isList: boolean }>;
  /** Foreign key columns of to-one relations into private models (a time entry's `taskId` → `task`). */
  privateKeys: Map<string, { relation: string; model: string }>;
}

/** Models the scoped client may read but never write: people and memberships are managed by operators. */
const READ_ONLY = new Set(['Person', 'Membership', 'Organization']);

const MODELS: Map<string, ModelInfo> = new Map(
  Object.entries(getDatamodel().datamodel.models).map(([name, model]) => {
    const has = (field: string) => model.fields.some((f) => f.name === field && f.kind === 'scalar');
    const kind: ModelInfo['kind'] = has('organizationId')
      ? 'tenant'
      : name === 'Organization'
        ? 'organization'
        : name === 'Person'
          ? 'person'
          : 'system';
    const relations = new Map(
      model.fields
        .filter((f) => f.kind === 'object')
        .map((f) => [f.name, { model: f.type, isList: f.isList }] as const),
    );
    const privateKeys = new Map(
      model.fields
        .filter((f) => f.kind === 'object' && !f.isList && f.type in PRIVATE)
        .flatMap((f) =>
          ((f as { relationFromFields?: string[] }).relationFromFields ?? [])
            .filter((column) => column !== 'organizationId')
            .map((column) => [column, { relation: f.name, model: f.type }] as const),
        ),
    );
    return [name, { kind, softDelete: has('deletedAt'), relations, privateKeys }];
  }),
);

export class ScopeViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeViolation';
  }
}

type Where = Record<string, unknown>;

/** The condition a row of `model` must meet to be visible in `scope`. */
export function scopeWhere(model: string, scope: Scope): Where {
  const info = MODELS.get(model);
  if (!info) throw new ScopeViolation(`Unknown model ${model}`);
  switch (info.kind) {
    case 'tenant': {
      const where: Where = info.softDelete && !scope.includeDeleted
        ? { organizationId: scope.organizationId, deletedAt: null }
        : { organizationId: scope.organizationId };
      // `id IN ()`: no row, in reads, relation filters and the WHERE of writes alike.
      if (hiddenFromMembers(model, scope)) where.id = { in: [] };
      const owners = privacyOf(model, scope);
      return owners ? { ...where, ...privacyWhere(owners, scope.personId!) } : where;
    }
    case 'organization':
      return { id: scope.organizationId };
    case 'person':
      return { memberships: { some: { organizationId: scope.organizationId } } };
    case 'system':
      throw new ScopeViolation(`${model} is not reachable through an organization-scoped client`);
  }
}

/** The column that says which organization a row belongs to: writing it would move the row. */
const SCOPE_COLUMN: Partial<Record<ModelInfo['kind'], string>> = { tenant: 'organizationId', organization: 'id' };

const UNIQUE_LOOKUPS = new Set(['findUnique', 'findUniqueOrThrow', 'update', 'delete', 'upsert']);
const READS = new Set(['findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);
const WHERE_WRITES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany', 'upsert']);
const CREATES = new Set(['create', 'createMany', 'createManyAndReturn']);
const UPDATES = new Set(['update', 'updateMany', 'updateManyAndReturn']);

type Args = Record<string, unknown> & { where?: Where };

/** Narrows one top-level operation's arguments to the scope. Exported for unit tests. */
export function scopeArgs(model: string, operation: string, rawArgs: unknown, scope: Scope): Args {
  const args: Args = { ...((rawArgs as Args | undefined) ?? {}) };
  const info = MODELS.get(model);
  if (!info) throw new ScopeViolation(`Unknown model ${model}`);
  const condition = scopeWhere(model, scope);
  const isWrite = WHERE_WRITES.has(operation) || CREATES.has(operation);

  if (isWrite && READ_ONLY.has(model) && !(model === 'Organization' && operation === 'update')) {
    throw new ScopeViolation(`${model} cannot be written through an organization-scoped client`);
  }
  // Rows are soft-deleted. Only the recycle bin's client may erase them for good (a purge), and
  // only rows already in the bin: a live row can never be hard-deleted.
  const purge = info.softDelete && operation === 'deleteMany' && scope.includeDeleted === true;
  if (info.softDelete && (operation === 'delete' || operation === 'deleteMany') && !purge) {
    throw new ScopeViolation(`${model} is soft-deleted: set deletedAt instead of deleting`);
  }
  refuseCursor(model, args);

  const where = args.where === undefined ? undefined : scopeFilter(model, args.where, scope);
  if (UNIQUE_LOOKUPS.has(operation)) {
    args.where = scopeUnique(where ?? {}, condition);
  } else if (purge) {
    args.where = { AND: [...(where ? [where] : []), condition, { deletedAt: { not: null } }] };
  } else if (READS.has(operation) || WHERE_WRITES.has(operation)) {
    args.where = where ? { AND: [where, condition] } : condition;
  } else if (!CREATES.has(operation)) {
    throw new ScopeViolation(`Operation ${operation} on ${model} is not supported by the scoped client`);
  }
  if (args.orderBy !== undefined) checkOrderBy(model, args.orderBy, scope);

  if (CREATES.has(operation) && hiddenFromMembers(model, scope)) {
    throw new ScopeViolation(`${model} is managed by the organization's admins`);
  }
  if (CREATES.has(operation)) {
    args.data = Array.isArray(args.data)
      ? args.data.map((row) => createData(model, row, scope))
      : createData(model, args.data, scope);
  }
  if (UPDATES.has(operation)) args.data = updateData(model, args.data);
  if (operation === 'upsert') {
    args.create = createData(model, args.create, scope);
    args.update = updateData(model, args.update);
  }

  const prune: Prune = {};
  if (args.include) args.include = scopeSelection(model, args.include as Where, scope, prune);
  if (args.select) args.select = scopeSelection(model, args.select as Where, scope, prune);
  if (Object.keys(prune).length) PRUNES.set(args, prune);
  return args;
}

/**
 * A unique `where` must keep its unique key at the top level. The scope is merged beside it when no
 * key collides -- the plain form that Prisma batches into one statement for many lookups
 * (prisma/orm#23313) -- and ANDed in otherwise: spreading would overwrite a key such as
 * Organization's `id` and turn a lookup of another organization into one of the own.
 */
function scopeUnique(where: Where, condition: Where): Where {
  const collides = Object.entries(condition).some(
    ([key, value]) => where[key] !== undefined && !same(where[key], value),
  );
  if (!collides) return { ...where, ...condition };
  const and = where.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
  return { ...where, AND: [...and, condition] };
}

/** Deep equality of plain values, as scope conditions are built; anything else counts as different. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && same(a[key], b[key]));
}

function isPlain(value: unknown): value is Where {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Scopes the relation filters in a `where`. A filter across a to-many relation would otherwise test
 * rows of other organizations (a person's expenses anywhere), so `some`/`none` only see rows in
 * scope, and `every` ignores rows out of scope: ANDing the scope into `every` would make its answer
 * depend on whether out-of-scope rows exist. To-one filters recurse into the related model.
 */
function scopeFilter(model: string, where: unknown, scope: Scope): Where {
  if (!isPlain(where)) throw new ScopeViolation(`Unexpected filter on ${model}`);
  const info = MODELS.get(model)!;
  const out: Where = {};
  /** Conditions that replace a key of `where` (see `hiddenAsNone`), ANDed to the rest. */
  const extra: Where[] = [];
  for (const [key, value] of Object.entries(where)) {
    const relation = info.relations.get(key);
    const privateKey = info.privateKeys.get(key);
    const privateOwners = privateKey && value !== undefined ? privacyOf(privateKey.model, scope) : undefined;
    const relationOwners = relation && !relation.isList ? privacyOf(relation.model, scope) : undefined;
    if (privateKey && privateOwners) {
      const none = value === null || (isPlain(value) && Object.keys(value).length === 1 && (value as Where).equals === null);
      extra.push(hiddenAsNone(privateKey.relation, privateOwners, scope.personId!, none ? null : { [key]: value }));
    } else if (relationOwners && (value === null || isNullTest(value))) {
      const none = value === null || (value as Where).is === null;
      extra.push(hiddenAsNone(key, relationOwners, scope.personId!, none ? null : { [key]: { isNot: null } }));
    } else if (key === 'AND' || key === 'OR' || key === 'NOT') {
      out[key] = Array.isArray(value) ? value.map((w) => scopeFilter(model, w, scope)) : scopeFilter(model, value, scope);
    } else if (!relation || value === undefined || value === null) {
      out[key] = value;
    } else if (relation.isList) {
      const condition = scopeWhere(relation.model, scope);
      const filter: Where = {};
      for (const [quantifier, inner] of Object.entries(value as Where)) {
        if (inner === undefined) continue;
        const scoped = scopeFilter(relation.model, inner ?? {}, scope);
        if (quantifier === 'some' || quantifier === 'none') filter[quantifier] = { AND: [scoped, condition] };
        else if (quantifier === 'every') filter.every = { OR: [{ NOT: condition }, scoped] };
        else throw new ScopeViolation(`Unknown filter ${quantifier} on ${model}.${key}`);
      }
      out[key] = filter;
    } else {
      scopeWhere(relation.model, scope); // refuses system models
      // A hidden private row is filtered as a missing one: `is` never matches it, `isNot` always
      // does, so no condition can tell what its columns hold (`is: null` and its foreign key:
      // `hiddenAsNone`). Tenancy needs nothing here: the composite foreign keys hold it.
      const owners = privacyOf(relation.model, scope);
      const inScope = (inner: unknown): Where => {
        const scoped = scopeFilter(relation.model, inner, scope);
        return owners ? { AND: [scoped, privacyWhere(owners, scope.personId!)] } : scoped;
      };
      const wrapped = Object.keys(value as Where).every((k) => k === 'is' || k === 'isNot');
      out[key] = wrapped
        ? Object.fromEntries(Object.entries(value as Where).map(([k, inner]) => [k, inner == null ? inner : inScope(inner)]))
        : inScope(value);
    }
  }
  return extra.length ? { AND: [out, ...extra] } : out;
}

/** `{ is: null }` or `{ isNot: null }` alone: whether a to-one relation is there. */
const isNullTest = (value: unknown): boolean =>
  isPlain(value) && Object.keys(value).length === 1 && ((value as Where).is === null || (value as Where).isNot === null);

/**
 * A to-one relation into a private model, as the viewer reads it: a row they may not see is no row
 * (reads answer null for it), so filters see it the same way, by the relation or by its foreign key.
 * `condition` null: "has none" (the key is null, or names a hidden row); else the condition holds
 * and the row it names is visible. Without this, `taskId: <id>` or `task: { is: null }` would tell
 * whether a hidden task exists and which entries are on it.
 */
function hiddenAsNone(relation: string, owners: readonly Owner[], personId: number, condition: Where | null): Where {
  const visible = privacyWhere(owners, personId);
  if (condition === null) return { OR: [{ [relation]: { is: null } }, { [relation]: { is: { NOT: visible } } }] };
  return { AND: [condition, { [relation]: { is: visible } }] };
}

/**
 * Ordering by a to-many relation's count would count rows of other organizations, and cannot be
 * filtered; ordering across a to-one into a private model would sort by rows the viewer cannot see.
 */
function checkOrderBy(model: string, orderBy: unknown, scope: Scope): void {
  if (Array.isArray(orderBy)) return orderBy.forEach((o) => checkOrderBy(model, o, scope));
  if (!isPlain(orderBy)) return;
  const info = MODELS.get(model)!;
  for (const [key, value] of Object.entries(orderBy)) {
    const relation = info.relations.get(key);
    if (!relation || value === undefined) continue;
    if (relation.isList) {
      throw new ScopeViolation(`${model}.${key}: ordering by a to-many relation is not available on the scoped client`);
    }
    // The order would follow the columns of rows the viewer may not see (a private task's title).
    if (privacyOf(relation.model, scope)) {
      throw new ScopeViolation(`${model}.${key}: ordering by a private model's columns is not available to a person's client`);
    }
    checkOrderBy(relation.model, value, scope);
  }
}

/** Prisma looks a `cursor` row up by its key alone and compares with its values: a probe across organizations. */
function refuseCursor(model: string, args: Where): void {
  if (args.cursor !== undefined) {
    throw new ScopeViolation(`${model}: cursor is not available on the scoped client; page with a condition in where`);
  }
}

/** Nested writes (connect, create, set, ...) would reach rows the scope never sees: write foreign keys instead. */
function refuseNestedWrites(model: string, data: Where): void {
  const info = MODELS.get(model)!;
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined && info.relations.has(key)) {
      throw new ScopeViolation(
        `${model}.${key}: nested relation writes are not available on the scoped client; write the foreign key column`,
      );
    }
  }
}

function createData(model: string, data: unknown, scope: Scope): unknown {
  if (!isPlain(data)) return data;
  refuseNestedWrites(model, data);
  if (MODELS.get(model)!.kind !== 'tenant') return data;
  if (data.organizationId !== undefined && data.organizationId !== scope.organizationId) {
    throw new ScopeViolation(`${model}: cannot create a row in organization ${String(data.organizationId)}`);
  }
  return { ...data, organizationId: scope.organizationId };
}

function updateData(model: string, data: unknown): unknown {
  if (!isPlain(data)) return data;
  refuseNestedWrites(model, data);
  const column = SCOPE_COLUMN[MODELS.get(model)!.kind];
  if (column && data[column] !== undefined) {
    throw new ScopeViolation(`${model}.${column} cannot be changed: a row never moves to another organization`);
  }
  return data;
}

/**
 * What a result must lose after it is read: to-one relations to private rows the viewer may not
 * see, at any depth (Prisma cannot filter a to-one relation in a selection), and the owner columns
 * added to decide that.
 */
interface Prune {
  [field: string]: { owners?: readonly Owner[]; added: string[]; next: Prune };
}

/** The prune plan of a top-level operation's scoped arguments, when its result needs one. */
const PRUNES = new WeakMap<Args, Prune>();

function pruneResult(value: unknown, prune: Prune, personId: number): unknown {
  if (Array.isArray(value)) {
    for (const row of value) pruneResult(row, prune, personId);
    return value;
  }
  if (!isPlain(value)) return value;
  for (const [field, node] of Object.entries(prune)) {
    const related = value[field];
    if (related === null || related === undefined) continue;
    if (node.owners && !visibleRow(node.owners, personId, related as Where)) {
      value[field] = null;
      continue;
    }
    if (!Array.isArray(related)) for (const column of node.added) delete (related as Where)[column];
    pruneResult(related, node.next, personId);
  }
  return value;
}

/** Adds the scope to every to-many relation and relation count nested in a selection. */
function scopeSelection(model: string, selection: Where, scope: Scope, prune: Prune = {}): Where {
  const info = MODELS.get(model)!;
  const out: Where = {};
  for (const [key, value] of Object.entries(selection)) {
    if (key === '_count') {
      out._count = scopeCount(model, value, scope);
      continue;
    }
    const relation = info.relations.get(key);
    if (!relation || value === false || value === undefined) {
      out[key] = value;
      continue;
    }
    const nested: Where = value === true ? {} : { ...(value as Where) };
    if (relation.isList) {
      refuseCursor(`${model}.${key}`, nested);
      const condition = scopeWhere(relation.model, scope);
      nested.where = nested.where ? { AND: [scopeFilter(relation.model, nested.where, scope), condition] } : condition;
      if (nested.orderBy !== undefined) checkOrderBy(relation.model, nested.orderBy, scope);
    } else {
      scopeWhere(relation.model, scope); // refuses system models
    }
    const owners = relation.isList ? undefined : privacyOf(relation.model, scope);
    const node: Prune[string] = { owners, added: [], next: {} };
    if (nested.include) nested.include = scopeSelection(relation.model, nested.include as Where, scope, node.next);
    if (nested.select) {
      nested.select = scopeSelection(relation.model, nested.select as Where, scope, node.next);
      // The columns that decide whether the row may be seen (without a `select` all are there).
      if (owners) {
        const select = nested.select as Where;
        node.added = ['private', ...owners.map((owner) => owner.column)].filter((column) => !select[column]);
        for (const column of node.added) select[column] = true;
      }
    }
    if (owners || Object.keys(node.next).length) prune[key] = node;
    out[key] = relation.isList || value !== true ? nested : true;
  }
  return out;
}

function scopeCount(model: string, value: unknown, scope: Scope): unknown {
  if (value === false || value === undefined) return value;
  const info = MODELS.get(model)!;
  const requested: Where =
    value === true
      ? Object.fromEntries([...info.relations].filter(([, r]) => r.isList).map(([name]) => [name, true]))
      : (((value as Where).select as Where | undefined) ?? {});
  const select: Where = {};
  for (const [name, v] of Object.entries(requested)) {
    const relation = info.relations.get(name);
    if (!relation || v === false || v === undefined) continue;
    const condition = scopeWhere(relation.model, scope);
    const where = v === true ? undefined : (v as Where).where;
    select[name] = { where: where ? { AND: [scopeFilter(relation.model, where, scope), condition] } : condition };
  }
  return { select };
}

/**
 * A client bound to one organization. Raw SQL is refused: it would bypass the scope. Inside
 * `$transaction(async (tx) => ...)` the transaction client is bound the same way.
 */
export function scopedClient(prisma: PrismaClient, scope: Scope): ScopedClient {
  // Clients are views without state, so one per scope is reused rather than one per request.
  let clients = SCOPED_CLIENTS.get(prisma);
  if (!clients) SCOPED_CLIENTS.set(prisma, (clients = new LRUCache({ max: 10_000 })));
  const key = `${scope.organizationId}:${scope.includeDeleted === true}:${scope.personId ?? ''}:${scope.role ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    const frozen = Object.freeze({ organizationId: scope.organizationId, includeDeleted: scope.includeDeleted === true, personId: scope.personId, role: scope.role });
    clients.set(key, (client = bind(prisma, frozen, false) as ScopedClient));
  }
  return client;
}

/** The client inside `db.$transaction(async (tx) => ...)`: the same scope, and no nested transactions. */
export type ScopedTx = Omit<ScopedClient, '$transaction' | '$connect' | '$disconnect' | '$on' | '$extends'>;

/** What the scoped client offers: the model delegates and interactive transactions, no raw SQL. */
export type ScopedClient = Omit<PrismaClient, RefusedMember>;

type RefusedMember = '$queryRaw' | '$executeRaw' | '$queryRawUnsafe' | '$executeRawUnsafe' | '$extends' | '$on' | '$connect' | '$disconnect';

const RAW_SQL = 'Raw SQL bypasses tenant scoping and is not available on the scoped client';

const REFUSED: Record<string, string> = {
  $queryRaw: RAW_SQL,
  $executeRaw: RAW_SQL,
  $queryRawUnsafe: RAW_SQL,
  $executeRawUnsafe: RAW_SQL,
  $queryRawTyped: RAW_SQL,
  $extends: 'Extending the scoped client would reach the unscoped one',
  $on: 'The scoped client has no events of its own',
  $connect: 'The scoped client does not manage connections',
  $disconnect: 'The scoped client does not manage connections',
  $transaction: 'Transactions do not nest',
};

/** Delegate property name (`expense`) -> model name (`Expense`). */
const DELEGATES = new Map([...MODELS.keys()].map((model) => [model[0]!.toLowerCase() + model.slice(1), model]));

/**
 * A proxy over `client` (the system client, or a transaction of it) whose model delegates pass
 * every operation's arguments through `scopeArgs` first. A Prisma query extension would do the
 * same, but its machinery cost ~150 µs of CPU per query (a third of a one-row lookup) and splits
 * Prisma's batching of concurrent findUnique calls; a proxy costs a property lookup.
 * Anything not listed is absent: the scoped client is the delegates and `$transaction`, nothing else.
 */
function bind(client: object, scope: Readonly<Scope>, inTransaction: boolean): object {
  const delegates = new Map<string, object>();
  const delegate = (name: string, model: string) => {
    let bound = delegates.get(name);
    if (!bound) {
      const target = (client as Record<string, Record<string, unknown>>)[name]!;
      const operations = new Map<string, (args?: unknown) => unknown>();
      bound = new Proxy(
        {},
        {
          get(_, operation) {
            if (typeof operation !== 'string') return undefined;
            const original = target[operation];
            // Field references (`expense.fields.amount`) and other values carry no query.
            if (typeof original !== 'function') return original;
            let run = operations.get(operation);
            if (!run) {
              run = (args?: unknown) => {
                try {
                  const scoped = scopeArgs(model, operation, args, scope);
                  const result = (original as (a: unknown) => unknown).call(target, scoped);
                  const prune = PRUNES.get(scoped);
                  // Pruned results are plain promises: such a query cannot go in a batch $transaction.
                  return prune ? (result as Promise<unknown>).then((rows) => pruneResult(rows, prune, scope.personId!)) : result;
                } catch (error) {
                  // As a query extension would: a refused call is a rejected promise, not a throw.
                  return Promise.reject(error);
                }
              };
              operations.set(operation, run);
            }
            return run;
          },
          has: (_, operation) => operation in target,
        },
      );
      delegates.set(name, bound);
    }
    return bound;
  };
  const transaction = (fn: unknown, options?: unknown) =>
    typeof fn === 'function'
      ? committing(() =>
          (client as PrismaClient).$transaction((tx) => (fn as (t: unknown) => Promise<unknown>)(bind(tx, scope, true)), options as never),
        )
      : // A batch of queries made by this client's delegates, already scoped.
        (client as PrismaClient).$transaction(fn as never, options as never);
  const bound = new Proxy(
    {},
    {
      get(_, property) {
        if (typeof property !== 'string') return undefined;
        const model = DELEGATES.get(property);
        if (model) return delegate(property, model);
        if (property === '$transaction' && !inTransaction) return transaction;
        const refused = REFUSED[property];
        if (refused) {
          // Raw queries reject like any query would; the others fail at once.
          return refused === RAW_SQL
            ? () => Promise.reject(new ScopeViolation(refused))
            : () => {
                throw new ScopeViolation(refused);
              };
        }
        return undefined;
      },
      has: (_, property) => typeof property === 'string' && (DELEGATES.has(property) || (property === '$transaction' && !inTransaction)),
    },
  );
  if (inTransaction) TRANSACTIONS.set(bound, { client, scope });
  BOUND.set(bound, { client, scope });
  return bound;
}

/** Every bound client (a transaction's or not) and what it was made of, for `organizationSql`. */
const BOUND = new WeakMap<object, { client: object; scope: Readonly<Scope> }>();

/** Raw SQL for one organization: the statements must name `organizationId` themselves. */
export interface OrganizationSql {
  organizationId: number;
  $queryRaw: PrismaClient['$queryRaw'];
}

/**
 * Raw SQL on the connection (or transaction) of a scoped client, for the few statements Prisma
 * cannot express (xid8 ordering, an insert that fans out in one round trip, sums of converted
 * rows). Nothing scopes it: each statement states `organization_id = organizationId` itself, and
 * callers are kept to a few reviewed places (src/changes/outbox.ts, src/changes/log.ts, the
 * idempotency claim in src/domain/kit/idempotency.ts, the ordered locks in src/domain/kit/locks.ts,
 * a deal's and a project's sums in src/domain/deal-totals.ts, the organization's row lock in
 * src/domain/organizations.ts). Grouped totals (src/domain/kit/groups.ts) are raw SQL too, but around
 * a statement this client compiled for the list's rows (src/db/embed.ts), not through this function;
 * the joins and computed values their list specs add name the organization themselves (the deal of
 * an expense, time entry or invoice attribution; a project's live deals' sums in src/schema/project.ts).
 */
export function organizationSql(db: ScopedClient | ScopedTx): OrganizationSql {
  const bound = BOUND.get(db);
  if (!bound) throw new ScopeViolation('organizationSql takes a scoped client or one of its transactions');
  const client = bound.client as PrismaClient;
  return { organizationId: bound.scope.organizationId, $queryRaw: client.$queryRaw.bind(client) as PrismaClient['$queryRaw'] };
}

/** What a bound transaction client was made of, for `widenTransaction`. */
const TRANSACTIONS = new WeakMap<object, { client: object; scope: Readonly<Scope> }>();

/**
 * The same transaction, bound to the same organization, that also sees soft-deleted rows: what the
 * recycle bin's client would be inside it. For showing an object that a write has just put in the bin,
 * as the writer sees it: the person (and so what is private to others) stays the same.
 */
export function widenTransaction(tx: ScopedTx): ScopedTx {
  const bound = TRANSACTIONS.get(tx);
  if (!bound) throw new ScopeViolation('widenTransaction takes a transaction of the scoped client');
  return bind(bound.client, Object.freeze({ ...bound.scope, includeDeleted: true }), true) as ScopedTx;
}

/**
 * The same transaction without soft-deleted rows: what the request's client would see inside it.
 * For showing an object as the API does from a transaction of the recycle bin's client (a restore).
 */
export function narrowTransaction(tx: ScopedTx): ScopedTx {
  const bound = TRANSACTIONS.get(tx);
  if (!bound) throw new ScopeViolation('narrowTransaction takes a transaction of the scoped client');
  return bound.scope.includeDeleted ? (bind(bound.client, Object.freeze({ ...bound.scope, includeDeleted: false }), true) as ScopedTx) : tx;
}

/**
 * The same transaction, bound to the same organization and seeing the same rows as to deletion,
 * that sees every person's private rows: for the bin's cascades, which move what belongs to an
 * object whoever may see it (a project's private tasks go to the bin with it, come back with it,
 * are erased with it). What the cascade starts from is looked up in the caller's own view.
 */
export function everyone(tx: ScopedTx): ScopedTx {
  const bound = TRANSACTIONS.get(tx);
  if (!bound) throw new ScopeViolation('everyone takes a transaction of the scoped client');
  if (bound.scope.personId === undefined) return tx;
  return bind(bound.client, Object.freeze({ ...bound.scope, personId: undefined }), true) as ScopedTx;
}

const SCOPED_CLIENTS = new WeakMap<PrismaClient, LRUCache<string, ScopedClient>>();

/**
 * One transaction of the system client in which domain writes, each written as its own transaction
 * (`transact`), are composed: `work` gets the transaction (`system`, for what only an operator writes:
 * an organization, its people) and `scoped(scope)`, a client bound as `scopedClient` binds one whose
 * `$transaction(fn)` runs `fn` in this same transaction. All of it commits or none of it does: for an
 * operator's set-up that must never be left half done (the demo organization, src/domain/demo.ts).
 * Events publish once it has committed, as after any write. A write that returns a failure has not
 * undone its statements (there are no savepoints): `work` must then throw, which rolls all back.
 */
export function composedTransaction<T>(
  prisma: PrismaClient,
  work: (system: Prisma.TransactionClient, scoped: (scope: Scope) => ScopedClient) => Promise<T>,
  options: { maxWait?: number; timeout?: number },
): Promise<T> {
  return committing(() =>
    prisma.$transaction(async (system) => {
      const scoped = (scope: Scope): ScopedClient => {
        const frozen = Object.freeze({ organizationId: scope.organizationId, includeDeleted: scope.includeDeleted === true, personId: scope.personId, role: scope.role });
        const tx = bind(system, frozen, true);
        const inline = async (fn: unknown) => {
          if (typeof fn === 'function') return (fn as (t: unknown) => Promise<unknown>)(tx);
          const results: unknown[] = []; // a batch: its queries one after the other
          for (const query of fn as Array<Promise<unknown>>) results.push(await query);
          return results;
        };
        const client = new Proxy(tx, {
          get: (target, property) => (property === '$transaction' ? inline : Reflect.get(target, property)),
          has: (target, property) => property === '$transaction' || Reflect.has(target, property),
        });
        BOUND.set(client, { client: system, scope: frozen });
        return client as ScopedClient;
      };
      return work(system, scoped);
    }, options),
  );
}
