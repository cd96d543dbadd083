// An event's payload is its object "as the API shows it": the answer of `nodes(ids:)` with every
// field a client could select without arguments -- scalars and enums, money sets in full, related
// nodes as `{ id }` -- executed against the schema itself, inside the writing transaction, as the
// actor sees it. So a payload never drifts from the schema: a new field appears in it by itself.
// Connections (and other fields that take arguments) are left out: they can be unbounded.
import {
  execute,
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { widenTransaction, type ScopedClient, type ScopedTx } from '../db/scope.js';
import type { Viewer } from '../domain/viewer.js';
import { Loaders } from '../schema/kit/loaders.js';

/** How deep value objects (money sets, ...) nest before they are cut. */
const MAX_DEPTH = 3;

let schemaPromise: Promise<GraphQLSchema> | undefined;
// Loaded on first use: the schema imports the domain, which records events through this module.
const loadSchema = () => (schemaPromise ??= import('../schema/index.js').then((m) => m.schema));

const documents = new Map<string, DocumentNode>();

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

function documentFor(schema: GraphQLSchema, typeName: string): DocumentNode {
  let document = documents.get(typeName);
  if (!document) {
    const type = schema.getType(typeName);
    if (!type || !isObjectType(type) || !isNode(type)) throw new Error(`Events cannot show ${typeName}: not a node type`);
    document = parse(`query Present($id: ID!) { nodes(ids: [$id]) { __typename ... on ${typeName} { ${selection(type, 1)} } } }`);
    documents.set(typeName, document);
  }
  return document;
}

/**
 * The node `globalId` of `typeName` as `viewer` sees it through `tx`, or null when it is not
 * visible there. A failure is thrown: it rolls the write back rather than record a wrong event.
 */
export async function present(tx: ScopedTx, viewer: Viewer, typeName: string, globalId: string): Promise<Record<string, unknown> | null> {
  const schema = await loadSchema();
  const result = await execute({
    schema,
    document: documentFor(schema, typeName),
    variableValues: { id: globalId },
    contextValue: {
      requestId: 'event',
      viewer,
      db: tx as unknown as ScopedClient,
      bin: widenTransaction(tx) as unknown as ScopedClient,
      loaders: new Loaders(),
    },
  });
  if (result.errors?.length) {
    throw new Error(`Showing ${typeName} for an event failed: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  // `nodes`, not `node`: it answers null for an object the actor cannot see, where `node` fails.
  const node = (result.data as { nodes: Array<Record<string, unknown> | null> } | null | undefined)?.nodes[0] ?? null;
  if (!node) return null;
  const { __typename: _typename, ...fields } = node;
  return fields;
}
