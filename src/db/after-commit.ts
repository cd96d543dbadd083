// Work that must happen only once a transaction has committed (publishing the events it wrote): a
// transaction of the scoped client runs in a frame of its own, code inside it queues callbacks with
// `afterCommit`, and they run when `$transaction` resolves. A transaction that rolls back (a failed
// Result, an error, a deadlock retried by transact()) drops its frame with its callbacks.
import { AsyncLocalStorage } from 'node:async_hooks';

type Callback = () => void;

const frames = new AsyncLocalStorage<Callback[]>();

/** Runs `transaction` in a frame of its own; the callbacks it queued run once it has resolved. */
export async function committing<T>(transaction: () => Promise<T>): Promise<T> {
  const callbacks: Callback[] = [];
  const result = await frames.run(callbacks, transaction);
  for (const callback of callbacks) {
    // A listener's failure is its own: the write is committed and its caller gets its result.
    try {
      callback();
    } catch {
      /* listeners log their own failures */
    }
  }
  return result;
}

/** Whether code runs inside a scoped client's transaction. */
export const inTransaction = (): boolean => frames.getStore() !== undefined;

/** Queues `callback` for after the current transaction commits; throws outside a transaction. */
export function afterCommit(callback: Callback): void {
  const frame = frames.getStore();
  if (!frame) throw new Error('afterCommit is only available inside a transaction of the scoped client');
  frame.push(callback);
}

const batches = new WeakMap<Callback[], Map<unknown, unknown[]>>();

/**
 * Adds `item` to the current transaction's batch named `key`; after the commit, `flush` gets the
 * whole batch once (the flush of the batch's first item is the one called).
 */
export function afterCommitBatch<T>(key: unknown, item: T, flush: (items: readonly T[]) => void): void {
  const frame = frames.getStore();
  if (!frame) throw new Error('afterCommitBatch is only available inside a transaction of the scoped client');
  let named = batches.get(frame);
  if (!named) batches.set(frame, (named = new Map()));
  let items = named.get(key) as T[] | undefined;
  if (!items) {
    named.set(key, (items = []));
    const batch = items;
    frame.push(() => flush(batch));
  }
  items.push(item);
}
