// Every bin subject's presenter, by GraphQL type, for the writes that know an object only by its
// type and id (a restore brings back whichever object its entry holds). Each presenter lives with its
// domain and builds the payload from a row; this reads that row, with what the presenter needs.
import type { ScopedTx } from '../db/scope.js';
import type { BinSubject } from '../changes/types.js';
import { presentBooking } from './bookings.js';
import { presentContract } from './contracts.js';
import { dashboardShows, presentDashboard } from './dashboards.js';
import { dealShows, presentDeal } from './deals.js';
import { presentEvent } from './events.js';
import { presentExpense } from './expenses.js';
import { presentInvoiceAttribution } from './invoice-attributions.js';
import { invoiceShows, presentInvoice } from './invoices.js';
import type { Payload } from './kit/shown.js';
import { pageShows, presentPage } from './pages.js';
import { presentProject } from './projects.js';
import { presentPurchaseOrder } from './purchase-orders.js';
import { presentService, serviceShows } from './services.js';
import { presentTask } from './tasks.js';
import { presentTemplate } from './templates.js';
import { presentTimeEntry, timeEntryShows } from './time-entries.js';
import type { Viewer } from './viewer.js';

type Show = (tx: ScopedTx, viewer: Viewer, id: number) => Promise<Payload | null>;

/** Reads a row (null when it is not there) and shows it. */
const show =
  <R>(read: (tx: ScopedTx, id: number) => Promise<R | null>, present: (row: R, viewer: Viewer, tx: ScopedTx) => Payload | null | Promise<Payload | null>): Show =>
  async (tx, viewer, id) => {
    const row = await read(tx, id);
    return row === null ? null : present(row, viewer, tx);
  };

const SHOW: Record<BinSubject, Show> = {
  Booking: show((tx, id) => tx.booking.findUnique({ where: { id } }), presentBooking),
  Contract: show((tx, id) => tx.contract.findUnique({ where: { id } }), presentContract),
  Dashboard: show((tx, id) => tx.dashboard.findUnique({ where: { id }, include: dashboardShows }), presentDashboard),
  Deal: show((tx, id) => tx.deal.findUnique({ where: { id }, include: dealShows }), (row, viewer, tx) => presentDeal(tx, row, viewer)),
  Event: show((tx, id) => tx.event.findUnique({ where: { id } }), presentEvent),
  Expense: show((tx, id) => tx.expense.findUnique({ where: { id } }), presentExpense),
  Invoice: show((tx, id) => tx.invoice.findUnique({ where: { id }, include: invoiceShows }), (row, viewer, tx) => presentInvoice(tx, row, viewer)),
  InvoiceAttribution: show((tx, id) => tx.invoiceAttribution.findUnique({ where: { id } }), presentInvoiceAttribution),
  Page: show((tx, id) => tx.page.findUnique({ where: { id }, include: pageShows }), presentPage),
  Project: show((tx, id) => tx.project.findUnique({ where: { id } }), presentProject),
  PurchaseOrder: show((tx, id) => tx.purchaseOrder.findUnique({ where: { id } }), presentPurchaseOrder),
  Service: show((tx, id) => tx.service.findUnique({ where: { id }, include: serviceShows }), presentService),
  Task: show((tx, id) => tx.task.findUnique({ where: { id } }), presentTask),
  Template: show((tx, id) => tx.template.findUnique({ where: { id } }), presentTemplate),
  TimeEntry: show((tx, id) => tx.timeEntry.findUnique({ where: { id }, include: timeEntryShows }), presentTimeEntry),
};

/** The object `subject` `id` as `viewer` sees it through `tx`, or null when it is not there. */
export const presentById = (tx: ScopedTx, viewer: Viewer, subject: BinSubject, id: number): Promise<Payload | null> => SHOW[subject](tx, viewer, id);
