// The demo organization: a small, realistic data set that GraphiQL explorers can query at once.
// Expenses are written through the same domain functions as the API, so their money is derived
// by the same rules.
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient } from '../db/scope.js';
import { approveExpense, createExpense, rejectExpense } from './expenses.js';
import type { Viewer } from './viewer.js';

export const DEMO_EMAIL = 'demo@example.com';

export async function seedDemo(prisma: PrismaClient): Promise<{ created: boolean; organizationId: number }> {
  const existing = await prisma.membership.findFirst({
    where: { person: { email: DEMO_EMAIL } },
    select: { organizationId: true },
  });
  if (existing) return { created: false, organizationId: existing.organizationId };

  const organization = await prisma.organization.create({ data: { name: 'Demo Agency', defaultCurrency: 'USD' } });
  const [demo, colleague] = await Promise.all([
    prisma.person.create({ data: { firstName: 'Dana', lastName: 'Demo', email: DEMO_EMAIL } }),
    prisma.person.create({ data: { firstName: 'Alex', lastName: 'Approver', email: 'alex@example.com' } }),
  ]);
  await prisma.membership.createMany({
    data: [
      { organizationId: organization.id, personId: demo.id, role: 'admin' },
      { organizationId: organization.id, personId: colleague.id },
    ],
  });
  const db = scopedClient(prisma, { organizationId: organization.id });
  const viewer: Viewer = {
    person: demo,
    organization: { id: organization.id, name: organization.name, defaultCurrency: organization.defaultCurrency },
    role: 'admin',
  };
  const approver: Viewer = { ...viewer, person: colleague, role: 'member' };

  const acme = await db.company.create({ data: { organizationId: organization.id, name: 'Acme GmbH' } });
  const globex = await db.company.create({ data: { organizationId: organization.id, name: 'Globex Inc.' } });
  const website = await db.project.create({
    data: { organizationId: organization.id, companyId: acme.id, name: 'Website relaunch', number: 1 },
  });
  const app = await db.project.create({
    data: { organizationId: organization.id, companyId: globex.id, name: 'Mobile app', number: 2 },
  });
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  const eurDeal = await db.deal.create({
    data: {
      organizationId: organization.id, companyId: acme.id, projectId: website.id, name: 'Relaunch budget 2026',
      number: 1, date: day('2026-01-10'), currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2026-01-10'),
    },
  });
  const usdDeal = await db.deal.create({
    data: {
      organizationId: organization.id, companyId: globex.id, projectId: app.id, name: 'App MVP',
      number: 2, date: day('2026-02-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2026-02-01'),
    },
  });
  const types = await Promise.all(
    ['Travel', 'Software licences', 'Hardware', 'Catering'].map((name) =>
      db.serviceType.create({ data: { organizationId: organization.id, name, description: `${name} costs` } }),
    ),
  );

  const rows: Array<[string, typeof eurDeal, number, bigint, bigint, string, string, string | null]> = [
    ['Flight to Berlin kick-off', eurDeal, 0, 42000n, 50000n, 'EUR', '2026-01-15', '2026-01-20'],
    ['Hotel Berlin, 2 nights', eurDeal, 0, 31000n, 31000n, 'EUR', '2026-01-16', '2026-01-20'],
    ['Design tool seats', eurDeal, 1, 12000n, 0n, 'EUR', '2026-01-20', null],
    ['Test devices', usdDeal, 2, 89900n, 95000n, 'USD', '2026-02-03', '2026-02-10'],
    ['Workshop lunch', usdDeal, 3, 15600n, 0n, 'USD', '2026-02-05', null],
    ['CI minutes', usdDeal, 1, 4900n, 4900n, 'USD', '2026-02-28', null],
    ['Taxi to client', eurDeal, 0, 3800n, 3800n, 'EUR', '2026-03-02', null],
    ['Stock photos (paid in USD)', eurDeal, 1, 10000n, 10000n, 'USD', '2026-03-05', '2026-03-06'],
  ];
  const ids: number[] = [];
  for (const [name, deal, type, amount, billableAmount, currency, date, paidOn] of rows) {
    const result = await createExpense(db, viewer, {
      name, dealId: deal.id, serviceTypeId: types[type]!.id, amount, billableAmount, currency,
      date: day(date), paidOn: paidOn ? day(paidOn) : null, reimbursable: type === 0,
    });
    if (!result.ok) throw new Error(`Demo expense ${name}: ${JSON.stringify(result.errors)}`);
    ids.push(result.value.id);
  }
  await approveExpense(db, approver, ids[0]!);
  await approveExpense(db, approver, ids[3]!);
  await rejectExpense(db, approver, ids[4]!, 'Catering is covered by the client.');
  return { created: true, organizationId: organization.id };
}
