import { builder } from './builder.js';
import { pageSizeOptions } from './pagination.js';

builder.prismaNode('Project', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A project of a client company; deals (budgets) belong to it.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    number: t.exposeInt('number'),
    company: t.relation('company'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  projects: t.prismaConnection({
    type: 'Project',
    cursor: 'id',
    ...pageSizeOptions,
    description: 'Projects of the organization, by name.',
    totalCount: (_parent, _args, ctx) => ctx.db.project.count(),
    resolve: (query, _parent, _args, ctx) =>
      ctx.db.project.findMany({ ...query, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  },
  { name: 'ProjectConnection' },
  { name: 'ProjectEdge' },
  ),
}));
