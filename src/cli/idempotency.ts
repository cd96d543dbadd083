// `idempotency purge`: deletes the idempotency keys older than 24 hours, in every organization.
// Nothing needs it to be correct -- an expired key is ignored, and replaced when it is used again
// (src/domain/kit/idempotency.ts) -- it only keeps the table from growing with keys never reused.
// Run it from cron as often as suits (daily is plenty).
import { IDEMPOTENCY_TTL_MS } from '../domain/kit/idempotency.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** Deletes expired keys; resolves to how many. `now` is for tests. */
export async function purgeExpiredKeys(prisma: PrismaClient, now: Date = new Date()): Promise<number> {
  const { count } = await prisma.idempotencyKey.deleteMany({
    where: { createdAt: { lte: new Date(now.getTime() - IDEMPOTENCY_TTL_MS) } },
  });
  return count;
}

export const purgeKeysLine = (count: number): string =>
  count ? `Deleted ${count} expired idempotency key${count === 1 ? '' : 's'}.` : 'No idempotency key has expired.';
