// Contract fixtures: template deals and contracts written directly (for dates in 2017, as the
// reference's examples), and a clock set to a given day for the rules that depend on "today".
import { vi } from 'vitest';
import { day, type Tenant } from './fixtures.js';

/** Runs `work` with `Date` (only) set to `iso` (a day or an instant), and restores it after. */
export async function on<T>(iso: string, work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso));
  try {
    return await work();
  } finally {
    vi.useRealTimers();
  }
}

export interface TemplateOptions {
  name?: string;
  date?: string;
  number?: number;
  currency?: string;
  exchangeRate?: string;
}

/**
 * A deal to use as a template, with every attribute a budget copies set to something other than
 * its default: EUR at 1.25 on Acme's website project, a deal status, tags, budget total.
 */
export async function templateDeal(tenant: Tenant, options: TemplateOptions = {}): Promise<number> {
  const status = await tenant.db.dealStatus.create({ data: { organizationId: tenant.organizationId, name: 'prospective', position: 6 } });
  const date = day(options.date ?? '2017-01-01');
  const deal = await tenant.db.deal.create({
    data: {
      organizationId: tenant.organizationId,
      companyId: tenant.companies.acme,
      projectId: tenant.projects.website,
      responsibleId: tenant.personId,
      creatorId: tenant.personId,
      dealStatusId: status.id,
      name: options.name ?? 'test name',
      number: options.number ?? 3,
      date,
      currency: options.currency ?? 'EUR',
      exchangeRate: options.exchangeRate ?? '1.25',
      exchangeDate: date,
      budgetTotal: 1_234_567n,
      probability: 50,
      timeApproval: true,
      expenseApproval: true,
      salesStatusId: 1,
      tagList: ['retainer', 'monthly'],
    },
  });
  return deal.id;
}

export interface ContractRow {
  templateId: number;
  intervalId?: number;
  nextOccurrenceOn: string;
  anchorOn?: string;
  endsOn?: string | null;
  copyExpenses?: boolean;
}

/** A contract written directly, past any validation (e.g. one whose next occurrence is in 2017). */
export async function contractRow(tenant: Tenant, row: ContractRow): Promise<number> {
  const contract = await tenant.db.contract.create({
    data: {
      organizationId: tenant.organizationId,
      templateId: row.templateId,
      intervalId: row.intervalId ?? 1,
      nextOccurrenceOn: day(row.nextOccurrenceOn),
      anchorOn: day(row.anchorOn ?? row.nextOccurrenceOn),
      endsOn: row.endsOn ? day(row.endsOn) : null,
      copyExpenses: row.copyExpenses ?? false,
    },
  });
  return contract.id;
}
