import type { ScopedClient } from '../db/scope.js';
import type { EventBus } from '../changes/pubsub.js';
import type { SubscriptionSlots } from '../changes/slots.js';
import type { MemberOf, Viewer } from '../domain/viewer.js';
import type { OwnTokens } from '../auth/own-tokens.js';
import type { Members } from '../domain/members.js';
import type { AddressPolicy } from '../webhooks/url-guard.js';
import type { Loaders } from './kit/loaders.js';

/** What every resolver receives: built once per request by the server, already scoped. */
export interface Context {
  requestId: string;
  viewer: Viewer;
  /** The organization's memberships, for its admins' mutations (src/domain/members.ts). */
  members: Members;
  /** The caller's own API tokens (src/auth/own-tokens.ts): the API's only path to them. */
  ownTokens: OwnTokens;
  /** Every organization the token's person belongs to, with their role there (`viewer { organizations }`). */
  organizations?: readonly MemberOf[];
  db: ScopedClient;
  /** The same organization's client that also sees soft-deleted rows: only the recycle bin uses it. */
  bin: ScopedClient;
  /** What webhook URLs may point at (WEBHOOK_ALLOW_PRIVATE_ADDRESSES): the app's setting, passed in. */
  webhookPolicy: AddressPolicy;
  /** DataLoaders of this request (src/schema/kit/loaders.ts). */
  loaders: Loaders;
  /** Live events for subscriptions (src/changes/pubsub.ts); absent outside a request (event payloads). */
  events?: EventBus;
  /** The live subscriptions each person may hold on this instance (src/changes/slots.ts). */
  subscriptionSlots?: SubscriptionSlots;
  /**
   * Authenticates the request's token again (src/auth/authenticate.ts): a long-lived subscription checks,
   * before each event and periodically while idle, that the token is still valid and its person still
   * a member. `fresh` reads the database, past the token cache (AUTH_CACHE_MS).
   */
  reauthenticate?: (options?: { fresh?: boolean }) => Promise<Viewer>;
  /**
   * Who the request's credentials name (the token's hash and the `X-Tenant` header): requests with the
   * same authenticate the same, so a periodic check of many subscriptions reads each once.
   */
  credentials?: string;
  /** The SHA-256 of the request's bearer token: what a bulk export runs as and is downloaded with. */
  tokenHash?: string;
  /** Where this gateway is reached (scheme, host, port), for the URLs it hands out (a bulk export's file). */
  origin?: string;
}
