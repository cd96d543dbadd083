import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import { pageSizeOptions } from './pagination.js';

builder.prismaNode('Deal', {
  id: { field: 'id' },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A deal or budget. Expenses are booked against it, and its currency is their normalized currency.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    number: t.exposeInt('number'),
    date: t.expose('date', { type: 'Date' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
    exchangeRate: t.string({
      description: "Units of the organization's default currency per unit of `currency`, as a decimal string.",
      select: { exchangeRate: true },
      resolve: (deal) => formatRate(deal.exchangeRate),
    }),
    exchangeDate: t.expose('exchangeDate', { type: 'Date' }),
    company: t.relation('company'),
    project: t.relation('project', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  deals: t.prismaConnection({
    type: 'Deal',
    cursor: 'id',
    ...pageSizeOptions,
    description: 'Deals (budgets) of the organization, by id.',
    totalCount: (_parent, _args, ctx) => ctx.db.deal.count(),
    resolve: (query, _parent, _args, ctx) => ctx.db.deal.findMany({ ...query, orderBy: { id: 'asc' } }),
  },
  { name: 'DealConnection' },
  { name: 'DealEdge' },
  ),
}));
