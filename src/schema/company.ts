import { builder } from './builder.js';
import { pageSizeOptions } from './pagination.js';

builder.prismaNode('Company', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A client company.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  companies: t.prismaConnection({
    type: 'Company',
    cursor: 'id',
    ...pageSizeOptions,
    description: 'Client companies of the organization, by name.',
    totalCount: (_parent, _args, ctx) => ctx.db.company.count(),
    resolve: (query, _parent, _args, ctx) =>
      ctx.db.company.findMany({ ...query, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  },
  { name: 'CompanyConnection' },
  { name: 'CompanyEdge' },
  ),
}));
