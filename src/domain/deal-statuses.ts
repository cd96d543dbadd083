// Deal statuses: the stages of an organization's sales pipeline, in `position` order.
import type { ScopedClient } from '../db/scope.js';
import type { DealStatus } from '../generated/prisma/client.js';
import { at, checkText, fail, given, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';

export interface DealStatusInput {
  name?: string | null;
  position?: number | null;
  archived?: boolean | null;
}

const MAX_NAME = 255;
const MAX_POSITION = 1_000_000;

function check(input: DealStatusInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  if (creating || given(input, 'name')) checkText(errors, 'name', input.name, MAX_NAME);
  if (input.position != null && (input.position < 1 || input.position > MAX_POSITION)) {
    errors.push(invalid('position', `must be between 1 and ${MAX_POSITION}`));
  }
  return errors;
}

export async function createDealStatus(db: ScopedClient, organizationId: number, input: DealStatusInput): Promise<Result<DealStatus>> {
  const errors = check(input, true);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const position = input.position ?? ((await tx.dealStatus.aggregate({ _max: { position: true } }))._max.position ?? 0) + 1;
    return ok(
      await tx.dealStatus.create({
        data: { organizationId, name: input.name!.trim(), position, archivedAt: input.archived ? new Date() : null },
      }),
    );
  });
}

export async function updateDealStatus(db: ScopedClient, id: number, input: DealStatusInput): Promise<Result<DealStatus>> {
  const errors = check(input, false);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    // Archiving an archived status keeps its first date. The guarded UPDATE sets it only where it is
    // not set: of concurrent archives the first sets the moment, the others (waiting on its row lock)
    // match nothing and keep it, so every one of them answers the same date.
    if (input.archived === true) await tx.dealStatus.updateMany({ where: { id, archivedAt: null }, data: { archivedAt: new Date() } });
    const existing = await tx.dealStatus.findUnique({ where: { id }, select: { id: true } });
    if (!existing) return fail(notFound(at('id'), 'Deal status'));
    return ok(
      await tx.dealStatus.update({
        where: { id },
        data: {
          ...(given(input, 'name') && { name: input.name!.trim() }),
          ...(input.position != null && { position: input.position }),
          ...(input.archived === false && { archivedAt: null }),
        },
      }),
    );
  });
}
