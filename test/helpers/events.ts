// Readers of the change log and webhook delivery stop at the oldest transaction still running
// (docs/events.md, "Order"). On PostgreSQL that horizon is the whole server's: a transaction of a
// test file running beside this one (on its own database) holds this file's readers back until it
// ends. Tests that read right after they write wait for their own events to be readable first.
import type { PrismaClient } from '../../src/generated/prisma/client.js';

/** Resolves once every change event of `organizationId` is below the readers' horizon. */
export async function eventsReadable(prisma: PrismaClient, organizationId: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await prisma.$queryRaw<Array<{ pending: number }>>`
      SELECT count(*)::int AS pending FROM change_events
       WHERE organization_id = ${organizationId}::int4 AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`;
    if (row!.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${row!.pending} events of organization ${organizationId} still behind a running transaction after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
