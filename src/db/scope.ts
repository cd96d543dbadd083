// The one place tenancy and soft deletion are enforced. `scopedClient` binds a Prisma client to
// one organization: every read, count, aggregate and write of the bound client is narrowed to that
// organization and, unless asked otherwise, to rows that are not soft-deleted -- including to-many
// relations and relation counts nested in `include`/`select`. Resolvers receive only this client,
// so none of them can forget a filter.
//
// To-one relations cannot be filtered in Prisma; they are safe because every cross-record reference
// is a composite foreign key with organization_id (see prisma/schema.prisma), so the database
// refuses a reference into another organization.
import type { PrismaClient } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';

export interface Scope {
  organizationId: number;
  /** Soft-deleted rows are hidden unless this is set (only the recycle bin sets it). */
  includeDeleted?: boolean;
}

interface ModelInfo {
  kind: 'tenant' | 'organization' | 'person' | 'system';
  softDelete: boolean;
  relations: Map<string, { model: string; isList: boolean }>;
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
    return [name, { kind, softDelete: has('deletedAt'), relations }];
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
    case 'tenant':
      return info.softDelete && !scope.includeDeleted
        ? { organizationId: scope.organizationId, deletedAt: null }
        : { organizationId: scope.organizationId };
    case 'organization':
      return { id: scope.organizationId };
    case 'person':
      return { memberships: { some: { organizationId: scope.organizationId } } };
    case 'system':
      throw new ScopeViolation(`${model} is not reachable through an organization-scoped client`);
  }
}

const UNIQUE_READS = new Set(['findUnique', 'findUniqueOrThrow']);
const READS = new Set(['findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);
const WHERE_WRITES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany', 'upsert']);
const CREATES = new Set(['create', 'createMany', 'createManyAndReturn']);

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
  if (info.softDelete && (operation === 'delete' || operation === 'deleteMany')) {
    throw new ScopeViolation(`${model} is soft-deleted: set deletedAt instead of deleting`);
  }

  if (UNIQUE_READS.has(operation) || operation === 'update' || operation === 'delete' || operation === 'upsert') {
    // Unique lookups keep their unique key at the top level and gain the scope beside it.
    args.where = { ...(args.where ?? {}), ...condition };
  } else if (READS.has(operation) || WHERE_WRITES.has(operation)) {
    args.where = args.where ? { AND: [args.where, condition] } : condition;
  } else if (!CREATES.has(operation)) {
    throw new ScopeViolation(`Operation ${operation} on ${model} is not supported by the scoped client`);
  }

  if (info.kind === 'tenant') {
    const own = (data: unknown) => ({ ...(data as object), organizationId: scope.organizationId });
    if (operation === 'create') args.data = own(args.data);
    if (operation === 'upsert') args.create = own(args.create);
    if (operation === 'createMany' || operation === 'createManyAndReturn') {
      args.data = Array.isArray(args.data) ? args.data.map(own) : own(args.data);
    }
  }

  if (args.include) args.include = scopeSelection(model, args.include as Where, scope);
  if (args.select) args.select = scopeSelection(model, args.select as Where, scope);
  return args;
}

/** Adds the scope to every to-many relation and relation count nested in a selection. */
function scopeSelection(model: string, selection: Where, scope: Scope): Where {
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
      const condition = scopeWhere(relation.model, scope);
      nested.where = nested.where ? { AND: [nested.where, condition] } : condition;
    }
    if (nested.include) nested.include = scopeSelection(relation.model, nested.include as Where, scope);
    if (nested.select) nested.select = scopeSelection(relation.model, nested.select as Where, scope);
    out[key] = relation.isList || value !== true ? nested : true;
  }
  return out;
}

function scopeCount(model: string, value: unknown, scope: Scope): unknown {
  const info = MODELS.get(model)!;
  const requested: Where =
    value === true
      ? Object.fromEntries([...info.relations].filter(([, r]) => r.isList).map(([name]) => [name, true]))
      : (((value as Where).select as Where | undefined) ?? {});
  const select: Where = {};
  for (const [name, v] of Object.entries(requested)) {
    const relation = info.relations.get(name);
    if (!relation || v === false) continue;
    const condition = scopeWhere(relation.model, scope);
    const where = v === true ? undefined : (v as Where).where;
    select[name] = { where: where ? { AND: [where, condition] } : condition };
  }
  return { select };
}

/**
 * A client bound to one organization. Raw SQL is refused: it would bypass the scope. Inside
 * `$transaction(async (tx) => ...)` the transaction client carries the same extension.
 */
export function scopedClient(prisma: PrismaClient, scope: Scope) {
  const refuseRaw = () => {
    throw new ScopeViolation('Raw SQL bypasses tenant scoping and is not available on the scoped client');
  };
  return prisma.$extends({
    name: `organization-${scope.organizationId}`,
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeArgs(model, operation, args, scope) as typeof args);
        },
      },
      $queryRaw: refuseRaw,
      $executeRaw: refuseRaw,
      $queryRawUnsafe: refuseRaw,
      $executeRawUnsafe: refuseRaw,
    },
  });
}

export type ScopedClient = ReturnType<typeof scopedClient>;
