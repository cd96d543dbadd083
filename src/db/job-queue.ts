// The job queue (pg-boss) that webhook delivery (src/webhooks/queue.ts) and bulk exports
// (src/exports/queue.ts) run on, in the data's database: each service starts a queue of its own
// over the same pg-boss schema.
//
// PGlite has no TCP connections: pg-boss then runs its SQL through the database's script runner
// (`db` option). On PostgreSQL it gets a small pool of its own (`connectionString`): the script
// runner is one session reserved for migrations and start-up locks.
import PgBoss from 'pg-boss';
import type { ScriptRunner } from './client.js';

/** pg-boss's tables live in their own schema, beside ours. */
export const QUEUE_SCHEMA = 'pgboss';

/** pg-boss's scripts: `BEGIN; SET LOCAL ...; SELECT pg_advisory_xact_lock(...); ...; COMMIT;`. */
const EXPLICIT_TRANSACTION = /^\s*BEGIN\s*;([\s\S]*)COMMIT\s*;\s*$/i;

/**
 * pg-boss's `db` over the script runner. pg-boss sends two kinds of SQL: parameterized single
 * statements (a prepared statement: `query`), and, without parameters, scripts of several
 * statements in BEGIN ... COMMIT (migrations, maintenance: `exec`, which returns no rows; the
 * statements pg-boss reads rows from without parameters are single ones). A script runs without
 * its BEGIN/COMMIT, as the one implicit transaction of a multi-statement query: a failure then rolls
 * it back by itself, where an explicit BEGIN would leave the session in an aborted transaction --
 * on PGlite, the one session every request uses.
 */
export function scriptsAdapter(scripts: ScriptRunner): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values?.length) return { rows: await scripts.query(text, values) };
      if (!/;\s*\S/.test(text)) return { rows: await scripts.query(text) };
      await scripts.exec(EXPLICIT_TRANSACTION.exec(text)?.[1] ?? text);
      return { rows: [] };
    },
  };
}

export interface JobQueueOptions {
  /** PostgreSQL: pg-boss's own pool. Without it, `scripts` carries pg-boss's SQL (PGlite). */
  connectionString?: string;
  scripts: ScriptRunner;
  /** Connections of the pool on PostgreSQL. */
  poolSize: number;
  /** Names the pool's connections (`gateway-<name>` in pg_stat_activity). */
  name: string;
}

/**
 * A started pg-boss, without its cron (the services sweep at intervals of their own) and keeping an
 * hour of finished jobs, archived for a day. `onError` hears its background errors.
 */
export async function startJobQueue(options: JobQueueOptions, onError: (error: Error) => unknown): Promise<PgBoss> {
  const boss = new PgBoss({
    ...(options.connectionString
      ? { connectionString: options.connectionString, max: options.poolSize, application_name: `gateway-${options.name}` }
      : { db: scriptsAdapter(options.scripts) }),
    schema: QUEUE_SCHEMA,
    schedule: false,
    archiveCompletedAfterSeconds: 60 * 60,
    deleteAfterDays: 1,
  });
  boss.on('error', onError);
  await boss.start();
  return boss;
}
