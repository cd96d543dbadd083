import { builder } from './builder.js';
import { pageSizeOptions } from './pagination.js';

builder.prismaNode('ServiceType', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A kind of service or cost an expense is booked as.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryFields((t) => ({
  serviceTypes: t.prismaConnection({
    type: 'ServiceType',
    cursor: 'id',
    ...pageSizeOptions,
    description: 'Service types of the organization, by name.',
    totalCount: (_parent, _args, ctx) => ctx.db.serviceType.count(),
    resolve: (query, _parent, _args, ctx) =>
      ctx.db.serviceType.findMany({ ...query, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  },
  { name: 'ServiceTypeConnection' },
  { name: 'ServiceTypeEdge' },
  ),
}));
