// To-one relations whose target can be soft-deleted. The scoped client hides deleted rows from
// every list, count and to-many relation, but a to-one relation is a join Prisma offers no filter
// for: a budget whose contract went to the recycle bin would still show it. These fields load the
// target's `deletedAt` with it, in the same statement, and answer null while it is deleted.
import { getRefFromModel } from '@pothos/plugin-prisma';
import { builder } from '../builder.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export function liveRelation(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Record<string, unknown>>,
  relation: string,
  model: string,
  description: string,
) {
  return t.field({
    type: getRefFromModel(model, builder) as never,
    nullable: true,
    description: `${description} Null when there is none, or while it is in the recycle bin.`,
    select: ((_args: unknown, _ctx: unknown, nestedSelection: (selection: object) => object) => ({
      [relation]: nestedSelection({ select: { deletedAt: true } }),
    })) as never,
    resolve: (parent: Record<string, unknown>) => {
      const row = parent[relation] as { deletedAt: Date | null } | null | undefined;
      return (row && row.deletedAt === null ? row : null) as never;
    },
  } as never);
}
