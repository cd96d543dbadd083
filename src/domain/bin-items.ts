// What the recycle bin knows of each model it holds: which rows go to the bin with a row of it
// (and are erased with it), which parents must be live for it to come back, which references are
// cut when it is erased for good, and how the reference names and locates it. One table, so that
// deleting, restoring and purging agree (src/domain/recycle-bin.ts walks it).
import type { ScopedTx } from '../db/scope.js';
import { rateText, type RateLike } from '../money/money.js';

/** The reference's item types, and the two the gateway can also delete. */
export const ITEM_TYPES = [
  'booking',
  'budget',
  'dashboard',
  'deal',
  'event',
  'expense',
  'invoice',
  'page',
  'project',
  'purchase_order',
  'service',
  'task',
  'template',
  'time_entry',
  'contract',
  'invoice_attribution',
] as const;

export type ItemType = (typeof ITEM_TYPES)[number];

export type BinModel =
  | 'deal'
  | 'expense'
  | 'invoice'
  | 'invoiceAttribution'
  | 'contract'
  | 'project'
  | 'task'
  | 'service'
  | 'timeEntry'
  | 'booking'
  | 'event'
  | 'page'
  | 'dashboard'
  | 'purchaseOrder'
  | 'template';

/** Rows of `model` whose `key` points at the row. */
export interface Reference {
  model: BinModel;
  key: string;
}

interface Parent {
  /** The parent's model (companies and service types cannot be deleted through the API, but may be by an operator). */
  model: BinModel | 'company' | 'serviceType';
  key: string;
  /** How the userError names it: "its project is in the recycle bin". */
  what: string;
}

export interface ModelSpec {
  /** The item types a row of the model is filed as (a deal is a `budget` or a `deal`). */
  itemTypes: readonly ItemType[];
  /** How userErrors name it ("Task not found"). */
  what: string;
  /** Rows that go to the bin with it, under its stamp, and come back with it; a purge erases them (and their own bin entries). */
  children: readonly Reference[];
  /** Rows that keep living without it: their reference is cut when it is purged. */
  detach: readonly Reference[];
  /** What must be live (and is locked) for it to come back, in the order they are locked. */
  parents: readonly Parent[];
}

const spec = (s: Partial<ModelSpec> & Pick<ModelSpec, 'itemTypes' | 'what'>): ModelSpec => ({ children: [], detach: [], parents: [], ...s });

export const BIN_MODELS: Record<BinModel, ModelSpec> = {
  deal: spec({
    itemTypes: ['deal', 'budget'],
    what: 'Deal',
    children: [
      { model: 'expense', key: 'dealId' },
      { model: 'invoiceAttribution', key: 'dealId' },
      { model: 'contract', key: 'templateId' },
      { model: 'service', key: 'dealId' },
      { model: 'purchaseOrder', key: 'dealId' },
    ],
    detach: [{ model: 'deal', key: 'originDealId' }],
    parents: [{ model: 'company', key: 'companyId', what: 'company' }],
  }),
  expense: spec({
    itemTypes: ['expense'],
    what: 'Expense',
    parents: [
      { model: 'deal', key: 'dealId', what: 'deal' },
      { model: 'serviceType', key: 'serviceTypeId', what: 'service type' },
    ],
  }),
  invoice: spec({
    itemTypes: ['invoice'],
    what: 'Invoice',
    children: [
      { model: 'invoice', key: 'parentInvoiceId' },
      { model: 'invoiceAttribution', key: 'invoiceId' },
    ],
    parents: [
      { model: 'company', key: 'companyId', what: 'company' },
      { model: 'invoice', key: 'parentInvoiceId', what: 'invoice' },
    ],
  }),
  invoiceAttribution: spec({
    itemTypes: ['invoice_attribution'],
    what: 'Invoice attribution',
    parents: [
      { model: 'invoice', key: 'invoiceId', what: 'invoice' },
      { model: 'deal', key: 'dealId', what: 'budget' },
    ],
  }),
  contract: spec({
    itemTypes: ['contract'],
    what: 'Contract',
    detach: [{ model: 'deal', key: 'contractId' }],
    parents: [{ model: 'deal', key: 'templateId', what: 'template deal' }],
  }),
  project: spec({
    itemTypes: ['project'],
    what: 'Project',
    children: [
      { model: 'task', key: 'projectId' },
      { model: 'page', key: 'projectId' },
      { model: 'dashboard', key: 'projectId' },
    ],
    // Deals stay: while the project is in the bin their `project` is null; purging it cuts the link.
    detach: [{ model: 'deal', key: 'projectId' }],
    parents: [{ model: 'company', key: 'companyId', what: 'company' }],
  }),
  task: spec({
    itemTypes: ['task'],
    what: 'Task',
    detach: [{ model: 'timeEntry', key: 'taskId' }],
    parents: [{ model: 'project', key: 'projectId', what: 'project' }],
  }),
  service: spec({
    itemTypes: ['service'],
    what: 'Service',
    children: [
      { model: 'timeEntry', key: 'serviceId' },
      { model: 'booking', key: 'serviceId' },
    ],
    parents: [
      { model: 'deal', key: 'dealId', what: 'budget' },
      { model: 'serviceType', key: 'serviceTypeId', what: 'service type' },
    ],
  }),
  timeEntry: spec({ itemTypes: ['time_entry'], what: 'Time entry', parents: [{ model: 'service', key: 'serviceId', what: 'service' }] }),
  booking: spec({
    itemTypes: ['booking'],
    what: 'Booking',
    parents: [
      { model: 'service', key: 'serviceId', what: 'service' },
      { model: 'event', key: 'eventId', what: 'event' },
    ],
  }),
  event: spec({ itemTypes: ['event'], what: 'Event', children: [{ model: 'booking', key: 'eventId' }] }),
  page: spec({
    itemTypes: ['page'],
    what: 'Page',
    children: [{ model: 'page', key: 'parentPageId' }],
    parents: [
      { model: 'project', key: 'projectId', what: 'project' },
      { model: 'page', key: 'parentPageId', what: 'parent page' },
    ],
  }),
  dashboard: spec({ itemTypes: ['dashboard'], what: 'Dashboard', parents: [{ model: 'project', key: 'projectId', what: 'project' }] }),
  purchaseOrder: spec({
    itemTypes: ['purchase_order'],
    what: 'Purchase order',
    parents: [
      { model: 'deal', key: 'dealId', what: 'budget' },
      { model: 'company', key: 'vendorId', what: 'vendor' },
    ],
  }),
  template: spec({ itemTypes: ['template'], what: 'Template' }),
};

/** The model of each item type. */
export const MODEL_OF: Record<ItemType, BinModel> = Object.fromEntries(
  Object.entries(BIN_MODELS).flatMap(([model, s]) => s.itemTypes.map((type) => [type, model])),
) as Record<ItemType, BinModel>;

// ---- Names and locations, as the reference shows them -----------------------------------------

export interface Description {
  itemType: ItemType;
  name: string;
  location: string;
  private?: boolean;
  /** An expense's or a service's deal money when it was deleted: what a restore re-expresses from. */
  basis?: DealMoney;
}

/** A deal's currency and rate, as the money of what is on it follows them. */
// A type, not an interface: Prisma's JSON input wants the implicit index signature.
export type DealMoney = { currency: string; exchangeRate: string };

const dealMoney = (deal: { currency: string; exchangeRate: RateLike }): DealMoney => ({ currency: deal.currency, exchangeRate: rateText(deal.exchangeRate) });

const dealPlace = (deal: { name: string; budget: boolean }) => `${deal.budget ? 'Budget' : 'Deal'}: ${deal.name}`;
const DEAL = { name: true, budget: true, company: { select: { name: true } }, project: { select: { name: true } } } as const;
const fullName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Aug 1 2025", as the reference's time entry names say a day. */
export const dayName = (d: Date) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
/** 480 minutes → "08:00". */
export const minutesName = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** "test project / test name / test name": the service's project (or company), budget and name. */
async function servicePath(tx: ScopedTx, serviceId: number): Promise<string> {
  const service = await tx.service.findUnique({ where: { id: serviceId }, select: { name: true, deal: { select: DEAL } } });
  if (!service) return '';
  const owner = service.deal.project?.name ?? service.deal.company.name;
  return `${owner} / ${service.deal.name} / ${service.name}`;
}

async function organizationName(tx: ScopedTx): Promise<string> {
  const organization = await tx.organization.findFirst({ select: { name: true } });
  return organization?.name ?? '';
}

const projectOr = async (tx: ScopedTx, project: { name: string } | null) => (project ? `Project: ${project.name}` : organizationName(tx));

/**
 * The bin's description of a live object, read before the delete while the scoped client still
 * sees it; null when it does not (the delete then finds nothing either).
 */
export async function describe(tx: ScopedTx, model: BinModel, id: number): Promise<Description | null> {
  const where = { id };
  switch (model) {
    case 'deal': {
      const deal = await tx.deal.findUnique({ where, select: DEAL });
      if (!deal) return null;
      const location = deal.budget && deal.project ? `Project: ${deal.project.name}` : `Company: ${deal.company.name}`;
      return { itemType: deal.budget ? 'budget' : 'deal', name: deal.name, location };
    }
    case 'expense': {
      const expense = await tx.expense.findUnique({ where, select: { name: true, deal: { select: { ...DEAL, currency: true, exchangeRate: true } } } });
      return expense && { itemType: 'expense', name: expense.name, location: dealPlace(expense.deal), basis: dealMoney(expense.deal) };
    }
    case 'invoice': {
      const invoice = await tx.invoice.findUnique({ where, select: { number: true, subject: true, company: { select: { name: true } } } });
      return invoice && { itemType: 'invoice', name: invoice.number ?? invoice.subject ?? `Invoice ${id}`, location: `Company: ${invoice.company.name}` };
    }
    case 'contract': {
      const contract = await tx.contract.findUnique({ where, select: { template: { select: DEAL } } });
      return contract && { itemType: 'contract', name: contract.template.name, location: dealPlace(contract.template) };
    }
    case 'invoiceAttribution': {
      const row = await tx.invoiceAttribution.findUnique({
        where,
        select: { amount: true, currency: true, deal: { select: DEAL }, invoice: { select: { id: true, number: true } } },
      });
      return (
        row && {
          itemType: 'invoice_attribution',
          name: `${row.amount} ${row.currency} to ${row.deal.name}`,
          location: `Invoice: ${row.invoice.number ?? `#${row.invoice.id}`}`,
        }
      );
    }
    case 'project': {
      const project = await tx.project.findUnique({ where, select: { name: true, company: { select: { name: true } } } });
      return project && { itemType: 'project', name: project.name, location: `Company: ${project.company.name}` };
    }
    case 'task': {
      const task = await tx.task.findUnique({ where, select: { title: true, private: true, project: { select: { name: true } } } });
      return task && { itemType: 'task', name: task.title, location: `Project: ${task.project.name}`, private: task.private };
    }
    case 'service': {
      // The reference locates a service by its budget's name alone ("test name").
      const service = await tx.service.findUnique({ where, select: { name: true, deal: { select: { name: true, currency: true, exchangeRate: true } } } });
      return service && { itemType: 'service', name: service.name, location: service.deal.name, basis: dealMoney(service.deal) };
    }
    case 'timeEntry': {
      const entry = await tx.timeEntry.findUnique({
        where,
        select: { serviceId: true, date: true, time: true, person: { select: { firstName: true, lastName: true } } },
      });
      return (
        entry && {
          itemType: 'time_entry',
          name: `${fullName(entry.person)} - ${dayName(entry.date)} - ${minutesName(entry.time)}`,
          location: await servicePath(tx, entry.serviceId),
        }
      );
    }
    case 'booking': {
      const booking = await tx.booking.findUnique({
        where,
        select: {
          serviceId: true, startedOn: true, endedOn: true,
          person: { select: { firstName: true, lastName: true } }, event: { select: { name: true } },
        },
      });
      if (!booking) return null;
      const location = booking.serviceId !== null ? await servicePath(tx, booking.serviceId) : `Event: ${booking.event?.name ?? ''}`;
      return { itemType: 'booking', name: `${fullName(booking.person)} - ${dayName(booking.startedOn)} - ${dayName(booking.endedOn)}`, location };
    }
    case 'event': {
      const event = await tx.event.findUnique({ where, select: { name: true } });
      return event && { itemType: 'event', name: event.name, location: await organizationName(tx) };
    }
    case 'page': {
      const page = await tx.page.findUnique({ where, select: { title: true, project: { select: { name: true } } } });
      return page && { itemType: 'page', name: page.title, location: await projectOr(tx, page.project) };
    }
    case 'dashboard': {
      const dashboard = await tx.dashboard.findUnique({ where, select: { name: true, project: { select: { name: true } } } });
      return dashboard && { itemType: 'dashboard', name: dashboard.name, location: await projectOr(tx, dashboard.project) };
    }
    case 'purchaseOrder': {
      const order = await tx.purchaseOrder.findUnique({ where, select: { subject: true, deal: { select: DEAL } } });
      return order && { itemType: 'purchase_order', name: order.subject ?? 'Purchase Order', location: dealPlace(order.deal) };
    }
    case 'template': {
      const template = await tx.template.findUnique({ where, select: { name: true } });
      return template && { itemType: 'template', name: template.name, location: await organizationName(tx) };
    }
  }
}
