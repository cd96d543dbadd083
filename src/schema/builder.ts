// Builder configuration only: plugins, scalars, defaults. Types live in one file per domain.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { BigIntResolver, DateResolver, DateTimeResolver } from 'graphql-scalars';
import type { PrismaClient } from '../generated/prisma/client.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { BadInput } from '../domain/kit/errors.js';
import { MAX_PAGE_SIZE } from '../domain/kit/page.js';
import { fitsInt64, INT64_MAX, INT64_MIN } from '../money/money.js';
import { decodeId } from './ids.js';

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
  };
}>({
  plugins: [RelayPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection.' },
    nodesQueryOptions: {
      description: `The objects with these global ids, in order; null where none is visible. At most ${MAX_PAGE_SIZE} ids, like a page.`,
      resolve: (_root, args, _ctx, _info, resolveNodes) => {
        if (args.ids.length > MAX_PAGE_SIZE) {
          throw new BadInput(`\`ids\` may hold at most ${MAX_PAGE_SIZE} ids, got ${args.ids.length}.`, 'ids');
        }
        return resolveNodes(args.ids);
      },
    },
    // Strict: a malformed id, an unknown type or an impossible number is the client's mistake.
    decodeGlobalID: (globalId) => {
      const { typename, id } = decodeId(globalId, 'id');
      return { typename, id: String(id) };
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

/** Inputs are PostgreSQL bigints: a value past their range could only fail in the database. */
function int64(value: bigint): bigint {
  if (!fitsInt64(value)) {
    throw new GraphQLError(`BigInt inputs must be between ${INT64_MIN} and ${INT64_MAX}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return value;
}

// graphql-scalars validates and serializes; inputs are always handed to resolvers as bigint (it
// would give a number for small values, and money arithmetic must not mix the two).
builder.scalarType('BigInt', {
  description:
    'An integer of any size. Serialized as a JSON number when it is a safe integer (|n| < 2^53), ' +
    'as a decimal string otherwise, so that it is always exact. Accepted as a number or a string, ' +
    'between -2^63 and 2^63 - 1.',
  serialize: (value) => BigIntResolver.serialize(value) as bigint,
  parseValue: (value) => int64(BigInt(BigIntResolver.parseValue(value) as bigint | number | string)),
  parseLiteral: (ast) => int64(BigInt(BigIntResolver.parseLiteral(ast, {}) as bigint | number | string)),
});
builder.addScalarType('Date', DateResolver, { description: 'A calendar date, `YYYY-MM-DD`.' });
builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'A point in time, ISO 8601 with time zone, e.g. `2021-04-15T01:03:38.804Z`.',
});

builder.queryType({ description: 'Everything is scoped to the organization of the request (token and `X-Tenant`).' });
builder.mutationType({
  description: 'Writes. Each returns a payload with `userErrors`; when any is present, nothing was written.',
});
