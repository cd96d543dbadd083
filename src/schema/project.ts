import { builder } from './builder.js';
import { idsIn, listField, ops, sortBy } from './kit/list.js';

builder.prismaNode('Project', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
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
  projects: listField(t, {
    type: 'Project',
    description: 'Projects of the organization, by name unless another order is given.',
    filter: {
      description: 'Which projects to include.',
      fields: {
        companyIds: idsIn('Company', 'companyId', 'Projects of any of these companies.'),
        name: ops('string'),
        number: ops('int'),
        createdAt: ops('datetime'),
      },
    },
    sorts: {
      NAME: sortBy('string', 'name'),
      NUMBER: sortBy('int', 'number'),
      COMPANY_NAME: sortBy('string', ['company', 'name'], "By the company's name."),
      CREATED_AT: sortBy('datetime', 'createdAt'),
    },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));
