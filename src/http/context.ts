// Built once per operation, already scoped, after the operation is known: resolvers get the client
// it runs on (the primary, or a read replica for a query: src/http/replicas.ts), bound to the
// caller's organization, and never the raw one.
import type { OperationTypeNode } from 'graphql';
import type { YogaInitialContext } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient, type Scope } from '../db/scope.js';
import type { EventBus } from '../changes/pubsub.js';
import type { SubscriptionSlots } from '../changes/slots.js';
import type { Viewer } from '../domain/viewer.js';
import type { Context } from '../schema/context.js';
import { Loaders } from '../schema/kit/loaders.js';
import { authenticate, type TokenCache } from '../auth/authenticate.js';
import { bearerToken, hashToken } from '../auth/tokens.js';
import { ownTokens } from '../auth/own-tokens.js';
import { organizationMembers } from '../domain/members.js';
import { chargeOperation } from '../limits/rate-limit.js';
import type { AddressPolicy } from '../webhooks/url-guard.js';

export type { Context };

/** Where a request's operation runs (src/http/replicas.ts); asked with Yoga's initial context of the request. */
export interface Routing {
  /** The operation's kind, known once its document is parsed; undefined when the document names none. */
  operation(initial: object): OperationTypeNode | undefined;
  /** The client the operation runs on, chosen when this is asked: once per operation, after authentication. */
  client(initial: object): PrismaClient;
}

/** What every context of the app is built from: fixed when the app is made. */
export interface ContextSettings {
  /** The primary: authentication and the recycle bin always read it, whatever the operation runs on. */
  primary: PrismaClient;
  routing: Routing;
  webhookPolicy: AddressPolicy;
  tokens?: TokenCache;
  events?: EventBus;
  subscriptionSlots?: SubscriptionSlots;
  /** PUBLIC_URL: the gateway's address as clients reach it, when the request's own (behind a proxy) is not. */
  publicUrl?: string;
}

/** `scheme://host[:port]` of an absolute URL, without parsing it whole (every request builds a context). */
const originOf = (url: string): string => {
  const path = url.indexOf('/', url.indexOf('//') + 2);
  return path === -1 ? url : url.slice(0, path);
};

/** Bound to the person as well: private rows of others are hidden by the data layer (src/db/scope.ts). */
const scopeOf = (viewer: Viewer): Scope => ({ organizationId: viewer.organization.id, personId: viewer.person.id, role: viewer.role });

export async function buildContext(settings: ContextSettings, initial: YogaInitialContext, requestId: string): Promise<Context> {
  // The token's bucket first: an operation over its limit is refused before the token is looked up.
  await chargeOperation(initial);
  const { primary, routing, tokens } = settings;
  const viewer = await authenticate(primary, initial.request.headers, tokens);
  const scope = scopeOf(viewer);
  const tokenHash = hashToken(bearerToken(initial.request.headers) ?? '');
  return {
    requestId,
    viewer,
    organizations: viewer.organizations,
    ownTokens: ownTokens(primary, viewer.person.id),
    members: organizationMembers(primary, viewer.organization.id),
    webhookPolicy: settings.webhookPolicy,
    db: scopedClient(routing.client(initial), scope),
    bin: scopedClient(primary, { ...scope, includeDeleted: true }),
    // A mutation reads its own writes: its payload and the next mutation field's load afresh.
    loaders: new Loaders({ remember: routing.operation(initial) !== 'mutation' }),
    events: settings.events,
    subscriptionSlots: settings.subscriptionSlots,
    reauthenticate: (options) => authenticate(primary, initial.request.headers, options?.fresh ? undefined : tokens),
    credentials: `${tokenHash}:${initial.request.headers.get('x-tenant') ?? ''}`,
    tokenHash,
    origin: settings.publicUrl ?? originOf(initial.request.url),
  };
}

/**
 * The same request's context on `client`, for running its query again from the start
 * (src/http/replicas.ts): new loaders, and a new object, since Pothos and the list kit keep their
 * per-request caches (the client they were given included) by context object.
 */
export function contextOn(context: Context, client: PrismaClient): Context {
  return { ...context, db: scopedClient(client, scopeOf(context.viewer)), loaders: new Loaders() };
}

/**
 * A context for work that runs as a viewer after its request (a bulk export's pages, src/exports/run.ts):
 * on the primary, with fresh loaders. Built anew for every page: Pothos and the list kit keep their
 * caches by context object, and a long export must not keep a page's rows.
 */
export function backgroundContext(primary: PrismaClient, viewer: Viewer, requestId: string, webhookPolicy: AddressPolicy): Context {
  const scope = scopeOf(viewer);
  return {
    requestId,
    viewer,
    ownTokens: ownTokens(primary, viewer.person.id),
    members: organizationMembers(primary, viewer.organization.id),
    webhookPolicy,
    db: scopedClient(primary, scope),
    bin: scopedClient(primary, { ...scope, includeDeleted: true }),
    loaders: new Loaders(),
  };
}
