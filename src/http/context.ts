// Built once per request, already scoped: resolvers get the organization-bound client and never
// the raw one.
import type DataLoader from 'dataloader';
import type { YogaInitialContext } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient } from '../db/scope.js';
import type { EventBus } from '../changes/pubsub.js';
import type { SubscriptionSlots } from '../changes/slots.js';
import type { Context } from '../schema/context.js';
import { Loaders } from '../schema/kit/loaders.js';
import { authenticate, type TokenCache } from '../auth/authenticate.js';
import { bearerToken, hashToken } from '../auth/tokens.js';
import { chargeOperation } from '../limits/rate-limit.js';
import type { AddressPolicy } from '../webhooks/url-guard.js';

export type { Context };

/**
 * The request's loaders, which can forget what they loaded: after a write, so that the reads after it
 * in the same request (a mutation's payload, the next mutation field's) load again
 * (src/http/replicas.ts). Forgetting empties each loader rather than replacing it: code that holds
 * a loader for the rest of the request (src/schema/kit/list.ts keeps one per field node) sees it too.
 */
export class RequestLoaders extends Loaders {
  readonly #made = new Set<DataLoader<unknown, unknown>>();

  override get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>): DataLoader<K, V> {
    const loader = super.get(name, batch);
    this.#made.add(loader as DataLoader<unknown, unknown>);
    return loader;
  }

  /** Empties every loader's cache; loads already under way finish as they are. */
  forget(): void {
    for (const loader of this.#made) loader.clearAll();
  }
}

export async function buildContext(
  system: PrismaClient,
  initial: YogaInitialContext,
  requestId: string,
  webhookPolicy: AddressPolicy,
  tokens?: TokenCache,
  events?: EventBus,
  subscriptionSlots?: SubscriptionSlots,
): Promise<Context> {
  // The token's bucket first: an operation over its limit is refused before the token is looked up.
  await chargeOperation(initial);
  const viewer = await authenticate(system, initial.request.headers, tokens);
  const organizationId = viewer.organization.id;
  // Bound to the person as well: private rows of others are hidden by the data layer (src/db/scope.ts).
  const personId = viewer.person.id;
  return {
    requestId,
    viewer,
    webhookPolicy,
    db: scopedClient(system, { organizationId, personId }),
    bin: scopedClient(system, { organizationId, personId, includeDeleted: true }),
    loaders: new RequestLoaders(),
    events,
    subscriptionSlots,
    reauthenticate: (options) => authenticate(system, initial.request.headers, options?.fresh ? undefined : tokens),
    credentials: `${hashToken(bearerToken(initial.request.headers) ?? '')}:${initial.request.headers.get('x-tenant') ?? ''}`,
  };
}
