// `bin purge --older-than <days>`: erases for good what has been in the recycle bin longer than
// that, in every organization (or one), entry by entry through the same purge as
// `purgeDeletedItem` -- each in its own transaction, so a failure leaves the rest done and the
// command can be run again. An operator purges private entries too.
import { scopedClient } from '../db/scope.js';
import { expiredEntries, purgeDeletedItem } from '../domain/recycle-bin.js';
// The models' bin rules, which a purge walks (src/domain/recycle-bin.ts is handed them when it loads).
import '../domain/bin-rules.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { OperatorError } from '../domain/kit/errors.js';
import { existingOrganization } from './organizations.js';

export interface PurgeOptions {
  olderThanDays: number;
  organizationId?: number;
  now?: Date;
}

export interface PurgeSummary {
  purged: number;
  organizations: number;
  /** Entries a purge refused (a live row still depends on the object), with why. */
  refused: Array<{ organizationId: number; entryId: number; message: string }>;
}

const BATCH = 200;
const DAY_MS = 86_400_000;

export async function purgeOldEntries(prisma: PrismaClient, options: PurgeOptions, print: (line: string) => void): Promise<PurgeSummary> {
  const before = new Date((options.now ?? new Date()).getTime() - options.olderThanDays * DAY_MS);
  if (Number.isNaN(before.getTime())) throw new OperatorError('--older-than: too many days');
  let organizationIds: number[];
  if (options.organizationId !== undefined) {
    organizationIds = [await existingOrganization(prisma, options.organizationId)];
  } else {
    const rows = await prisma.deletedItem.findMany({
      where: { recoveredAt: null, createdAt: { lt: before } },
      distinct: ['organizationId'],
      select: { organizationId: true },
      orderBy: { organizationId: 'asc' },
    });
    organizationIds = rows.map((r) => r.organizationId);
  }

  const summary: PurgeSummary = { purged: 0, organizations: 0, refused: [] };
  for (const organizationId of organizationIds) {
    // An operator's bin: no person, so every entry, private ones included, is the operator's to purge.
    const bin = scopedClient(prisma, { organizationId, includeDeleted: true });
    const refused = new Set<number>();
    let purgedHere = 0;
    for (;;) {
      // Refused entries stay in the bin: ask past them, or the loop would find them again.
      const batch = (await expiredEntries(bin, before, BATCH + refused.size)).filter((id) => !refused.has(id));
      if (!batch.length) break;
      for (const entryId of batch) {
        const result = await purgeDeletedItem(bin, null, entryId);
        if (result.ok) {
          purgedHere += 1;
          print(`Organization ${organizationId}: purged ${result.value.itemType.replace('_', ' ')} ${result.value.id} (entry ${entryId}).`);
        } else if (result.errors[0]?.code !== 'NOT_FOUND') {
          // NOT_FOUND: erased meanwhile with a parent, or restored. Anything else is reported.
          refused.add(entryId);
          summary.refused.push({ organizationId, entryId, message: result.errors[0]?.message ?? 'refused' });
        }
      }
    }
    summary.purged += purgedHere;
    if (purgedHere) summary.organizations += 1;
  }
  return summary;
}

export function purgeSummaryLine(summary: PurgeSummary, days: number): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const head = summary.purged
    ? `Purged ${plural(summary.purged, 'item')} deleted more than ${plural(days, 'day')} ago in ${plural(summary.organizations, 'organization')}.`
    : `Nothing in the recycle bin is older than ${plural(days, 'day')}.`;
  return summary.refused.length ? `${head} ${plural(summary.refused.length, 'entry')} could not be purged (see above).` : head;
}
