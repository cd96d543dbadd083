// How many live subscriptions one person may hold open on this instance. Each one is an open HTTP
// response, a listener and a socket for as long as the client likes; without a bound, one token (or a
// buggy client reconnecting in a loop without closing) could hold thousands and exhaust the
// process's file descriptors. Counted per instance: a load balancer spreading a person's streams over
// N instances lets them hold up to N times the limit, which still bounds every process.
//
// The same object re-checks the live subscriptions periodically (`watch`): a stream that waits for
// an event checks nothing by itself, so without this a revoked token's idle subscription would stay
// open until its next event. One timer per instance serves them all, and runs only while some are
// watched.
export const DEFAULT_SUBSCRIPTIONS_PER_PERSON = 50;

/** How often live subscriptions are re-checked when not told (AUTH_CACHE_MS=0: tokens are not cached). */
export const DEFAULT_RECHECK_MS = 1_000;
/** The shortest period: a sweep reads the database once per distinct token. */
export const MIN_RECHECK_MS = 100;
/** Checks a sweep runs at once: its reads must leave the database pool to the requests. */
const SWEEP_CONCURRENCY = 4;

/**
 * One pass over the watched subscriptions. `once` runs `work` once per key in this pass, so that the
 * subscriptions of one token (a person may hold 50) share one authentication.
 */
export class Sweep {
  readonly #memo = new Map<string, Promise<unknown>>();

  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let promise = this.#memo.get(key) as Promise<T> | undefined;
    if (!promise) this.#memo.set(key, (promise = work()));
    return promise;
  }
}

/** A watched subscription's check: it ends its own stream when it may no longer run. */
export type Recheck = (sweep: Sweep) => Promise<void>;

export interface SubscriptionSlotsOptions {
  /** How often watched subscriptions are re-checked, in ms (at least MIN_RECHECK_MS). */
  recheckMs?: number;
}

export class SubscriptionSlots {
  readonly #held = new Map<string, number>();
  #open = 0;
  readonly #watched = new Set<Recheck>();
  readonly recheckMs: number;
  #timer: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(
    readonly perPerson: number = DEFAULT_SUBSCRIPTIONS_PER_PERSON,
    options: SubscriptionSlotsOptions = {},
  ) {
    this.recheckMs = Math.max(MIN_RECHECK_MS, options.recheckMs ?? DEFAULT_RECHECK_MS);
  }

  /** Live subscriptions holding a slot on this instance, of every person (the `gateway_subscriptions_open` gauge). */
  get open(): number {
    return this.#open;
  }

  /**
   * A slot for `holder`, as the function that gives it back (to be called once: a subscription's
   * stream calls its `onEnd` once); null when all are taken.
   */
  take(holder: string): (() => void) | null {
    const held = this.#held.get(holder) ?? 0;
    if (held >= this.perPerson) return null;
    this.#held.set(holder, held + 1);
    this.#open++;
    return () => {
      this.#open--;
      const now = (this.#held.get(holder) ?? 1) - 1;
      if (now > 0) this.#held.set(holder, now);
      else this.#held.delete(holder);
    };
  }

  /**
   * Runs `check` every `recheckMs` until the returned function is called (once the stream ended).
   * A sweep still running when the next is due is not overlapped: the next one is skipped.
   */
  watch(check: Recheck): () => void {
    this.#watched.add(check);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#sweep(), this.recheckMs);
      // Watching never keeps a process alive on its own.
      this.#timer.unref();
    }
    return () => {
      this.#watched.delete(check);
      if (this.#watched.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    const sweep = new Sweep();
    const queue = [...this.#watched];
    const worker = async () => {
      for (let check = queue.shift(); check; check = queue.shift()) {
        // A check that fails (the database away) keeps its subscription: the next sweep tries again,
        // and each event checks the token before it is delivered anyway.
        if (this.#watched.has(check)) await check(sweep).catch(() => undefined);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, queue.length) }, worker));
    } finally {
      this.#sweeping = false;
    }
  }
}
