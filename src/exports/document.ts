// What a bulk export runs: the client's document, checked once when the export starts, and turned
// into the document of one page that the runner sends again and again with the next cursor.
//
// The client writes an ordinary query with one connection at its root (`expenses(filter: ...,
// orderBy: ...) { nodes { ... } }` or `{ edges { node { ... } } }`); every node becomes one JSON line.
// The page document asks the same field with `first`/`after` of its own, plus `pageInfo` and
// `totalCount` for the runner. Nested lists in a node are exported as the node shows them (their own
// `first`, at most a page). Shopify's bulkOperationRunQuery is the model; like it, no variables.
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  isObjectType,
  parse,
  print,
  validate,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** The longest document accepted, in characters (the API's own body limit is 1 MiB; a query is far less). */
export const MAX_QUERY_LENGTH = 20_000;
/** Tokens and depth: the API's own bounds (src/http/app.ts, EnvelopArmor). */
const MAX_TOKENS = 5_000;
const MAX_DEPTH = 12;
/** Arguments the export sets itself, page after page. */
const PAGING = new Set(['first', 'last', 'before', 'after']);

export interface ExportPlan {
  /** The root field's name (`expenses`). */
  root: string;
  /** The page document: variables `$bulkFirst: Int!` and `$bulkAfter: String`, the field aliased `page`. */
  page: string;
}

export type PlanResult = { ok: true; plan: ExportPlan } | { ok: false; message: string };

const refuse = (message: string): PlanResult => ({ ok: false, message });

/** Checks `query` and builds its page document; every refusal says what is wrong in words. */
export function planExport(schema: GraphQLSchema, query: string): PlanResult {
  if (query.trim() === '') return refuse('The query is blank.');
  if (query.length > MAX_QUERY_LENGTH) return refuse(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS, noLocation: true });
  } catch (error) {
    return refuse(`The query does not parse: ${(error as GraphQLError).message}`);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  if (operations.length !== 1 || operations.length + fragments.length !== document.definitions.length) {
    return refuse('The query must hold exactly one operation (and any fragments it uses).');
  }
  const operation = operations[0]!;
  if (operation.operation !== OperationTypeNode.QUERY) return refuse('Only a query can be exported, not a mutation or a subscription.');
  if (operation.variableDefinitions?.length) return refuse('Variables are not supported: write the values into the query.');
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1 || roots[0]!.kind !== Kind.FIELD) return refuse('The query must select exactly one field at its root: a list (connection) such as `expenses`.');
  const root = roots[0] as FieldNode;
  if (root.directives?.length) return refuse('Directives on the root field are not supported.');
  const rootType = schema.getQueryType()?.getFields()[root.name.value];
  const connection = rootType && getNamedType(rootType.type);
  if (!rootType || !isObjectType(connection) || !connection.getFields().pageInfo || !connection.getFields().nodes) {
    return refuse(`\`${root.name.value}\` is not a list of the API: the root field must be a connection such as \`expenses\`.`);
  }
  const paging = root.arguments?.find((a) => PAGING.has(a.name.value));
  if (paging) return refuse(`Leave out \`${paging.name.value}\`: the export reads every page itself.`);

  const node = nodeSelection(root.selectionSet);
  if (typeof node === 'string') return refuse(node);
  const hasTotal = Boolean(connection.getFields().totalCount);
  const operationNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: { kind: Kind.NAME, value: 'BulkExportPage' },
    variableDefinitions: [variable('bulkFirst', 'Int', true), variable('bulkAfter', 'String', false)],
    selectionSet: selections([
      {
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: 'page' },
        name: root.name,
        arguments: [...(root.arguments ?? []), pageArgument('first', 'bulkFirst'), pageArgument('after', 'bulkAfter')],
        selectionSet: selections([
          ...(hasTotal ? [field('totalCount')] : []),
          field('pageInfo', selections([field('hasNextPage'), field('endCursor')])),
          { kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'nodes' }, selectionSet: node },
        ]),
      },
    ]),
  } as const;
  const pageDocument: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operationNode, ...fragments] };
  const errors = validate(schema, pageDocument);
  // Without the field suggestions, which would give the schema away where introspection is off.
  if (errors.length) return refuse(errors[0]!.message.replace(/ Did you mean .*$/, ''));
  if (depth(operationNode.selectionSet, fragments) > MAX_DEPTH) return refuse(`The query is nested deeper than ${MAX_DEPTH} levels.`);
  return { ok: true, plan: { root: root.name.value, page: print(pageDocument) } };
}

/**
 * The selection of one node: `nodes { ... }` or `edges { node { ... } }`, and nothing else at the
 * connection's level (totals and groups belong in an ordinary query: a page would repeat them).
 */
function nodeSelection(connection: SelectionSetNode | undefined): SelectionSetNode | string {
  const picked: SelectionSetNode[] = [];
  for (const selection of connection?.selections ?? []) {
    if (selection.kind !== Kind.FIELD) return 'Select `nodes { ... }` or `edges { node { ... } }` of the list directly, not through fragments.';
    const name = selection.name.value;
    if (name === '__typename') continue;
    if (name === 'nodes' && selection.selectionSet) picked.push(selection.selectionSet);
    else if (name === 'edges' && selection.selectionSet) {
      for (const inner of selection.selectionSet.selections) {
        if (inner.kind === Kind.FIELD && inner.name.value === 'node' && inner.selectionSet) picked.push(inner.selectionSet);
        else if (!(inner.kind === Kind.FIELD && inner.name.value === 'cursor')) return 'Under `edges`, only `node { ... }` is exported.';
      }
    } else return `\`${name}\` cannot be exported: an export writes the list's nodes, one per line (ask for totals and groups with an ordinary query).`;
  }
  if (picked.length !== 1) return 'Select the nodes once: `nodes { ... }` or `edges { node { ... } }`.';
  return picked[0]!;
}

function depth(set: SelectionSetNode | undefined, fragments: readonly FragmentDefinitionNode[], seen = new Set<string>()): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections as readonly SelectionNode[]) {
    if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + depth(selection.selectionSet, fragments, seen));
    else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depth(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      // Validation has refused cycles; `seen` only keeps a fragment used twice from being walked twice.
      const fragment = fragments.find((f) => f.name.value === selection.name.value);
      deepest = Math.max(deepest, depth(fragment?.selectionSet, fragments, new Set([...seen, selection.name.value])));
    }
  }
  return deepest;
}

const selections = (list: SelectionNode[]): SelectionSetNode => ({ kind: Kind.SELECTION_SET, selections: list });
const field = (name: string, selectionSet?: SelectionSetNode): FieldNode => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: name }, selectionSet });
const pageArgument = (name: string, variableName: string): ArgumentNode => ({
  kind: Kind.ARGUMENT,
  name: { kind: Kind.NAME, value: name },
  value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variableName } },
});
function variable(name: string, type: string, required: boolean) {
  const named = { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type } } as const;
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
    type: required ? ({ kind: Kind.NON_NULL_TYPE, type: named } as const) : named,
  } as const;
}
