// The organization's settings (issue 24): its admins rename it, set its time zone (an IANA name,
// checked with Intl; null is UTC) and, while it has no deal and no invoice, its default currency.
// Members get FORBIDDEN; the change is recorded as `organization.updated`; the mutation only ever
// reaches the request's organization.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scopedClient } from '../src/db/scope.js';
import { createDeal, deleteDeal } from '../src/domain/deals.js';
import { createInvoice } from '../src/domain/invoices.js';
import { canonicalTimeZone, updateOrganization } from '../src/domain/organizations.js';
import type { Viewer } from '../src/domain/viewer.js';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { eventsReadable } from './helpers/events.js';
import { addPerson, appWithTwoTenants, day, gid, type Tenant } from './helpers/fixtures.js';

const Update = graphql(`
  mutation OrgUpdate($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) { organization { id name timeZone defaultCurrency } userErrors { field message code } }
  }
`);
const Mine = graphql(`query OrgMine { viewer { organization { id name timeZone defaultCurrency } } }`);
const Events = graphql(`query OrgEvents { changeEvents(last: 5, filter: { types: [ORGANIZATION_UPDATED] }) { nodes { subjectId payload actor { databaseId } } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

const err = (field: string, message: string, code: string) => ({ field: ['input', field], message, code });

/** An organization with an admin and a company, but no deal and no invoice yet (as the CLI makes one). */
async function bare(currency = 'USD') {
  const organization = await t.db.prisma.organization.create({ data: { name: `Bare ${randomUUID().slice(0, 8)}`, defaultCurrency: currency } });
  const { person, token } = await addPerson(t.db.prisma, [organization.id], 'admin');
  const db = scopedClient(t.db.prisma, { organizationId: organization.id });
  const company = await db.company.create({ data: { organizationId: organization.id, name: 'Client' } });
  const viewer: Viewer = { person, organization, role: 'admin' };
  return { organization, token, db, viewer, companyId: company.id };
}

describe('updateOrganization', () => {
  test('an admin renames it and sets its time zone (any case, stored canonical); null is UTC; another organization is untouched', async () => {
    const id = gid('Organization', a.organizationId);
    const renamed = await data(t.app, Update, { input: { name: ' Agency d.o.o. ', timeZone: 'europe/zagreb' } }, as(a));
    expect(renamed.updateOrganization).toEqual({
      organization: { id, name: 'Agency d.o.o.', timeZone: 'Europe/Zagreb', defaultCurrency: 'USD' },
      userErrors: [],
    });
    expect((await data(t.app, Mine, {}, as(a))).viewer.organization).toEqual(renamed.updateOrganization.organization);
    // Fields left out stay; null clears the time zone.
    const cleared = await data(t.app, Update, { input: { timeZone: null } }, as(a));
    expect(cleared.updateOrganization.organization).toEqual({ id, name: 'Agency d.o.o.', timeZone: null, defaultCurrency: 'USD' });
    const theirs = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: b.organizationId } });
    expect(theirs).toMatchObject({ name: b.viewer.organization.name, timeZone: null });

    // Each change is an event, its payload the organization as node(id:) shows it (test/event-payloads.test.ts).
    await eventsReadable(t.db.prisma, a.organizationId);
    const events = (await data(t.app, Events, {}, as(a))).changeEvents.nodes;
    expect(events.map((e) => [e.subjectId, (e.payload as { timeZone: string | null }).timeZone, e.actor?.databaseId])).toEqual([
      [id, 'Europe/Zagreb', a.personId],
      [id, null, a.personId],
    ]);
  });

  test('every problem at once; nothing written', async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } });
    const cases: Array<[Record<string, unknown>, unknown[]]> = [
      [{ name: '', timeZone: 'Mars/Olympus', defaultCurrency: 'eur' }, [
        err('name', "can't be blank", 'BLANK'),
        err('timeZone', 'is not a time zone: give an IANA name such as Europe/Zagreb, or null for UTC', 'INVALID'),
        err('defaultCurrency', 'is not a valid currency', 'INVALID_CURRENCY'),
      ]],
      [{ name: null, defaultCurrency: null }, [err('name', "can't be blank", 'BLANK'), err('defaultCurrency', "can't be blank", 'BLANK')]],
      [{ name: 'x'.repeat(256) }, [err('name', 'is too long (maximum is 255 characters)', 'TOO_LONG')]],
      [{ name: 'a\u0000b' }, [err('name', 'cannot contain the NUL character (\\u0000)', 'INVALID')]],
      [{ timeZone: ' ' }, [err('timeZone', "can't be blank", 'BLANK')]],
      [{ timeZone: '+01:00' }, [err('timeZone', 'is not a time zone: give an IANA name such as Europe/Zagreb, or null for UTC', 'INVALID')]],
      [{ timeZone: 'Europe/Zagreb/../Paris' }, [err('timeZone', 'is not a time zone: give an IANA name such as Europe/Zagreb, or null for UTC', 'INVALID')]],
    ];
    for (const [input, errors] of cases) {
      expect((await data(t.app, Update, { input }, as(a))).updateOrganization, JSON.stringify(input)).toEqual({ organization: null, userErrors: errors });
    }
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } })).toEqual(before);
  });

  test('time zones: IANA names as Intl knows them, canonical spelling; offsets and unknown names are not', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    // Kept as sent where Intl would resolve it to an older name (Kyiv to Kiev, Kolkata to Calcutta).
    expect(canonicalTimeZone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(canonicalTimeZone('Etc/GMT+1')).toBe('Etc/GMT+1');
    for (const bad of ['Mars/Olympus', '+01:00', 'UTC+1', '', 'Europe/', '../etc/passwd']) expect(canonicalTimeZone(bad), bad).toBeNull();
  });

  test("a member gets FORBIDDEN, as for the organization's other administration, and nothing changes", async () => {
    const member = await a.member();
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } });
    const answer = await execute(t.app, Update, { input: { name: 'Mine now' } }, as(member));
    expect(answer.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['FORBIDDEN', "Only the organization's admins can change the organization's settings."],
    ]);
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } })).toEqual(before);
    // Reading the settings is everyone's.
    expect((await data(t.app, Mine, {}, as(member))).viewer.organization.name).toBe(before.name);
  });
});

describe('the default currency', () => {
  const NOT_NOW = err(
    'defaultCurrency',
    'cannot be changed once the organization has deals or invoices (also in the recycle bin): their exchange rates convert to the current one',
    'INVALID',
  );

  test('changes while there is no deal and no invoice; not once there is one, even in the recycle bin', async () => {
    const org = await bare('USD');
    const changed = await data(t.app, Update, { input: { defaultCurrency: 'EUR' } }, { token: org.token });
    expect(changed.updateOrganization).toMatchObject({ organization: { defaultCurrency: 'EUR' }, userErrors: [] });

    const viewer = { ...org.viewer, organization: { ...org.viewer.organization, defaultCurrency: 'EUR' } };
    const deal = await createDeal(org.db, viewer, { name: 'First', companyId: org.companyId, date: day('2030-01-01') });
    expect(deal.ok).toBe(true);
    expect((await data(t.app, Update, { input: { defaultCurrency: 'USD' } }, { token: org.token })).updateOrganization).toEqual({ organization: null, userErrors: [NOT_NOW] });
    // In the bin it can come back with its rate to EUR: still refused.
    expect((await deleteDeal(org.db, viewer, deal.ok ? deal.value.id : 0)).ok).toBe(true);
    expect((await data(t.app, Update, { input: { defaultCurrency: 'USD' } }, { token: org.token })).updateOrganization.userErrors).toEqual([NOT_NOW]);
    // Naming the current one changes nothing and is no error; the other settings still change.
    const same = await data(t.app, Update, { input: { defaultCurrency: 'EUR', name: 'Renamed' } }, { token: org.token });
    expect(same.updateOrganization).toMatchObject({ organization: { defaultCurrency: 'EUR', name: 'Renamed' }, userErrors: [] });
  });

  test('an invoice fixes it too', async () => {
    const org = await bare('USD');
    expect((await createInvoice(org.db, org.viewer, { companyId: org.companyId, number: '1', amount: 100n })).ok).toBe(true);
    expect((await data(t.app, Update, { input: { defaultCurrency: 'EUR' } }, { token: org.token })).updateOrganization.userErrors).toEqual([NOT_NOW]);
  });

  test('a deal or invoice checked against the previous currency (a viewer from before the change) is refused, not written', async () => {
    const org = await bare('USD');
    const changed = await updateOrganization(org.db, org.viewer, { defaultCurrency: 'EUR' });
    expect(changed.ok).toBe(true);
    // org.viewer still says USD, as a token cached before the change would.
    const conflict = [{ field: ['input', 'currency'], message: "was checked against the organization's previous default currency, changed meanwhile: send it again in a few seconds", code: 'CONFLICT' }];
    expect(await createDeal(org.db, org.viewer, { name: 'Stale', companyId: org.companyId, date: day('2030-01-01') })).toEqual({ ok: false, errors: conflict });
    expect(await createInvoice(org.db, org.viewer, { companyId: org.companyId, number: '1', amount: 100n })).toEqual({ ok: false, errors: conflict });
    expect(await org.db.deal.count()).toBe(0);
    expect(await org.db.invoice.count()).toBe(0);
  });

  test.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'a change racing a deal or an invoice: either the change is refused or the money is, never a rate to the wrong currency',
    async () => {
      for (let round = 0; round < 6; round++) {
        const org = await bare('USD');
        const money =
          round % 2 === 0
            ? () => createDeal(org.db, org.viewer, { name: 'Racing', companyId: org.companyId, date: day('2030-01-01') })
            : () => createInvoice(org.db, org.viewer, { companyId: org.companyId, number: '1', amount: 100n });
        const [change, created] = await Promise.all([updateOrganization(org.db, org.viewer, { defaultCurrency: 'EUR' }), money()]);
        const organization = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.organization.id } });
        const recorded = (await org.db.deal.count()) + (await org.db.invoice.count());
        if (change.ok) {
          expect(organization.defaultCurrency).toBe('EUR');
          expect([created.ok, recorded]).toEqual([false, 0]);
        } else {
          expect(change.errors.map((e) => e.code)).toEqual(['INVALID']);
          expect([organization.defaultCurrency, created.ok, recorded]).toEqual(['USD', true, 1]);
        }
      }
    },
  );
});
