import { builder } from './builder.js';
import { listField, ops, sortBy } from './kit/list.js';

builder.prismaNode('Company', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
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
  companies: listField(t, {
    type: 'Company',
    description: 'Client companies of the organization, by name unless another order is given.',
    filter: {
      description: 'Which companies to include.',
      fields: { name: ops('string'), createdAt: ops('datetime') },
    },
    sorts: { NAME: sortBy('string', 'name'), CREATED_AT: sortBy('datetime', 'createdAt') },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));
