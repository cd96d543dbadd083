// Counts the SQL statements Prisma sends through its driver adapter, inside transactions too.
// Tests use it to prove that nested lists cost one statement per level, not one per row.
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { embedded, type ResultSet } from './embed.js';

export interface StatementCounter {
  count: number;
  /** Every statement since the counter was made: never reset (/metrics counts from it). */
  readonly total: number;
  /** The statements since the last reset, for diagnosing a failed expectation. */
  log: string[];
  /** The same statements with the arguments the adapter received (to replay them, e.g. under EXPLAIN). */
  entries: StatementEntry[];
  reset(): void;
}

export interface StatementEntry {
  sql: string;
  /** `query.args` as the adapter received them (before it maps dates and bytes for the driver). */
  args: unknown[];
  /** `query.argTypes`: which args are dates, datetimes, lists... */
  argTypes?: unknown[];
}

const COUNTED = new Set(['queryRaw', 'executeRaw']);

export interface CountOptions {
  /**
   * Told of every failure of the adapter: a statement, opening a transaction or connecting
   * (src/http/replicas.ts tells an unreachable replica from a failed query this way). The
   * failure still reaches the caller.
   */
  onError?(error: unknown): void;
}

export function countStatements<F extends SqlDriverAdapterFactory>(
  factory: F,
  options: CountOptions = {},
): { factory: F; counter: StatementCounter } {
  let total = 0;
  const counter: StatementCounter = {
    count: 0,
    get total() {
      return total;
    },
    log: [],
    entries: [],
    reset() {
      this.count = 0;
      this.log = [];
      this.entries = [];
    },
  };
  const record = (query: { sql: string; args?: unknown[]; argTypes?: unknown[] }) => {
    counter.count += 1;
    total += 1;
    if (counter.log.length < 500) counter.log.push(query.sql);
    if (counter.entries.length < 500) counter.entries.push({ sql: query.sql, args: query.args ?? [], argTypes: query.argTypes });
  };
  const { onError } = options;
  const watch = <T>(promise: Promise<T>): Promise<T> =>
    onError
      ? promise.catch((error: unknown) => {
          onError(error);
          throw error;
        })
      : promise;
  // Proxies rather than subclasses: the adapters' classes are not exported, and only these
  // methods matter.
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        if (COUNTED.has(prop as string)) {
          return (query: { sql: string; args?: unknown[]; argTypes?: unknown[] }, ...rest: unknown[]) => {
            // A read taken into a statement of our own (src/db/embed.ts) is sent as that statement.
            const embed = embedded(query);
            if (embed) {
              record(embed.query);
              return watch(value.call(obj, embed.query, ...rest) as Promise<ResultSet>).then(embed.keep);
            }
            record(query);
            return watch(value.call(obj, query, ...rest) as Promise<unknown>);
          };
        }
        if (prop === 'startTransaction') {
          return async (...args: unknown[]) => wrap(await watch(value.apply(obj, args) as Promise<object>));
        }
        return value.bind(obj);
      },
    });
  const wrapped = new Proxy(factory, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === 'connect' && typeof value === 'function') {
        return async () => wrap(await watch(value.call(obj) as Promise<object>));
      }
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
  return { factory: wrapped, counter };
}
