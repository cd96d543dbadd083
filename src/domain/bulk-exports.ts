// Bulk exports: the rules of starting and cancelling one, and what its events show. Running one is
// src/exports/run.ts; the GraphQL side src/schema/bulk-export.ts; the download src/http/bulk-exports.ts.
//
// The organization sees its exports (like every object, and their events go to every member); one
// runs as, and its file is downloaded by, the token that started it only. A token has at most one unfinished export (CREATED or RUNNING):
// a partial unique index decides between concurrent starts.
import { afterCommit } from '../db/after-commit.js';
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import { recordEvent } from '../changes/outbox.js';
import { instant, serializeBigInt, type Payload } from './kit/shown.js';
import { Prisma, type BulkExport } from '../generated/prisma/client.js';
import { globalId } from './kit/global-id.js';
import { at, fail, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import type { Viewer } from './viewer.js';

export type BulkExportStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'EXPIRED';
export const UNFINISHED: BulkExportStatus[] = ['CREATED', 'RUNNING'];

/** The partial unique index on (token_hash) WHERE status IN ('CREATED', 'RUNNING'). */
const ONE_PER_TOKEN = 'bulk_exports_one_unfinished_per_token';

const isSecondExport = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError &&
  error.code === 'P2002' &&
  (JSON.stringify(error.meta ?? {}).includes(ONE_PER_TOKEN) || error.message.includes(ONE_PER_TOKEN) || JSON.stringify(error.meta ?? {}).includes('token_hash'));

/** Listeners of this process (the export runner, src/exports/queue.ts) hear of new exports at once. */
type Listener = (exportIds: number[]) => void;
const listeners = new Set<Listener>();

export function onExportsStarted(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface StartInput {
  /** The client's document, already checked (src/exports/document.ts). */
  query: string;
  /** The SHA-256 of the token that starts it. */
  tokenHash: string;
  /** What one row costs (src/limits/cost.ts), worked out from its page document. */
  rowCost: number;
}

/** Files the export; the runner picks it up (at once in this process, else at its next sweep). */
export async function startBulkExport(db: ScopedClient, viewer: Viewer, input: StartInput): Promise<Result<BulkExport>> {
  try {
    return await transact(db, async (tx) => {
      const row = await tx.bulkExport.create({ data: { organizationId: viewer.organization.id, personId: viewer.person.id, tokenHash: input.tokenHash, query: input.query, rowCost: input.rowCost } });
      afterCommit(() => listeners.forEach((listener) => listener([row.id])));
      return ok(row);
    });
  } catch (error) {
    if (!isSecondExport(error)) throw error;
    return fail(await running(db, input.tokenHash));
  }
}

async function running(db: ScopedClient, tokenHash: string): Promise<UserError> {
  const other = await db.bulkExport.findFirst({ where: { tokenHash, status: { in: UNFINISHED } }, select: { id: true } });
  const which = other ? ` (${globalId('BulkExport', other.id)})` : '';
  return { field: at('query'), message: `This token already has an export running${which}: wait for it to finish or cancel it.`, code: 'CONFLICT' };
}

/**
 * Stops an unfinished export: its partial file is deleted at once, and `bulk_export.finished` says
 * so. The person who started it may, and the organization's admins.
 */
export async function cancelBulkExport(db: ScopedClient, viewer: Viewer, id: number, origin: string): Promise<Result<BulkExport>> {
  return transact(db, async (tx) => {
    const existing = await tx.bulkExport.findUnique({ where: { id } });
    if (!existing) return fail(notFound(at('id'), 'Bulk export'));
    if (existing.personId !== viewer.person.id && viewer.role !== 'admin') {
      return fail({ field: at('id'), message: 'Only the person who started the export, or an admin, may cancel it.', code: 'FORBIDDEN' });
    }
    const { count } = await tx.bulkExport.updateMany({
      where: { id, status: { in: UNFINISHED } },
      data: { status: 'CANCELED', finishedAt: new Date(), runner: null },
    });
    const row = await tx.bulkExport.findUniqueOrThrow({ where: { id } });
    if (count !== 1) return fail({ field: at('id'), message: `The export has already finished (${row.status}).`, code: 'CONFLICT' });
    await tx.bulkExportChunk.deleteMany({ where: { exportId: id } });
    await recordFinished(tx, viewer, row, origin);
    return ok(row);
  });
}

/** `bulk_export.finished`, for a webhook or a subscription waiting on the export. `origin`: where its file is downloaded from. */
export const recordFinished = (tx: ScopedTx, viewer: Viewer | null, row: BulkExport, origin: string): Promise<void> =>
  recordEvent(tx, viewer, 'bulk_export.finished', { node: 'BulkExport', id: row.id }, () => presentBulkExport(row, origin));

/** Rows written over the list's total, 0 to 1 (1 once done); null while the total is unknown. */
export function exportProgress(row: Pick<BulkExport, 'status' | 'rowCount' | 'totalCount'>): number | null {
  if (row.status === 'COMPLETED' || row.status === 'EXPIRED') return 1;
  if (row.totalCount === null) return null;
  return row.totalCount === 0 ? 0 : Math.min(1, row.rowCount / row.totalCount);
}

/** Where the file is downloaded (src/http/bulk-exports.ts), while there is one. */
export function exportUrl(row: Pick<BulkExport, 'id' | 'status' | 'expiresAt'>, origin: string, now = new Date()): string | null {
  return row.status === 'COMPLETED' && row.expiresAt && row.expiresAt > now ? `${origin}/bulk-exports/${globalId('BulkExport', row.id)}` : null;
}

/** An export as the API shows it (src/schema/bulk-export.ts), for its events. */
export function presentBulkExport(row: BulkExport, origin: string): Payload {
  return {
    id: globalId('BulkExport', row.id),
    databaseId: row.id,
    status: row.status,
    query: row.query,
    rowCount: row.rowCount,
    totalCount: row.totalCount,
    progress: exportProgress(row),
    fileSize: serializeBigInt(row.byteCount),
    cost: serializeBigInt(row.cost),
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    createdAt: instant(row.createdAt),
    startedAt: instant(row.startedAt),
    finishedAt: instant(row.finishedAt),
    expiresAt: instant(row.expiresAt),
    url: exportUrl(row, origin),
  };
}
