// Records made through the domain (fast set-up, the same rules as the API): each fails the test on
// user errors and returns the new row's database id.
import { createBooking, type BookingInput } from '../../src/domain/bookings.js';
import { createEvent } from '../../src/domain/events.js';
import { createPurchaseOrder, type PurchaseOrderInput } from '../../src/domain/purchase-orders.js';
import { createService, type ServiceInput } from '../../src/domain/services.js';
import { createTimeEntry, type TimeEntryInput } from '../../src/domain/time-entries.js';
import type { Result } from '../../src/domain/kit/result.js';
import { day, type Tenant } from './fixtures.js';

function made(what: string, result: Result<{ id: number }>): number {
  if (!result.ok) throw new Error(`fixture ${what}: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

/** A calendar event (an absence such as a vacation). */
export const event = async (tenant: Tenant, name = 'Vacation') => made('event', await createEvent(tenant.db, tenant.viewer, { name }));

/** A service named Design of the tenant's EUR deal, unless given otherwise. */
export const service = async (tenant: Tenant, input: Partial<ServiceInput> = {}) =>
  made('service', await createService(tenant.db, tenant.viewer, { dealId: tenant.deals.eur, name: 'Design', ...input }));

/** A time entry of 480 minutes on 2025-08-01 of a service, unless given otherwise. */
export const timeEntry = async (tenant: Tenant, serviceId: number, input: Partial<TimeEntryInput> = {}) =>
  made('time entry', await createTimeEntry(tenant.db, tenant.viewer, { serviceId, date: day('2025-08-01'), time: 480, ...input }));

/** A booking of 240 minutes from 2025-08-01 to 2025-08-05; give a service or an event. */
export const booking = async (tenant: Tenant, input: Partial<BookingInput>) =>
  made('booking', await createBooking(tenant.db, tenant.viewer, { startedOn: day('2025-08-01'), endedOn: day('2025-08-05'), time: 240, ...input }));

/** A purchase order of the tenant's EUR deal from Globex unless given. */
export const purchaseOrder = async (tenant: Tenant, input: Partial<PurchaseOrderInput> = {}) =>
  made('purchase order', await createPurchaseOrder(tenant.db, tenant.viewer, { dealId: tenant.deals.eur, vendorId: tenant.companies.globex, ...input }));
