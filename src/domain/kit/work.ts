// Work that grows with a mutation's input or with the data (generating budgets, cascading deletes,
// restores, purges) is paid for by rows, not by the query text. Domain code reports it here; the
// rate limiter (src/limits/rate-limit.ts) runs each operation with a meter in AsyncLocalStorage, so
// that functions deep in a transaction report without a context parameter. Outside a request (the
// operator's CLI, tests calling the domain directly) there is no meter and both calls do nothing.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface WorkMeter {
  /**
   * Takes the points for `rows` about to be written from the caller's bucket now, before anything is
   * written; throws (a THROTTLED GraphQL error) when the bucket cannot pay. What was reserved is
   * reconciled with what `wrote` reports once the operation ends.
   */
  reserve(rows: number): Promise<void>;
  /** `rows` were written or touched (1 point each). */
  wrote(rows: number): void;
}

const meters = new AsyncLocalStorage<WorkMeter>();

/** Runs `fn` (an operation's execution) with `meter` receiving the work its domain calls report. */
export const withWorkMeter = <T>(meter: WorkMeter, fn: () => T): T => meters.run(meter, fn);

/** Before a write whose size is known in advance: refuses (throws) when the caller cannot pay for it. */
export async function reserveWork(rows: number): Promise<void> {
  if (rows > 0) await meters.getStore()?.reserve(rows);
}

/** After rows were written, stamped, restored or erased: the caller pays 1 point per row. */
export function chargeWork(rows: number): void {
  if (rows > 0) meters.getStore()?.wrote(rows);
}
