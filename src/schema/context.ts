import type { ScopedClient } from '../db/scope.js';
import type { EventBus } from '../events/pubsub.js';
import type { SubscriptionSlots } from '../events/slots.js';
import type { Viewer } from '../domain/viewer.js';
import type { Loaders } from './kit/loaders.js';

/** What every resolver receives: built once per request by the server, already scoped. */
export interface Context {
  requestId: string;
  viewer: Viewer;
  db: ScopedClient;
  /** The same organization's client that also sees soft-deleted rows: only the recycle bin uses it. */
  bin: ScopedClient;
  /** DataLoaders of this request (src/schema/kit/loaders.ts). */
  loaders: Loaders;
  /** Live events for subscriptions (src/events/pubsub.ts); absent outside a request (event payloads). */
  events?: EventBus;
  /** The live subscriptions each person may hold on this instance (src/events/slots.ts). */
  subscriptionSlots?: SubscriptionSlots;
  /**
   * Authenticates the request's token again (src/server/auth.ts): a long-lived subscription checks,
   * before each event, that the token is still valid and its person still a member.
   */
  reauthenticate?: () => Promise<Viewer>;
}
