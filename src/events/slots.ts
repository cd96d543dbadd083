// How many live subscriptions one person may hold open on this instance. Each one is an open HTTP
// response, a listener and a socket for as long as the client likes; without a bound, one token (or a
// buggy client reconnecting in a loop without closing) could hold thousands and exhaust the
// process's file descriptors. Counted per instance: a load balancer spreading a person's streams over
// N instances lets them hold up to N times the limit, which still bounds every process.
export const DEFAULT_SUBSCRIPTIONS_PER_PERSON = 50;

export class SubscriptionSlots {
  readonly #held = new Map<string, number>();

  constructor(readonly perPerson: number = DEFAULT_SUBSCRIPTIONS_PER_PERSON) {}

  /**
   * A slot for `holder`, as the function that gives it back (to be called once: a subscription's
   * stream calls its `onEnd` once); null when all are taken.
   */
  take(holder: string): (() => void) | null {
    const held = this.#held.get(holder) ?? 0;
    if (held >= this.perPerson) return null;
    this.#held.set(holder, held + 1);
    return () => {
      const now = (this.#held.get(holder) ?? 1) - 1;
      if (now > 0) this.#held.set(holder, now);
      else this.#held.delete(holder);
    };
  }
}
