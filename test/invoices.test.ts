// Invoices and credit notes through GraphQL: create/update/delete with every validation (exact
// messages, in input order, nothing written), unique numbers also under concurrency, money computed
// by hand (taxes with rounding, unpaid, credited), status as of today, every filter and sort with the
// archived default, idempotent archiving, attributions kept in step, tenant isolation of every query,
// mutation and id, hostile input, and the statements a page costs.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createInvoice, deleteInvoice, type InvoiceInput } from '../src/domain/invoices.js';
import { graphql } from './generated/index.js';
import type { CreateInvoiceInput, InvoiceFilter, InvoiceOrder } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

graphql(`
  fragment InvoiceMoneySet on MoneySet {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment InvoiceFields on Invoice {
    id
    databaseId
    number
    subject
    invoiceType
    invoiceTypeId
    status
    invoicedOn
    sentOn
    payOn
    deliveryOn
    paidOn
    finalizedOn
    paymentTerms
    discount
    tax1Name
    tax1Value
    tax2Name
    tax2Value
    note
    footer
    purchaseOrderNumber
    tagList
    currency
    exchangeRate
    exchangeDate
    credited
    archived
    archivedAt
    createdAt
    updatedAt
    company { databaseId }
    creator { databaseId }
    parentInvoice { databaseId }
  }
`);

const Create = graphql(`
  mutation InvoicesCreate($input: CreateInvoiceInput!) {
    createInvoice(input: $input) {
      invoice { ...InvoiceFields }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation InvoicesUpdate($input: UpdateInvoiceInput!) {
    updateInvoice(input: $input) {
      invoice { ...InvoiceFields }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation InvoicesDelete($input: DeleteInvoiceInput!) {
    deleteInvoice(input: $input) { deletedInvoiceId userErrors { field message code } }
  }
`);

const Archive = graphql(`
  mutation InvoicesArchive($input: ArchiveInvoiceInput!) {
    archiveInvoice(input: $input) {
      invoice { databaseId archived archivedAt updatedAt }
      userErrors { field message code }
    }
  }
`);

const Unarchive = graphql(`
  mutation InvoicesUnarchive($input: UnarchiveInvoiceInput!) {
    unarchiveInvoice(input: $input) {
      invoice { databaseId archived archivedAt updatedAt }
      userErrors { field message code }
    }
  }
`);

const One = graphql(`
  query InvoicesOne($id: ID!) {
    invoice(id: $id) { ...InvoiceFields }
  }
`);

const Node = graphql(`
  query InvoicesNode($id: ID!) {
    node(id: $id) { id ... on Invoice { number } }
  }
`);

const Money = graphql(`
  query InvoicesMoney($id: ID!) {
    invoice(id: $id) {
      credited
      amount { ...InvoiceMoneySet }
      amountTax { ...InvoiceMoneySet }
      amountWithTax { ...InvoiceMoneySet }
      amountPaid { ...InvoiceMoneySet }
      amountWrittenOff { ...InvoiceMoneySet }
      amountUnpaid { ...InvoiceMoneySet }
      amountCredited { ...InvoiceMoneySet }
    }
  }
`);

const List = graphql(`
  query InvoicesList($filter: InvoiceFilter, $orderBy: [InvoiceOrder!], $first: Int, $after: String, $last: Int, $before: String) {
    invoices(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      nodes { databaseId number status }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const CreditNotes = graphql(`
  query InvoicesCreditNotes($id: ID!, $filter: InvoiceFilter, $first: Int) {
    invoice(id: $id) {
      creditNotes(filter: $filter, first: $first) { totalCount nodes { number parentInvoice { databaseId } } }
    }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

const iso = (d: Date) => d.toISOString().slice(0, 10);
const todayIso = () => new Date().toISOString().slice(0, 10);
const plusDays = (isoDay: string, n: number) => iso(new Date(day(isoDay).getTime() + n * 86_400_000));
const errorsOf = (errors: ReadonlyArray<{ field: readonly string[]; code: string; message: string }>) =>
  errors.map((e) => [e.field.join('.'), e.code, e.message]);

async function create(tenant: Tenant, input: Partial<CreateInvoiceInput>) {
  const result = await data(t.app, Create, { input: { companyId: gid('Company', tenant.companies.acme), ...input } }, as(tenant));
  expect(result.createInvoice.userErrors).toEqual([]);
  return result.createInvoice.invoice!;
}

/** Fast setup through the domain, as the fixtures add expenses. */
async function row(tenant: Tenant, input: Partial<InvoiceInput> = {}): Promise<number> {
  const result = await createInvoice(tenant.db, tenant.viewer, { companyId: tenant.companies.acme, ...input });
  if (!result.ok) throw new Error(`fixture invoice: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

const invoiceCount = (tenant: Tenant) => t.db.prisma.invoice.count({ where: { organizationId: tenant.organizationId } });

/** An attribution row as the attribution slice stores it (invoice EUR at `rate`, on the EUR fixture budget at 1.25). */
async function attribute(tenant: Tenant, invoiceId: number, amount: bigint, amountDefault: bigint) {
  return tenant.db.invoiceAttribution.create({
    data: {
      organizationId: tenant.organizationId,
      invoiceId,
      dealId: tenant.deals.eur,
      amount,
      currency: 'EUR',
      amountDefault,
      amountNormalized: amount,
      normalizedCurrency: 'EUR',
    },
  });
}

describe('createInvoice', () => {
  test('an invoice with defaults: today, the organization currency at 1, a draft, the caller as creator', async () => {
    const invoice = await create(a, {});
    expect(invoice).toMatchObject({
      number: null,
      subject: null,
      invoiceType: 'INVOICE',
      invoiceTypeId: 1,
      status: 'DRAFT',
      invoicedOn: todayIso(),
      exchangeDate: todayIso(),
      payOn: null,
      paymentTerms: null,
      discount: null,
      tax1Value: null,
      currency: 'USD',
      exchangeRate: '1.0',
      tagList: [],
      credited: false,
      archived: false,
      archivedAt: null,
      company: { databaseId: a.companies.acme },
      creator: { databaseId: a.personId },
      parentInvoice: null,
    });
    const money = (await data(t.app, Money, { id: invoice.id }, as(a))).invoice!;
    expect(money.amountUnpaid).toEqual({
      original: { cents: 0, currency: 'USD' },
      default: { cents: 0, currency: 'USD' },
      normalized: { cents: 0, currency: 'USD' },
    });
  });

  test('every attribute, dates also as DD.MM.YYYY; payOn follows the payment terms (the seed: 24 Jan + 10 days)', async () => {
    const invoice = await create(a, {
      number: ' 2016/01 ',
      subject: ' Website ',
      invoicedOn: '24.01.2021',
      paymentTerms: 10,
      sentOn: '2021-01-25',
      deliveryOn: '2021-01-20',
      finalizedOn: '2021-01-24',
      discount: '10.50',
      tax1Name: 'VAT',
      tax1Value: '25',
      tax2Name: 'City tax',
      tax2Value: '0.0125',
      note: 'Thank you',
      footer: 'IBAN ...',
      purchaseOrderNumber: 'PO-7',
      tagList: [' q1', 'web', 'q1', ' '],
      currency: 'EUR',
      exchangeRate: '1.2500',
      amount: 10000,
    });
    expect(invoice).toMatchObject({
      number: '2016/01',
      subject: 'Website',
      invoicedOn: '2021-01-24',
      payOn: '2021-02-03',
      paymentTerms: 10,
      sentOn: '2021-01-25',
      deliveryOn: '2021-01-20',
      finalizedOn: '2021-01-24',
      discount: '10.5',
      tax1Name: 'VAT',
      tax1Value: '25.0',
      tax2Name: 'City tax',
      tax2Value: '0.0125',
      note: 'Thank you',
      footer: 'IBAN ...',
      purchaseOrderNumber: 'PO-7',
      tagList: ['q1', 'web'],
      currency: 'EUR',
      exchangeRate: '1.25',
      exchangeDate: '2021-01-24',
    });
    // A payOn given wins over the terms.
    const given = await create(a, { invoicedOn: '2021-01-24', paymentTerms: 10, payOn: '2021-03-01' });
    expect(given.payOn).toBe('2021-03-01');
  });

  test('every problem at once, each on its field, in the order of the input, and nothing written', async () => {
    const before = await invoiceCount(a);
    const result = await data(
      t.app,
      Create,
      {
        input: {
          companyId: null,
          invoiceType: 'CREDIT_NOTE',
          number: 'n'.repeat(256),
          subject: 'a\u0000b',
          paymentTerms: 3651,
          discount: '100.5',
          tax1Name: 't'.repeat(256),
          tax1Value: '10.12345',
          tax2Value: '-1',
          note: 'x'.repeat(10_001),
          footer: 'f\u0000',
          purchaseOrderNumber: 'p'.repeat(256),
          tagList: Array.from({ length: 51 }, (_, i) => `tag ${i}`),
          currency: 'EURO',
          exchangeRate: '1e3',
          amount: 1,
          amountPaid: '1000000000000001',
          amountWrittenOff: '-1000000000000001',
        },
      },
      as(a),
    );
    expect(result.createInvoice.invoice).toBeNull();
    const percent = 'must be a decimal number between 0 and 100 with at most 4 decimals, such as 10.5';
    expect(errorsOf(result.createInvoice.userErrors)).toEqual([
      ['input.companyId', 'BLANK', "can't be blank"],
      ['input.parentInvoiceId', 'BLANK', "can't be blank for a credit note"],
      ['input.number', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.subject', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.paymentTerms', 'INVALID', 'must be between 0 and 3650'],
      ['input.discount', 'INVALID', percent],
      ['input.tax1Name', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.tax1Value', 'INVALID', percent],
      ['input.tax2Value', 'INVALID', percent],
      ['input.note', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
      ['input.footer', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.purchaseOrderNumber', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.tagList', 'INVALID', 'may hold at most 50 tags'],
      ['input.currency', 'INVALID_CURRENCY', 'is not a valid currency'],
      [
        'input.exchangeRate',
        'INVALID',
        'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point',
      ],
      ['input.amount', 'INVALID', 'must be negative or zero on a credit note'],
      ['input.amountPaid', 'INVALID', 'must be between -1000000000000000 and 1000000000000000'],
      ['input.amountWrittenOff', 'INVALID', 'must be between -1000000000000000 and 1000000000000000'],
    ]);
    expect(await invoiceCount(a)).toBe(before);
  });

  test('amounts: an invoice is not negative, a credit note not positive; every amount within ±10^15', async () => {
    const negative = await data(t.app, Create, { input: { companyId: gid('Company', a.companies.acme), amount: -1 } }, as(a));
    expect(negative.createInvoice.userErrors).toEqual([
      { field: ['input', 'amount'], message: 'must not be negative on an invoice (a credit note takes amounts off it)', code: 'INVALID' },
    ]);
    const big = await data(t.app, Create, { input: { companyId: gid('Company', a.companies.acme), amount: '1000000000000001' } }, as(a));
    expect(big.createInvoice.userErrors).toEqual([
      { field: ['input', 'amount'], message: 'must be between -1000000000000000 and 1000000000000000', code: 'INVALID' },
    ]);
    // At the limits themselves: accepted.
    const max = await create(a, { amount: '1000000000000000', amountPaid: '-1000000000000000', amountWrittenOff: '1000000000000000' });
    expect(max.databaseId).toBeGreaterThan(0);
  });

  test('a foreign currency needs its rate; the organization currency must be at 1', async () => {
    const company = gid('Company', a.companies.acme);
    const eur = await data(t.app, Create, { input: { companyId: company, currency: 'EUR' } }, as(a));
    expect(eur.createInvoice.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: "can't be blank when the currency is not the organization's (USD)", code: 'BLANK' },
    ]);
    const usd = await data(t.app, Create, { input: { companyId: company, currency: 'USD', exchangeRate: '2' } }, as(a));
    expect(usd.createInvoice.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: "must be 1 for the organization's own currency (USD)", code: 'INVALID' },
    ]);
    expect((await create(a, { currency: 'USD', exchangeRate: '1.000' })).exchangeRate).toBe('1.0');
  });

  test('a value that converted with its rate would not fit a bigint is refused on the rate', async () => {
    const before = await invoiceCount(a);
    const huge = await data(
      t.app,
      Create,
      { input: { companyId: gid('Company', a.companies.acme), currency: 'GBP', exchangeRate: '9999999999', amount: '1000000000000000' } },
      as(a),
    );
    expect(huge.createInvoice.userErrors).toEqual([
      {
        field: ['input', 'exchangeRate'],
        message: 'is too large: with its taxes, converted with the exchange rate, it exceeds the largest amount that can be stored',
        code: 'INVALID',
      },
    ]);
    expect(await invoiceCount(a)).toBe(before);
  });

  test("credit notes: need a live invoice of the organization that is not a credit note, with its company and currency", async () => {
    const company = gid('Company', a.companies.acme);
    const invoice = await create(a, { currency: 'EUR', exchangeRate: '1.25', amount: 10000 });
    // Currency and rate default to the invoice's.
    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -100 });
    expect(note).toMatchObject({ invoiceType: 'CREDIT_NOTE', invoiceTypeId: 2, currency: 'EUR', exchangeRate: '1.25', parentInvoice: { databaseId: invoice.databaseId } });

    const cases: Array<[Partial<CreateInvoiceInput>, [string, string, string]]> = [
      [{ parentInvoiceId: invoice.id }, ['input.parentInvoiceId', 'INVALID', 'only a credit note credits an invoice (invoiceType CREDIT_NOTE)']],
      [{ invoiceType: 'CREDIT_NOTE', parentInvoiceId: note.id }, ['input.parentInvoiceId', 'INVALID', 'must be an invoice, not a credit note']],
      [{ invoiceType: 'CREDIT_NOTE', parentInvoiceId: gid('Invoice', 2_000_000_000) }, ['input.parentInvoiceId', 'NOT_FOUND', 'Invoice not found']],
      [{ invoiceType: 'CREDIT_NOTE', parentInvoiceId: gid('Company', 1) }, ['input.parentInvoiceId', 'NOT_FOUND', 'Invoice not found']],
      [
        { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, currency: 'USD' },
        ['input.currency', 'INVALID', 'must be the currency of the credited invoice (EUR)'],
      ],
      [
        { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, companyId: gid('Company', a.companies.globex) },
        ['input.companyId', 'INVALID', 'must be the company of the credited invoice'],
      ],
      [{ invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: 5 }, ['input.amount', 'INVALID', 'must be negative or zero on a credit note']],
    ];
    for (const [input, error] of cases) {
      const result = await data(t.app, Create, { input: { companyId: company, ...input } }, as(a));
      expect(errorsOf(result.createInvoice.userErrors), JSON.stringify(input)).toEqual([error]);
    }
    // A deleted invoice cannot be credited.
    const gone = await create(a, {});
    await data(t.app, Delete, { input: { id: gone.id } }, as(a));
    const deleted = await data(t.app, Create, { input: { companyId: company, invoiceType: 'CREDIT_NOTE', parentInvoiceId: gone.id } }, as(a));
    expect(errorsOf(deleted.createInvoice.userErrors)).toEqual([['input.parentInvoiceId', 'NOT_FOUND', 'Invoice not found']]);
  });

  test('numbers are unique among live invoices: TAKEN, trimmed; blank is none; free again once deleted', async () => {
    const company = gid('Company', a.companies.acme);
    const first = await create(a, { number: 'UNIQ-1' });
    for (const number of ['UNIQ-1', '  UNIQ-1 ']) {
      const again = await data(t.app, Create, { input: { companyId: company, number } }, as(a));
      expect(again.createInvoice.userErrors).toEqual([{ field: ['input', 'number'], message: 'has already been taken', code: 'TAKEN' }]);
    }
    // Numbers differ by case: "uniq-1" is another number.
    expect((await create(a, { number: 'uniq-1' })).number).toBe('uniq-1');
    expect((await create(a, { number: '  ' })).number).toBeNull();
    expect((await create(a, { number: '' })).number).toBeNull();
    // Another organization has its own numbers.
    expect((await create(b, { number: 'UNIQ-1' })).number).toBe('UNIQ-1');
    await data(t.app, Delete, { input: { id: first.id } }, as(a));
    expect((await create(a, { number: 'UNIQ-1' })).number).toBe('UNIQ-1');
  });

  test('ten concurrent creates with one number: one wins, the others are TAKEN', async () => {
    const company = gid('Company', a.companies.acme);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => data(t.app, Create, { input: { companyId: company, number: 'RACE-1' } }, as(a))),
    );
    const won = results.filter((r) => r.createInvoice.invoice !== null);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.createInvoice.invoice === null)) {
      expect(r.createInvoice.userErrors).toEqual([{ field: ['input', 'number'], message: 'has already been taken', code: 'TAKEN' }]);
    }
    expect(await a.db.invoice.count({ where: { number: 'RACE-1' } })).toBe(1);
  });

  // PGlite has one connection: a transaction held open here would block every other statement.
  test.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'a number taken by a write the lookup cannot see yet: the unique index has the last word, TAKEN',
    async () => {
      let release!: () => void;
      let inserted!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
      const holder = t.db.prisma.$transaction(
        async (tx) => {
          await tx.invoice.create({
            data: {
              organizationId: a.organizationId, companyId: a.companies.acme, creatorId: a.personId, number: 'HELD-1',
              invoicedOn: day('2021-01-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'),
            },
          });
          inserted();
          await held;
        },
        { timeout: 10_000 },
      );
      await insertedYet;
      // Its lookup sees no HELD-1 (not committed); its insert waits on the index until the holder commits.
      const pending = data(t.app, Create, { input: { companyId: gid('Company', a.companies.acme), number: 'HELD-1' } }, as(a));
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await holder;
      const result = await pending;
      expect(result.createInvoice).toEqual({
        invoice: null,
        userErrors: [{ field: ['input', 'number'], message: 'has already been taken', code: 'TAKEN' }],
      });
      expect(await a.db.invoice.count({ where: { number: 'HELD-1' } })).toBe(1);
    },
  );

  test("another organization's company or invoice is not found", async () => {
    const mine = await create(a, {});
    const company = await data(t.app, Create, { input: { companyId: gid('Company', a.companies.acme) } }, as(b));
    expect(company.createInvoice.userErrors).toEqual([{ field: ['input', 'companyId'], message: 'Company not found', code: 'NOT_FOUND' }]);
    const parent = await data(
      t.app,
      Create,
      { input: { companyId: gid('Company', b.companies.acme), invoiceType: 'CREDIT_NOTE', parentInvoiceId: mine.id, amount: -1 } },
      as(b),
    );
    expect(parent.createInvoice.userErrors).toEqual([{ field: ['input', 'parentInvoiceId'], message: 'Invoice not found', code: 'NOT_FOUND' }]);
  });
});

describe('money', () => {
  const eur = (cents: number, usd: number) => ({
    original: { cents, currency: 'EUR' },
    default: { cents: usd, currency: 'USD' },
    normalized: { cents, currency: 'EUR' },
  });

  test('taxes rounded once each, half away from zero; totals, unpaid and credited; default forms at 1.25', async () => {
    const invoice = await create(a, {
      currency: 'EUR',
      exchangeRate: '1.25',
      amount: 10101,
      tax1Value: '25', // 2525.25 → 2525
      tax2Value: '0.5', // 50.505 → 51
      amountPaid: 5000,
      amountWrittenOff: 77,
    });
    let money = (await data(t.app, Money, { id: invoice.id }, as(a))).invoice!;
    expect(money.amount).toEqual(eur(10101, 12626)); // 12626.25
    expect(money.amountTax).toEqual(eur(2576, 3220));
    expect(money.amountWithTax).toEqual(eur(12677, 15846)); // 15846.25
    expect(money.amountPaid).toEqual(eur(5000, 6250));
    expect(money.amountWrittenOff).toEqual(eur(77, 96)); // 96.25
    expect(money.amountUnpaid).toEqual(eur(7600, 9500)); // 12677 − 5000 − 77
    expect(money.amountCredited).toEqual(eur(0, 0));
    expect(money.credited).toBe(false);

    // Credit notes: −1001 with 25 % and 0.5 % → −1001 − 250 (−250.25) − 5 (−5.005) = −1256;
    // −1 with 50 % → −1 − 1 (−0.5, away from zero) = −2. An archived one counts; a deleted one does not.
    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -1001, tax1Value: '25', tax2Value: '0.5' });
    const small = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -1, tax1Value: '50' });
    await data(t.app, Archive, { input: { id: small.id } }, as(a));
    const gone = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -500 });
    await data(t.app, Delete, { input: { id: gone.id } }, as(a));

    money = (await data(t.app, Money, { id: invoice.id }, as(a))).invoice!;
    expect(money.credited).toBe(true);
    expect(money.amountCredited).toEqual(eur(1258, 1573)); // 1572.5 → 1573
    // Unpaid is what the brief defines: credit notes do not change it.
    expect(money.amountUnpaid).toEqual(eur(7600, 9500));

    const noteMoney = (await data(t.app, Money, { id: note.id }, as(a))).invoice!;
    expect(noteMoney.amount).toEqual(eur(-1001, -1251)); // −1251.25
    expect(noteMoney.amountTax).toEqual(eur(-255, -319)); // −318.75
    expect(noteMoney.amountWithTax).toEqual(eur(-1256, -1570));
    expect(noteMoney.amountCredited).toEqual(eur(0, 0));
    expect(noteMoney.credited).toBe(false);
  });

  test("the reference's invoice: 0 EUR at 1.25 is 0 in every form, default in USD, normalized in EUR", async () => {
    const invoice = await create(a, { number: '2016/REF', invoicedOn: '2021-01-24', paymentTerms: 10, currency: 'EUR', exchangeRate: '1.25' });
    const money = (await data(t.app, Money, { id: invoice.id }, as(a))).invoice!;
    for (const field of ['amount', 'amountTax', 'amountWithTax', 'amountPaid', 'amountWrittenOff', 'amountUnpaid', 'amountCredited'] as const) {
      expect(money[field]).toEqual(eur(0, 0));
    }
    expect(invoice).toMatchObject({ exchangeRate: '1.25', exchangeDate: '2021-01-24', payOn: '2021-02-03' });
  });

  test('Invoice.creditNotes lists its credit notes, archived ones only when asked', async () => {
    const invoice = await create(a, { amount: 1000 });
    await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, number: 'CN-A', amount: -1 });
    const archived = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, number: 'CN-B', amount: -1 });
    await data(t.app, Archive, { input: { id: archived.id } }, as(a));
    const live = await data(t.app, CreditNotes, { id: invoice.id }, as(a));
    expect(live.invoice!.creditNotes).toEqual({ totalCount: 1, nodes: [{ number: 'CN-A', parentInvoice: { databaseId: invoice.databaseId } }] });
    const all = await data(t.app, CreditNotes, { id: invoice.id, filter: { archived: null } }, as(a));
    expect(all.invoice!.creditNotes.nodes.map((n) => n.number)).toEqual(['CN-A', 'CN-B']);
    const only = await data(t.app, CreditNotes, { id: invoice.id, filter: { archived: true } }, as(a));
    expect(only.invoice!.creditNotes.nodes.map((n) => n.number)).toEqual(['CN-B']);
  });
});

describe('status', () => {
  // Date alone is faked: the server and the test agree on "today" whatever the hour.
  const today = '2030-06-15';
  let c: Tenant;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(`${today}T23:59:30Z`));
    c = await createTenant(t.db.prisma);
    const cases: Record<string, Partial<CreateInvoiceInput>> = {
      draft: {},
      draftPastDue: { payOn: plusDays(today, -1) },
      sentDueTomorrow: { sentOn: today, payOn: plusDays(today, 1) },
      sentDueToday: { sentOn: today, payOn: today },
      sentNoDue: { sentOn: today },
      overdue: { sentOn: plusDays(today, -30), payOn: plusDays(today, -1) },
      finalizedOverdue: { finalizedOn: plusDays(today, -30), payOn: plusDays(today, -1) },
      paid: { sentOn: plusDays(today, -30), payOn: plusDays(today, -1), paidOn: today },
      paidDraft: { paidOn: today },
    };
    for (const [name, input] of Object.entries(cases)) ids[name] = (await create(c, { number: name, ...input })).databaseId;
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  const statuses = async (filter?: InvoiceFilter) =>
    Object.fromEntries((await data(t.app, List, { filter }, as(c))).invoices.nodes.map((n) => [n.number, n.status]));

  test('each case, as of today (UTC)', async () => {
    expect(await statuses()).toEqual({
      draft: 'DRAFT',
      draftPastDue: 'DRAFT',
      sentDueTomorrow: 'SENT',
      sentDueToday: 'SENT',
      sentNoDue: 'SENT',
      overdue: 'OVERDUE',
      finalizedOverdue: 'OVERDUE',
      paid: 'PAID',
      paidDraft: 'PAID',
    });
    // The next day, what was due today is overdue.
    vi.setSystemTime(new Date(`${plusDays(today, 1)}T00:00:30Z`));
    try {
      expect((await statuses()).sentDueToday).toBe('OVERDUE');
      expect(Object.keys(await statuses({ status: ['OVERDUE'] })).sort()).toEqual(['finalizedOverdue', 'overdue', 'sentDueToday']);
    } finally {
      vi.setSystemTime(new Date(`${today}T23:59:30Z`));
    }
  });

  test('the status filter agrees with the field, for every status and combination', async () => {
    const all = await statuses();
    for (const status of ['DRAFT', 'SENT', 'OVERDUE', 'PAID'] as const) {
      const expected = Object.keys(all).filter((n) => all[n] === status).sort();
      expect(Object.keys(await statuses({ status: [status] })).sort(), status).toEqual(expected);
      // `not` keeps every other invoice: the conditions are never unknown for empty dates.
      const others = Object.keys(all).filter((n) => all[n] !== status).sort();
      expect(Object.keys(await statuses({ not: { status: [status] } })).sort(), `not ${status}`).toEqual(others);
    }
    expect(Object.keys(await statuses({ status: ['DRAFT', 'PAID'] })).sort()).toEqual(['draft', 'draftPastDue', 'paid', 'paidDraft']);
    expect(await statuses({ status: [] })).toEqual({});
  });
});

describe('invoices list', () => {
  let d: Tenant;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    d = await createTenant(t.db.prisma);
    const make = async (name: string, input: Partial<CreateInvoiceInput>) => {
      ids[name] = (await create(d, { number: name, ...input })).databaseId;
    };
    await make('A-1', { invoicedOn: '2021-01-10', payOn: '2021-02-10', tagList: ['vip'] });
    await make('A-2', { invoicedOn: '2021-02-10', sentOn: '2021-02-11', payOn: '2021-01-01', companyId: gid('Company', d.companies.globex) });
    await make('B-1', { invoicedOn: '2021-03-10', paidOn: '2021-03-20', tagList: ['vip', 'new'], currency: 'EUR', exchangeRate: '1.25' });
    await make('B-2', { invoicedOn: '2021-04-10', invoiceType: 'CREDIT_NOTE', parentInvoiceId: gid('Invoice', ids['A-1']!), payOn: '2021-05-01' });
    await make('C-1', { invoicedOn: '2021-05-10' });
    ids.none = (await create(d, { invoicedOn: '2021-06-10', payOn: '2021-01-15' })).databaseId;
    await data(t.app, Archive, { input: { id: gid('Invoice', ids['C-1']!) } }, as(d));
  });

  const numbers = async (filter?: InvoiceFilter, orderBy?: InvoiceOrder[]) =>
    (await data(t.app, List, { filter, orderBy }, as(d))).invoices.nodes.map((n) => n.number ?? '-');

  test('archived invoices are left out unless the filter mentions archived', async () => {
    expect(await numbers()).toEqual(['A-1', 'A-2', 'B-1', 'B-2', '-']);
    expect(await numbers({ archived: false })).toEqual(['A-1', 'A-2', 'B-1', 'B-2', '-']);
    expect(await numbers({ archived: true })).toEqual(['C-1']);
    expect(await numbers({ archived: null })).toEqual(['A-1', 'A-2', 'B-1', 'B-2', 'C-1', '-']);
    expect(await numbers({ or: [{ archived: true }, { number: { eq: 'A-1' } }] })).toEqual(['A-1', 'C-1']);
    expect(await numbers({ number: { startsWith: 'C' } })).toEqual([]);
    expect((await data(t.app, List, {}, as(d))).invoices.totalCount).toBe(5);
    // invoice(id:) finds an archived invoice.
    expect((await data(t.app, One, { id: gid('Invoice', ids['C-1']!) }, as(d))).invoice?.archived).toBe(true);
  });

  test('filters', async () => {
    expect(await numbers({ companyIds: [gid('Company', d.companies.globex)] })).toEqual(['A-2']);
    expect(await numbers({ invoiceType: 'CREDIT_NOTE' })).toEqual(['B-2']);
    expect(await numbers({ invoiceType: 'INVOICE' })).toEqual(['A-1', 'A-2', 'B-1', '-']);
    expect(await numbers({ parentInvoiceIds: [gid('Invoice', ids['A-1']!)] })).toEqual(['B-2']);
    expect(await numbers({ not: { parentInvoiceIds: [gid('Invoice', ids['A-1']!)] } })).toEqual(['A-1', 'A-2', 'B-1', '-']);
    expect(await numbers({ tags: ['new', 'nothing'] })).toEqual(['B-1']);
    expect(await numbers({ tags: ['vip'] })).toEqual(['A-1', 'B-1']);
    expect(await numbers({ number: { contains: '-1' } })).toEqual(['A-1', 'B-1']);
    expect(await numbers({ number: { startsWith: 'a' } })).toEqual(['A-1', 'A-2']);
    expect(await numbers({ number: { notEq: 'A-1' } })).toEqual(['A-2', 'B-1', 'B-2', '-']);
    expect(await numbers({ number: { in: ['A-2', 'B-2', 'Z'] } })).toEqual(['A-2', 'B-2']);
    expect(await numbers({ currency: { eq: 'EUR' } })).toEqual(['B-1']);
    expect(await numbers({ invoicedOn: { gte: '2021-02-10', lt: '2021-04-10' } })).toEqual(['A-2', 'B-1']);
    expect(await numbers({ payOn: { isNull: true } })).toEqual(['B-1']);
    expect(await numbers({ payOn: { lte: '2021-01-15' } })).toEqual(['A-2', '-']);
    expect(await numbers({ paidOn: { gte: '2021-03-01' } })).toEqual(['B-1']);
    expect(await numbers({ paidOn: { isNull: false } })).toEqual(['B-1']);
    expect(await numbers({ sentOn: { eq: '2021-02-11' } })).toEqual(['A-2']);
    expect(await numbers({ sentOn: { notEq: '2021-02-11' } })).toEqual(['A-1', 'B-1', 'B-2', '-']);
    const created = await d.db.invoice.findUniqueOrThrow({ where: { id: ids['B-1']! } });
    expect(await numbers({ createdAt: { gt: created.createdAt.toISOString() } })).toEqual(['B-2', '-']);
    // Another organization's ids match nothing here; a malformed one is a clear error.
    expect(await numbers({ companyIds: [gid('Company', a.companies.globex)] })).toEqual([]);
    const invoiceOfA = await row(a);
    expect(await numbers({ parentInvoiceIds: [gid('Invoice', invoiceOfA)] })).toEqual([]);
    const bad = await execute(t.app, List, { filter: { parentInvoiceIds: [gid('Company', d.companies.acme)] } }, as(d));
    expect(bad.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(bad.body.errors?.[0]?.message).toMatch(/filter\.parentInvoiceIds\[0\].*Invoice id/);
  });

  test('sorts: number, invoiced on, pay on (empty last both ways), created at; keyset paging through empty values', async () => {
    expect(await numbers(undefined, [{ field: 'NUMBER', direction: 'DESC' }])).toEqual(['B-2', 'B-1', 'A-2', 'A-1', '-']);
    expect(await numbers(undefined, [{ field: 'NUMBER' }])).toEqual(['A-1', 'A-2', 'B-1', 'B-2', '-']);
    expect(await numbers(undefined, [{ field: 'INVOICED_ON', direction: 'DESC' }])).toEqual(['-', 'B-2', 'B-1', 'A-2', 'A-1']);
    expect(await numbers(undefined, [{ field: 'PAY_ON' }])).toEqual(['A-2', '-', 'A-1', 'B-2', 'B-1']);
    expect(await numbers(undefined, [{ field: 'PAY_ON', direction: 'DESC' }])).toEqual(['B-2', 'A-1', '-', 'A-2', 'B-1']);
    expect(await numbers(undefined, [{ field: 'CREATED_AT', direction: 'DESC' }])).toEqual(['-', 'B-2', 'B-1', 'A-2', 'A-1']);

    for (const orderBy of [[{ field: 'PAY_ON' as const }], [{ field: 'NUMBER' as const, direction: 'DESC' as const }]]) {
      const all = await numbers(undefined, orderBy);
      const seen: string[] = [];
      let after: string | null | undefined;
      for (;;) {
        const page = await data(t.app, List, { orderBy, first: 1, after }, as(d));
        seen.push(...page.invoices.nodes.map((n) => n.number ?? '-'));
        if (!page.invoices.pageInfo.hasNextPage) break;
        after = page.invoices.pageInfo.endCursor;
      }
      expect(seen).toEqual(all);
      // And backwards from the end.
      const back: string[] = [];
      let before: string | null | undefined;
      for (;;) {
        const page = await data(t.app, List, { orderBy, last: 2, before }, as(d));
        back.unshift(...page.invoices.nodes.map((n) => n.number ?? '-'));
        if (!page.invoices.pageInfo.hasPreviousPage) break;
        before = page.invoices.pageInfo.startCursor;
      }
      expect(back).toEqual(all);
    }
  });
});

describe('updateInvoice', () => {
  test('fields left out stay; null clears optional ones; terms and date move payOn; blank date refused', async () => {
    const invoice = await create(a, { number: 'UPD-1', subject: 'Old', invoicedOn: '2021-01-01', paymentTerms: 10, tagList: ['x'], tax1Value: '20', amount: 100 });
    expect(invoice.payOn).toBe('2021-01-11');
    const changed = await data(t.app, Update, { input: { id: invoice.id, subject: null, tagList: null, tax1Value: null, paymentTerms: 30 } }, as(a));
    expect(changed.updateInvoice.userErrors).toEqual([]);
    expect(changed.updateInvoice.invoice).toMatchObject({ number: 'UPD-1', subject: null, tagList: [], tax1Value: null, paymentTerms: 30, payOn: '2021-01-31', invoicedOn: '2021-01-01' });
    const moved = await data(t.app, Update, { input: { id: invoice.id, invoicedOn: '2021-02-01' } }, as(a));
    expect(moved.updateInvoice.invoice).toMatchObject({ invoicedOn: '2021-02-01', payOn: '2021-03-03' });
    const payOn = await data(t.app, Update, { input: { id: invoice.id, payOn: '2021-04-01', sentOn: '2021-02-02' } }, as(a));
    expect(payOn.updateInvoice.invoice).toMatchObject({ payOn: '2021-04-01', sentOn: '2021-02-02', paymentTerms: 30 });
    const blank = await data(t.app, Update, { input: { id: invoice.id, invoicedOn: null, companyId: null, currency: null, amount: -5 } }, as(a));
    expect(errorsOf(blank.updateInvoice.userErrors)).toEqual([
      ['input.companyId', 'BLANK', "can't be blank"],
      ['input.invoicedOn', 'BLANK', "can't be blank"],
      ['input.currency', 'BLANK', "can't be blank"],
      ['input.amount', 'INVALID', 'must not be negative on an invoice (a credit note takes amounts off it)'],
    ]);
    expect((await data(t.app, One, { id: invoice.id }, as(a))).invoice).toMatchObject({ invoicedOn: '2021-02-01', currency: 'USD' });
  });

  test('a payment date derived past 9999-12-31 is INVALID on the field that moved it, on create and update; nothing written (issue 22)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const LATE = 'would put the payment date (invoicedOn + paymentTerms) after 9999-12-31';
    const far = await data(t.app, Create, { input: { companyId: gid('Company', tenant.companies.acme), invoicedOn: '9999-12-31', paymentTerms: 3650 } }, as(tenant));
    expect(far.createInvoice).toEqual({ invoice: null, userErrors: [{ field: ['input', 'paymentTerms'], message: LATE, code: 'INVALID' }] });
    expect(await invoiceCount(tenant)).toBe(0);
    // The last day itself, with terms that keep it there or a payOn of its own, is fine.
    expect((await create(tenant, { invoicedOn: '9999-12-31', paymentTerms: 0 })).payOn).toBe('9999-12-31');
    expect((await create(tenant, { invoicedOn: '9999-12-31', paymentTerms: 30, payOn: '9999-12-31' })).payOn).toBe('9999-12-31');

    const invoice = await create(tenant, { invoicedOn: '9999-12-01', paymentTerms: 30 });
    expect(invoice.payOn).toBe('9999-12-31');
    const byDate = await data(t.app, Update, { input: { id: invoice.id, invoicedOn: '9999-12-02' } }, as(tenant));
    expect(byDate.updateInvoice).toEqual({ invoice: null, userErrors: [{ field: ['input', 'invoicedOn'], message: LATE, code: 'INVALID' }] });
    const byTerms = await data(t.app, Update, { input: { id: invoice.id, paymentTerms: 31 } }, as(tenant));
    expect(byTerms.updateInvoice).toEqual({ invoice: null, userErrors: [{ field: ['input', 'paymentTerms'], message: LATE, code: 'INVALID' }] });
    expect((await data(t.app, One, { id: invoice.id }, as(tenant))).invoice).toMatchObject({ invoicedOn: '9999-12-01', paymentTerms: 30, payOn: '9999-12-31' });
    // A payOn given with the change is not derived: nothing to refuse.
    const given = await data(t.app, Update, { input: { id: invoice.id, invoicedOn: '9999-12-20', payOn: '9999-12-31' } }, as(tenant));
    expect(given.updateInvoice.userErrors).toEqual([]);
  });

  test('a number in use is TAKEN; keeping its own number is not', async () => {
    await create(a, { number: 'UPD-TAKEN' });
    const invoice = await create(a, { number: 'UPD-2' });
    const taken = await data(t.app, Update, { input: { id: invoice.id, number: 'UPD-TAKEN' } }, as(a));
    expect(taken.updateInvoice.userErrors).toEqual([{ field: ['input', 'number'], message: 'has already been taken', code: 'TAKEN' }]);
    const same = await data(t.app, Update, { input: { id: invoice.id, number: 'UPD-2', subject: 's' } }, as(a));
    expect(same.updateInvoice.invoice).toMatchObject({ number: 'UPD-2', subject: 's' });
  });

  test("currency and rate: a new currency needs its rate; a credit note keeps its invoice's; an invoice with credit notes keeps its own", async () => {
    const invoice = await create(a, { currency: 'EUR', exchangeRate: '1.25', amount: 1000 });
    const noRate = await data(t.app, Update, { input: { id: invoice.id, currency: 'GBP' } }, as(a));
    expect(noRate.updateInvoice.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: "can't be blank when the currency is not the organization's (USD)", code: 'BLANK' },
    ]);
    const rate = await data(t.app, Update, { input: { id: invoice.id, exchangeRate: '2' } }, as(a));
    expect(rate.updateInvoice.invoice).toMatchObject({ currency: 'EUR', exchangeRate: '2.0', exchangeDate: todayIso() });
    const usd = await data(t.app, Update, { input: { id: invoice.id, currency: 'USD' } }, as(a));
    expect(usd.updateInvoice.invoice).toMatchObject({ currency: 'USD', exchangeRate: '1.0' });

    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -10 });
    const parent = await data(t.app, Update, { input: { id: invoice.id, currency: 'EUR', exchangeRate: '1.1' } }, as(a));
    expect(parent.updateInvoice.userErrors).toEqual([
      { field: ['input', 'currency'], message: 'cannot change while the invoice has credit notes', code: 'INVALID' },
    ]);
    const moved = await data(t.app, Update, { input: { id: invoice.id, companyId: gid('Company', a.companies.globex) } }, as(a));
    expect(moved.updateInvoice.userErrors).toEqual([
      { field: ['input', 'companyId'], message: 'cannot change while the invoice has credit notes', code: 'INVALID' },
    ]);
    const child = await data(t.app, Update, { input: { id: note.id, currency: 'EUR', exchangeRate: '1.1', amount: 3 } }, as(a));
    expect(errorsOf(child.updateInvoice.userErrors)).toEqual([
      ['input.currency', 'INVALID', 'must be the currency of the credited invoice (USD)'],
      ['input.amount', 'INVALID', 'must be negative or zero on a credit note'],
    ]);
    // Other changes are fine.
    expect((await data(t.app, Update, { input: { id: invoice.id, amount: 2000 } }, as(a))).updateInvoice.userErrors).toEqual([]);
    expect((await data(t.app, Update, { input: { id: note.id, amount: -20 } }, as(a))).updateInvoice.userErrors).toEqual([]);
  });

  test('an amount below what is attributed to budgets is refused; a new rate is carried into the attributions', async () => {
    const invoice = await create(a, { currency: 'EUR', exchangeRate: '1.25', amount: 10000 });
    const attribution = await attribute(a, invoice.databaseId, 4000n, 5000n);
    const below = await data(t.app, Update, { input: { id: invoice.id, amount: 3999 } }, as(a));
    expect(below.updateInvoice.userErrors).toEqual([
      { field: ['input', 'amount'], message: 'is less than what is attributed to budgets (4000)', code: 'INVALID' },
    ]);
    expect((await a.db.invoice.findUniqueOrThrow({ where: { id: invoice.databaseId } })).amount).toBe(10000n);
    expect((await data(t.app, Update, { input: { id: invoice.id, amount: 4000 } }, as(a))).updateInvoice.userErrors).toEqual([]);

    const rate = await data(t.app, Update, { input: { id: invoice.id, exchangeRate: '2' } }, as(a));
    expect(rate.updateInvoice.userErrors).toEqual([]);
    const rewritten = await a.db.invoiceAttribution.findUniqueOrThrow({ where: { id: attribution.id } });
    // 4000 EUR at the invoice's new rate 2 is 8000 USD; on a EUR budget it stays 4000 EUR.
    expect([rewritten.amount, rewritten.amountDefault, rewritten.amountNormalized, rewritten.currency]).toEqual([4000n, 8000n, 4000n, 'EUR']);
  });

  test("the attributions' refusal of a rate is the update's, and nothing is written", async () => {
    const invoice = await create(a, { currency: 'EUR', exchangeRate: '1', amount: 1_000_000 });
    // A budget at the smallest rate: 10^6 EUR at 1 is 10^16 of its currency; at 10^4, 10^20.
    const tiny = await a.db.deal.create({
      data: {
        organizationId: a.organizationId, companyId: a.companies.acme, name: 'Tiny', number: 99, budget: true,
        date: day('2021-01-01'), currency: 'JPY', exchangeRate: '0.0000000001', exchangeDate: day('2021-01-01'),
      },
    });
    await a.db.invoiceAttribution.create({
      data: {
        organizationId: a.organizationId, invoiceId: invoice.databaseId, dealId: tiny.id, amount: 1_000_000n, currency: 'EUR',
        amountDefault: 1_000_000n, amountNormalized: 10n ** 16n, normalizedCurrency: 'JPY',
      },
    });
    const result = await data(t.app, Update, { input: { id: invoice.id, exchangeRate: '10000', subject: 'changed' } }, as(a));
    expect(result.updateInvoice.invoice).toBeNull();
    expect(result.updateInvoice.userErrors).toHaveLength(1);
    expect(result.updateInvoice.userErrors[0]).toMatchObject({ field: ['input', 'exchangeRate'], code: 'INVALID' });
    expect((await data(t.app, One, { id: invoice.id }, as(a))).invoice).toMatchObject({ exchangeRate: '1.0', subject: null });
  });

  test('an amount that would overflow at its stored rate is refused on the amount', async () => {
    const invoice = await create(a, { currency: 'GBP', exchangeRate: '9999999999', amount: 1 });
    const result = await data(t.app, Update, { input: { id: invoice.id, amount: '1000000000000000' } }, as(a));
    expect(result.updateInvoice.userErrors).toEqual([
      {
        field: ['input', 'amount'],
        message: 'is too large: with its taxes, converted with the exchange rate, it exceeds the largest amount that can be stored',
        code: 'INVALID',
      },
    ]);
  });

  test('concurrent updates of different fields all survive', async () => {
    const invoice = await create(a, {});
    const fields = ['subject', 'note', 'footer', 'purchaseOrderNumber', 'tax1Name', 'tax2Name'] as const;
    const results = await Promise.all(fields.map((field) => data(t.app, Update, { input: { id: invoice.id, [field]: field } }, as(a))));
    expect(results.flatMap((r) => r.updateInvoice.userErrors)).toEqual([]);
    const final = (await data(t.app, One, { id: invoice.id }, as(a))).invoice!;
    for (const field of fields) expect(final[field]).toBe(field);
  });
});

describe('deleteInvoice', () => {
  test('takes its credit notes and the attributions of both, with one stamp; again is NOT_FOUND', async () => {
    const invoice = await create(a, { currency: 'EUR', exchangeRate: '1.25', amount: 10000, number: 'DEL-1' });
    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -100 });
    const earlier = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -1 });
    await data(t.app, Delete, { input: { id: earlier.id } }, as(a));
    const own = await attribute(a, invoice.databaseId, 1000n, 1250n);
    const ofNote = await attribute(a, note.databaseId, -100n, -125n);

    const result = await data(t.app, Delete, { input: { id: invoice.id } }, as(a));
    expect(result.deleteInvoice).toEqual({ deletedInvoiceId: invoice.id, userErrors: [] });
    const raw = (id: number) => t.db.prisma.invoice.findUniqueOrThrow({ where: { id } });
    const deleted = await raw(invoice.databaseId);
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.deleterId).toBe(a.personId);
    expect((await raw(note.databaseId)).deletedAt).toEqual(deleted.deletedAt);
    expect((await raw(earlier.databaseId)).deletedAt).not.toEqual(deleted.deletedAt);
    for (const id of [own.id, ofNote.id]) {
      const attribution = await t.db.prisma.invoiceAttribution.findUniqueOrThrow({ where: { id } });
      expect([attribution.deletedAt, attribution.deleterId]).toEqual([deleted.deletedAt, a.personId]);
    }
    expect((await execute(t.app, One, { id: note.id }, as(a))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const again = await data(t.app, Delete, { input: { id: invoice.id } }, as(a));
    expect(again.deleteInvoice).toEqual({ deletedInvoiceId: null, userErrors: [{ field: ['input', 'id'], message: 'Invoice not found', code: 'NOT_FOUND' }] });
  });

  test("a credit note deleted on its own no longer credits its invoice; the invoice's parent link survives", async () => {
    const invoice = await create(a, { amount: 1000 });
    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -100 });
    expect((await data(t.app, Money, { id: invoice.id }, as(a))).invoice!.amountCredited.original.cents).toBe(100);
    await data(t.app, Delete, { input: { id: note.id } }, as(a));
    const money = (await data(t.app, Money, { id: invoice.id }, as(a))).invoice!;
    expect([money.credited, money.amountCredited.original.cents]).toEqual([false, 0]);
    expect((await data(t.app, One, { id: invoice.id }, as(a))).invoice?.databaseId).toBe(invoice.databaseId);
  });
});

describe('archiving', () => {
  test('idempotent: again changes nothing, neither archivedAt nor updatedAt; unarchive likewise', async () => {
    const invoice = await create(a, {});
    const before = (await data(t.app, One, { id: invoice.id }, as(a))).invoice!;
    const notArchived = await data(t.app, Unarchive, { input: { id: invoice.id } }, as(a));
    expect(notArchived.unarchiveInvoice).toEqual({
      invoice: { databaseId: invoice.databaseId, archived: false, archivedAt: null, updatedAt: before.updatedAt },
      userErrors: [],
    });

    const first = (await data(t.app, Archive, { input: { id: invoice.id } }, as(a))).archiveInvoice;
    expect(first.userErrors).toEqual([]);
    expect(first.invoice).toMatchObject({ archived: true });
    expect(first.invoice!.archivedAt).not.toBeNull();
    const second = (await data(t.app, Archive, { input: { id: invoice.id } }, as(a))).archiveInvoice;
    expect(second).toEqual(first);

    const out = (await data(t.app, Unarchive, { input: { id: invoice.id } }, as(a))).unarchiveInvoice;
    expect(out.invoice).toMatchObject({ archived: false, archivedAt: null });
    const outAgain = (await data(t.app, Unarchive, { input: { id: invoice.id } }, as(a))).unarchiveInvoice;
    expect(outAgain).toEqual(out);
  });

  test('ten concurrent archives of one invoice: all succeed, with one moment', async () => {
    const invoice = await create(a, {});
    const results = await Promise.all(Array.from({ length: 10 }, () => data(t.app, Archive, { input: { id: invoice.id } }, as(a))));
    expect(results.flatMap((r) => r.archiveInvoice.userErrors)).toEqual([]);
    expect(new Set(results.map((r) => r.archiveInvoice.invoice!.archivedAt)).size).toBe(1);
    expect(new Set(results.map((r) => r.archiveInvoice.invoice!.updatedAt)).size).toBe(1);
  });

  test('unknown, malformed, deleted and foreign ids are NOT_FOUND', async () => {
    const gone = await create(a, {});
    await data(t.app, Delete, { input: { id: gone.id } }, as(a));
    const mine = await create(a, {});
    const notFound = [{ field: ['input', 'id'], message: 'Invoice not found', code: 'NOT_FOUND' }];
    for (const [id, tenant] of [[gone.id, a], [gid('Invoice', 2_000_000_000), a], ['nope', a], [gid('Deal', a.deals.eur), a], [mine.id, b]] as const) {
      expect((await data(t.app, Archive, { input: { id } }, as(tenant))).archiveInvoice).toEqual({ invoice: null, userErrors: notFound });
      expect((await data(t.app, Unarchive, { input: { id } }, as(tenant))).unarchiveInvoice).toEqual({ invoice: null, userErrors: notFound });
    }
    expect((await data(t.app, One, { id: mine.id }, as(a))).invoice?.archived).toBe(false);
  });
});

describe('tenant isolation', () => {
  test('another organization can neither see, list, change, archive nor delete an invoice', async () => {
    const invoice = await create(a, { number: 'PRIVATE-1', amount: 100 });
    const note = await create(a, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: invoice.id, amount: -1 });
    const read = await execute(t.app, One, { id: invoice.id }, as(b));
    expect(read.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await execute(t.app, Node, { id: invoice.id }, as(b))).body.data?.node).toBeNull();
    const nodes = await execute(t.app, graphql(`query InvoicesNodes($ids: [ID!]!) { nodes(ids: $ids) { id } }`), { ids: [invoice.id, note.id] }, as(b));
    expect(nodes.body.data?.nodes).toEqual([null, null]);
    const listed = await data(t.app, List, { filter: { number: { eq: 'PRIVATE-1' }, archived: null } }, as(b));
    expect(listed.invoices.totalCount).toBe(0);
    const byParent = await data(t.app, List, { filter: { parentInvoiceIds: [invoice.id] } }, as(b));
    expect(byParent.invoices.totalCount).toBe(0);

    const notFound = [{ field: ['input', 'id'], message: 'Invoice not found', code: 'NOT_FOUND' }];
    expect((await data(t.app, Update, { input: { id: invoice.id, subject: 'Stolen' } }, as(b))).updateInvoice.userErrors).toEqual(notFound);
    expect((await data(t.app, Delete, { input: { id: invoice.id } }, as(b))).deleteInvoice.userErrors).toEqual(notFound);
    expect((await data(t.app, Archive, { input: { id: invoice.id } }, as(b))).archiveInvoice.userErrors).toEqual(notFound);
    // Moving one's own invoice to another organization's company is not found either.
    const own = await create(b, {});
    const move = await data(t.app, Update, { input: { id: own.id, companyId: gid('Company', a.companies.acme) } }, as(b));
    expect(move.updateInvoice.userErrors).toEqual([{ field: ['input', 'companyId'], message: 'Company not found', code: 'NOT_FOUND' }]);

    const mine = (await data(t.app, One, { id: invoice.id }, as(a))).invoice!;
    expect(mine).toMatchObject({ subject: null, archived: false, number: 'PRIVATE-1' });
    expect((await data(t.app, Node, { id: invoice.id }, as(a))).node).toEqual({ id: invoice.id, number: 'PRIVATE-1' });
  });
});

describe('hostile input', () => {
  test('NUL bytes, huge strings, a megabyte body and numbers past their limits: clear errors, nothing written', async () => {
    const before = await invoiceCount(a);
    const company = gid('Company', a.companies.acme);
    const nul = await data(t.app, Create, { input: { companyId: company, number: 'a\u0000', note: '\u0000', tagList: ['x\u0000'] } }, as(a));
    expect(errorsOf(nul.createInvoice.userErrors)).toEqual([
      ['input.number', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.note', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.tagList', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
    ]);
    const long = await data(t.app, Create, { input: { companyId: company, subject: 'x'.repeat(300_000), footer: 'y'.repeat(300_000) } }, as(a));
    expect(errorsOf(long.createInvoice.userErrors)).toEqual([
      ['input.subject', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.footer', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
    ]);
    const megabyte = await execute(t.app, Create, { input: { companyId: company, note: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    const big = await execute(t.app, Create, { input: { companyId: company, amount: '9223372036854775808' } }, as(a));
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.message).toMatch(/BigInt inputs must be between/);
    const terms = await execute(t.app, Create, { input: { companyId: company, paymentTerms: 2 ** 31 } }, as(a));
    expect(terms.status).toBe(400);
    const negativeTerms = await data(t.app, Create, { input: { companyId: company, paymentTerms: -1, tax1Value: '1e2', discount: ' 5' } }, as(a));
    expect(errorsOf(negativeTerms.createInvoice.userErrors)).toEqual([
      ['input.paymentTerms', 'INVALID', 'must be between 0 and 3650'],
      ['input.discount', 'INVALID', 'must be a decimal number between 0 and 100 with at most 4 decimals, such as 10.5'],
      ['input.tax1Value', 'INVALID', 'must be a decimal number between 0 and 100 with at most 4 decimals, such as 10.5'],
    ]);
    const date = await execute(t.app, Create, { input: { companyId: company, invoicedOn: '30.02.2021' } }, as(a));
    expect(date.status).toBe(400);
    expect(date.body.errors?.[0]?.message).toMatch(/"30\.02\.2021".*YYYY-MM-DD or DD\.MM\.YYYY/);
    expect(await invoiceCount(a)).toBe(before);

    for (const filter of [{ tags: ['a\u0000'] }, { number: { contains: '\u0000' } }] as InvoiceFilter[]) {
      const response = await execute(t.app, List, { filter }, as(a));
      expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(response.body.errors?.[0]?.message).toMatch(/NUL/);
    }
    const cursor = await execute(t.app, List, { orderBy: [{ field: 'PAY_ON' }], after: 'nope' }, as(a));
    expect(cursor.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const id = await execute(t.app, One, { id: 'bm9wZQ' }, as(a));
    expect(id.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('statements', () => {
  const Page = graphql(`
    query InvoicesStatementsPage($first: Int) {
      invoices(first: $first, filter: { invoiceType: INVOICE }) {
        nodes {
          number
          status
          company { name }
          creator { name }
          amountWithTax { default { cents } }
          amountCredited { original { cents } default { cents } }
          credited
          creditNotes(first: 3) { nodes { number amount { original { cents } } } }
        }
      }
    }
  `);

  test('50 invoices with company, creator, amountCredited and creditNotes(first: 3) cost the same as 5', async () => {
    const small = await createTenant(t.db.prisma);
    const large = await createTenant(t.db.prisma);
    for (const [tenant, n] of [[small, 5], [large, 50]] as const) {
      for (let i = 0; i < n; i += 1) {
        const id = await row(tenant, { number: `S-${i}`, amount: 1000n, tax1Value: '10' });
        for (let k = 0; k < i % 5; k += 1) await row(tenant, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: id, number: `S-${i}-${k}`, amount: -10n, tax1Value: '10' });
      }
    }
    const count = async (tenant: Tenant) => {
      t.db.statements.reset();
      const result = await data(t.app, Page, { first: 50 }, as(tenant));
      return { count: t.db.statements.count, log: [...t.db.statements.log], nodes: result.invoices.nodes };
    };
    const few = await count(small);
    const many = await count(large);
    expect(few.nodes).toHaveLength(5);
    expect(many.nodes).toHaveLength(50);
    const fourth = many.nodes.find((n) => n.number === 'S-4')!;
    expect(fourth.creditNotes.nodes).toHaveLength(3);
    expect(fourth.amountCredited.original.cents).toBe(44); // 4 × (10 + 1 tax)
    expect(fourth.credited).toBe(true);
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Besides authentication: the page with its relations and credit notes, and one statement of credit sums.
    const page = (log: string[]) => log.filter((sql) => !sql.includes('api_tokens'));
    expect(page(many.log), many.log.join('\n')).toHaveLength(2);
  });
});

describe('domain', () => {
  test('deleteInvoice of an id that cannot exist is NOT_FOUND', async () => {
    expect(await deleteInvoice(a.db, a.viewer, -1)).toEqual({
      ok: false,
      errors: [{ field: ['input', 'id'], message: 'Invoice not found', code: 'NOT_FOUND' }],
    });
  });
});
