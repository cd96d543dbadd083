// The recycle bin's vocabulary: the item types and models it holds, the shapes of what a model
// declares to it (src/domain/kit/bin-rules.ts: `BinRules`, beside each model's create rules), and the
// pieces the models' names and locations are made of, as the reference shows them.
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

export interface Parent {
  /** The parent's model (companies and service types cannot be deleted through the API, but may be by an operator). */
  model: BinModel | 'company' | 'serviceType';
  key: string;
  /** How the userError names it: "its project is in the recycle bin". */
  what: string;
}

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

/** What a restore re-expresses an expense's or a service's money from. */
export const dealMoney = (deal: { currency: string; exchangeRate: RateLike }): DealMoney => ({ currency: deal.currency, exchangeRate: rateText(deal.exchangeRate) });

/** "Budget: Website": where a row of a deal is. */
export const dealPlace = (deal: { name: string; budget: boolean }) => `${deal.budget ? 'Budget' : 'Deal'}: ${deal.name}`;
/** What `dealPlace` and the locations of a deal need. */
export const DEAL = { name: true, budget: true, company: { select: { name: true } }, project: { select: { name: true } } } as const;
export const fullName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Aug 1 2025", as the reference's time entry names say a day. */
export const dayName = (d: Date) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
/** 480 minutes → "08:00". */
export const minutesName = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** "test project / test name / test name": the service's project (or company), budget and name. */
export async function servicePath(tx: ScopedTx, serviceId: number): Promise<string> {
  const service = await tx.service.findUnique({ where: { id: serviceId }, select: { name: true, deal: { select: DEAL } } });
  if (!service) return '';
  const owner = service.deal.project?.name ?? service.deal.company.name;
  return `${owner} / ${service.deal.name} / ${service.name}`;
}

/** Where the reference locates what belongs to the whole organization. */
export async function organizationName(tx: ScopedTx): Promise<string> {
  const organization = await tx.organization.findFirst({ select: { name: true } });
  return organization?.name ?? '';
}

/** A project's place, or the organization's for a row without a project. */
export const projectOr = async (tx: ScopedTx, project: { name: string } | null) => (project ? `Project: ${project.name}` : organizationName(tx));
