// One domain write = one transaction whose failed Result rolls it back. A transaction that
// PostgreSQL aborts as a deadlock or serialization failure (Prisma P2034) is run again from the
// start, a few times: the writes that lock several rows (a deal and all its expenses) can meet
// another such write in the opposite order, and PostgreSQL breaks the tie by aborting one of them.
import type { ScopedClient } from '../../db/scope.js';
import type { ScopedTx } from '../../db/transaction.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Result } from './result.js';

/** Thrown inside a write's transaction to roll it back, and returned as the write's result. */
export class Rollback extends Error {
  constructor(readonly result: Result<never>) {
    super('rolled back');
  }
}

const ATTEMPTS = 4;

export const isWriteConflict = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034';

/** `options`: Prisma's interactive transaction limits, for writes longer than its default 2 s wait / 5 s run. */
export async function transact<T>(
  db: ScopedClient,
  run: (tx: ScopedTx) => Promise<Result<T>>,
  options?: { maxWait?: number; timeout?: number },
): Promise<Result<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(async (tx) => {
        const result = await run(tx);
        if (!result.ok) throw new Rollback(result);
        return result;
      }, options);
    } catch (error) {
      if (error instanceof Rollback) return error.result;
      if (!isWriteConflict(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}
