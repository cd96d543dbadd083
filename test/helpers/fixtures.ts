// Fixture factories: every test gets its own organization (people, token, companies, deals,
// service types), so tests never depend on each other and cross-tenant cases are natural.
import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { scopedClient, type ScopedClient } from '../../src/db/scope.js';
import { createExpense, type ExpenseInput } from '../../src/domain/expenses.js';
import type { Role, Viewer } from '../../src/domain/viewer.js';
import { newToken } from '../../src/auth/tokens.js';
import { startApp, type TestApp } from './app.js';

export const gid = (typename: string, id: number) => encodeGlobalID(typename, id);
export const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

export interface Tenant {
  organizationId: number;
  personId: number;
  token: string;
  viewer: Viewer;
  db: ScopedClient;
  companies: { acme: number; globex: number };
  projects: { website: number; app: number };
  /** eur: EUR at 1.25 (company acme, project website); usd: USD at 1 (company globex, project app). */
  deals: { eur: number; usd: number };
  serviceTypes: { travel: number; software: number; hardware: number };
  /** Adds an expense through the domain (fast setup); fails the test on user errors. */
  expense(input: Partial<ExpenseInput>): Promise<number>;
  /** Adds another member with a token of their own. */
  member(): Promise<{ personId: number; token: string }>;
}

/** A person with a token, member of `organizationIds` with `role` (a tenant's own person is its admin). */
export async function addPerson(prisma: PrismaClient, organizationIds: number[], role: Role = 'member') {
  const unique = randomUUID().slice(0, 8);
  const person = await prisma.person.create({
    data: { firstName: 'Test', lastName: unique, email: `${unique}@test.example` },
  });
  if (organizationIds.length) {
    await prisma.membership.createMany({ data: organizationIds.map((organizationId) => ({ organizationId, personId: person.id, role })) });
  }
  const { token, tokenHash } = newToken();
  await prisma.apiToken.create({ data: { personId: person.id, name: 'test', tokenHash } });
  return { person, token };
}

export async function createTenant(prisma: PrismaClient, defaultCurrency = 'USD'): Promise<Tenant> {
  const organization = await prisma.organization.create({
    // Fixture deals below take numbers 1 and 2.
    data: { name: `Org ${randomUUID().slice(0, 8)}`, defaultCurrency, lastDealNumber: 2, lastProjectNumber: 2 },
  });
  const organizationId = organization.id;
  const { person, token } = await addPerson(prisma, [organizationId], 'admin');
  const db = scopedClient(prisma, { organizationId });
  const viewer: Viewer = { person, organization, role: 'admin' };

  const acme = await db.company.create({ data: { organizationId, name: 'Acme' } });
  const globex = await db.company.create({ data: { organizationId, name: 'Globex' } });
  const website = await db.project.create({ data: { organizationId, companyId: acme.id, name: 'Website', number: 1 } });
  const app = await db.project.create({ data: { organizationId, companyId: globex.id, name: 'App', number: 2 } });
  const eur = await db.deal.create({
    data: {
      organizationId, companyId: acme.id, projectId: website.id, name: 'EUR budget', number: 1,
      date: day('2021-04-15'), currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2021-04-15'),
    },
  });
  const usd = await db.deal.create({
    data: {
      organizationId, companyId: globex.id, projectId: app.id, name: 'USD budget', number: 2,
      date: day('2021-04-15'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-04-15'),
    },
  });
  const [travel, software, hardware] = await Promise.all(
    ['Travel', 'Software', 'Hardware'].map((name) => db.serviceType.create({ data: { organizationId, name } })),
  );

  return {
    organizationId,
    personId: person.id,
    token,
    viewer,
    db,
    companies: { acme: acme.id, globex: globex.id },
    projects: { website: website.id, app: app.id },
    deals: { eur: eur.id, usd: usd.id },
    serviceTypes: { travel: travel!.id, software: software!.id, hardware: hardware!.id },
    async expense(input) {
      const result = await createExpense(db, viewer, {
        name: 'test name',
        dealId: eur.id,
        serviceTypeId: travel!.id,
        amount: 10000n,
        currency: 'EUR',
        date: day('2021-04-15'),
        ...input,
      });
      if (!result.ok) throw new Error(`fixture expense: ${JSON.stringify(result.errors)}`);
      return result.value.id;
    },
    async member() {
      const { person: other, token: otherToken } = await addPerson(prisma, [organizationId]);
      return { personId: other.id, token: otherToken };
    },
  };
}

/** Two organizations, `a` made first: `a` acts, `b`'s ids are what a hostile client would send. */
export async function twoTenants(prisma: PrismaClient): Promise<{ a: Tenant; b: Tenant }> {
  const a = await createTenant(prisma);
  return { a, b: await createTenant(prisma) };
}

/**
 * The set-up most files share: one app and `twoTenants` for the whole file.
 * `beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()))`. A test that counts or lists all
 * of an organization's rows makes its own with `twoTenants(t.db.prisma)` or `createTenant`.
 */
export async function appWithTwoTenants(options?: Parameters<typeof startApp>[0]): Promise<{ t: TestApp; a: Tenant; b: Tenant }> {
  const t = await startApp(options);
  return { t, ...(await twoTenants(t.db.prisma)) };
}
