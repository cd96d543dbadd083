// Service rules: a service is a line of a budget (deal) -- what is sold, in what unit, at what
// price per unit and in what quantity. Validation reports every problem of an input at once, in the
// input's order, with the reference's messages; nothing is written when there is any. The total
// (price × quantity) is derived in src/money/service-amounts.ts.
//
// Concurrency: a create locks its deal (the lock every write that adds to a deal takes, see
// src/domain/kit/locks.ts) before it reads anything. A deal being deleted meanwhile either waits
// for us and then takes the new service with it, or has already gone and we find no deal; and
// creates on one deal take their positions one after the other, so no two live services of a deal
// get the same position.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { Service } from '../generated/prisma/client.js';
import { formatQuantity, isValidQuantity, MAX_SERVICE_CENTS, reexpressPrice, serviceMoney, totalFits } from '../money/service-amounts.js';
import { lockDeals } from './kit/locks.js';
import {
  at,
  blank,
  checkOptionalText,
  checkText,
  fail,
  given,
  inInputOrder,
  invalid,
  MAX_LONG_TEXT,
  notFound,
  ok,
  optionalText,
  type Result,
  type UserError,
} from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { dealMoney } from './bin-items.js';
import { dealMoneyOf, lastIfTaken, refuse, type BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, LIVE, liveRef, money, ref, type Payload } from './kit/shown.js';
import type { Prisma } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';

/** The REST API's `unit_id`: 1 hour, 2 piece, 3 day. */
export const SERVICE_UNITS = { HOUR: 1, PIECE: 2, DAY: 3 } as const;
export type ServiceUnit = keyof typeof SERVICE_UNITS;

/** The REST API's `pricing_type_id`: 1 time and materials, 2 fixed price, 3 not billable. */
export const PRICING_TYPES = { TIME_AND_MATERIALS: 1, FIXED_PRICE: 2, NOT_BILLABLE: 3 } as const;
export type PricingType = keyof typeof PRICING_TYPES;

const nameOf = <K extends string>(ids: Record<K, number>, id: number): K =>
  (Object.entries(ids) as Array<[K, number]>).find(([, value]) => value === id)![0];
export const unitOf = (unitId: number): ServiceUnit => nameOf(SERVICE_UNITS, unitId);
export const pricingTypeOf = (pricingTypeId: number): PricingType => nameOf(PRICING_TYPES, pricingTypeId);

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface ServiceInput {
  dealId?: number | null;
  name?: string | null;
  description?: string | null;
  serviceTypeId?: number | null;
  billable?: boolean | null;
  unit?: ServiceUnit | null;
  pricingType?: PricingType | null;
  quantity?: string | null;
  price?: bigint | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = ['dealId', 'name', 'description', 'serviceTypeId', 'billable', 'unit', 'pricingType', 'quantity', 'price'] as const;

const MAX_NAME = 255;

/** The fields an update may not clear: the row always has them (the create's defaults). */
const REQUIRED_ON_UPDATE = ['billable', 'unit', 'pricingType', 'quantity', 'price'] as const;

/**
 * Whether the service is billable after the write: as given; on a create, unless it is NOT_BILLABLE;
 * on an update, false when it becomes NOT_BILLABLE, else as it was.
 */
function billableAfter(input: ServiceInput, existing: Service | null): boolean {
  if (input.billable != null) return input.billable;
  if (existing === null) return (input.pricingType ?? 'TIME_AND_MATERIALS') !== 'NOT_BILLABLE';
  return input.pricingType === 'NOT_BILLABLE' ? false : existing.billable;
}

/**
 * Checks the fields `input` gives (every one when creating: `existing` null) and the rules across
 * fields on the service as the write leaves it: a NOT_BILLABLE service is not billable, and
 * price × quantity fits (docs/money.md). createService and updateService share it.
 */
function check(input: ServiceInput, existing: Service | null): UserError[] {
  const creating = existing === null;
  const errors: UserError[] = [];
  if (creating && input.dealId == null) errors.push(blank('dealId'));
  // A service stays on its budget: its price is in that deal's currency, and its time entries and
  // bookings are that deal's work.
  if (!creating && given(input, 'dealId')) errors.push(invalid('dealId', 'cannot be changed: a service stays on its budget'));
  if (creating || given(input, 'name')) checkText(errors, 'name', input.name, MAX_NAME);
  checkOptionalText(errors, 'description', input.description, MAX_LONG_TEXT);
  if (!creating) for (const key of REQUIRED_ON_UPDATE) if (given(input, key) && input[key] === null) errors.push(blank(key));
  const pricingType = input.pricingType ?? (existing ? pricingTypeOf(existing.pricingTypeId) : 'TIME_AND_MATERIALS');
  if (pricingType === 'NOT_BILLABLE' && input.billable === true) {
    errors.push(invalid('billable', 'must be false when the pricing type is NOT_BILLABLE'));
  }
  const quantityValid = input.quantity == null || isValidQuantity(input.quantity);
  if (!quantityValid) {
    errors.push(invalid('quantity', 'must be a decimal number of at least 0 with at most 10 digits before the point and 4 after, such as 1.5'));
  }
  const price = input.price ?? existing?.price ?? 0n;
  const quantity = input.quantity ?? existing?.quantity ?? '1';
  if (price < 0n || price > MAX_SERVICE_CENTS) errors.push(invalid('price', `must be between 0 and ${MAX_SERVICE_CENTS}`));
  else if (quantityValid && (creating || input.price != null || input.quantity != null) && !totalFits(price, quantity)) {
    // On the quantity, as a create reports it, unless the update changes only the price.
    errors.push(
      creating || input.quantity != null
        ? invalid('quantity', `is too large for the price: price × quantity must be at most ${MAX_SERVICE_CENTS}`)
        : invalid('price', `is too large for the quantity: price × quantity must be at most ${MAX_SERVICE_CENTS}`),
    );
  }
  return errors;
}

/** A service type the input chooses: live, of the organization, and not archived. */
async function checkServiceType(tx: ScopedTx, errors: UserError[], serviceTypeId: number | null | undefined): Promise<void> {
  if (serviceTypeId == null) return;
  const type = await tx.serviceType.findUnique({ where: { id: serviceTypeId }, select: { archivedAt: true } });
  if (!type) errors.push(notFound(at('serviceTypeId'), 'Service type'));
  else if (type.archivedAt) errors.push(invalid('serviceTypeId', 'is archived'));
}

export async function createService(db: ScopedClient, viewer: Viewer, input: ServiceInput): Promise<Result<Service>> {
  const checked = check(input, null);
  return transact(db, async (tx) => {
    const errors = [...checked];
    // The deal's lock before anything is read (see the top of this file).
    if (input.dealId != null && !(await lockDeals(tx, [input.dealId]))) errors.push(notFound(at('dealId'), 'Deal'));
    await checkServiceType(tx, errors, input.serviceTypeId);
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));

    const dealId = input.dealId!;
    const { _max } = await tx.service.aggregate({ where: { dealId }, _max: { position: true } });
    const pricingType = input.pricingType ?? 'TIME_AND_MATERIALS';
    const service = await tx.service.create({
      include: serviceShows,
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        dealId,
        serviceTypeId: input.serviceTypeId ?? null,
        name: input.name!.trim(),
        description: optionalText(input.description),
        position: (_max.position ?? 0) + 1,
        billable: billableAfter(input, null),
        unitId: SERVICE_UNITS[input.unit ?? 'HOUR'],
        pricingTypeId: PRICING_TYPES[pricingType],
        quantity: input.quantity ?? '1',
        price: input.price ?? 0n,
      },
    });
    return ok(await withEvent(tx, viewer, 'service.created', 'Service', service, presentService));
  });
}

/**
 * Changes a service: fields left out stay, `null` clears its description or service type. It stays
 * on its budget (see `check`). Keeping an archived service type is no choice of one and passes; a
 * newly chosen one must not be archived.
 *
 * Concurrency: its deal's lock first, as createService and updateDeal take them (the deal, then its
 * services): a price written here is in the currency the deal has when we commit, since a currency
 * change that re-expresses the deal's prices either waits for us or went first and we read its
 * result. Which deal that is never changes, so it is read before any lock.
 */
export async function updateService(db: ScopedClient, viewer: Viewer, id: number, input: ServiceInput): Promise<Result<Service>> {
  return transact(db, async (tx) => {
    // The service's lock first, and with it its latest committed state (a deleted or foreign one
    // matches nothing); the deal's follows through the trigger that keeps its sort keys. That is the
    // order of updateDeal and deleteDeal too (their services, then the deal: lockDealServices), so
    // a price is written in the deal's current currency: a currency change waits for this service.
    const [existing] = await tx.service.updateManyAndReturn({ where: { id }, data: { updatedAt: new Date() } });
    if (!existing) return fail(notFound(at('id'), 'Service'));
    const errors = check(input, existing);
    if (input.serviceTypeId !== existing.serviceTypeId) await checkServiceType(tx, errors, input.serviceTypeId);
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    const service = await tx.service.update({
      where: { id },
      include: serviceShows,
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'description') && { description: optionalText(input.description) }),
        ...(given(input, 'serviceTypeId') && { serviceTypeId: input.serviceTypeId ?? null }),
        billable: billableAfter(input, existing),
        ...(input.unit != null && { unitId: SERVICE_UNITS[input.unit] }),
        ...(input.pricingType != null && { pricingTypeId: PRICING_TYPES[input.pricingType] }),
        ...(input.quantity != null && { quantity: input.quantity }),
        ...(input.price != null && { price: input.price }),
      },
    });
    return ok(await withEvent(tx, viewer, 'service.updated', 'Service', service, presentService));
  });
}

/** To the recycle bin, with its time entries and bookings (`children` of its `BinRules`). */
export function deleteService(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'service', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** What a service's payload needs beyond its columns: its deal's currency, and whether its type is in the bin. */
export const serviceShows = { deal: { select: { currency: true } }, serviceType: LIVE } satisfies Prisma.ServiceInclude;

/** A service as the API shows it (src/schema/service.ts), for its events. */
export function presentService(s: Prisma.ServiceGetPayload<{ include: typeof serviceShows }>): Payload {
  const { price, total } = serviceMoney(s);
  return {
    id: globalId('Service', s.id),
    databaseId: s.id,
    name: s.name,
    description: s.description,
    position: s.position,
    billable: s.billable,
    unit: unitOf(s.unitId),
    unitId: s.unitId,
    pricingType: pricingTypeOf(s.pricingTypeId),
    pricingTypeId: s.pricingTypeId,
    quantity: formatQuantity(s.quantity),
    price: money(price),
    total: money(total),
    deal: ref('Deal', s.dealId),
    serviceType: liveRef('ServiceType', s.serviceType),
    createdAt: instant(s.createdAt),
    updatedAt: instant(s.updatedAt),
  };
}

/**
 * What a restore of a service re-establishes (src/domain/kit/bin-rules.ts): its budget and service
 * type live (its `parents`); its position free, else it goes last; its price
 * re-expressed to the deal's currency now (as updateDeal does) and within its bounds.
 */
export const serviceBin: BinRules = {
  itemTypes: ['service'],
  what: 'Service',
  describe: async (tx, id) => {
    // The reference locates a service by its budget's name alone ("test name").
    const service = await tx.service.findUnique({ where: { id }, select: { name: true, deal: { select: { name: true, currency: true, exchangeRate: true } } } });
    return service && { itemType: 'service', name: service.name, location: service.deal.name, basis: dealMoney(service.deal) };
  },
  children: [
    { model: 'timeEntry', key: 'serviceId' },
    { model: 'booking', key: 'serviceId' },
  ],
  parents: [
    { model: 'deal', key: 'dealId', what: 'budget' },
    { model: 'serviceType', key: 'serviceTypeId', what: 'service type' },
  ],
  place: (tx, service) => lastIfTaken(tx.service as never, service),
  recheck: async (tx, item, basis) => {
    if (!basis) return; // Filed before bases were kept: its price stays as it was.
    const now = await dealMoneyOf(tx, item.dealId as number);
    const price = reexpressPrice(item.price as bigint, item.quantity as string, basis, now);
    if (price === null) refuse(`converted to its budget's currency (${now.currency}), its price or total would be too large`);
    if (price !== item.price) await tx.service.update({ where: { id: item.id as number }, data: { price: price! } });
  },
};
