// The demo organization: a small, realistic agency that GraphiQL explorers can query at once, with
// something in every part of the API -- companies and projects, a budget and deals in the pipeline,
// expenses (approved, rejected, open), services with time entries (approved, rejected, open), tasks
// (open, closed), invoices with attributions and a credit note, a contract with the budgets it
// generated, and an item in the recycle bin.
//
// Everything after the organization and its two people is written by the domain's own functions,
// as the API writes it, so the demo holds by the same rules (money derived, numbers handed out,
// events recorded). All of it is one transaction (`composedTransaction`): a failed or interrupted
// seed leaves nothing, and the next start seeds again. Its story is fixed in early 2026 (the README's
// screenshot shows its newest expense), except the contract, which must start after today: it runs
// from the first of next month, its template being this month's budget.
import type { PrismaClient } from '../generated/prisma/client.js';
import { composedTransaction } from '../db/scope.js';
import './bin-rules.js'; // deleting needs the recycle bin's rules (src/domain/recycle-bin.ts)
import { createCompany } from './companies.js';
import { createContract, generateOccurrences } from './contracts.js';
import { createDeal } from './deals.js';
import { approveExpense, createExpense, rejectExpense } from './expenses.js';
import { createInvoiceAttribution } from './invoice-attributions.js';
import { createInvoice } from './invoices.js';
import type { Result } from './kit/result.js';
import { createProject } from './projects.js';
import { addMonths, utcDay } from './recurrence.js';
import { createServiceType } from './service-types.js';
import { createService } from './services.js';
import { closeTask, createTask, deleteTask } from './tasks.js';
import { approveTimeEntry, createTimeEntry, rejectTimeEntry } from './time-entries.js';
import type { Viewer } from './viewer.js';
import { DEMO_EMAIL } from './demo-person.js';

export { DEMO_EMAIL };

export const DEMO_ORGANIZATION = 'Demo Agency';
/** The newest expense, and its deal: the first row of GraphiQL's example query (README, docs/graphiql.png). */
export const DEMO_EXPENSE = 'Stock photos (paid in USD)';
export const DEMO_DEAL = 'Relaunch budget 2026';

/** One seed writes ~100 rows with their events: room beyond Prisma's 5 s on a busy machine. */
const SEED_TRANSACTION = { maxWait: 10_000, timeout: 120_000 };

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** A demo write that fails is a bug in this file: it stops the seed, and its transaction rolls back. */
function must<T>(what: string, result: Result<T>): T {
  if (!result.ok) throw new Error(`Demo ${what}: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** The organization the demo person belongs to, if it was seeded. */
async function seeded(prisma: Pick<PrismaClient, 'membership'>): Promise<number | null> {
  const existing = await prisma.membership.findFirst({ where: { person: { email: DEMO_EMAIL } }, select: { organizationId: true } });
  return existing?.organizationId ?? null;
}

export async function seedDemo(prisma: PrismaClient, now: Date = new Date()): Promise<{ created: boolean; organizationId: number }> {
  const done = await seeded(prisma);
  if (done !== null) return { created: false, organizationId: done };
  try {
    return await seed(prisma, now);
  } catch (error) {
    // A concurrent seed (the CLI's beside a server's start) that committed first holds the demo
    // person's email: this one rolled back, and the demo is that one's.
    const theirs = await seeded(prisma);
    if (theirs !== null) return { created: false, organizationId: theirs };
    throw error;
  }
}

function seed(prisma: PrismaClient, now: Date): Promise<{ created: boolean; organizationId: number }> {
  return composedTransaction(
    prisma,
    async (system, scoped) => {
      // Again inside: a concurrent seed that committed meanwhile is the demo.
      const meanwhile = await seeded(system);
      if (meanwhile !== null) return { created: false, organizationId: meanwhile };

      // What only an operator writes (as `npm run cli -- org create` and `member add` do).
      const organization = await system.organization.create({ data: { name: DEMO_ORGANIZATION, defaultCurrency: 'USD' } });
      const person = async (email: string, firstName: string, lastName: string) =>
        (await system.person.findFirst({ where: { email: { equals: email, mode: 'insensitive' } } })) ??
        system.person.create({ data: { email, firstName, lastName } });
      const dana = await person(DEMO_EMAIL, 'Dana', 'Demo');
      const alex = await person('alex@example.com', 'Alex', 'Approver');
      await system.membership.createMany({
        data: [
          // Cost rates (USD cents an hour), so that the time entries below show a work cost.
          { organizationId: organization.id, personId: dana.id, role: 'admin', costRate: 6000n },
          { organizationId: organization.id, personId: alex.id, role: 'member', costRate: 4500n },
        ],
      });
      const db = scoped({ organizationId: organization.id });
      const org = { id: organization.id, name: organization.name, defaultCurrency: organization.defaultCurrency };
      const asPerson = (p: typeof dana) => ({ id: p.id, firstName: p.firstName, lastName: p.lastName, email: p.email });
      const viewer: Viewer = { person: asPerson(dana), organization: org, role: 'admin' };
      const approver: Viewer = { person: asPerson(alex), organization: org, role: 'member' };

      // ---- Clients, projects, service types ----
      const acme = must('company', await createCompany(db, viewer, { name: 'Acme GmbH' }));
      const globex = must('company', await createCompany(db, viewer, { name: 'Globex Inc.' }));
      const website = must('project', await createProject(db, viewer, { companyId: acme.id, name: 'Website relaunch' }));
      const app = must('project', await createProject(db, viewer, { companyId: globex.id, name: 'Mobile app' }));
      const types: Record<string, number> = {};
      for (const name of ['Travel', 'Software licences', 'Hardware', 'Catering', 'Design', 'Development', 'Hosting']) {
        types[name] = must(`service type ${name}`, await createServiceType(db, viewer, { name, description: `${name} costs` })).id;
      }

      // ---- Budgets and deals (docs/conventions.md: a budget has no sales status, a deal has one) ----
      // Acme's relaunch is an agreed budget in euros; its second phase is still being sold. Globex's
      // app is a budget in dollars; its intranet was pitched and lost.
      const relaunch = must('budget', await createDeal(db, viewer, {
        name: DEMO_DEAL, companyId: acme.id, projectId: website.id, budget: true, date: day('2026-01-10'), endDate: day('2026-06-30'),
        currency: 'EUR', exchangeRate: '1.25', budgetTotal: 3_000_000n, responsibleId: dana.id, timeApproval: true, expenseApproval: true,
      }));
      must('deal', await createDeal(db, viewer, {
        name: 'Relaunch phase 2', companyId: acme.id, projectId: website.id, date: day('2026-11-20'), probability: 40,
        currency: 'EUR', exchangeRate: '1.25', budgetTotal: 1_800_000n, responsibleId: alex.id, tagList: ['upsell'],
      }));
      const mvp = must('budget', await createDeal(db, viewer, {
        name: 'App MVP', companyId: globex.id, projectId: app.id, budget: true, date: day('2026-02-01'), endDate: day('2026-04-30'),
        currency: 'USD', budgetTotal: 4_500_000n, responsibleId: dana.id,
      }));
      must('deal', await createDeal(db, viewer, {
        name: 'Intranet pitch', companyId: globex.id, date: day('2026-05-12'), probability: 20, salesStatus: 'LOST', currency: 'USD', budgetTotal: 2_000_000n,
      }));

      // ---- Expenses: the README's example query shows these (8, the newest "Stock photos") ----
      const rows: Array<[string, number, string, bigint, bigint, string, string, string | null]> = [
        ['Flight to Berlin kick-off', relaunch.id, 'Travel', 42000n, 50000n, 'EUR', '2026-01-15', '2026-01-20'],
        ['Hotel Berlin, 2 nights', relaunch.id, 'Travel', 31000n, 31000n, 'EUR', '2026-01-16', '2026-01-20'],
        ['Design tool seats', relaunch.id, 'Software licences', 12000n, 0n, 'EUR', '2026-01-20', null],
        ['Test devices', mvp.id, 'Hardware', 89900n, 95000n, 'USD', '2026-02-03', '2026-02-10'],
        ['Workshop lunch', mvp.id, 'Catering', 15600n, 0n, 'USD', '2026-02-05', null],
        ['CI minutes', mvp.id, 'Software licences', 4900n, 4900n, 'USD', '2026-02-28', null],
        ['Taxi to client', relaunch.id, 'Travel', 3800n, 3800n, 'EUR', '2026-03-02', null],
        [DEMO_EXPENSE, relaunch.id, 'Software licences', 10000n, 10000n, 'USD', '2026-03-05', '2026-03-06'],
      ];
      const expenses: number[] = [];
      for (const [name, dealId, type, amount, billableAmount, currency, date, paidOn] of rows) {
        const expense = must(`expense ${name}`, await createExpense(db, viewer, {
          name, dealId, serviceTypeId: types[type]!, amount, billableAmount, currency,
          date: day(date), paidOn: paidOn ? day(paidOn) : null, reimbursable: type === 'Travel',
        }));
        expenses.push(expense.id);
      }
      must('approval', await approveExpense(db, approver, expenses[0]!));
      must('approval', await approveExpense(db, approver, expenses[3]!));
      must('rejection', await rejectExpense(db, approver, expenses[4]!, 'Catering is covered by the client.'));

      // ---- Tasks ----
      const wireframes = must('task', await createTask(db, viewer, { projectId: website.id, title: 'Wireframes for the landing page', assigneeId: dana.id, startDate: day('2026-01-12'), dueDate: day('2026-01-30') }));
      const audit = must('task', await createTask(db, viewer, { projectId: website.id, title: 'Accessibility audit', assigneeId: alex.id, dueDate: day('2026-04-15'), tagList: ['a11y'] }));
      const listing = must('task', await createTask(db, viewer, { projectId: app.id, title: 'App store listing', assigneeId: dana.id, dueDate: day('2026-03-20') }));
      must('closing', await closeTask(db, viewer, wireframes.id));
      // In the recycle bin: `deletedItems` lists it, `restoreDeletedItem` brings it back.
      const draft = must('task', await createTask(db, viewer, { projectId: website.id, title: 'Old sitemap draft' }));
      must('delete', await deleteTask(db, viewer, draft.id));

      // ---- Services and the time logged on them ----
      const design = must('service', await createService(db, viewer, { dealId: relaunch.id, name: 'UX design', serviceTypeId: types.Design!, unit: 'HOUR', pricingType: 'TIME_AND_MATERIALS', quantity: '120', price: 9_500n }));
      const frontend = must('service', await createService(db, viewer, { dealId: relaunch.id, name: 'Frontend development', serviceTypeId: types.Development!, unit: 'HOUR', pricingType: 'TIME_AND_MATERIALS', quantity: '300', price: 11_000n }));
      const build = must('service', await createService(db, viewer, { dealId: mvp.id, name: 'MVP build', serviceTypeId: types.Development!, unit: 'DAY', pricingType: 'FIXED_PRICE', quantity: '40', price: 100_000n }));
      const entries: Array<[number, number | null, number, string, number, number, string]> = [
        [design.id, wireframes.id, dana.id, '2026-01-14', 420, 420, 'Landing page wireframes'],
        [design.id, wireframes.id, alex.id, '2026-01-15', 240, 180, 'Review with Acme'],
        [frontend.id, null, dana.id, '2026-02-09', 480, 480, 'Component library'],
        [frontend.id, audit.id, alex.id, '2026-03-03', 300, 300, 'Contrast fixes'],
        [build.id, listing.id, dana.id, '2026-02-16', 360, 0, 'Store screenshots'],
        [build.id, null, alex.id, '2026-02-17', 480, 480, 'Login flow'],
      ];
      const logged: number[] = [];
      for (const [serviceId, taskId, personId, date, time, billableTime, note] of entries) {
        logged.push(must('time entry', await createTimeEntry(db, viewer, { serviceId, taskId, personId, date: day(date), time, billableTime, note })).id);
      }
      must('approval', await approveTimeEntry(db, approver, logged[0]!));
      must('approval', await approveTimeEntry(db, approver, logged[1]!));
      must('approval', await approveTimeEntry(db, viewer, logged[5]!));
      must('rejection', await rejectTimeEntry(db, approver, logged[4]!, 'Store screenshots are not billable to Globex.'));

      // ---- Invoices, what they pay for, and a credit note ----
      const invoice = must('invoice', await createInvoice(db, viewer, {
        companyId: acme.id, number: '2026-001', subject: 'Website relaunch, first instalment', invoicedOn: day('2026-02-27'),
        paymentTerms: 30, sentOn: day('2026-02-27'), currency: 'EUR', exchangeRate: '1.25', amount: 1_500_000n, tax1Name: 'VAT', tax1Value: '19',
      }));
      // Split by the months it pays for; 3 000 EUR of it is not attributed yet.
      must('attribution', await createInvoiceAttribution(db, viewer, { invoiceId: invoice.id, dealId: relaunch.id, amount: 700_000n, dateFrom: day('2026-01-01'), dateTo: day('2026-01-31') }));
      must('attribution', await createInvoiceAttribution(db, viewer, { invoiceId: invoice.id, dealId: relaunch.id, amount: 500_000n, dateFrom: day('2026-02-01'), dateTo: day('2026-02-28') }));
      must('credit note', await createInvoice(db, viewer, {
        companyId: acme.id, invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, number: '2026-001-C', subject: 'Workshop day not held',
        invoicedOn: day('2026-03-10'), amount: -150_000n, tax1Name: 'VAT', tax1Value: '19',
      }));
      const appInvoice = must('invoice', await createInvoice(db, viewer, {
        companyId: globex.id, number: '2026-002', subject: 'App MVP', invoicedOn: day('2026-03-31'), paymentTerms: 14,
        sentOn: day('2026-03-31'), paidOn: day('2026-04-10'), currency: 'USD', amount: 4_000_000n, amountPaid: 4_000_000n,
      }));
      must('attribution', await createInvoiceAttribution(db, viewer, { invoiceId: appInvoice.id, dealId: mvp.id, amount: 4_000_000n }));

      // ---- A retainer: this month's budget is the template; the contract makes the next three ----
      const thisMonth = utcDay(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
      const nextMonth = addMonths(thisMonth, 1);
      const retainer = must('template', await createDeal(db, viewer, {
        name: 'Hosting & care retainer', companyId: globex.id, projectId: app.id, budget: true, date: thisMonth,
        currency: 'USD', budgetTotal: 150_000n, responsibleId: alex.id, tagList: ['retainer'],
      }));
      must('service', await createService(db, viewer, { dealId: retainer.id, name: 'Hosting and monitoring', serviceTypeId: types.Hosting!, unit: 'PIECE', pricingType: 'FIXED_PRICE', price: 120_000n }));
      const contract = must('contract', await createContract(db, viewer, { templateId: retainer.id, interval: 'MONTHLY', nextOccurrenceOn: nextMonth }, now));
      must('generation', await generateOccurrences(db, { personId: dana.id, actor: viewer }, { until: addMonths(nextMonth, 2), contractIds: [contract.id] }, now));

      return { created: true, organizationId: organization.id };
    },
    SEED_TRANSACTION,
  );
}
