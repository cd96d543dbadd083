// What an operation costs, for the rate limiter (src/limits/rate-limit.ts): a pure function of the
// schema, the validated document and the variables, computed before anything runs. The rule (close to
// Shopify's public model; docs/rate-limits.md is its user-facing description):
//
// - scalars, enums and `__typename`: 0;
// - an object field (also an interface or union, also `__schema`/`__type`): 1 + its selection;
// - a connection (a field with `first`/`last` arguments returning a `...Connection`):
//   2 + its once-only fields (`totalCount`, `pageInfo`, `aggregates`) + n × one item, where
//   n = `first` ?? `last` ?? the default page size (at most the maximum page size) and an item is what
//   `nodes` and `edges` select for one object (an edge is a free wrapper: its `node` is the object).
//   Nested connections multiply;
// - another list of objects: n × (1 + its selection), n = the length of its `ids` argument or its
//   `count` argument (at most the maximum page size), else 1;
// - a mutation field: 10 + its selection;
// - fragments and inline fragments count where they apply; on an interface or union, the most
//   expensive possible type counts. Skipped fields (`@skip`/`@include`) cost nothing.
//
// The actual cost is counted while the operation runs (`meterResolvers`): the same rule applied to the
// fields whose resolvers were called, whatever becomes of their values afterwards (a non-null root
// field that fails nulls `data`, but its siblings ran and read their rows), plus the rows that domain
// functions report writing (src/domain/kit/work.ts). A connection that ran costs 2 and each item it
// returned its own cost; a plain list (`createdBudgets`, `userErrors`) costs each item it returned,
// whatever it was charged for. The difference with what was charged beforehand is refunded, or taken
// after the operation (src/limits/rate-limit.ts).
import {
  defaultFieldResolver,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/kit/page.js';

export const COST = {
  object: 1,
  connection: 2,
  mutation: 10,
  defaultPageSize: DEFAULT_PAGE_SIZE,
  maxPageSize: MAX_PAGE_SIZE,
} as const;

/** The fields one selection applies to a concrete type, grouped by response key as the executor merges them. */
interface Group {
  parent: GraphQLObjectType;
  nodes: FieldNode[];
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Coerced, as the executor sees them. */
  variables: Record<string, unknown>;
  /** Requested cost per field node and parent type (fields reached through several possible types). */
  memo: Map<FieldNode, Map<string, number>>;
}

/** Where the executor would not run a field or fragment. */
function skipped(walk: Walk, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return false;
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.if === true) return true;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.if === false;
}

function conditionMatches(walk: Walk, condition: { name: { value: string } } | undefined, type: GraphQLObjectType): boolean {
  if (!condition) return true;
  const conditionType = walk.schema.getType(condition.name.value);
  if (!conditionType) return false;
  if (conditionType === type) return true;
  return isAbstractType(conditionType) && walk.schema.isSubType(conditionType, type);
}

/** graphql-js' collectFields for one concrete type: response key -> the field nodes merged under it. */
function collect(
  walk: Walk,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  into: Map<string, Group>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (skipped(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const group = into.get(key);
      if (group) group.nodes.push(selection);
      else into.set(key, { parent: type, nodes: [selection] });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (conditionMatches(walk, selection.typeCondition, type)) collect(walk, type, selection.selectionSet, into, visited);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments[name];
      if (!fragment || visited.has(name)) continue;
      visited.add(name);
      if (conditionMatches(walk, fragment.typeCondition, type)) collect(walk, type, fragment.selectionSet, into, visited);
    }
  }
}

function groupsFor(walk: Walk, type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  const visited = new Set<string>();
  for (const set of selectionSets) collect(walk, type, set, groups, visited);
  return groups;
}

const possibleTypes = (walk: Walk, type: GraphQLCompositeType): readonly GraphQLObjectType[] =>
  isObjectType(type) ? [type] : walk.schema.getPossibleTypes(type);

function fieldDefinition(parent: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__schema') return SchemaMetaFieldDef;
  if (name === '__type') return TypeMetaFieldDef;
  return parent.getFields()[name];
}

function args(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, walk.variables);
  } catch {
    return {}; // A bad argument fails the field at execution: it runs nothing.
  }
}

function isConnection(field: GraphQLField<unknown, unknown>): boolean {
  return (
    getNamedType(field.type).name.endsWith('Connection') && field.args.some((a) => a.name === 'first' || a.name === 'last')
  );
}

const isEdge = (type: { name: string }) => type.name.endsWith('Edge');

const pageSize = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), COST.maxPageSize) : -1;

/** n of a connection: `first` ?? `last` ?? the default page size, bounded by the maximum page size. */
function connectionSize(values: Record<string, unknown>): number {
  const first = pageSize(values.first);
  if (first >= 0) return first;
  const last = pageSize(values.last);
  return last >= 0 ? last : COST.defaultPageSize;
}

/** n of a plain list of objects: its `ids` argument's length, its `count`, or 1 (at most the maximum page size). */
function listSize(values: Record<string, unknown>): number {
  if (Array.isArray(values.ids)) return Math.min(values.ids.length, COST.maxPageSize);
  const count = pageSize(values.count);
  return count >= 0 ? count : 1;
}

const selectionSetsOf = (nodes: readonly FieldNode[]): SelectionSetNode[] =>
  nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));

/** The requested cost of a selection on `type`: on an interface or union, its most expensive possible type. */
function selectionCost(walk: Walk, type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[]): number {
  if (!selectionSets.length) return 0;
  let max = 0;
  for (const concrete of possibleTypes(walk, type)) {
    let sum = 0;
    for (const group of groupsFor(walk, concrete, selectionSets).values()) sum += fieldCost(walk, group, false);
    max = Math.max(max, sum);
  }
  return max;
}

/** The cost of one item of a list of `type` (an edge is free, the object it wraps costs 1). */
function itemCost(walk: Walk, type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[]): number {
  return (isEdge(type) ? 0 : COST.object) + selectionCost(walk, type, selectionSets);
}

/** The requested cost of one response key. */
function fieldCost(walk: Walk, group: Group, mutationRoot: boolean): number {
  const node = group.nodes[0]!;
  // Memoized for single-node groups: with interfaces, one node is reached through many possible types.
  const memoizable = group.nodes.length === 1;
  const cached = memoizable ? walk.memo.get(node)?.get(group.parent.name) : undefined;
  if (cached !== undefined) return cached;
  const cost = computeFieldCost(walk, group, mutationRoot);
  if (memoizable) {
    let byType = walk.memo.get(node);
    if (!byType) walk.memo.set(node, (byType = new Map()));
    byType.set(group.parent.name, cost);
  }
  return cost;
}

function computeFieldCost(walk: Walk, group: Group, mutationRoot: boolean): number {
  const node = group.nodes[0]!;
  if (node.name.value === '__typename') return 0;
  const field = fieldDefinition(group.parent, node.name.value);
  if (!field) return 0;
  const named = getNamedType(field.type);
  const sets = selectionSetsOf(group.nodes);
  if (mutationRoot) return COST.mutation + (isCompositeType(named) ? selectionCost(walk, named, sets) : 0);
  if (!isCompositeType(named)) return 0;
  if (isConnection(field)) {
    const n = connectionSize(args(walk, field, node));
    let cost = COST.connection;
    if (!isObjectType(named)) return cost + n * selectionCost(walk, named, sets);
    for (const sub of groupsFor(walk, named, sets).values()) {
      const subField = fieldDefinition(named, sub.nodes[0]!.name.value);
      const subNamed = subField && getNamedType(subField.type);
      if (subField && subNamed && isCompositeType(subNamed) && isListType(getNullableType(subField.type))) {
        // `nodes` and `edges`: once per item of the page.
        cost += n * itemCost(walk, subNamed, selectionSetsOf(sub.nodes));
      } else {
        cost += fieldCost(walk, sub, false);
      }
    }
    return cost;
  }
  if (isListType(getNullableType(field.type))) return listSize(args(walk, field, node)) * itemCost(walk, named, sets);
  return (isEdge(named) ? 0 : COST.object) + selectionCost(walk, named, sets);
}

function prepare(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): Walk {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return { schema, fragments, variables, memo: new Map() };
}

/** The operation to run and its coerced variables; null when the executor would refuse it (it then costs nothing). */
function resolveOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): { operation: OperationDefinitionNode; variables: Record<string, unknown>; root: GraphQLObjectType } | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  if ('errors' in coerced && coerced.errors) return null;
  return { operation, variables: coerced.coerced, root };
}

function rootCost(walk: Walk, root: GraphQLObjectType, operation: OperationDefinitionNode): number {
  const mutation = operation.operation === 'mutation';
  let sum = 0;
  for (const group of groupsFor(walk, root, [operation.selectionSet]).values()) sum += fieldCost(walk, group, mutation);
  return sum;
}

/**
 * The requested cost of a validated document's operation, from the raw variables of the request. An
 * operation the executor would refuse (unknown name, bad variables) runs nothing and costs 0.
 */
export function requestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): number {
  const resolved = resolveOperation(schema, document, operationName, variables);
  if (!resolved) return 0;
  return rootCost(prepare(schema, document, resolved.variables), resolved.root, resolved.operation);
}

/** The same, from inside a resolver (`info`): the variables are already coerced there. */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  return rootCost({ schema, fragments, variables, memo: new Map() }, root, operation);
}

// ---------------------------------------------------------------------------------------------------
// The cost of a result's data. Not what the rate limiter charges (it counts during execution, see
// `meterResolvers` below: a result's data misses what ran when an error nulled it); kept for results
// whose data is complete by construction, such as one subscription event. A page of 200 items walks
// the same fields 200 times: what each field is and what it was charged are worked out once, in a plan.

type Data = Record<string, unknown>;

interface Plan {
  kind: 'free' | 'mutation' | 'connection' | 'list' | 'object';
  named?: GraphQLCompositeType;
  sets: SelectionSetNode[];
  /** What one object costs itself: 1, or 0 for an edge. */
  own: number;
  /** The requested cost of the field: its actual cost never exceeds it. */
  requested: number;
}

interface ActualWalk extends Walk {
  /** Groups per selection (by its first selection set) and type: a page of 200 items shares them. */
  groups: Map<SelectionSetNode, Map<string, Map<string, Group>>>;
  plans: Map<Group, Plan>;
}

/** Every response key the selection may produce on `type`, on any of its possible types (first wins). */
function allGroups(walk: Walk, type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[]): Map<string, Group> {
  const merged = new Map<string, Group>();
  for (const concrete of possibleTypes(walk, type)) {
    for (const [key, group] of groupsFor(walk, concrete, selectionSets)) if (!merged.has(key)) merged.set(key, group);
  }
  return merged;
}

function cachedGroups(walk: ActualWalk, type: GraphQLCompositeType, sets: readonly SelectionSetNode[]): Map<string, Group> {
  if (sets.length !== 1) return allGroups(walk, type, sets);
  let byType = walk.groups.get(sets[0]!);
  if (!byType) walk.groups.set(sets[0]!, (byType = new Map()));
  let groups = byType.get(type.name);
  if (!groups) byType.set(type.name, (groups = allGroups(walk, type, sets)));
  return groups;
}

function planOf(walk: ActualWalk, group: Group, mutationRoot: boolean): Plan {
  const cached = walk.plans.get(group);
  if (cached) return cached;
  const node = group.nodes[0]!;
  const field = node.name.value === '__typename' ? undefined : fieldDefinition(group.parent, node.name.value);
  const named = field && getNamedType(field.type);
  const composite = named && isCompositeType(named) ? named : undefined;
  const sets = selectionSetsOf(group.nodes);
  let kind: Plan['kind'] = 'free';
  if (field && mutationRoot) kind = 'mutation';
  else if (field && composite) {
    kind = isConnection(field) ? 'connection' : isListType(getNullableType(field.type)) ? 'list' : 'object';
  }
  const plan: Plan = {
    kind,
    named: composite,
    sets,
    own: composite && isEdge(composite) ? 0 : COST.object,
    requested: kind === 'free' ? 0 : fieldCost(walk, group, mutationRoot),
  };
  walk.plans.set(group, plan);
  return plan;
}

function actualSelection(walk: ActualWalk, type: GraphQLCompositeType | undefined, sets: readonly SelectionSetNode[], value: unknown): number {
  if (!type || value === null || typeof value !== 'object' || !sets.length) return 0;
  let sum = 0;
  for (const [key, group] of cachedGroups(walk, type, sets)) {
    if (key in (value as Data)) sum += actualField(walk, group, (value as Data)[key], false);
  }
  return sum;
}

/** The items of a list: each costs itself (1, an edge 0) and its selection. */
function actualItems(walk: ActualWalk, plan: Plan, value: unknown): number {
  if (!Array.isArray(value)) return 0;
  let sum = 0;
  for (const item of value) {
    sum += Array.isArray(item) ? actualItems(walk, plan, item) : plan.own + actualSelection(walk, plan.named, plan.sets, item);
  }
  return sum;
}

function actualField(walk: ActualWalk, group: Group, value: unknown, mutationRoot: boolean): number {
  const plan = planOf(walk, group, mutationRoot);
  let cost: number;
  switch (plan.kind) {
    case 'free':
      return 0;
    case 'mutation':
      cost = COST.mutation + actualSelection(walk, plan.named, plan.sets, value);
      break;
    case 'connection':
      cost = COST.connection;
      if (value !== null && typeof value === 'object') {
        for (const [key, sub] of cachedGroups(walk, plan.named!, plan.sets)) {
          if (!(key in (value as Data))) continue;
          const subPlan = planOf(walk, sub, false);
          // `nodes` and `edges`: the items returned.
          cost += subPlan.kind === 'list' ? actualItems(walk, subPlan, (value as Data)[key]) : actualField(walk, sub, (value as Data)[key], false);
        }
      }
      break;
    case 'list':
      cost = actualItems(walk, plan, value);
      break;
    case 'object':
      cost = plan.own + actualSelection(walk, plan.named, plan.sets, value);
      break;
  }
  // Never more than was charged for this field (plain lists are charged for their declared size).
  return Math.min(cost, plan.requested);
}

/**
 * The actual cost of an executed operation: the rule applied to what the result holds (connections
 * count the items they returned; fields absent from the data cost nothing), never above the requested
 * cost. No data (refused before or during execution) costs 0.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  data: Record<string, unknown> | null | undefined,
): number {
  if (!data) return 0;
  const resolved = resolveOperation(schema, document, operationName, variables);
  if (!resolved) return 0;
  const walk: ActualWalk = { ...prepare(schema, document, resolved.variables), groups: new Map(), plans: new Map() };
  const mutation = resolved.operation.operation === 'mutation';
  let sum = 0;
  for (const [key, group] of groupsFor(walk, resolved.root, [resolved.operation.selectionSet])) {
    if (key in data) sum += actualField(walk, group, data[key], mutation);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------------
// Actual cost, counted during execution. Every field returning an object, a list of objects or a
// connection is wrapped once per schema; the wrapper counts only for operations that have a meter
// (the rate limiter registers one per query or mutation), so an app without limits pays a map lookup.

/** The longest a finished operation waits for resolvers still running (see `Meter.settled`). */
const SETTLE_LIMIT_MS = 60_000;

/** What one operation has used so far: the fields that ran and the rows its domain calls reported. */
export class Meter {
  points = 0;
  #pending = 0;
  #idle: (() => void) | undefined;

  /** A resolver's promise: the operation is not over for the meter until it settles. */
  track(promise: Promise<unknown>): void {
    this.#pending += 1;
    const done = () => {
      this.#pending -= 1;
      if (this.#pending === 0) this.#idle?.();
    };
    promise.then(done, done);
  }

  /**
   * Waits until no resolver of the operation is running. When a non-null root field fails, the
   * executor answers at once with `data: null`, but its siblings keep running (and reading) in the
   * background, and their children start as they complete: the work is counted once it is all done.
   */
  async settled(): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    for (;;) {
      while (this.#pending > 0 && Date.now() < deadline) {
        // One timer per wait, cleared when the resolvers finish first: an error-heavy load would
        // otherwise leave a 60 s timer behind for every wait.
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.#idle = resolve;
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
        });
        clearTimeout(timer);
      }
      // Children start in the microtasks after their parent settles: look again after them.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#pending === 0 || Date.now() >= deadline) return;
    }
  }

  get running(): boolean {
    return this.#pending > 0;
  }
}

const meters = new WeakMap<object, Meter>();
const meteredSchemas = new WeakSet<GraphQLSchema>();

/** Starts counting for the operation whose resolvers receive `context`. */
export function startMeter(context: object, initial = 0): Meter {
  const meter = new Meter();
  meter.points = initial;
  meters.set(context, meter);
  return meter;
}

/** What runs with `rerun` (the same operation executed again, with a context of its own) counts on `context`'s meter. */
export function shareMeter(context: object, rerun: object): void {
  const meter = meters.get(context);
  if (meter) meters.set(rerun, meter);
}

/** Stops counting for `context` (a context is reused by nothing else, but its operation is over). */
export function stopMeter(context: object): void {
  meters.delete(context);
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/** The items of a resolved list (lists of lists count their leaves), 0 for anything else. */
function items(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  let n = 0;
  for (const item of value) n += Array.isArray(item) ? items(item) : 1;
  return n;
}

/**
 * Wraps, in place and once, the resolvers of `schema`'s fields that cost something when they run:
 * a mutation field 10, a connection 2, an object 1 (an edge 0), a list of objects 1 per item returned
 * (an edge 0). The fixed part is counted when the resolver is called (it ran, even if it then fails),
 * the items when it returns. Introspection types are shared by every schema and are not wrapped:
 * `__schema` and `__type` are charged their requested cost (see `introspectionCost`).
 */
export function meterResolvers(schema: GraphQLSchema): void {
  if (meteredSchemas.has(schema)) return;
  meteredSchemas.add(schema);
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type === subscription) continue;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      let fixed = 0;
      let perItem = 0;
      if (type === mutation) fixed = COST.mutation;
      else if (!isCompositeType(named)) continue;
      else if (isConnection(field as GraphQLField<unknown, unknown>)) fixed = COST.connection;
      else if (isListType(getNullableType(field.type))) perItem = isEdge(named) ? 0 : COST.object;
      else fixed = isEdge(named) ? 0 : COST.object;
      if (fixed === 0 && perItem === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const meter = meters.get(context as object);
        if (!meter) return resolve(source, args, context, info);
        meter.points += fixed;
        const value = resolve(source, args, context, info);
        if (isPromiseLike(value)) {
          const counted = perItem
            ? Promise.resolve(value).then((resolved) => {
                meter.points += perItem * items(resolved);
                return resolved;
              })
            : Promise.resolve(value);
          meter.track(counted);
          return counted;
        }
        meter.points += perItem * items(value);
        return value;
      };
    }
  }
}

/** What the root `__schema` and `__type` fields of an operation cost (they are not metered: see above). */
export function introspectionCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
): number {
  const resolved = resolveOperation(schema, document, operationName, variables);
  if (!resolved) return 0;
  const walk = prepare(schema, document, resolved.variables);
  let sum = 0;
  for (const group of groupsFor(walk, resolved.root, [resolved.operation.selectionSet]).values()) {
    const name = group.nodes[0]!.name.value;
    if (name === '__schema' || name === '__type') sum += fieldCost(walk, group, false);
  }
  return sum;
}
