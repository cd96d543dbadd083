// Running one bulk export: page after page of its root connection, each page's nodes written as one
// chunk of JSON lines together with the export's progress, in one transaction. A run holds the
// export by a lease (`runner`, renewed by every page): a run that stops (the process died, the
// database went away) is taken over by another once the lease has lapsed, and that one continues from
// the last committed cursor -- rows are never written twice nor skipped, and nothing is marked
// COMPLETED before its last page is in. A cancel, or another run that took over, makes the next
// page's guarded write find nothing: the run then stops.
import { randomUUID } from 'node:crypto';
import { execute, parse, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { viewerOfToken } from '../auth/authenticate.js';
import { scopedClient, type ScopedClient } from '../db/scope.js';
import { recordFinished } from '../domain/bulk-exports.js';
import { fail, ok } from '../domain/kit/result.js';
import { transact } from '../domain/kit/transaction.js';
import type { Viewer } from '../domain/viewer.js';
import type { BulkExport, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../observability/logger.js';
import { planExport } from './document.js';

export interface RunOptions {
  /** The system client: exports are found across organizations, then written through a scoped one. */
  prisma: PrismaClient;
  /** The API's schema: a page runs as an ordinary query of the token's viewer. */
  schema: GraphQLSchema;
  /** A request context for `viewer` (src/http/context.ts backgroundContext): new for every page. */
  contextFor(viewer: Viewer, requestId: string): object;
  logger: Logger;
  /** The API's error masking (src/http/errors.ts): what a client may read of an error, the rest logged. */
  mask(error: GraphQLError, requestId: string): GraphQLError;
  /** Rows per page (default 200, the lists' largest). */
  pageSize?: number;
  /** How long a run may stay silent before another takes its export over, in ms (default 60 s). */
  leaseMs?: number;
  /** How long a finished file can be downloaded, in ms; then it is deleted. */
  retentionMs: number;
  /** Takes a page's points from the token's rate-limit bucket (src/limits/rate-limit.ts TokenCharge); none when the limiter is off. */
  charge?(tokenHash: string, points: number): Promise<void>;
  /** Aborted when the process stops: the run lets its export go after the page under way, for another process to continue at once. */
  signal?: AbortSignal;
  /** PUBLIC_URL: the origin of the file's URL in `bulk_export.finished` (the run has no request); a path without it. */
  publicUrl?: string;
}

export const DEFAULT_PAGE_SIZE = 200;
export const DEFAULT_LEASE_MS = 60_000;

/** What a run ended with: `done` (finished, any status), or `stopped` (cancelled, taken over, or not to be run). */
export type RunOutcome = 'done' | 'stopped';

/** Page documents by query text: a long export parses its page once. */
const pages = new LRUCache<string, DocumentNode>({ max: 100 });

interface Page {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: unknown[];
}

export async function runExport(options: RunOptions, exportId: number): Promise<RunOutcome> {
  const { prisma } = options;
  const runner = randomUUID();
  const lease = options.leaseMs ?? DEFAULT_LEASE_MS;
  const now = new Date();
  const { count } = await prisma.bulkExport.updateMany({
    where: {
      id: exportId,
      OR: [{ status: 'CREATED' }, { status: 'RUNNING', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: new Date(now.getTime() - lease) } }] }],
    },
    data: { status: 'RUNNING', runner, heartbeatAt: now },
  });
  if (count !== 1) return 'stopped';
  let row = await prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } });
  if (!row.startedAt) row = await prisma.bulkExport.update({ where: { id: exportId }, data: { startedAt: now } });
  const log = options.logger.child({ component: 'bulk-export', exportId, organizationId: row.organizationId });
  // The run's own writes (progress, chunks, the finished event) as the organization's operator; the pages run as the token.
  const db = scopedClient(prisma, { organizationId: row.organizationId });
  log.info({ resumedAt: row.rowCount || undefined }, row.rowCount ? 'bulk export resumed' : 'bulk export started');

  const document = pageDocument(options.schema, row.query);
  if (typeof document === 'string') return finish(db, row, runner, { status: 'FAILED', errorCode: 'INVALID_QUERY', errorMessage: document }, null, options);
  for (;;) {
    if (options.signal?.aborted) {
      // Let go: with no heartbeat, the next sweep anywhere finds it due and continues from its cursor.
      await prisma.bulkExport.updateMany({ where: { id: row.id, runner, status: 'RUNNING' }, data: { runner: null, heartbeatAt: null } });
      log.info({ rows: row.rowCount }, 'bulk export let go: this process is stopping');
      return 'stopped';
    }
    // As the token sees it now: a revoked token or a person who left stops the export.
    const viewer = await viewerOfToken(prisma, row.tokenHash, row.organizationId);
    if (!viewer) {
      return finish(db, row, runner, { status: 'FAILED', errorCode: 'UNAUTHENTICATED', errorMessage: 'The token that started the export was revoked, or its person left the organization.' }, null, options);
    }
    const requestId = randomUUID();
    const result = await execute({
      schema: options.schema,
      document,
      contextValue: options.contextFor(viewer, requestId),
      variableValues: { bulkFirst: options.pageSize ?? DEFAULT_PAGE_SIZE, bulkAfter: row.cursor },
    });
    const page = (result.data as { page?: Page } | null | undefined)?.page;
    if (result.errors?.length || !page) {
      const error = result.errors?.length ? options.mask(result.errors[0]!, requestId) : undefined;
      const code = error?.extensions?.code;
      // Raised on purpose (a cursor the list refuses, a token's limit): the client's to read. Anything
      // else was logged by the masking under the request id the export shows.
      const ending: Ending =
        error && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR'
          ? { status: 'FAILED', errorCode: code, errorMessage: error.message }
          : { status: 'FAILED', errorCode: 'INTERNAL', errorMessage: `A page of the export failed unexpectedly (request id ${requestId}).` };
      return finish(db, row, runner, ending, viewer, options);
    }
    const data = page.nodes.map((node) => `${JSON.stringify(node)}\n`).join('');
    const bytes = Buffer.byteLength(data);
    const next = await transact(db, async (tx) => {
      // Guarded: a cancelled export, or one another run has taken over, is not this run's to write.
      const { count } = await tx.bulkExport.updateMany({
        where: { id: row.id, runner, status: 'RUNNING', chunkCount: row.chunkCount },
        data: {
          cursor: page.pageInfo.endCursor ?? row.cursor,
          rowCount: { increment: page.nodes.length },
          chunkCount: { increment: 1 },
          byteCount: { increment: bytes },
          cost: { increment: BigInt(page.nodes.length) * BigInt(row.rowCost) },
          totalCount: page.totalCount ?? row.totalCount,
          heartbeatAt: new Date(),
        },
      });
      if (count !== 1) return fail({ field: [], message: 'lost', code: 'STOPPED' });
      await tx.bulkExportChunk.create({ data: { organizationId: row.organizationId, exportId: row.id, seq: row.chunkCount, rows: page.nodes.length, data } });
      return ok(await tx.bulkExport.findUniqueOrThrow({ where: { id: row.id } }));
    });
    if (!next.ok) {
      log.info('bulk export stopped: cancelled or taken over');
      return 'stopped';
    }
    row = next.value;
    // The token pays for the rows as an ordinary page of them would (never refused: the export goes
    // on, and the token's own requests wait for its bucket). A limiter that fails lets it through.
    await options.charge?.(row.tokenHash, page.nodes.length * row.rowCost).catch((error: unknown) => log.warn({ err: error }, 'bulk export: the token could not be charged'));
    if (!page.pageInfo.hasNextPage) {
      return finish(db, row, runner, { status: 'COMPLETED', errorCode: null, errorMessage: null }, viewer, options);
    }
  }
}

function pageDocument(schema: GraphQLSchema, query: string): DocumentNode | string {
  const cached = pages.get(query);
  if (cached) return cached;
  // Checked again: the schema may have changed since the export started (a new release).
  const plan = planExport(schema, query);
  if (!plan.ok) return plan.message;
  const document = parse(plan.plan.page);
  pages.set(query, document);
  return document;
}

interface Ending {
  status: 'COMPLETED' | 'FAILED';
  errorCode: string | null;
  errorMessage: string | null;
}

/** The last write of a run: its status, and `bulk_export.finished` in the same transaction. */
async function finish(db: ScopedClient, row: BulkExport, runner: string, ending: Ending, viewer: Viewer | null, options: RunOptions): Promise<RunOutcome> {
  const finishedAt = new Date();
  const result = await transact(db, async (tx) => {
    const { count } = await tx.bulkExport.updateMany({
      where: { id: row.id, runner, status: 'RUNNING' },
      data: {
        ...ending,
        finishedAt,
        runner: null,
        expiresAt: ending.status === 'COMPLETED' ? new Date(finishedAt.getTime() + options.retentionMs) : null,
      },
    });
    if (count !== 1) return fail({ field: [], message: 'lost', code: 'STOPPED' });
    // A failed export keeps no partial file.
    if (ending.status === 'FAILED') await tx.bulkExportChunk.deleteMany({ where: { exportId: row.id } });
    const finished = await tx.bulkExport.findUniqueOrThrow({ where: { id: row.id } });
    await recordFinished(tx, viewer ?? null, finished, options.publicUrl ?? '');
    return ok(finished);
  });
  if (!result.ok) return 'stopped';
  options.logger.info({ component: 'bulk-export', exportId: row.id, status: ending.status, rows: result.value.rowCount, errorCode: ending.errorCode ?? undefined }, 'bulk export finished');
  return 'done';
}
