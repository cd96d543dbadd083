// The Service type (a line of a budget) with its queries and mutations, and `Deal.services`.
// Resolvers translate GraphQL shapes and call src/domain/services.ts; the total's arithmetic is in
// src/money/service-amounts.ts.
import {
  createService,
  deleteService,
  pricingTypeOf,
  unitOf,
  updateService,
  type PricingType,
  type ServiceInput,
  type ServiceUnit,
} from '../domain/services.js';
import { formatQuantity, serviceMoney } from '../money/service-amounts.js';
import { bookingList } from './booking.js';
import { builder } from './builder.js';
import { flag, idsIn, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { liveRelation } from './kit/relations.js';
import { MoneyRef } from './money.js';
import { timeEntryList } from './time-entry.js';

const ServiceUnitEnum = builder.enumType('ServiceUnit', {
  description: 'What a service is counted in (the REST API\'s `unit_id` 1, 2, 3).',
  values: {
    HOUR: { description: 'Hours (1).' },
    PIECE: { description: 'Pieces (2).' },
    DAY: { description: 'Days (3).' },
  } satisfies Record<ServiceUnit, { description: string }>,
});

const PricingTypeEnum = builder.enumType('ServicePricingType', {
  description: 'How a service is billed (the REST API\'s `pricing_type_id` 1, 2, 3).',
  values: {
    TIME_AND_MATERIALS: { description: 'By what is worked or used (1).' },
    FIXED_PRICE: { description: 'A fixed price (2).' },
    NOT_BILLABLE: { description: 'Not billed (3).' },
  } satisfies Record<PricingType, { description: string }>,
});

const PRICE_COLUMNS = { price: true, quantity: true, deal: { select: { currency: true } } } as const;

export const ServiceRef = builder.prismaNode('Service', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A line of a budget (deal): what is sold, in what unit, at what price per unit, and how many units.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this service.' }),
    name: t.exposeString('name', { description: 'The line\'s name as shown on the budget; 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the line covers, in words; null when there is none.' }),
    position: t.exposeInt('position', { description: 'Its place among the services of its deal, from 1.' }),
    billable: t.exposeBoolean('billable', { description: 'Whether it is billed to the client; never with pricing type NOT_BILLABLE.' }),
    unit: t.field({ type: ServiceUnitEnum, description: 'What `quantity` counts.', select: { unitId: true }, resolve: (s) => unitOf(s.unitId) }),
    unitId: t.exposeInt('unitId', { description: 'The REST number of `unit`: 1 hour, 2 piece, 3 day.' }),
    pricingType: t.field({
      type: PricingTypeEnum,
      description: 'How it is billed.',
      select: { pricingTypeId: true },
      resolve: (s) => pricingTypeOf(s.pricingTypeId),
    }),
    pricingTypeId: t.exposeInt('pricingTypeId', {
      description: 'The REST number of `pricingType`: 1 time and materials, 2 fixed price, 3 not billable.',
    }),
    quantity: t.string({
      description: 'How many units, as a decimal string with at most 4 decimals ("1.0", "2.5").',
      select: { quantity: true },
      resolve: (s) => formatQuantity(s.quantity),
    }),
    price: t.field({
      type: MoneyRef,
      description: "Per unit, in the deal's currency.",
      select: PRICE_COLUMNS,
      resolve: (s) => serviceMoney(s).price,
    }),
    total: t.field({
      type: MoneyRef,
      description: "`price` × `quantity`, rounded once to the minor unit (half away from zero), in the deal's currency.",
      select: PRICE_COLUMNS,
      resolve: (s) => serviceMoney(s).total,
    }),
    deal: t.relation('deal', { description: 'The budget (deal) it is a line of.' }),
    serviceType: liveRelation(t as never, 'serviceType', 'ServiceType', 'Its kind of service.'),
    timeEntries: relatedListField(t as never, timeEntryList, {
      relation: 'timeEntries',
      foreignKey: 'serviceId',
      description: 'Time worked on it, with the filters, orders and paging of `Query.timeEntries`.',
    }),
    bookings: relatedListField(t as never, bookingList, {
      relation: 'bookings',
      foreignKey: 'serviceId',
      description: 'People booked on it, with the filters, orders and paging of `Query.bookings`.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the service was added.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: "When it last changed, also when a change of its deal's currency re-expressed its price.",
    }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const serviceList: ListSpec = {
  type: 'Service',
  description: 'Services of the organization (lines of its budgets), by id unless another order is given.',
  filter: {
    description: 'Which services to include.',
    fields: {
      dealIds: idsIn('Deal', 'dealId', 'Services of any of these deals.'),
      serviceTypeIds: idsIn('ServiceType', 'serviceTypeId', 'Services of any of these service types.'),
      billable: flag('billable', 'Billable (true) or not.'),
      name: ops('string', { description: 'On the name.' }),
      createdAt: ops('datetime', { description: 'On when it was added.' }),
    },
  },
  sorts: {
    POSITION: sortBy('int', 'position', 'By the place among the services of their deal.'),
    NAME: sortBy('string', 'name', 'Alphabetically by name.'),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was added.'),
  },
};

builder.queryFields((t) => ({
  services: listField(t, serviceList),
}));

builder.prismaObjectFields('Deal', (t) => ({
  services: relatedListField(t as never, serviceList, {
    relation: 'services',
    foreignKey: 'dealId',
    description: 'Its services (budget lines), with the filters, orders and paging of `Query.services`.',
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const CreateServiceInput = builder.inputType('CreateServiceInput', {
  description: 'A new service, after the last one of its deal. `dealId` and `name` are required.',
  fields: (t) => ({
    dealId: t.id({ description: 'The budget (deal) it is a line of. Required: left out or null is `BLANK`.' }),
    name: t.string({ description: 'The line\'s name, not blank, at most 255 characters. Required: left out, null or blank is `BLANK`.' }),
    description: t.string({ description: 'What the line covers, at most 10000 characters. Optional; blank or null stores none.' }),
    serviceTypeId: t.id({ description: 'Its kind of service: a service type that is not archived. Optional; null leaves it without one.' }),
    billable: t.boolean({ description: 'Default (also for null): true, unless `pricingType` is NOT_BILLABLE (where it must be false).' }),
    unit: t.field({ type: ServiceUnitEnum, description: 'What `quantity` counts. Default (also for null): HOUR.' }),
    pricingType: t.field({ type: PricingTypeEnum, description: 'How it is billed. Default (also for null): TIME_AND_MATERIALS.' }),
    quantity: t.string({
      description: 'How many units: a decimal string, at least 0, at most 10 digits before the point and 4 after ("2.5"). Default (also for null): "1".',
    }),
    price: t.field({
      type: 'BigInt',
      description:
        "Per unit, in minor units of the deal's currency, 0 to 10^15; `price` × `quantity` may not exceed 10^15 either. " +
        'Default (also for null): 0.',
    }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const toDomainInput = domainInput<ServiceInput>({ dealId: 'Deal', serviceTypeId: 'ServiceType' });

builder.mutationFields((t) => ({
  createService: t.field({
    type: payloadType('CreateServicePayload', 'Service', 'The result of `createService`.'),
    description: 'Adds a line to a budget, after its last one.',
    args: { input: t.arg({ type: CreateServiceInput, required: true, description: 'The new service.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createService(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  deleteService: deleteField(t, 'Service', {
    about: 'The service goes to the recycle bin with its time entries and bookings, and comes back with them when restored.',
    remove: (ctx, id) => deleteService(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateServiceInput = builder.inputType('UpdateServiceInput', {
  description:
    'Changes to a service, with the checks of `createService`: fields left out stay as they are; `null` clears `description` or ' +
    "`serviceTypeId`. It stays on its budget: its price is in that deal's currency, and its time entries and bookings are that deal's work.",
  fields: (t) => ({
    id: t.id({ required: true, description: 'The service to change.' }),
    name: t.string({ description: 'Not blank, at most 255 characters; null or blank is `BLANK`.' }),
    description: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
    serviceTypeId: t.id({ description: 'Its kind of service: a newly chosen one must not be archived (keeping an archived one passes). Null clears it.' }),
    billable: t.boolean({ description: 'Null is `BLANK`; false when `pricingType` is NOT_BILLABLE. Left out, it stays, unless the pricing type becomes NOT_BILLABLE (then false).' }),
    unit: t.field({ type: ServiceUnitEnum, description: 'What `quantity` counts. Null is `BLANK`.' }),
    pricingType: t.field({ type: PricingTypeEnum, description: 'How it is billed. Null is `BLANK`.' }),
    quantity: t.string({
      description: 'How many units: a decimal string, at least 0, at most 10 digits before the point and 4 after ("2.5"). Null is `BLANK`.',
    }),
    price: t.field({
      type: 'BigInt',
      description: "Per unit, in minor units of the deal's currency, 0 to 10^15; `price` × `quantity` (given or stored) may not exceed 10^15 either. Null is `BLANK`.",
    }),
  }),
});

builder.mutationFields((t) => ({
  updateService: t.field({
    type: payloadType('UpdateServicePayload', 'Service', 'The result of `updateService`.'),
    description: "Changes a service's name, description, type, billing, unit, quantity or price.",
    args: { input: t.arg({ type: UpdateServiceInput, required: true, description: 'The service and what to change.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await updateService(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Service'), toDomainInput(input))),
  }),
}));
