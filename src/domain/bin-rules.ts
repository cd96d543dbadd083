// The recycle bin's registry: every model it holds, with what its domain declares to the bin beside
// its create rules (src/domain/kit/bin-rules.ts says what a declaration holds). The bin reads the
// models only here: src/domain/bin-restore.ts imports it; src/domain/recycle-bin.ts, which the
// domains import to delete, is handed it when this file loads (it cannot import the domains back).
import type { BinModel, ItemType } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { bookingBin } from './bookings.js';
import { contractBin } from './contracts.js';
import { dashboardBin } from './dashboards.js';
import { dealBin } from './deals.js';
import { eventBin } from './events.js';
import { expenseBin } from './expenses.js';
import { invoiceAttributionBin } from './invoice-attributions.js';
import { invoiceBin } from './invoices.js';
import { pageBin } from './pages.js';
import { projectBin } from './projects.js';
import { purchaseOrderBin } from './purchase-orders.js';
import { useBinRules } from './recycle-bin.js';
import { serviceBin } from './services.js';
import { taskBin } from './tasks.js';
import { templateBin } from './templates.js';
import { timeEntryBin } from './time-entries.js';

export const BIN_RULES: Readonly<Record<BinModel, BinRules>> = {
  deal: dealBin,
  expense: expenseBin,
  invoice: invoiceBin,
  invoiceAttribution: invoiceAttributionBin,
  contract: contractBin,
  project: projectBin,
  task: taskBin,
  service: serviceBin,
  timeEntry: timeEntryBin,
  booking: bookingBin,
  event: eventBin,
  page: pageBin,
  dashboard: dashboardBin,
  purchaseOrder: purchaseOrderBin,
  template: templateBin,
};

/** The model of each item type. */
export const MODEL_OF: Readonly<Record<ItemType, BinModel>> = Object.fromEntries(
  Object.entries(BIN_RULES).flatMap(([model, rules]) => rules.itemTypes.map((type) => [type, model])),
) as Record<ItemType, BinModel>;

useBinRules(BIN_RULES, MODEL_OF);
