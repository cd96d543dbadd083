import { formatRate } from '../money/money.js';
import { builder } from './builder.js';
import { idsIn, listField, ops, sortBy } from './kit/list.js';

builder.prismaNode('Deal', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
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
  deals: listField(t, {
    type: 'Deal',
    description: 'Deals (budgets) of the organization, by id unless another order is given.',
    filter: {
      description: 'Which deals to include.',
      fields: {
        companyIds: idsIn('Company', 'companyId', 'Deals of any of these companies.'),
        projectIds: idsIn('Project', 'projectId', 'Deals of any of these projects.'),
        name: ops('string'),
        number: ops('int'),
        currency: ops('string'),
        date: ops('date'),
        createdAt: ops('datetime'),
      },
    },
    sorts: {
      NAME: sortBy('string', 'name'),
      NUMBER: sortBy('int', 'number'),
      DATE: sortBy('date', 'date'),
      COMPANY_NAME: sortBy('string', ['company', 'name'], "By the company's name."),
      CREATED_AT: sortBy('datetime', 'createdAt'),
    },
  }),
}));
