// A deal's place in the sales pipeline. The deal list's filters and sorts are its spec in
// src/schema/deal.ts, as every list's (src/schema/kit/list.ts).

/** A deal's place in the sales pipeline, numbered as the REST API's `sales_status_id`. Budgets have none. */
export const SALES_STATUSES = { OPEN: 1, WON: 2, LOST: 3 } as const;
export type SalesStatus = keyof typeof SALES_STATUSES;

export const salesStatusOf = (id: number | null): SalesStatus | null =>
  (Object.entries(SALES_STATUSES).find(([, n]) => n === id)?.[0] as SalesStatus | undefined) ?? null;
