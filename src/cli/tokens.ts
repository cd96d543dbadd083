import type { PrismaClient } from '../generated/prisma/client.js';
import { newToken } from '../server/auth.js';

/** Creates a token for a person; the secret is returned once and only its hash is stored. */
export async function createToken(prisma: PrismaClient, email: string, name: string): Promise<string> {
  const person = await prisma.person.findUnique({ where: { email }, select: { id: true } });
  if (!person) throw new Error(`No person with email ${email}.`);
  const { token, tokenHash } = newToken();
  await prisma.apiToken.create({ data: { personId: person.id, name, tokenHash } });
  return token;
}

/** Revokes a person's tokens of one name (used to rotate the demo token printed at each start). */
export async function revokeTokens(prisma: PrismaClient, email: string, name: string): Promise<number> {
  const { count } = await prisma.apiToken.updateMany({
    where: { name, revokedAt: null, person: { email } },
    data: { revokedAt: new Date() },
  });
  return count;
}
