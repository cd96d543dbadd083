// Read replicas (issue 12, DATABASE_REPLICA_URLS). Routing is per operation, not per statement: a
// query operation runs wholly on one replica (round robin over those in rotation); a mutation runs
// wholly on the primary, its payload's reads included, so that a request reads its own writes.
// Authentication (the token lookup, in src/http/context.ts) always reads the primary: a revoked
// token stops working at once, whatever the replicas' lag. `ctx.bin` (the recycle bin, used by
// mutations only) stays on the primary too.
//
// Why not @prisma/extension-read-replicas: it routes each read statement by itself, so the reads
// that resolve a mutation's payload (after its transaction committed) would go to a replica that may
// not have the write yet; the whole mutation would have to be wrapped in `$primary()` anyway. Routing
// whole operations is that, without the extension, and it knows which replica served an operation,
// which the fallback below needs.
//
// A replica that fails: when a statement of a query cannot reach its replica (connection refused or
// timed out, connection dropped, the server shutting down...), the replica leaves the rotation and
// the query runs again, from the start, on the primary: queries write nothing, so running one twice is
// harmless. The client sees a normal answer, only slower. A replica out of rotation is probed every
// `retryMs` and comes back when it answers; while none is in rotation, queries go to the primary. A
// query the standby cancelled because of a recovery conflict (SQLSTATE 40001, "canceling statement due
// to conflict with recovery") also runs again on the primary, and the replica stays in rotation.
// Errors of the query itself (a statement timeout, a bug) are not retried: they are answered as any
// database error is (masked, logged with the request id).
//
// Read-your-writes inside a mutation operation also needs the request's DataLoaders (ctx.loaders:
// nested connection totals, deal sums) to keep nothing across its writes, so that a second mutation
// field's payload does not show the totals the first one's payload read: a mutation's context is
// built with loaders that remember nothing after a batch (src/schema/kit/loaders.ts).
import { isDriverAdapterError } from '@prisma/driver-adapter-utils';
import { getOperationAST, Kind, type ExecutionArgs, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { DatabaseReplica } from '../db/client.js';
import type { StatementCounter } from '../db/statements.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { sameOperation } from '../limits/rate-limit.js';
import { contextOn, type Context, type Routing } from './context.js';
import type { Logger } from '../observability/logger.js';
import { registerReplicaMetrics, registerStatementMetrics, type Metrics } from '../observability/metrics.js';

export interface ReadReplicaOptions {
  /** The replicas (`Database.replicas`); none: everything runs on the primary. */
  replicas?: readonly DatabaseReplica[];
  /** The primary's statement counter (`Database.statements`): with it, /metrics counts statements by target. */
  primaryStatements?: StatementCounter;
  metrics?: Metrics;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How often a replica out of rotation is probed (ms; default 5000). */
  retryMs?: number;
}

export const REPLICA_RETRY_MS = 5_000;

/** What a failure of a replica's connection says about the replica. */
export type ReplicaFailure = 'unavailable' | 'conflict';

/** Prisma's driver-adapter error kinds that say the server cannot be used, not that a query failed. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TlsConnectionError',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'TooManyConnections',
]);

/**
 * Classifies a failure seen by a replica's adapter (src/db/statements.ts' `onError`) or pool:
 * `unavailable` when the server cannot serve (unreachable, refusing, shutting down, still starting,
 * wrong credentials: SQLSTATE classes 08, 28, 3D, 53, 57P01-57P04), `conflict` for a query the
 * standby cancelled for recovery (40001, which a read-only query can meet on a standby only),
 * undefined for a failure of the query itself. Errors pg raises outside PostgreSQL's protocol
 * ("Connection terminated unexpectedly", a connection timeout) reach the adapter unmapped: unavailable.
 */
export function classifyReplicaFailure(error: unknown): ReplicaFailure | undefined {
  if (error && typeof error === 'object' && isDriverAdapterError(error)) {
    const cause = error.cause as { kind: string; code?: string; originalCode?: string };
    if (UNAVAILABLE_KINDS.has(cause.kind)) return 'unavailable';
    if (cause.kind === 'TransactionWriteConflict') return 'conflict';
    const code = cause.kind === 'postgres' ? cause.code : cause.originalCode;
    if (code && (/^(08|28|3D|53)/.test(code) || /^57P0[1-4]$/.test(code))) return 'unavailable';
    if (code === '40001') return 'conflict';
    return undefined;
  }
  if (!(error instanceof Error)) return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // A PostgreSQL error heard by the pool itself (an idle connection terminated by a shutdown).
  if (typeof severity === 'string' && typeof code === 'string') {
    return /^(08|28|3D|53|57P0[1-4])/.test(code) ? 'unavailable' : undefined;
  }
  // A system error of the socket (EPIPE, EHOSTUNREACH...), or pg's own words for a lost connection.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'unavailable';
  return /connect|terminated|not queryable|after calling end/i.test(error.message) ? 'unavailable' : undefined;
}

interface ReplicaState {
  replica: DatabaseReplica;
  /** In rotation: answered its last use or probe. */
  up: boolean;
  /** Failures that took it out of rotation (or would have): compared before and after an operation. */
  unavailable: number;
  conflicts: number;
  probing?: NodeJS.Timeout;
}

/** The replicas and which of them are in rotation. */
export class ReplicaSet {
  readonly #states: ReplicaState[];
  readonly #logger?: Pick<Logger, 'info' | 'warn'>;
  readonly #retryMs: number;
  #next = 0;

  constructor(replicas: readonly DatabaseReplica[], options: { logger?: Pick<Logger, 'info' | 'warn'>; retryMs?: number } = {}) {
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? REPLICA_RETRY_MS;
    this.#states = replicas.map((replica) => ({ replica, up: true, unavailable: 0, conflicts: 0 }));
    for (const state of this.#states) state.replica.onFailure((error) => this.#failed(state, error));
  }

  get configured(): number {
    return this.#states.length;
  }

  get available(): number {
    return this.#states.filter((s) => s.up).length;
  }

  /** The next replica in rotation (round robin), or undefined when none is: the primary serves. */
  pick(): ReplicaState | undefined {
    const n = this.#states.length;
    for (let i = 0; i < n; i++) {
      const state = this.#states[(this.#next + i) % n]!;
      if (state.up) {
        this.#next = (this.#next + i + 1) % n;
        return state;
      }
    }
    return undefined;
  }

  /**
   * Probes every replica once (in the background at start): one that does not answer leaves the
   * rotation before a query meets it; one that is not a standby is named in the log.
   */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.#states.map(async (state) => {
        try {
          const { inRecovery } = await state.replica.ping();
          if (!inRecovery) {
            this.#logger?.warn(
              { replica: state.replica.name },
              'read replica is not a standby (pg_is_in_recovery() is false): it serves queries all the same',
            );
          }
        } catch (error) {
          this.#down(state, error);
        }
      }),
    );
  }

  #failed(state: ReplicaState, error: unknown): void {
    const failure = classifyReplicaFailure(error);
    if (failure === 'conflict') state.conflicts += 1;
    else if (failure === 'unavailable') this.#down(state, error);
  }

  #down(state: ReplicaState, error: unknown): void {
    state.unavailable += 1;
    if (!state.up || state.replica.closed) return;
    state.up = false;
    this.#logger?.warn(
      { replica: state.replica.name, err: error, retryMs: this.#retryMs },
      'read replica unavailable: out of rotation, queries go to the other replicas or the primary until it answers',
    );
    this.#probe(state);
  }

  #probe(state: ReplicaState): void {
    if (state.probing) return;
    state.probing = setTimeout(() => {
      state.probing = undefined;
      if (state.replica.closed) return;
      state.replica.ping().then(
        () => {
          state.up = true;
          this.#logger?.info({ replica: state.replica.name }, 'read replica answers again: back in rotation');
        },
        () => this.#probe(state),
      );
    }, this.#retryMs);
    // Probing never keeps a process alive.
    state.probing.unref();
  }
}

/** Where operations run (src/http/context.ts' `Routing`), and the plugin that learns and falls back. */
export interface ReadRouting extends Routing {
  /** Learns each operation's kind from its parsed document; runs a query again on the primary when its replica failed. */
  plugin: Plugin;
}

/**
 * Routes each query operation to a replica (see the top of this file). The choice is made once, when
 * the context is built (src/http/context.ts asks `client` after authentication): by then the document
 * is parsed and the operation's kind known.
 */
export function readRouting(primary: PrismaClient, options: ReadReplicaOptions = {}): ReadRouting {
  const replicas = options.replicas ?? [];
  const { metrics, logger } = options;
  if (metrics) {
    registerStatementMetrics(metrics.registry, {
      ...(options.primaryStatements && { primary: [options.primaryStatements] }),
      replica: replicas.map((r) => r.statements),
    });
  }
  const set = replicas.length ? new ReplicaSet(replicas, { logger, retryMs: options.retryMs }) : undefined;
  if (set) {
    if (metrics) registerReplicaMetrics(metrics.registry, () => ({ available: set.available, configured: set.configured }));
    void set.checkAll();
  }
  /** By Yoga's context of a request: the kind of its operation, and the replica serving it. */
  const operations = new WeakMap<object, OperationTypeNode | undefined>();
  const served = new WeakMap<object, ReplicaState>();

  return {
    operation: (initial) => operations.get(initial),
    client(initial) {
      // Mutations (and subscriptions) run on the primary, payload reads included.
      if (!set || operations.get(initial) !== 'query') return primary;
      const state = set.pick();
      if (!state) return primary; // none in rotation: the primary serves
      served.set(initial, state);
      return state.replica.prisma;
    },
    plugin: {
      onParse: () => ({ result, context }) => {
        if (result && typeof result === 'object' && 'kind' in result && result.kind === Kind.DOCUMENT) {
          operations.set(context, getOperationAST(result, context.params?.operationName)?.operation);
        }
      },
      onExecute({ args, executeFn, setExecuteFn }) {
        const state = served.get(args.contextValue as object);
        if (!state) return;
        setExecuteFn(async (executionArgs: ExecutionArgs) => {
          const before = { unavailable: state.unavailable, conflicts: state.conflicts };
          const result = await executeFn(executionArgs);
          if (Symbol.asyncIterator in result || !result.errors?.length) return result;
          const reason: ReplicaFailure | undefined =
            state.unavailable !== before.unavailable ? 'unavailable' : state.conflicts !== before.conflicts ? 'conflict' : undefined;
          if (!reason) return result;
          metrics?.replicaFallbacks.inc({ reason });
          logger?.warn(
            { replica: state.replica.name, reason },
            reason === 'unavailable'
              ? 'query failed on an unavailable read replica: run again on the primary'
              : 'query cancelled by the read replica (conflict with recovery): run again on the primary',
          );
          // From the start, on the primary, with a context of its own (nothing the first run loaded
          // or cached answers again); the rate limiter counts it as the same operation.
          const first = executionArgs.contextValue as Context;
          const again = contextOn(first, primary);
          sameOperation(first, again);
          return executeFn({ ...executionArgs, contextValue: again });
        });
      },
    },
  };
}
