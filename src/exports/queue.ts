// The bulk export service: pg-boss jobs `bulk-export { exportId }` on the same queue schema as
// webhook delivery, run in the gateway process (BULK_EXPORTS=inline) or in `npm run worker`.
//
// A job only says "run this export": who runs it is decided by the export's lease
// (src/exports/run.ts), so duplicate jobs are harmless and any number of processes may run the
// service. Jobs are sent when an export starts in this process (onExportsStarted) and by a periodic
// sweep, which also finds exports started elsewhere, and those whose run stopped (its process died:
// the lease lapses and the export continues from its last page). The sweep deletes the files of
// exports past their retention as well.
import type { ScriptRunner } from '../db/client.js';
import { startJobQueue } from '../db/job-queue.js';
import { onExportsStarted } from '../domain/bulk-exports.js';
import { DEFAULT_LEASE_MS, runExport, type RunOptions } from './run.js';

export const EXPORT_QUEUE = 'bulk-export';
const QUEUE_POOL_SIZE = 2;

export interface ExportServiceOptions extends RunOptions {
  /** PostgreSQL: pg-boss's own pool. Without it, `scripts` carries pg-boss's SQL (PGlite). */
  connectionString?: string;
  scripts: ScriptRunner;
  /** Exports run at once by this process. */
  concurrency: number;
  /** How often the sweep runs, in ms (also once at start); 0 for never (tests call `sweep`). */
  sweepIntervalMs: number;
  pollingIntervalSeconds?: number;
}

export interface ExportService {
  /** Runs these exports now (a no-op for one with a queued job). */
  nudge(exportIds: Iterable<number>): Promise<void>;
  /** Queues every export due to run and deletes expired files; resolves when done. */
  sweep(): Promise<void>;
  /** Stops taking jobs, lets running pages finish (at most `timeoutMs`): a stopped export resumes elsewhere. */
  stop(timeoutMs?: number): Promise<void>;
}

interface ExportJob {
  exportId: number;
}

export async function startExports(options: ExportServiceOptions): Promise<ExportService> {
  const { prisma } = options;
  const log = options.logger.child({ component: 'bulk-export' });
  let stopping = false;
  const boss = await startJobQueue({ ...options, poolSize: QUEUE_POOL_SIZE, name: 'exports' }, (error: Error) => stopping || log.error({ err: error }, 'export queue error'));
  await boss.createQueue(EXPORT_QUEUE, {
    name: EXPORT_QUEUE,
    policy: 'short',
    // A run that threw (the database was away) is tried again; its lease must lapse first, and the sweep is the last resort.
    retryLimit: 3,
    retryDelay: Math.ceil((options.leaseMs ?? DEFAULT_LEASE_MS) / 1000),
    // Long exports: far above one run of a million rows.
    expireInSeconds: 6 * 60 * 60,
  });
  // Stopping lets each run go after its page under way (src/exports/run.ts), rather than after its whole export.
  const stopped = new AbortController();
  const runOptions = { ...options, signal: stopped.signal };
  const workers: string[] = [];
  for (let i = 0; i < options.concurrency; i++) {
    workers.push(
      await boss.work<ExportJob>(EXPORT_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async ([job]) => {
        await runExport(runOptions, job!.data.exportId);
      }),
    );
  }
  const nudge = async (ids: Iterable<number>) => {
    for (const exportId of new Set(ids)) await boss.send(EXPORT_QUEUE, { exportId } satisfies ExportJob, { singletonKey: String(exportId) });
    workers.forEach((id) => boss.notifyWorker(id));
  };
  const report = (what: string) => (error: unknown) => log.error({ err: error }, what);

  let sweeping: Promise<void> | undefined;
  const sweep = () =>
    (sweeping ??= (async () => {
      try {
        const stale = new Date(Date.now() - (options.leaseMs ?? DEFAULT_LEASE_MS));
        const due = await prisma.bulkExport.findMany({
          where: { OR: [{ status: 'CREATED' }, { status: 'RUNNING', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: stale } }] }] },
          select: { id: true },
          take: 1000,
        });
        await nudge(due.map((row) => row.id));
        await purgeExpired(prisma);
      } finally {
        sweeping = undefined;
      }
    })());
  const timer = options.sweepIntervalMs ? setInterval(() => sweep().catch(report('export sweep failed')), options.sweepIntervalMs) : undefined;
  timer?.unref();
  if (options.sweepIntervalMs) await sweep().catch(report('export sweep failed'));
  const unsubscribe = onExportsStarted((ids) => nudge(ids).catch(report('export nudge failed')));
  log.info({ concurrency: options.concurrency }, 'bulk exports started');
  return {
    nudge,
    sweep,
    async stop(timeoutMs = 10_000) {
      stopping = true;
      stopped.abort();
      clearInterval(timer);
      unsubscribe();
      await sweeping?.catch(() => undefined);
      await boss.stop({ graceful: true, timeout: timeoutMs, wait: true });
    },
  };
}

/** Files past their retention are deleted; the export stays, EXPIRED, with its counts. */
export async function purgeExpired(prisma: RunOptions['prisma'], now = new Date()): Promise<number> {
  const expired = await prisma.bulkExport.findMany({ where: { status: 'COMPLETED', expiresAt: { lt: now } }, select: { id: true }, take: 1000 });
  if (!expired.length) return 0;
  const ids = expired.map((row) => row.id);
  await prisma.$transaction([
    prisma.bulkExportChunk.deleteMany({ where: { exportId: { in: ids } } }),
    prisma.bulkExport.updateMany({ where: { id: { in: ids }, status: 'COMPLETED' }, data: { status: 'EXPIRED' } }),
  ]);
  return ids.length;
}

/**
 * The unfinished exports of every organization, for /metrics, in one statement (at most one per
 * token): `stalled` runs wrote nothing within the lease (their process died).
 */
export async function exportBacklog(prisma: RunOptions['prisma'], leaseMs = DEFAULT_LEASE_MS): Promise<Record<'created' | 'running' | 'stalled', number>> {
  const stale = Date.now() - leaseMs;
  const rows = await prisma.bulkExport.findMany({ where: { status: { in: ['CREATED', 'RUNNING'] } }, select: { status: true, heartbeatAt: true } });
  const backlog = { created: 0, running: 0, stalled: 0 };
  for (const row of rows) {
    if (row.status === 'CREATED') backlog.created += 1;
    else if (!row.heartbeatAt || row.heartbeatAt.getTime() < stale) backlog.stalled += 1;
    else backlog.running += 1;
  }
  return backlog;
}
