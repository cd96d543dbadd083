// Companies: the agency's clients, set up and changed through the API. They are archived, never
// deleted through it: the deals, projects, invoices and purchase orders that refer to a company keep
// doing so and show it as it is; archiving takes it out of the pickers (`companies(filter: {
// archived: false })`) and new deals and projects cannot choose it (checkCompany).
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { Company } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';
import { globalId } from './kit/global-id.js';
import { at, checkText, fail, given, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { instant, type Payload } from './kit/shown.js';
import { transact } from './kit/transaction.js';
import type { Viewer } from './viewer.js';

export interface CompanyInput {
  name?: string | null;
  archived?: boolean | null;
}

export const MAX_COMPANY_NAME = 255;

function check(input: CompanyInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  if (creating || given(input, 'name')) checkText(errors, 'name', input.name, MAX_COMPANY_NAME);
  return errors;
}

export async function createCompany(db: ScopedClient, viewer: Viewer, input: CompanyInput): Promise<Result<Company>> {
  const errors = check(input, true);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const company = await tx.company.create({
      data: { organizationId: viewer.organization.id, name: input.name!.trim(), archivedAt: input.archived ? new Date() : null },
    });
    return ok(await withEvent(tx, viewer, 'company.created', 'Company', company, presentCompany));
  });
}

export async function updateCompany(db: ScopedClient, viewer: Viewer, id: number, input: CompanyInput): Promise<Result<Company>> {
  const errors = check(input, false);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    // Archiving an archived company keeps its first moment: of concurrent archives the first sets it,
    // the others (waiting on its row lock) match nothing here (as deal statuses do).
    if (input.archived === true) await tx.company.updateMany({ where: { id, archivedAt: null }, data: { archivedAt: new Date() } });
    const [company] = await tx.company.updateManyAndReturn({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(input.archived === false && { archivedAt: null }),
        updatedAt: new Date(),
      },
    });
    if (!company) return fail(notFound(at('id'), 'Company'));
    return ok(await withEvent(tx, viewer, 'company.updated', 'Company', company, presentCompany));
  });
}

/**
 * What a new deal or project may refer to: a live company of the organization that is not archived.
 * `field`: the input field that names it. Null when it may.
 */
export async function checkCompany(tx: ScopedTx, companyId: number, field = 'companyId'): Promise<UserError | null> {
  const company = await tx.company.findUnique({ where: { id: companyId }, select: { archivedAt: true } });
  if (!company) return notFound(at(field), 'Company');
  return company.archivedAt ? invalid(field, 'is archived') : null;
}

// ---- The event payload -------------------------------------------------------------------------

/** A company as the API shows it (src/schema/company.ts), for its events. */
export function presentCompany(c: Company): Payload {
  return {
    id: globalId('Company', c.id),
    databaseId: c.id,
    name: c.name,
    archivedAt: instant(c.archivedAt),
    createdAt: instant(c.createdAt),
    updatedAt: instant(c.updatedAt),
  };
}
