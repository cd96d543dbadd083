// Soft delete and restore, the same for every model that can be deleted: the row keeps its data
// for the recycle bin, `deleted_at`/`deleter_id` say when and by whom, and the scoped client hides
// it from every query, list, total and relation.
import type { ScopedTx } from '../../db/scope.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Viewer } from '../viewer.js';
import { at, fail, notFound, ok, type Result } from './result.js';

/** The models with `deletedAt`/`deleterId` (the recycle bin's item types as they are added). */
export type SoftDeletable = 'company' | 'project' | 'deal' | 'serviceType' | 'expense' | 'contract' | 'invoice';

interface Delegate {
  updateMany(args: { where: Record<string, unknown>; data: { deletedAt: Date | null; deleterId: number | null } }): Promise<{
    count: number;
  }>;
}

/**
 * Deletes in one guarded UPDATE: of two concurrent deletes of one row exactly one succeeds (the
 * scoped client only matches rows that are not deleted yet); the other sees NOT_FOUND.
 */
export async function softDelete(
  db: ScopedTx,
  model: SoftDeletable,
  id: number,
  viewer: Viewer,
  what: string,
  /** The moment it is deleted at (the bin entry's stamp); now when not given. */
  stamp: Date = new Date(),
): Promise<Result<{ id: number }>> {
  const delegate = db[model] as unknown as Delegate;
  const { count } = await delegate.updateMany({ where: { id }, data: { deletedAt: stamp, deleterId: viewer.person.id } });
  return count === 1 ? ok({ id }) : fail(notFound(at('id'), what));
}

/**
 * Brings a deleted row back. `bin` is a client scoped with `includeDeleted` (the recycle bin's).
 * A row whose unique place was taken while it was deleted (an expense's position on its deal) is
 * a CONFLICT: the recycle bin must move it first.
 */
export async function restore(bin: ScopedTx, model: SoftDeletable, id: number, what: string): Promise<Result<{ id: number }>> {
  const delegate = bin[model] as unknown as Delegate;
  try {
    const { count } = await delegate.updateMany({
      where: { id, deletedAt: { not: null } },
      data: { deletedAt: null, deleterId: null },
    });
    return count === 1 ? ok({ id }) : fail(notFound(at('id'), what));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      return fail({ field: at('id'), message: 'cannot be restored: its place is taken by a live record', code: 'CONFLICT' });
    }
    throw error;
  }
}
