// What the deal filters and sorts mean. The list kit (src/schema/kit/list.ts) turns these into
// GraphQL inputs and Prisma arguments; tenancy is added by the scoped client.
import { present, type Where } from './kit/conditions.js';
import type { SortKey } from './kit/keyset.js';
import { anyTag } from './kit/tags.js';

/** A deal's place in the sales pipeline, numbered as the REST API's `sales_status_id`. Budgets have none. */
export const SALES_STATUSES = { OPEN: 1, WON: 2, LOST: 3 } as const;
export type SalesStatus = keyof typeof SALES_STATUSES;

export const salesStatusOf = (id: number | null): SalesStatus | null =>
  (Object.entries(SALES_STATUSES).find(([, n]) => n === id)?.[0] as SalesStatus | undefined) ?? null;

export const dealConditions = {
  budget: (budget: boolean): Where => ({ budget }),
  companyIds: (ids: number[]): Where => ({ companyId: { in: ids } }),
  projectIds: (ids: number[]): Where => present('projectId', { projectId: { in: ids } }),
  responsibleIds: (ids: number[]): Where => present('responsibleId', { responsibleId: { in: ids } }),
  dealStatusIds: (ids: number[]): Where => present('dealStatusId', { dealStatusId: { in: ids } }),
  contractIds: (ids: number[]): Where => present('contractId', { contractId: { in: ids } }),
  salesStatus: (statuses: SalesStatus[]): Where => ({ salesStatusId: { in: statuses.map((s) => SALES_STATUSES[s]) } }),
  /** Open: not closed (a won or lost deal, or a budget marked closed, has `closedAt`). */
  open: (open: boolean): Where => ({ closedAt: open ? null : { not: null } }),
  /** Deals carrying any of these tags (exact, case-sensitive). */
  tags: anyTag,
};

/**
 * Money sorts compare the default-currency value, the one form comparable across deals: the sums
 * a trigger keeps on the deal row (see prisma/schema.prisma), equal to the displayed `revenue` and
 * `profit` in the default currency.
 */
export const dealSortKeys = {
  NAME: [{ path: ['name'], type: 'string' }],
  NUMBER: [{ path: ['number'], type: 'int' }],
  DATE: [{ path: ['date'], type: 'date' }],
  REVENUE: [{ path: ['sortRevenueDefault'], type: 'decimal' }],
  PROFIT: [{ path: ['sortProfitDefault'], type: 'decimal' }],
  COMPANY_NAME: [{ path: ['company', 'name'], type: 'string' }],
  CREATED_AT: [{ path: ['createdAt'], type: 'datetime' }],
} satisfies Record<string, SortKey[]>;
