// The Invoice type (invoices and credit notes). A first cut: the attribution slice needs the type;
// the full attributes, money, list and mutations follow in this file.
import { builder } from './builder.js';

builder.prismaNode('Invoice', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: 'An invoice (or a credit note) to a client company.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    number: t.exposeString('number', { nullable: true }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
  }),
});
