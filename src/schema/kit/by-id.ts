// The query field of one object by its global id (`expense(id:)`): unlike `node(id:)`, which answers
// null, an unknown id -- or one of another organization, or hidden from the caller -- is NOT_FOUND.
import { GraphQLError } from 'graphql';
import type PrismaTypes from '../../generated/pothos-types.js';
import type { builder } from '../builder.js';
import { decodeIdOf } from '../ids.js';
import { delegateOf, typeWords } from './delegate.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `builder.queryFields((t) => ({ expense: byIdField(t, 'Expense', 'One expense. ...') }))`. */
export function byIdField(t: PothosSchemaTypes.QueryFieldBuilder<Types, object>, type: keyof PrismaTypes & string, description: string) {
  const what = typeWords(type);
  return t.prismaField({
    type,
    nullable: true,
    description,
    args: { id: t.arg.id({ required: true, description: `The ${what}'s global id (its \`id\`). A malformed id or one of another type is \`BAD_USER_INPUT\`.` }) },
    resolve: async (query, _root, args, ctx) => {
      const id = decodeIdOf(String(args.id), type, 'id');
      // The scoped client leaves out other organizations' rows, the bin's and others' private ones.
      const row = await delegateOf<{ findUnique(a: object): Promise<never> }>(ctx, type).findUnique({ ...query, where: { id } });
      if (!row) throw new GraphQLError(`No ${what} with id ${String(args.id)}.`, { extensions: { code: 'NOT_FOUND' } });
      return row;
    },
  });
}
