// Every kind of change the gateway records (src/changes/outbox.ts): `<subject>.<what happened>`,
// where the subject is the changed object's GraphQL type in snake case. Webhooks subscribe to these
// strings; GraphQL shows them as the EventType enum (EXPENSE_APPROVED for `expense.approved`).

/** The GraphQL types whose objects go through the recycle bin: each can be created, deleted, restored and purged. */
export const BIN_SUBJECTS = {
  Booking: 'booking',
  Contract: 'contract',
  Dashboard: 'dashboard',
  Deal: 'deal',
  Event: 'event',
  Expense: 'expense',
  Invoice: 'invoice',
  InvoiceAttribution: 'invoice_attribution',
  Page: 'page',
  Project: 'project',
  PurchaseOrder: 'purchase_order',
  Service: 'service',
  Task: 'task',
  Template: 'template',
  TimeEntry: 'time_entry',
} as const;

export type BinSubject = keyof typeof BIN_SUBJECTS;

const LIFECYCLE = ['created', 'deleted', 'restored', 'purged'] as const;

/** What else happens to some of them, beyond their life cycle. */
const MORE = [
  // Set-up: the organization's settings (src/domain/organizations.ts).
  'organization.updated',
  // Set-up: archived, never deleted (src/domain/companies.ts, src/domain/service-types.ts).
  'company.created',
  'company.updated',
  'service_type.created',
  'service_type.updated',
  'dashboard.updated',
  'event.updated',
  'project.updated',
  'template.updated',
  'booking.updated',
  'page.updated',
  'purchase_order.updated',
  'service.updated',
  'task.updated',
  'time_entry.updated',
  'task.closed',
  'task.reopened',
  'time_entry.approved',
  'time_entry.unapproved',
  'time_entry.rejected',
  'contract.updated',
  'contract.occurrence_generated',
  'deal.updated',
  'expense.updated',
  'expense.approved',
  'expense.unapproved',
  'expense.rejected',
  'invoice.updated',
  'invoice.archived',
  'invoice.unarchived',
  'invoice_attribution.updated',
  // A bulk export ended: completed, failed or cancelled (src/domain/bulk-exports.ts).
  'bulk_export.finished',
] as const;

type Lifecycle = `${(typeof BIN_SUBJECTS)[BinSubject]}.${(typeof LIFECYCLE)[number]}`;

export type EventType = Lifecycle | (typeof MORE)[number];

export const EVENT_TYPES: readonly EventType[] = [
  ...Object.values(BIN_SUBJECTS).flatMap((subject) => LIFECYCLE.map((what) => `${subject}.${what}` as Lifecycle)),
  ...MORE,
].sort();

const KNOWN = new Set<string>(EVENT_TYPES);

export const isEventType = (value: string): value is EventType => KNOWN.has(value);

/** `expense.deleted`, ... : the events the recycle bin's moves record for a subject. */
export const binEventType = (subject: BinSubject, what: 'deleted' | 'restored' | 'purged'): EventType =>
  `${BIN_SUBJECTS[subject]}.${what}`;
