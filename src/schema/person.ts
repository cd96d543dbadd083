import { builder } from './builder.js';
import { pageSizeOptions } from './pagination.js';

builder.prismaNode('Person', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A person who belongs to the organization.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    firstName: t.exposeString('firstName'),
    lastName: t.exposeString('lastName'),
    name: t.string({
      description: 'First and last name.',
      select: { firstName: true, lastName: true },
      resolve: (p) => `${p.firstName} ${p.lastName}`.trim(),
    }),
    email: t.exposeString('email'),
  }),
});

builder.queryFields((t) => ({
  people: t.prismaConnection({
    type: 'Person',
    cursor: 'id',
    ...pageSizeOptions,
    description: 'People of the organization, by id.',
    totalCount: (_parent, _args, ctx) => ctx.db.person.count(),
    resolve: (query, _parent, _args, ctx) => ctx.db.person.findMany({ ...query, orderBy: { id: 'asc' } }),
  },
  { name: 'PersonConnection' },
  { name: 'PersonEdge' },
  ),
}));
