import { builder } from './builder.js';

builder.prismaNode('Organization', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A tenant. Every request is bound to exactly one (see the `X-Tenant` header).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id, as used in `X-Tenant`.' }),
    name: t.exposeString('name', { description: "The organization's (the agency's) name." }),
    defaultCurrency: t.exposeString('defaultCurrency', {
      description: "ISO 4217 code of the currency of every money set's `default` form.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the organization was set up.' }),
  }),
});
