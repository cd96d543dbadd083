import { builder } from './builder.js';
import { listField, notNull, ops, sortBy } from './kit/list.js';

builder.prismaNode('ServiceType', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
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
  serviceTypes: listField(t, {
    type: 'ServiceType',
    description: 'Service types of the organization, by name unless another order is given.',
    filter: {
      description: 'Which service types to include.',
      fields: {
        name: ops('string'),
        archived: notNull('archivedAt', 'Archived (`true`) or in use (`false`).'),
      },
    },
    sorts: { NAME: sortBy('string', 'name'), CREATED_AT: sortBy('datetime', 'createdAt') },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));
