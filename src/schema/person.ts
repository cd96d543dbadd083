import { builder } from './builder.js';
import { listField, ops, sortBy } from './kit/list.js';

builder.prismaNode('Person', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
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
  people: listField(t, {
    type: 'Person',
    description: 'People of the organization, by id unless another order is given.',
    filter: {
      description: 'Which people to include.',
      fields: { firstName: ops('string'), lastName: ops('string'), email: ops('string') },
    },
    sorts: {
      NAME: {
        keys: [
          { path: ['firstName'], type: 'string' },
          { path: ['lastName'], type: 'string' },
        ],
        description: 'By first name, then last name.',
      },
      LAST_NAME: {
        keys: [
          { path: ['lastName'], type: 'string' },
          { path: ['firstName'], type: 'string' },
        ],
        description: 'By last name, then first name.',
      },
      EMAIL: sortBy('string', 'email'),
    },
  }),
}));
