// Webhook endpoints and their deliveries. The rules are in src/domain/webhooks.ts; delivery itself
// in src/webhooks (docs/events.md). A secret is shown once, in createWebhook's payload.
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import { createWebhook, deleteWebhook, updateWebhook, type WebhookInput } from '../domain/webhooks.js';
import { isReplayed } from '../domain/kit/idempotency.js';
import type { Where } from '../domain/kit/conditions.js';
import { checkPageArgs, readPage, type PageArgs } from '../domain/kit/page.js';
import type { CursorContext } from '../domain/kit/keyset.js';
import { isEventType, type EventType } from '../changes/types.js';
import { nudgeWebhooks } from '../webhooks/nudges.js';
import { builder } from './builder.js';
import { ChangeEventRef, EventTypeRef } from './change-event.js';
import type { Context } from './context.js';
import { decodeIdOf } from './ids.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { isNull, listField, ops, sortBy } from './kit/list.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { requireAdmin } from './kit/roles.js';

/** Webhooks are the admins' (src/schema/kit/roles.ts); what a member's FORBIDDEN says they cannot do. */
const MANAGE = 'manage webhooks';

const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { description: 'Not delivered yet: waiting for its turn or for its next attempt.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Every attempt failed; no more are made.' },
  } as const,
});

type DeliveryStatusValue = 'PENDING' | 'DELIVERED' | 'FAILED';

const WebhookDeliveryRef = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id', description: 'Also sent as the `Gateway-Delivery-Id` header.' },
  select: { id: true },
  // Admins only: for a member (and for another organization) the data layer has no deliveries, so
  // node(id:) is null (ADMIN_ONLY in src/db/scope.ts), as for webhooks.
  nullable: true,
  description: 'One event sent (or to be sent) to one endpoint, with how its attempts went. Only admins see deliveries.',
  fields: (t) => ({
    status: t.field({ type: DeliveryStatus, description: 'Where it stands.', select: { status: true }, resolve: (d) => d.status as DeliveryStatusValue }),
    attempts: t.exposeInt('attempts', { description: `Attempts made so far (the \`Gateway-Delivery-Attempt\` header of the last one).` }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When the last attempt was made; null before the first.' }),
    lastResponseCode: t.exposeInt('lastResponseCode', {
      nullable: true,
      description: 'The HTTP status of the last answer; null when there was none (refused, unreachable, timed out).',
    }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed, in words; null once delivered.' }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due (while pending, and once the deliveries before it are done).',
      select: { status: true, nextAttemptAt: true },
      resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
    }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When the endpoint answered 2xx; null unless DELIVERED.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the delivery was queued: right after its event was committed.' }),
    event: t.field({
      type: ChangeEventRef,
      description: 'The event delivered: the body is made from it (docs/events.md).',
      select: { event: { select: { id: true, type: true, actorId: true, subjectId: true, payload: true, createdAt: true } } },
      resolve: (d) => d.event,
    }),
    webhook: t.relation('webhook', { description: 'The endpoint it is for.' }),
  }),
});

interface DeliveryConnectionParent {
  totalCount: () => Promise<number>;
}

const DeliveryConnection = builder.connectionObject(
  {
    type: WebhookDeliveryRef,
    name: 'WebhookDeliveryConnection',
    description: "One page of an endpoint's deliveries, newest first, with `totalCount` of all that match.",
    fields: (c) => ({
      totalCount: c.int({
        description: 'How many match the status filter, across all pages.',
        resolve: (parent) => (parent as unknown as DeliveryConnectionParent).totalCount(),
      }),
    }),
  },
  { name: 'WebhookDeliveryEdge', description: 'One delivery of a page, with its cursor.' },
);

/** Newest first; the id (BigInt) is the only key, so it is the whole cursor. */
const NEWEST_FIRST = [{ key: { path: ['id'], type: 'bigint' as const }, desc: true }];

type DeliveryArgs = PageArgs & { status?: readonly DeliveryStatusValue[] | null };

/** A page of an endpoint's deliveries (the endpoint is known to be the organization's). */
async function deliveryPage(webhookId: number, args: DeliveryArgs, ctx: Context, info: GraphQLResolveInfo) {
  const where: Where = { webhookId, ...(args.status?.length && { status: { in: [...new Set(args.status)] } }) };
  const context: CursorContext = {
    list: `webhookDeliveries:${webhookId}`,
    order: 'NEWEST',
    organizationId: ctx.viewer.organization.id,
    terms: NEWEST_FIRST,
  };
  checkPageArgs(args);
  const selection = (await queryFromInfo({
    context: ctx,
    info,
    typeName: 'WebhookDelivery',
    paths: [['nodes'], ['edges', 'node']],
    awaitSelections: true,
  })) as Record<string, unknown>;
  const page = await readPage((a) => ctx.db.webhookDelivery.findMany(a as never) as Promise<Array<Record<string, unknown>>>, selection, where, args, context);
  return { ...page, totalCount: () => ctx.db.webhookDelivery.count({ where: where as never }) };
}

const STATUS_DESCRIPTION = 'Only deliveries in these states (all when absent).';

builder.prismaNode('Webhook', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description:
    'An endpoint the organization\'s events are POSTed to, signed with its secret (never shown after `createWebhook`). See docs/events.md.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id of the endpoint.' }),
    url: t.exposeString('url', { description: 'Where events are POSTed: an http(s) URL.' }),
    events: t.field({
      type: [EventTypeRef],
      description: 'The event types it receives.',
      select: { events: true },
      // A type that no longer exists (renamed in a later version) is left out rather than an error.
      resolve: (w) => w.events.filter(isEventType) as EventType[],
    }),
    enabled: t.boolean({
      description: 'False once disabled (by failures or by `updateWebhook`): no new deliveries are made for it, pending ones wait.',
      select: { disabledAt: true },
      resolve: (w) => w.disabledAt === null,
    }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'When it was disabled; null while enabled.' }),
    disabledReason: t.exposeString('disabledReason', {
      nullable: true,
      description: 'Why it was disabled, in words (after failures: the last error); null while enabled.',
    }),
    consecutiveFailures: t.exposeInt('consecutiveFailures', {
      description: 'Deliveries that failed in a row (each after all its attempts); one delivered resets it. The endpoint is disabled at the threshold of docs/events.md.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the endpoint was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its settings last changed.' }),
    deliveries: t.connection(
      {
        type: WebhookDeliveryRef,
        description: 'Its deliveries, newest first (one statement per endpoint: an organization has at most 20).',
        args: { status: t.arg({ type: [DeliveryStatus], description: STATUS_DESCRIPTION }) },
        resolve: (webhook, args, ctx, info) => deliveryPage(webhook.id, args as DeliveryArgs, ctx, info) as never,
      },
      DeliveryConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  webhooks: listField(t, {
    type: 'Webhook',
    description: 'The organization\'s webhook endpoints, oldest first unless another order is given.',
    filter: {
      description: 'Which endpoints to include.',
      fields: {
        url: ops('string', { description: 'On the URL.' }),
        enabled: isNull('disabledAt', 'Enabled (true) or disabled (false).'),
        createdAt: ops('datetime', { description: 'On when it was added.' }),
      },
    },
    sorts: { CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was added.'), URL: sortBy('string', 'url', 'Alphabetically by URL.') },
    defaultOrder: [{ field: 'CREATED_AT', direction: 'ASC' }],
    guard: (ctx) => requireAdmin(ctx, MANAGE),
  }),
  webhookDeliveries: t.connection(
    {
      type: WebhookDeliveryRef,
      nullable: true,
      description: 'An endpoint\'s deliveries, newest first; null when the endpoint does not exist (in this organization).',
      args: { webhookId: t.arg.id({ required: true, description: "The endpoint's global id; one of another type is `BAD_USER_INPUT`." }), status: t.arg({ type: [DeliveryStatus], description: STATUS_DESCRIPTION }) },
      resolve: async (_root, args, ctx, info) => {
        requireAdmin(ctx, MANAGE);
        const id = decodeIdOf(String(args.webhookId), 'Webhook', 'webhookId');
        if (!(await ctx.db.webhook.findUnique({ where: { id }, select: { id: true } }))) return null;
        return deliveryPage(id, args as DeliveryArgs, ctx, info) as never;
      },
    },
    DeliveryConnection,
  ),
}));

// ---- Mutations ----------------------------------------------------------------------------------

const SECRET_DESCRIPTION =
  'The HMAC-SHA256 key deliveries are signed with (the `Gateway-Signature` header), 16 to 256 characters. ';

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'A new endpoint. `url` and `events` are required.',
  fields: (t) => ({
    url: t.string({
      description: 'http(s), at most 2048 characters, no user name or password, not a private address (docs/events.md). Required: left out, null or blank is `BLANK`.',
    }),
    events: t.field({ type: [EventTypeRef], description: 'The event types to receive; repeats count once. Required: left out, null or empty is `BLANK`.' }),
    secret: t.string({ description: `${SECRET_DESCRIPTION}Left out or null, a random one is made; either way \`createWebhook\` answers it, and nothing shows it later.` }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Changes to an endpoint; fields left out stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: "The endpoint to change. An unknown id, or another organization's, is `NOT_FOUND`." }),
    url: t.string({ description: 'A new URL, checked as on create; pending deliveries go to it. Null or blank is `BLANK`.' }),
    events: t.field({ type: [EventTypeRef], description: 'Replaces the list; repeats count once. Null or empty is `BLANK`.' }),
    enabled: t.boolean({
      description:
        'false disables it; true enables it again and clears its failure count, and its pending deliveries go out, oldest ' +
        'first. Null or left out changes nothing.',
    }),
    secret: t.string({ description: `${SECRET_DESCRIPTION}Replaces the secret at once (rotation). Null is \`INVALID\`: a secret cannot be removed.` }),
  }),
});

interface CreatePayload {
  id: number | null;
  userErrors: ReturnType<typeof toPayload>['userErrors'];
  /** Only in the answer of the request that created the endpoint; null on an idempotent replay. */
  secret: string | null;
}

const CreateWebhookPayload = payloadType('CreateWebhookPayload', 'Webhook', 'The result of `createWebhook`.');
builder.objectFields(CreateWebhookPayload, (t) => ({
  secret: t.string({
    nullable: true,
    description:
      'The signing secret: shown in the answer of the request that created the endpoint and never again. Null when there ' +
      'are user errors, and on a replay of the create (same `idempotencyKey`): a lost secret is replaced with `updateWebhook`.',
    resolve: (payload) => (payload as CreatePayload).secret,
  }),
}));

const webhookId = (id: string | number) => inputDatabaseId(id, 'Webhook');

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreateWebhookPayload,
    description: `Adds an endpoint (at most 20 per organization: the user error \`LIMIT_REACHED\` beyond).`,
    args: { input: t.arg({ type: CreateWebhookInput, required: true, description: 'The new endpoint.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      requireAdmin(ctx, MANAGE);
      const result = await idempotent(ctx, info, input, (fields) => createWebhook(ctx.db, ctx.viewer, fields as WebhookInput, ctx.webhookPolicy));
      // A replay never shows the secret: it may have been rotated since, and the first answer was the only one meant to carry it.
      const secret = result.ok && !isReplayed(result.value) ? (result.value as { secret: string }).secret : null;
      return { ...toPayload(result), secret } satisfies CreatePayload;
    },
  }),
  updateWebhook: t.field({
    type: payloadType('UpdateWebhookPayload', 'Webhook', 'The result of `updateWebhook`.'),
    description: "Changes an endpoint's URL or event types, rotates its secret, or disables or enables it (admins only).",
    args: { input: t.arg({ type: UpdateWebhookInput, required: true, description: 'The endpoint and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, MANAGE);
      const id = webhookId(input.id);
      const { id: _, ...fields } = input;
      const result = await updateWebhook(ctx.db, id, fields as WebhookInput, ctx.webhookPolicy);
      // Enabled again: its waiting deliveries go out now rather than at the next sweep.
      if (result.ok && input.enabled === true) nudgeWebhooks([id]);
      return toPayload(result);
    },
  }),
  deleteWebhook: deleteField(t, 'Webhook', {
    about: 'The endpoint and its deliveries are gone for good.',
    what: 'endpoint',
    noEntry: 'an endpoint is deleted for good, with its deliveries; it never goes to the recycle bin.',
    remove: (ctx, id) => (requireAdmin(ctx, MANAGE), deleteWebhook(ctx.db, id)),
  }),
}));
