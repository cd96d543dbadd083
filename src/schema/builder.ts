// Builder configuration only: plugins, scalars, defaults. Types live in one file per domain.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';
import type { PrismaClient } from '../generated/prisma/client.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { inCalendar, LAST_DAY_ISO } from '../domain/kit/dates.js';
import { BadInput } from '../domain/kit/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/kit/page.js';
import { fitsInt64, INT64_MAX, INT64_MIN } from '../money/money.js';
import { parseGlobalId, type IdKind } from './kit/global-id.js';
import { globalId } from '../domain/kit/global-id.js';
import { isoDay, serializeBigInt } from '../domain/kit/shown.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    ID: { Input: string; Output: string | number | bigint };
    BigInt: { Input: bigint; Output: bigint };
    Date: { Input: Date; Output: Date };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  plugins: [RelayPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false }, description: "The objects of this page, in the list's order, each with its cursor." },
    nodeFieldOptions: { nullable: false, description: 'The object at this place in the list.' },
    nodesOnConnection: { description: "The objects of this page, in the list's order: `edges` without their cursors." },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection.' },
    // Descriptions of what the relay plugin generates for every node, connection and edge.
    idFieldOptions: {
      description:
        "The global id: an opaque string, stable for the object's life, that `node(id:)`, the type's own query and " +
        "every `...Id` input accept. Another organization's ids are never found.",
    },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list, and the cursors to read on from it.' },
    hasNextPageFieldOptions: {
      description: 'Whether objects follow this page (read them with `after: endCursor`). Reading backwards with `last`, true exactly when `before` was given.',
    },
    hasPreviousPageFieldOptions: {
      description: 'Whether objects precede this page (read them with `before: startCursor`). Reading forwards, true exactly when `after` was given.',
    },
    startCursorFieldOptions: { description: 'The cursor of the first object of this page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'The cursor of the last object of this page; null when the page is empty.' },
    cursorFieldOptions: {
      description: 'Where this object sits in the list: pass it as `after` or `before` to read on from here, in the same list and order.',
    },
    firstArgOptions: {
      description: `Read the first this many objects after \`after\` (or from the start), 0 to ${MAX_PAGE_SIZE}. Without \`first\` and \`last\`, a page holds the first ${DEFAULT_PAGE_SIZE}. Not together with \`last\`.`,
    },
    lastArgOptions: {
      description: `Read the last this many objects before \`before\` (or up to the end), 0 to ${MAX_PAGE_SIZE}; they are still answered in the list's order. Not together with \`first\`.`,
    },
    afterArgOptions: {
      description: "Start after the object with this cursor (an edge's `cursor` or `pageInfo.endCursor` from this list in this order); another list's, order's or organization's cursor is `BAD_USER_INPUT`.",
    },
    beforeArgOptions: {
      description: "Stop before the object with this cursor (an edge's `cursor` or `pageInfo.startCursor` from this list in this order); another list's, order's or organization's cursor is `BAD_USER_INPUT`.",
    },
    nodeQueryOptions: {
      description: "The object with this global id, of any type; null when the caller can see none (another organization's, in the recycle bin, someone else's private one).",
      args: { id: { description: "A global id, as an object's `id` answers it. A malformed one is `BAD_USER_INPUT`." } },
    },
    nodesQueryOptions: {
      description: `The objects with these global ids, in order; null where none is visible. At most ${MAX_PAGE_SIZE} ids, like a page.`,
      args: { ids: { description: `Global ids of any types, at most ${MAX_PAGE_SIZE}; a malformed one is \`BAD_USER_INPUT\`.` } },
      resolve: (_root, args, _ctx, _info, resolveNodes) => {
        if (args.ids.length > MAX_PAGE_SIZE) {
          throw new BadInput(`\`ids\` may hold at most ${MAX_PAGE_SIZE} ids, got ${args.ids.length}.`, 'ids');
        }
        return resolveNodes(args.ids);
      },
    },
    // One spelling of ids for the API and the events (src/domain/kit/global-id.ts).
    encodeGlobalID: (typename, id) => globalId(typename, id),
    // Strict: a malformed id, an unknown type or an impossible number is the client's mistake.
    decodeGlobalID: (text) => {
      const { typename, key } = parseGlobalId(text, 'id', nodeIdKind);
      return { typename, id: key };
    },
  },
  prisma: {
    // Resolvers only ever see the request's organization-scoped client.
    client: (ctx) => ctx.db as unknown as PrismaClient,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    // A resolver that ignores Pothos' query would silently load relations row by row.
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
});

// BigInt is ours rather than graphql-scalars' BigIntResolver, which prints "By default, BigInts are
// not serialized to JSON as numbers..." once per process (on the first small input or large output
// it sees) to suggest patching BigInt.prototype.toJSON globally. We do not patch; we return what JSON
// carries exactly, as the scalar's description promises, so there is nothing to warn about.

/** Node types that are not Prisma-backed objects of the scoped client (`builder.node`): they say so here. */
const PLAIN_NODES = new Set<string>();

/** Declares a `builder.node` type a node type for ids (ApiToken: read through its own view, not the scoped client). */
export const plainNode = (typename: string): void => void PLAIN_NODES.add(typename);

/** Whether `typename` is a node type (a Prisma-backed object type, or a declared plain node). */
export function isNodeType(typename: string): boolean {
  const config = builder.configStore.typeConfigs.get(typename);
  return config?.kind === 'Object' && (config.extensions?.pothosPrismaModel !== undefined || PLAIN_NODES.has(typename));
}

const MODELS = getDatamodel().datamodel.models;

/**
 * The database type of a node type's ids, from its Prisma model (a plain node's is the model of its
 * name, if any): `int8` for the event log and its deliveries (BigInt ids), `int4` otherwise;
 * undefined for a type that is not a node type.
 */
export function nodeIdKind(typename: string): IdKind | undefined {
  if (!isNodeType(typename)) return undefined;
  const config = builder.configStore.typeConfigs.get(typename);
  const model = (config?.extensions?.pothosPrismaModel as string | undefined) ?? typename;
  return MODELS[model]?.fields.find((f) => f.name === 'id')?.type === 'BigInt' ? 'int8' : 'int4';
}

// The output rule lives with the payload helpers (src/domain/kit/shown.ts): events spell BigInts alike.
export { serializeBigInt };

/** The client's mistake: BAD_USER_INPUT, which the server passes on unmasked. */
function refuse(message: string): never {
  throw new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** Inputs are PostgreSQL bigints: a value past their range could only fail in the database. */
function int64(value: bigint): bigint {
  if (!fitsInt64(value)) refuse(`BigInt inputs must be between ${INT64_MIN} and ${INT64_MAX}.`);
  return value;
}

/**
 * Digits as a client wrote them: canonical decimal only ("007", "+1", " 1", "1e3", "0x1F" and "-0"
 * are refused, as graphql-scalars did). Past 20 characters it cannot be an int64, so a huge string
 * is refused without being parsed.
 */
function parseDigits(text: string): bigint {
  if (!/^-?(0|[1-9]\d*)$/.test(text) || text === '-0') {
    refuse(`BigInt cannot represent ${JSON.stringify(text.slice(0, 50))}: expected an integer such as 12500 or "12500".`);
  }
  return text.length > 20 ? int64(INT64_MAX + 1n) : int64(BigInt(text));
}

/** Input (variables): an integer JSON number or a string of digits; always handed on as a bigint. */
export function parseBigInt(value: unknown): bigint {
  if (typeof value === 'string') return parseDigits(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) refuse(`BigInt cannot represent the non-integer ${value}.`);
    // JSON.parse has already rounded such a number (2^53 + 1 arrives as 2^53): refuse, never guess.
    if (!Number.isSafeInteger(value)) refuse(`BigInt values beyond ±(2^53 - 1) must be sent as strings, not as the JSON number ${value}.`);
    return BigInt(value);
  }
  if (typeof value === 'bigint') return int64(value);
  return refuse(`BigInt cannot represent ${value === null ? 'null' : typeof value}: expected an integer such as 12500 or "12500".`);
}

/** Input (query text): an integer or a string literal, with the rules of `parseBigInt`. */
export function parseBigIntLiteral(ast: ValueNode): bigint {
  if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parseDigits(ast.value);
  return refuse(`BigInt cannot represent a literal of kind ${ast.kind}: expected an integer such as 12500 or "12500".`);
}

// Resolvers always get a bigint (never a number for small values): money arithmetic must not mix the two.
builder.scalarType('BigInt', {
  description:
    'An integer of any size. Serialized as a JSON number when it is a safe integer (|n| < 2^53), ' +
    'as a decimal string otherwise, so that it is always exact. Accepted as a number or a string, ' +
    'between -2^63 and 2^63 - 1.',
  serialize: serializeBigInt,
  parseValue: parseBigInt,
  parseLiteral: parseBigIntLiteral,
});
/**
 * The reference accepts dates as `2017-12-31` and as `31.12.2017` (contracts); we accept both
 * everywhere and always answer ISO. Anything else is graphql-scalars' Date error, naming the value.
 */
export function isoDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  return dotted ? `${dotted[3]}-${dotted[2]}-${dotted[1]}` : value;
}

function parseDate(value: unknown, parse: (iso: unknown) => unknown): Date {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 50)) : typeof value;
  let day: Date;
  try {
    day = parse(isoDate(value)) as Date;
  } catch {
    return refuse(`Date cannot represent ${shown}: expected a real calendar date as YYYY-MM-DD or DD.MM.YYYY.`);
  }
  // Year 0000 parses, but no database date has it (src/domain/kit/dates.ts).
  if (!inCalendar(day)) return refuse(`Date cannot represent ${shown}: dates run from 0001-01-01 to ${LAST_DAY_ISO}.`);
  return day;
}

builder.scalarType('Date', {
  description: `A calendar date from 0001-01-01 to ${LAST_DAY_ISO}. Answered as \`YYYY-MM-DD\`; accepted as \`YYYY-MM-DD\` or \`DD.MM.YYYY\`.`,
  // Dates of the calendar the fast way; anything else (a string, an invalid Date) as graphql-scalars does.
  serialize: (value) =>
    value instanceof Date && value.getUTCFullYear() >= 1 && value.getUTCFullYear() <= 9999 ? isoDay(value) : DateResolver.serialize(value),
  parseValue: (value) => parseDate(value, (iso) => DateResolver.parseValue(iso)),
  parseLiteral: (ast) =>
    parseDate(ast.kind === Kind.STRING ? ast.value : ast.kind, (iso) =>
      DateResolver.parseLiteral(ast.kind === Kind.STRING ? { ...ast, value: iso as string } : ast, {}),
    ),
});
/** A DateTime input within the same calendar as dates: year 0000 would reach the database as an error. */
function parseDateTime(value: unknown, parse: () => unknown): Date {
  const instant = parse() as Date;
  if (!inCalendar(new Date(Math.floor(instant.getTime() / 86_400_000) * 86_400_000))) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 50)) : typeof value;
    return refuse(`DateTime cannot represent ${shown}: points in time run from 0001-01-01 to ${LAST_DAY_ISO} (UTC).`);
  }
  return instant;
}

builder.scalarType('DateTime', {
  description: `A point in time, ISO 8601 with time zone, e.g. \`2021-04-15T01:03:38.804Z\`, from 0001-01-01 to ${LAST_DAY_ISO} (UTC).`,
  serialize: (value) => DateTimeResolver.serialize(value),
  parseValue: (value) => parseDateTime(value, () => DateTimeResolver.parseValue(value)),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : ast.kind, () => DateTimeResolver.parseLiteral(ast, {})),
});

builder.queryType({ description: 'Everything is scoped to the organization of the request (token and `X-Tenant`).' });
builder.mutationType({
  description: 'Writes. Each returns a payload with `userErrors`; when any is present, nothing was written.',
});
