// Organizations (tenants) and their members, for operators. Values arrive checked for form by the
// CLI's argument parsers; what needs the database (does the organization exist, is the person
// already a member) is checked here and reported as an OperatorError naming the option.
import type { PrismaClient } from '../generated/prisma/client.js';
import { OperatorError } from '../domain/kit/errors.js';

export interface OrganizationInfo {
  id: number;
  name: string;
  defaultCurrency: string;
}

const ORGANIZATION = { id: true, name: true, defaultCurrency: true } as const;

/**
 * Creates an organization. A name already taken (ignoring case) is refused: organizations are told
 * apart by name in every operator's head, and a second "Acme" is almost always a command run twice.
 */
export async function createOrganization(
  prisma: PrismaClient,
  input: { name: string; currency: string },
): Promise<OrganizationInfo> {
  const existing = await prisma.organization.findFirst({
    where: { name: { equals: input.name, mode: 'insensitive' } },
    select: { id: true, name: true },
  });
  if (existing) {
    throw new OperatorError(`--name: an organization named ${JSON.stringify(existing.name)} already exists (id ${existing.id})`);
  }
  return prisma.organization.create({ data: { name: input.name, defaultCurrency: input.currency }, select: ORGANIZATION });
}

export interface AddMemberInput {
  email: string;
  organizationId: number;
  /** Needed only when no person has this email yet. */
  firstName?: string;
  lastName?: string;
  role: 'member' | 'admin';
}

export interface AddedMember {
  person: { id: number; firstName: string; lastName: string; email: string };
  organization: OrganizationInfo;
  /** Whether the person was created by this call. */
  createdPerson: boolean;
}

/** Adds a person to an organization, creating the person when the email is new; all or nothing. */
export async function addMember(prisma: PrismaClient, input: AddMemberInput): Promise<AddedMember> {
  return prisma.$transaction(async (tx) => {
    const organization = await tx.organization.findUnique({ where: { id: input.organizationId }, select: ORGANIZATION });
    if (!organization) throw new OperatorError(`--org: no organization with id ${input.organizationId}`);

    let person = await tx.person.findUnique({ where: { email: input.email } });
    const createdPerson = !person;
    if (!person) {
      const missing = [!input.firstName && '--first-name', !input.lastName && '--last-name'].filter(Boolean);
      if (missing.length) {
        throw new OperatorError(`${missing.join(' and ')}: required to create ${input.email}, who is not a person yet`);
      }
      person = await tx.person.create({ data: { email: input.email, firstName: input.firstName!, lastName: input.lastName! } });
    } else {
      const membership = await tx.membership.findUnique({
        where: { organizationId_personId: { organizationId: organization.id, personId: person.id } },
        select: { role: true },
      });
      if (membership) {
        throw new OperatorError(
          `${input.email} is already a member of organization ${organization.id} (${organization.name}), as ${membership.role}`,
        );
      }
    }
    await tx.membership.create({ data: { organizationId: organization.id, personId: person.id, role: input.role } });
    const { id, firstName, lastName, email } = person;
    return { person: { id, firstName, lastName, email }, organization, createdPerson };
  });
}

/** The id of an organization an operator named with --organization; an unknown one is their mistake. */
export async function existingOrganization(prisma: PrismaClient, id: number): Promise<number> {
  const found = await prisma.organization.findUnique({ where: { id }, select: { id: true } });
  if (!found) throw new OperatorError(`--organization: no organization with id ${id}`);
  return found.id;
}
