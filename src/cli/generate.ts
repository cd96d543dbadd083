// A large, realistic data set for benchmarks: N expenses spread over many deals in two (or more)
// organizations, in several currencies. Rows are inserted in batches through the scoped client,
// with money derived by the same function the API uses.
import { SingleBar, Presets } from 'cli-progress';
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient } from '../db/scope.js';
import { expenseMoneyColumns } from '../money/expense-amounts.js';

export interface GenerateOptions {
  expenses: number;
  organizations: number;
  dealsPerOrganization: number;
  batchSize?: number;
  /** Deterministic data for repeatable benchmarks. */
  seed?: number;
  progress?: boolean;
}

const CURRENCIES: Array<[string, string]> = [
  ['USD', '1'],
  ['EUR', '1.08'],
  ['GBP', '1.27'],
  ['CHF', '1.12'],
];
const WORDS = ['Flight', 'Hotel', 'Taxi', 'Licence', 'Laptop', 'Lunch', 'Printing', 'Courier', 'Hosting', 'Stock photo'];

function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

export async function generate(prisma: PrismaClient, options: GenerateOptions): Promise<{ organizationIds: number[] }> {
  const rand = random(options.seed ?? 42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const batchSize = options.batchSize ?? 2000;
  const perOrganization = Math.ceil(options.expenses / options.organizations);
  const bar = options.progress
    ? new SingleBar({ format: 'expenses {bar} {value}/{total} ({eta}s left)' }, Presets.shades_classic)
    : null;
  bar?.start(perOrganization * options.organizations, 0);
  const organizationIds: number[] = [];
  const stamp = Date.now().toString(36);

  for (let o = 0; o < options.organizations; o += 1) {
    const organization = await prisma.organization.create({ data: { name: `Scale org ${o + 1} (${stamp})`, defaultCurrency: 'USD' } });
    organizationIds.push(organization.id);
    const people = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        prisma.person.create({
          data: { firstName: `Person ${i + 1}`, lastName: `Org ${organization.id}`, email: `scale-${stamp}-${organization.id}-${i}@example.com` },
        }),
      ),
    );
    await prisma.membership.createMany({ data: people.map((p) => ({ organizationId: organization.id, personId: p.id })) });
    const db = scopedClient(prisma, { organizationId: organization.id });
    const companies = await db.company.createManyAndReturn({
      data: Array.from({ length: 20 }, (_, i) => ({ organizationId: organization.id, name: `Client ${i + 1}` })),
    });
    const projects = await db.project.createManyAndReturn({
      data: companies.map((c, i) => ({ organizationId: organization.id, companyId: c.id, name: `Project ${i + 1}`, number: i + 1 })),
    });
    const serviceTypes = await db.serviceType.createManyAndReturn({
      data: ['Travel', 'Software', 'Hardware', 'Catering', 'Other'].map((name) => ({ organizationId: organization.id, name })),
    });
    const deals = await db.deal.createManyAndReturn({
      data: Array.from({ length: options.dealsPerOrganization }, (_, i) => {
        const project = pick(projects);
        const [currency, exchangeRate] = pick(CURRENCIES);
        return {
          organizationId: organization.id, companyId: project.companyId, projectId: project.id, name: `Budget ${i + 1}`,
          number: i + 1, date: new Date(Date.UTC(2025, 0, 1)), currency, exchangeRate, exchangeDate: new Date(Date.UTC(2025, 0, 1)),
        };
      }),
    });

    for (let done = 0; done < perOrganization; done += batchSize) {
      const rows = Array.from({ length: Math.min(batchSize, perOrganization - done) }, (_, i) => {
        const deal = pick(deals);
        const [currency, exchangeRate] = rand() < 0.7 ? [deal.currency, deal.exchangeRate.toString()] : pick(CURRENCIES);
        const amount = BigInt(Math.floor(rand() * 500000) + 100);
        const billableAmount = rand() < 0.5 ? 0n : BigInt(Math.floor(rand() * 600000));
        const date = new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 700) * 86400000);
        const approved = rand() < 0.4;
        const rejected = !approved && rand() < 0.1;
        const approver = pick(people);
        return {
          organizationId: organization.id, dealId: deal.id, serviceTypeId: pick(serviceTypes).id, creatorId: pick(people).id,
          name: `${pick(WORDS)} ${done + i + 1}`, date, exchangeDate: date, position: done + i + 1,
          paidOn: rand() < 0.5 ? date : null, payOn: rand() < 0.5 ? date : null,
          approved, approvedAt: approved ? date : null, approverId: approved ? approver.id : null,
          rejected, rejectedAt: rejected ? date : null, rejectedReason: rejected ? 'Not covered' : null, rejecterId: rejected ? approver.id : null,
          currency, exchangeRate, amount, billableAmount,
          ...expenseMoneyColumns({ amount, billableAmount, currency, exchangeRate, deal: { currency: deal.currency, exchangeRate: deal.exchangeRate.toString() } }),
        };
      });
      await db.expense.createMany({ data: rows });
      bar?.increment(rows.length);
    }
  }
  bar?.stop();
  return { organizationIds };
}
