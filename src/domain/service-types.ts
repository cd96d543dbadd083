// Service types: the kinds of work and cost an agency books (design, travel, ...), set up and changed
// through the API. Archived, never deleted through it: expenses and services keep theirs; new ones
// cannot choose an archived type (src/domain/expenses.ts, services.ts).
import type { ScopedClient } from '../db/scope.js';
import type { ServiceType } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';
import { globalId } from './kit/global-id.js';
import { at, checkOptionalText, checkText, fail, given, notFound, ok, optionalText, type Result, type UserError } from './kit/result.js';
import { instant, type Payload } from './kit/shown.js';
import { transact } from './kit/transaction.js';
import type { Viewer } from './viewer.js';

export interface ServiceTypeInput {
  name?: string | null;
  description?: string | null;
  archived?: boolean | null;
}

export const MAX_SERVICE_TYPE_NAME = 255;
export const MAX_SERVICE_TYPE_DESCRIPTION = 2_000;

function check(input: ServiceTypeInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  if (creating || given(input, 'name')) checkText(errors, 'name', input.name, MAX_SERVICE_TYPE_NAME);
  checkOptionalText(errors, 'description', input.description, MAX_SERVICE_TYPE_DESCRIPTION);
  return errors;
}

export async function createServiceType(db: ScopedClient, viewer: Viewer, input: ServiceTypeInput): Promise<Result<ServiceType>> {
  const errors = check(input, true);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const serviceType = await tx.serviceType.create({
      data: {
        organizationId: viewer.organization.id,
        name: input.name!.trim(),
        description: optionalText(input.description),
        archivedAt: input.archived ? new Date() : null,
      },
    });
    return ok(await withEvent(tx, viewer, 'service_type.created', 'ServiceType', serviceType, presentServiceType));
  });
}

export async function updateServiceType(db: ScopedClient, viewer: Viewer, id: number, input: ServiceTypeInput): Promise<Result<ServiceType>> {
  const errors = check(input, false);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    // Archiving an archived type keeps its first moment (see updateCompany).
    if (input.archived === true) await tx.serviceType.updateMany({ where: { id, archivedAt: null }, data: { archivedAt: new Date() } });
    const [serviceType] = await tx.serviceType.updateManyAndReturn({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'description') && { description: optionalText(input.description) }),
        ...(input.archived === false && { archivedAt: null }),
        updatedAt: new Date(),
      },
    });
    if (!serviceType) return fail(notFound(at('id'), 'Service type'));
    return ok(await withEvent(tx, viewer, 'service_type.updated', 'ServiceType', serviceType, presentServiceType));
  });
}

// ---- The event payload -------------------------------------------------------------------------

/** A service type as the API shows it (src/schema/service-type.ts), for its events. */
export function presentServiceType(s: ServiceType): Payload {
  return {
    id: globalId('ServiceType', s.id),
    databaseId: s.id,
    name: s.name,
    description: s.description,
    archivedAt: instant(s.archivedAt),
    createdAt: instant(s.createdAt),
    updatedAt: instant(s.updatedAt),
  };
}
