// One domain write = one transaction whose failed Result rolls it back. A transaction that
// PostgreSQL aborts as a deadlock or serialization failure (Prisma P2034) is run again from the
// start, a few times: the writes that lock several rows (a deal and all its expenses) can meet
// another such write in the opposite order, and PostgreSQL breaks the tie by aborting one of them.
//
// An idempotent create (src/domain/kit/idempotency.ts) has its key written here, in the create's own
// transaction: first (so that a concurrent request with the same key waits on it before taking any
// other lock), and with the created object's id last. The first transaction of the call that
// commits stores it; a rolled-back one (user errors, a rerun) leaves no key.
import type { ScopedClient, ScopedTx } from '../../db/scope.js';
import { Prisma } from '../../generated/prisma/client.js';
import { recordResult, releaseClaim, takeClaim, writeClaim } from './idempotency.js';
import type { Result } from './result.js';

/** Thrown inside a write's transaction to roll it back, and returned as the write's result. */
export class Rollback extends Error {
  constructor(readonly result: Result<never>) {
    super('rolled back');
  }
}

const ATTEMPTS = 6;

/**
 * Before a rerun, a random pause that doubles with each attempt (up to 40, 80, ... 640 ms): writes
 * that deadlocked each other and rerun at once tend to meet again in the same order.
 */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));

/**
 * Prisma's own limits (2 s to get a connection, 5 s for the whole transaction) are shorter than one
 * statement may take (STATEMENT_TIMEOUT_MS, 15 s): a write waiting its turn on a busy deal's lock
 * behind other writes expired as "Unexpected error." (seen under the suite's load on PostgreSQL).
 * Waiting for locks is the design (src/domain/kit/locks.ts), so a write gets room for it.
 */
const LIMITS = { maxWait: 10_000, timeout: 30_000 };

/**
 * A deadlock or serialization failure: P2034 from Prisma's own statements; from raw SQL (the event's
 * insert, the key's claim, lockDealExpenses) Prisma reports any failure as P2010 and only the driver
 * adapter's error says what it was. Those were not rerun at first: a deadlock met in a raw statement
 * failed the write.
 */
export const isWriteConflict = (error: unknown): boolean => {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2034') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return error.code === 'P2010' && cause?.kind === 'TransactionWriteConflict';
};

/** `options`: Prisma's interactive transaction limits, for writes longer than its default 2 s wait / 5 s run. */
export async function transact<T>(
  db: ScopedClient,
  run: (tx: ScopedTx) => Promise<Result<T>>,
  options?: { maxWait?: number; timeout?: number },
): Promise<Result<T>> {
  const claim = takeClaim();
  let committed = false;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await db.$transaction(async (tx) => {
          if (claim) await writeClaim(tx, claim);
          const result = await run(tx);
          if (!result.ok) throw new Rollback(result);
          if (claim) await recordResult(tx, claim, result.value);
          return result;
        }, options ?? LIMITS);
        committed = true;
        return result;
      } catch (error) {
        if (error instanceof Rollback) return error.result;
        // KeyInUse (a concurrent request committed the key) is not a write conflict: it goes up to
        // idempotentCreate, which answers from that request's row.
        if (!isWriteConflict(error) || attempt >= ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  } finally {
    if (claim) releaseClaim(claim, committed);
  }
}
