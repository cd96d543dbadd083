// The organization's settings, which its admins change through the API (the role check is the
// schema's: src/schema/kit/roles.ts): its name, the time zone its days and months are counted in,
// and its default currency while nothing is expressed in it yet.
//
// The default currency is what every deal's and invoice's `exchangeRate` converts to, and what the
// `default` form of every money set is in (docs/money.md). Once a deal or an invoice exists (live or
// in the recycle bin, from which it can come back), changing it would silently make those rates and
// stored forms wrong, so it is refused (INVALID); before, it is a set-up choice that can be fixed.
// A deal or invoice written at the same moment with the old currency cannot slip through: this
// update holds the organization's row FOR UPDATE before it counts them, which waits for any
// transaction that has inserted one (its foreign key holds the row FOR KEY SHARE) and makes later
// ones wait for it; those then find the new currency and refuse (`checkDefaultCurrency`).
import { organizationSql, widenTransaction, type ScopedClient, type ScopedTx } from '../db/scope.js';
import type { Organization } from '../generated/prisma/client.js';
import { isCurrencyCode } from '../money/money.js';
import { withEvent } from '../changes/outbox.js';
import { globalId } from './kit/global-id.js';
import { at, blank, checkText, fail, given, invalid, MESSAGES, ok, type Result, type UserError } from './kit/result.js';
import { Rollback, transact } from './kit/transaction.js';
import { instant, type Payload } from './kit/shown.js';
import type { Viewer } from './viewer.js';

export interface OrganizationInput {
  name?: string | null;
  /** An IANA time zone name; null clears it (UTC). */
  timeZone?: string | null;
  defaultCurrency?: string | null;
}

export const MAX_ORGANIZATION_NAME = 255;

/** The names the runtime's time zone database lists, by lower case: to store a name in its usual case. */
let known: Map<string, string> | undefined;

/**
 * The IANA time zone `name` as it is stored, or null when the runtime's time zone database (Intl)
 * does not know it. Names only: offsets (`+01:00`) are not zones whose rules follow the calendar.
 * The name is kept as sent (`Europe/Kyiv`: Intl would resolve it to its older `Europe/Kiev`), in
 * the database's case when it lists it (`europe/zagreb` -> `Europe/Zagreb`). PostgreSQL, which will
 * count days and months in it, knows the same names, whatever their case.
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  known ??= new Map([...Intl.supportedValuesOf('timeZone'), 'UTC'].map((zone) => [zone.toLowerCase(), zone]));
  const lower = name.toLowerCase();
  return known.get(lower) ?? (resolved.toLowerCase() === lower ? resolved : name);
}

const TIME_ZONE_MESSAGE = 'is not a time zone: give an IANA name such as Europe/Zagreb, or null for UTC';

/** Every problem of an input, in the input's order. */
function check(input: OrganizationInput): { errors: UserError[]; timeZone: string | null | undefined } {
  const errors: UserError[] = [];
  if (given(input, 'name')) checkText(errors, 'name', input.name, MAX_ORGANIZATION_NAME);
  let timeZone: string | null | undefined;
  if (given(input, 'timeZone')) {
    const text = input.timeZone?.trim();
    if (input.timeZone === null) timeZone = null;
    else if (!text) errors.push(blank('timeZone'));
    else if ((timeZone = canonicalTimeZone(text)) === null) errors.push(invalid('timeZone', TIME_ZONE_MESSAGE));
  }
  if (given(input, 'defaultCurrency')) {
    const code = input.defaultCurrency?.trim();
    if (!code) errors.push(blank('defaultCurrency'));
    else if (!isCurrencyCode(code)) errors.push({ field: at('defaultCurrency'), message: MESSAGES.invalidCurrency, code: 'INVALID_CURRENCY' });
  }
  return { errors, timeZone };
}

/** Changes the request's organization: fields left out stay; null clears the time zone (UTC). */
export async function updateOrganization(db: ScopedClient, viewer: Viewer, input: OrganizationInput): Promise<Result<Organization>> {
  const { errors, timeZone } = check(input);
  if (errors.length) return fail(...errors);
  const currency = input.defaultCurrency?.trim();
  return transact(db, async (tx) => {
    const current = await lockOrganization(tx);
    if (currency !== undefined && currency !== current.defaultCurrency && (await holdsMoney(tx))) {
      return fail(
        invalid(
          'defaultCurrency',
          'cannot be changed once the organization has deals or invoices (also in the recycle bin): their exchange rates convert to the current one',
        ),
      );
    }
    const organization = await tx.organization.update({
      where: { id: viewer.organization.id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(timeZone !== undefined && { timeZone }),
        ...(currency !== undefined && { defaultCurrency: currency }),
      },
    });
    return ok(await withEvent(tx, viewer, 'organization.updated', 'Organization', organization, presentOrganization));
  });
}

/**
 * The organization's row, locked FOR UPDATE: waits for transactions that inserted a row referring to
 * it (deals, invoices), and makes later ones wait. Raw SQL: Prisma has no row locks of its own.
 */
async function lockOrganization(tx: ScopedTx): Promise<{ defaultCurrency: string }> {
  const sql = organizationSql(tx);
  const [row] = await sql.$queryRaw<Array<{ default_currency: string }>>`
    SELECT default_currency FROM organizations WHERE id = ${sql.organizationId}::int4 FOR UPDATE`;
  if (!row) throw new Error(`organization ${sql.organizationId} is gone`);
  return { defaultCurrency: row.default_currency };
}

/** Whether anything converts to the default currency: a deal or an invoice, live or in the bin (all money hangs on one). */
async function holdsMoney(tx: ScopedTx): Promise<boolean> {
  const bin = widenTransaction(tx);
  return (await bin.deal.findFirst({ select: { id: true } })) !== null || (await bin.invoice.findFirst({ select: { id: true } })) !== null;
}

/**
 * Inside a deal's or invoice's create, after its insert (which waits on an organization update in
 * progress): the default currency its rate was checked against must still be the organization's.
 * A request authenticated just before a change of currency (the token cache) is refused, not
 * written with a rate to the old one.
 */
export async function checkDefaultCurrency(tx: ScopedTx, viewer: Viewer, field: string): Promise<void> {
  const organization = await tx.organization.findFirstOrThrow({ select: { defaultCurrency: true } });
  if (organization.defaultCurrency !== viewer.organization.defaultCurrency) {
    throw new Rollback(
      fail({
        field: at(field),
        message: "was checked against the organization's previous default currency, changed meanwhile: send it again in a few seconds",
        code: 'CONFLICT',
      }),
    );
  }
}

// ---- The event payload -------------------------------------------------------------------------

/** The organization as the API shows it (src/schema/organization.ts), for its events. */
export function presentOrganization(o: Organization): Payload {
  return {
    id: globalId('Organization', o.id),
    databaseId: o.id,
    name: o.name,
    defaultCurrency: o.defaultCurrency,
    timeZone: o.timeZone,
    createdAt: instant(o.createdAt),
  };
}
