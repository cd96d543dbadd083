// The live event bus behind GraphQL subscriptions (issue 13). Every instance publishes the events it
// commits (src/changes/outbox.ts' onEventsCommitted) and delivers, to its own subscribers, the events
// of their organization, wherever they were committed:
//
// - with Redis (REDIS_URL), over Redis pub/sub: one channel per organization, `<prefix>:<org id>`
//   (EVENTS_CHANNEL_PREFIX, one per deployment), so that an instance hears only the organizations
//   its subscribers belong to. The instance that commits an event hears it back from Redis like
//   every other instance, so each subscriber gets it once.
// - without Redis, in process: what this process commits, to this process's subscribers.
//
// Either way an event crosses the bus as JSON (ids as strings, times as ISO 8601) and is read back
// into the shape of a committed event, so that both paths deliver exactly the same thing.
//
// Pub/sub is at most once: an event published while an instance is cut off from Redis does not
// reach that instance's subscribers (the outbox and the webhooks are the durable record). Events of
// one organization reach a subscriber in the order they were published.
//
// Why not Yoga's createPubSub + createRedisEventTarget: its subscribe() is a lazy Repeater (nothing
// listens until the client pulls the first event, so an event committed right after the subscription
// started could be missed), it does not tell when Redis has confirmed a SUBSCRIBE, and its
// dispatchEvent drops the publish promise, so a Redis outage becomes an unhandled rejection.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { onEventsCommitted, type CommittedEvent } from './outbox.js';
import { isEventType } from './types.js';

/** What a subscriber receives: a committed event as the bus carries it (no webhook bookkeeping). */
export type LiveEvent = Omit<CommittedEvent, 'webhookIds'> & { webhookIds: number[] };

export interface BusLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** A subscriber's end of the bus: the events of one organization, as they are published. */
export interface Listener {
  (event: LiveEvent): void;
}

export interface EventBus {
  /** `redis` or `memory` (in process). */
  readonly kind: 'redis' | 'memory';
  /**
   * Calls `listener` with every event of `organizationId` published from now on. The promise
   * resolves once the bus hears them (Redis has confirmed the channel's SUBSCRIBE; at once in
   * process), with the function that stops listening.
   */
  listen(organizationId: number, listener: Listener): { ready: Promise<void>; stop: () => void };
  /** Publishes committed events to every instance (the outbox hook calls this). */
  publish(events: readonly CommittedEvent[]): void;
  /** Ends every subscriber's stream (see `onClose`) and disconnects; publishing is a no-op after. */
  close(): Promise<void>;
  /** Called when the bus closes: subscriptions end their streams so that their responses finish. */
  onClose(callback: () => void): () => void;
}

export interface EventBusOptions {
  /** Redis (redis:// or rediss://); in process when not given. */
  redisUrl?: string;
  /** Prefix of the Redis channels (EVENTS_CHANNEL_PREFIX); instances of one deployment share it. */
  channelPrefix?: string;
  logger?: BusLogger;
  /**
   * Publish what this process commits (default true). A bus that only listens is for a test that
   * plays two instances in one process: the second must hear events through Redis only.
   */
  feed?: boolean;
  /** How long a new subscription waits for Redis to confirm its channel before it starts anyway (ms). */
  subscribeTimeoutMs?: number;
}

export const DEFAULT_CHANNEL_PREFIX = 'gateway:events';

/** The wire format: a committed event as JSON, versioned so that instances of two releases can tell. */
interface WireEvent {
  v: 1;
  id: string;
  organizationId: number;
  type: string;
  actorId: number | null;
  subjectId: string;
  payload: unknown;
  createdAt: string;
}

/** JSON of an event: bigints (the id, and any in the payload) as strings, dates as ISO 8601. */
export function encodeEvent(event: CommittedEvent): string {
  const wire: WireEvent = {
    v: 1,
    id: String(event.id),
    organizationId: event.organizationId,
    type: event.type,
    actorId: event.actorId,
    subjectId: event.subjectId,
    payload: event.payload ?? null,
    createdAt: new Date(event.createdAt).toISOString(),
  };
  return JSON.stringify(wire, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** An event read back from the bus, or null when the message is not one (another release, noise). */
export function decodeEvent(message: string): LiveEvent | null {
  let wire: Partial<WireEvent>;
  try {
    wire = JSON.parse(message) as Partial<WireEvent>;
  } catch {
    return null;
  }
  if (
    !wire ||
    wire.v !== 1 ||
    typeof wire.id !== 'string' ||
    !/^\d{1,19}$/.test(wire.id) ||
    !Number.isSafeInteger(wire.organizationId) ||
    typeof wire.type !== 'string' ||
    !isEventType(wire.type) ||
    !(wire.actorId === null || Number.isSafeInteger(wire.actorId)) ||
    typeof wire.subjectId !== 'string' ||
    typeof wire.createdAt !== 'string'
  ) {
    return null;
  }
  const createdAt = new Date(wire.createdAt);
  if (Number.isNaN(createdAt.getTime())) return null;
  return {
    id: BigInt(wire.id),
    organizationId: wire.organizationId!,
    type: wire.type,
    actorId: wire.actorId ?? null,
    subjectId: wire.subjectId,
    payload: wire.payload ?? null,
    createdAt,
    webhookIds: [],
  };
}

/** Local fan-out: the listeners of each organization in this process. */
class Listeners {
  readonly #byOrganization = new Map<number, Set<Listener>>();

  add(organizationId: number, listener: Listener): boolean {
    let set = this.#byOrganization.get(organizationId);
    const first = set === undefined;
    if (!set) this.#byOrganization.set(organizationId, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** Whether it was the organization's last listener. */
  delete(organizationId: number, listener: Listener): boolean {
    const set = this.#byOrganization.get(organizationId);
    if (!set?.delete(listener)) return false;
    if (set.size > 0) return false;
    this.#byOrganization.delete(organizationId);
    return true;
  }

  /** Whether anyone here listens to the organization's events. */
  has(organizationId: number): boolean {
    return this.#byOrganization.has(organizationId);
  }

  deliver(event: LiveEvent, logger: BusLogger | undefined): void {
    for (const listener of [...(this.#byOrganization.get(event.organizationId) ?? [])]) {
      // One subscriber's failure is its own: the others still get the event.
      try {
        listener(event);
      } catch (error) {
        logger?.warn({ err: error }, 'events: a subscriber failed to take an event');
      }
    }
  }
}

abstract class BaseBus implements EventBus {
  abstract readonly kind: 'redis' | 'memory';
  protected readonly listeners = new Listeners();
  protected closed = false;
  readonly #closers = new Set<() => void>();
  readonly #detach?: () => void;

  constructor(protected readonly logger: BusLogger | undefined, feed: boolean) {
    if (feed) this.#detach = onEventsCommitted((events) => this.publish(events));
  }

  abstract listen(organizationId: number, listener: Listener): { ready: Promise<void>; stop: () => void };
  abstract publish(events: readonly CommittedEvent[]): void;
  protected abstract disconnect(): Promise<void>;

  onClose(callback: () => void): () => void {
    this.#closers.add(callback);
    return () => this.#closers.delete(callback);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.#detach?.();
    for (const callback of [...this.#closers]) callback();
    this.#closers.clear();
    await this.disconnect();
  }
}

/** In process: what this process commits, to this process's subscribers. */
class MemoryBus extends BaseBus {
  readonly kind = 'memory' as const;

  listen(organizationId: number, listener: Listener) {
    this.listeners.add(organizationId, listener);
    return { ready: Promise.resolve(), stop: () => void this.listeners.delete(organizationId, listener) };
  }

  publish(events: readonly CommittedEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      // No work for an organization nobody here subscribes to (most writes).
      if (!this.listeners.has(event.organizationId)) continue;
      // Through the wire format, as over Redis: subscribers get the same thing either way.
      const live = decodeEvent(encodeEvent(event));
      if (live) this.listeners.deliver(live, this.logger);
    }
  }

  protected async disconnect(): Promise<void> {}
}

/** Over Redis pub/sub, one channel per organization. */
class RedisBus extends BaseBus {
  readonly kind = 'redis' as const;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** The SUBSCRIBE of each organization's channel, while it has listeners here. */
  readonly #subscribed = new Map<number, Promise<void>>();

  constructor(url: string, options: EventBusOptions) {
    super(options.logger, options.feed ?? true);
    this.#prefix = options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
    this.#timeoutMs = options.subscribeTimeoutMs ?? 5_000;
    // Publishing queues while Redis is away (ioredis' offline queue) and gives up after a few
    // reconnection attempts; the subscriber resubscribes its channels when it reconnects.
    // ioredis is required here, not imported at the top: without REDIS_URL (the CLI, one instance) it is not loaded.
    const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.#publisher = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.#subscriber = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    let up: boolean | undefined;
    const onError = (error: Error) => {
      if (up !== false) {
        this.logger?.warn({ err: error }, 'events: Redis unreachable; live events from other instances are lost until it is back');
      }
      up = false;
    };
    this.#publisher.on('error', onError);
    this.#subscriber.on('error', onError);
    this.#subscriber.on('ready', () => {
      if (up === false) this.logger?.info({}, 'events: Redis is back; live events flow again');
      up = true;
    });
    this.#subscriber.on('message', (channel: string, message: string) => this.#received(channel, message));
  }

  #channel(organizationId: number): string {
    return `${this.#prefix}:${organizationId}`;
  }

  #received(channel: string, message: string): void {
    const event = decodeEvent(message);
    // A message on an organization's channel is that organization's, or it is dropped.
    if (!event || channel !== this.#channel(event.organizationId)) {
      this.logger?.warn({ channel }, 'events: a message on the bus is not an event of its channel; dropped');
      return;
    }
    this.listeners.deliver(event, this.logger);
  }

  listen(organizationId: number, listener: Listener) {
    const first = this.listeners.add(organizationId, listener);
    if (first) {
      const channel = this.#channel(organizationId);
      this.#subscribed.set(
        organizationId,
        this.#subscriber.subscribe(channel).then(
          () => undefined,
          (error: unknown) => this.logger?.warn({ err: error, channel }, 'events: subscribing to a channel failed'),
        ),
      );
    }
    const subscribed = this.#subscribed.get(organizationId) ?? Promise.resolve();
    // Redis down: the subscription starts anyway, and hears events once Redis is back.
    const ready = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#timeoutMs);
      timer.unref();
      void subscribed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      if (this.listeners.delete(organizationId, listener) && !this.closed) {
        this.#subscribed.delete(organizationId);
        this.#subscriber.unsubscribe(this.#channel(organizationId)).catch(() => undefined);
      }
    };
    return { ready, stop };
  }

  publish(events: readonly CommittedEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      const channel = this.#channel(event.organizationId);
      this.#publisher.publish(channel, encodeEvent(event)).catch((error: unknown) => {
        this.logger?.warn({ err: error, channel, eventId: String(event.id) }, 'events: publishing an event failed; live subscribers miss it');
      });
    }
  }

  protected async disconnect(): Promise<void> {
    await Promise.all(
      [this.#publisher, this.#subscriber].map((client) => client.quit().then(
        () => undefined,
        () => client.disconnect(),
      )),
    );
  }
}

/** The bus: over Redis when `redisUrl` is given, in process otherwise. Close it on shutdown. */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  return options.redisUrl ? new RedisBus(options.redisUrl, options) : new MemoryBus(options.logger, options.feed ?? true);
}

let processBus: EventBus | undefined;

/**
 * The process's in-process bus, made on first use: what an app uses when it is given none (tests,
 * a single instance without Redis). It lives as long as the process.
 */
export function processEventBus(): EventBus {
  return (processBus ??= createEventBus());
}

/** Ends a subscription with an error its client can read (delivered as the stream's last event). */
export class StreamEnd {
  constructor(
    readonly message: string,
    readonly code: string,
  ) {}
}

export interface StreamOptions {
  /** Which events this subscriber wants; decided as they arrive (cheap, synchronous). */
  filter?: (event: LiveEvent) => boolean;
  /**
   * Decided as each event is taken, right before it is executed (may read the database): false skips
   * it; a StreamEnd ends the subscription with that error.
   */
  accept?: (event: LiveEvent) => Promise<boolean | StreamEnd> | boolean | StreamEnd;
  /** How many events may wait for a slow client (default 1000); past that the subscription ends. */
  maxQueue?: number;
  /** Called once, when the stream stops listening (ended, closed by its client, or the bus closed). */
  onEnd?: () => void;
}

export const MAX_QUEUED_EVENTS = 1000;

type Item = LiveEvent | StreamEnd;

/** A subscriber's stream, which its owner can also end from outside (a periodic check found its token revoked). */
export interface LiveStream extends AsyncIterableIterator<Item> {
  /**
   * Stops listening; with `last`, that error is delivered next (what was queued is dropped) and the
   * stream is done after it, also when it was waiting for an event; without, what is queued drains.
   */
  end(last?: StreamEnd): void;
}

/**
 * A subscriber's stream: it listens from the moment it is made (not from the client's first pull),
 * so nothing committed after the subscription started is missed. `return()` (the client went away)
 * stops listening at once, also while a pull is waiting.
 */
class EventStream implements LiveStream {
  readonly #queue: Item[] = [];
  #waiting: ((result: IteratorResult<Item>) => void) | undefined;
  /** No more items are taken in: the queue drains, then the stream is done. */
  #closing = false;
  #done = false;
  #stop: () => void = () => undefined;

  constructor(private readonly options: StreamOptions) {}

  listening(stop: () => void): void {
    this.#stop = stop;
  }

  push(event: LiveEvent): void {
    if (this.#closing || (this.options.filter && !this.options.filter(event))) return;
    const max = this.options.maxQueue ?? MAX_QUEUED_EVENTS;
    if (this.#queue.length >= max) {
      this.end(new StreamEnd(`More than ${max} events waited for this subscription, so it ended: subscribe again.`, 'SUBSCRIPTION_OVERFLOW'));
      return;
    }
    this.#deliver(event);
  }

  /** Stops listening; what is queued is still delivered (or only `last`, an error, when given), then done. */
  end(last?: StreamEnd): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#stop();
    if (last) {
      this.#queue.length = 0;
      this.#deliver(last);
    } else if (this.#queue.length === 0) this.#finish();
  }

  #deliver(item: Item): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting({ value: item, done: false });
    else this.#queue.push(item);
  }

  #finish(): IteratorResult<Item> {
    if (!this.#done) {
      this.#done = true;
      this.#closing = true;
      this.#stop();
      this.#queue.length = 0;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  }

  #take(): Promise<IteratorResult<Item>> {
    const item = this.#queue.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.#closing) return Promise.resolve(this.#finish());
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  async next(): Promise<IteratorResult<Item>> {
    for (;;) {
      const result = await this.#take();
      if (result.done) return result;
      const item = result.value;
      if (item instanceof StreamEnd) {
        this.end();
        return result;
      }
      if (!this.options.accept) return result;
      const verdict = await this.options.accept(item);
      if (this.#done) return { value: undefined, done: true };
      if (verdict === true) return result;
      if (verdict instanceof StreamEnd) {
        this.end();
        this.#queue.length = 0;
        return { value: verdict, done: false };
      }
    }
  }

  async return(): Promise<IteratorResult<Item>> {
    return this.#finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The events of `organizationId` from now on, as a subscription's source stream; resolves once the
 * bus hears them. The bus closing (the server shutting down) ends the stream normally, so that its
 * response completes and the client reconnects elsewhere.
 */
export async function openEventStream(bus: EventBus, organizationId: number, options: StreamOptions = {}): Promise<LiveStream> {
  const stream = new EventStream(options);
  const { ready, stop } = bus.listen(organizationId, (event) => stream.push(event));
  const unClose = bus.onClose(() => stream.end());
  let ended = false;
  stream.listening(() => {
    stop();
    unClose();
    if (ended) return;
    ended = true;
    options.onEnd?.();
  });
  await ready;
  return stream;
}
