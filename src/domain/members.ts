// An organization's members, managed by its admins through the API: added by email (a new person is
// created, a known one joins), given a role, deactivated and reactivated. Never removed: what they
// created or were named on keeps naming them (references into memberships restrict deletes), and a
// deactivated person's tokens no longer reach the organization (src/auth/authenticate.ts).
//
// People and memberships are read-only to the organization-scoped client (src/db/scope.ts). This is
// a view of the unscoped client bound to one organization, whose every statement names it; the API
// reaches memberships for writing through it only. The organization always keeps an active admin.
import type { PrismaClient } from '../generated/prisma/client.js';
import { at, blank, checkText, fail, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import type { Role } from './viewer.js';
import { MAX_COST_RATE } from '../money/work-cost.js';

export interface NewMemberInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  role?: Role | null;
  costRate?: bigint | null;
}

export interface MemberChange {
  role?: Role | null;
  costRate?: bigint | null;
  /** false deactivates, true reactivates. */
  active?: boolean | null;
}

/** The person a write answers (the payload reads the rest as the caller may see it). */
export interface MemberRow {
  id: number;
}

export const MAX_EMAIL = 254;
export const MAX_PERSON_NAME = 100;

/** Plausible, not verified: one @, something on each side, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkCostRate(errors: UserError[], rate: bigint | null | undefined): void {
  if (rate != null && (rate < 0n || rate > MAX_COST_RATE)) errors.push(invalid('costRate', `must be between 0 and ${MAX_COST_RATE} (minor units per hour)`));
}

const lastAdmin = (field: string): UserError => ({
  field: at(field),
  message: 'would leave the organization without an active admin',
  code: 'LAST_ADMIN',
});

export interface Members {
  add(input: NewMemberInput): Promise<Result<MemberRow>>;
  update(personId: number, input: MemberChange): Promise<Result<MemberRow>>;
}

export function organizationMembers(system: PrismaClient, organizationId: number): Members {
  // The organization's row lock: membership changes (and the last-admin rule) one at a time.
  const lockOrganization = (tx: Pick<PrismaClient, '$executeRaw'>) => tx.$executeRaw`UPDATE organizations SET id = id WHERE id = ${organizationId}`;
  return {
    async add(input) {
      const errors: UserError[] = [];
      const email = input.email?.trim() ?? '';
      // Blank, too long, the NUL character: the text rules first; then the shape of an address.
      checkText(errors, 'email', email, MAX_EMAIL);
      if (errors.length === 0 && !EMAIL.test(email)) errors.push(invalid('email', 'is not an email address'));
      for (const name of ['firstName', 'lastName'] as const) {
        if (input[name] != null) checkText(errors, name, input[name], MAX_PERSON_NAME);
      }
      checkCostRate(errors, input.costRate);
      if (errors.length) return fail(...errors);
      return system.$transaction(async (tx) => {
        await lockOrganization(tx);
        // An email names one person whatever its case.
        let person = await tx.person.findFirst({ where: { email: { equals: email, mode: 'insensitive' } }, select: { id: true } });
        if (person) {
          const membership = await tx.membership.findUnique({
            where: { organizationId_personId: { organizationId, personId: person.id } },
            select: { deactivatedAt: true },
          });
          if (membership && membership.deactivatedAt === null) return fail(invalid('email', 'is already a member'));
          if (membership) {
            // A former member comes back with the role given now.
            await tx.membership.update({
              where: { organizationId_personId: { organizationId, personId: person.id } },
              data: { deactivatedAt: null, role: input.role ?? 'member', ...(input.costRate != null && { costRate: input.costRate }) },
            });
            return ok(person);
          }
        } else {
          const missing = (['firstName', 'lastName'] as const).filter((name) => input[name] == null || input[name]!.trim() === '');
          if (missing.length) return fail(...missing.map((name) => ({ ...blank(name), message: "can't be blank for a new person" })));
          person = await tx.person.create({ data: { email, firstName: input.firstName!.trim(), lastName: input.lastName!.trim() }, select: { id: true } });
        }
        await tx.membership.create({ data: { organizationId, personId: person.id, role: input.role ?? 'member', costRate: input.costRate ?? 0n } });
        return ok(person);
      });
    },

    async update(personId, input) {
      const errors: UserError[] = [];
      checkCostRate(errors, input.costRate);
      if (errors.length) return fail(...errors);
      return system.$transaction(async (tx) => {
        await lockOrganization(tx);
        const key = { organizationId_personId: { organizationId, personId } };
        const membership = await tx.membership.findUnique({ where: key, select: { role: true, deactivatedAt: true } });
        if (!membership) return fail(notFound(at('personId'), 'Member'));
        const deactivatedAt =
          input.active === false ? (membership.deactivatedAt ?? new Date()) : input.active === true ? null : membership.deactivatedAt;
        await tx.membership.update({ where: key, data: { role: input.role ?? membership.role, deactivatedAt, ...(input.costRate != null && { costRate: input.costRate }) } });
        const admins = await tx.membership.count({ where: { organizationId, role: 'admin', deactivatedAt: null } });
        // Throwing rolls the change back; the answer is the user error.
        if (admins === 0) throw new LastAdmin(input.role != null && input.role !== 'admin' ? 'role' : 'active');
        return ok({ id: personId });
      }).catch((error: unknown) => {
        if (error instanceof LastAdmin) return fail(lastAdmin(error.field));
        throw error;
      });
    },
  };
}

class LastAdmin extends Error {
  constructor(readonly field: string) {
    super('last admin');
  }
}
