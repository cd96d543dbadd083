// The recycle bin's registry of restore rules: each domain declares its own beside its create rules
// (src/domain/kit/bin-rules.ts says what a declaration holds); the bin (src/domain/bin-restore.ts)
// reads them here. A model without an entry has no rules beyond its parents (src/domain/bin-items.ts).
import type { BinModel } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { contractBin } from './contracts.js';
import { dealBin } from './deals.js';
import { expenseBin } from './expenses.js';
import { invoiceAttributionBin } from './invoice-attributions.js';
import { invoiceBin } from './invoices.js';
import { serviceBin } from './services.js';
import { taskBin } from './tasks.js';

export const BIN_RULES: Partial<Record<BinModel, BinRules>> = {
  contract: contractBin,
  deal: dealBin,
  expense: expenseBin,
  invoice: invoiceBin,
  invoiceAttribution: invoiceAttributionBin,
  service: serviceBin,
  task: taskBin,
};
