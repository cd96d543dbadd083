import { builder } from './builder.js';

builder.prismaNode('Organization', {
  id: { field: 'id' },
  description: 'A tenant. Every request is bound to exactly one (see the `X-Tenant` header).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id, as used in `X-Tenant`.' }),
    name: t.exposeString('name'),
    defaultCurrency: t.exposeString('defaultCurrency', {
      description: "ISO 4217 code of the currency of every money set's `default` form.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
