// API tokens: random secrets created for a person, listed without their secrets, revoked. A secret
// exists only in the output of `createToken`; the database keeps its SHA-256 hash, which is never
// shown either, so a leaked database does not leak usable tokens.
import { createHash, randomBytes } from 'node:crypto';
import { OperatorError } from '../domain/kit/errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';

const TOKEN_PREFIX = 'agw_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): { token: string; tokenHash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(headers: Headers): string | null {
  const authorization = headers.get('authorization');
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}

async function personId(prisma: PrismaClient, email: string): Promise<number> {
  const person = await prisma.person.findUnique({ where: { email }, select: { id: true } });
  if (!person) {
    throw new OperatorError(
      `--email: no person with email ${email} (add one with: npm run cli -- member add --email ${email} --org <id> --first-name <first> --last-name <last>)`,
    );
  }
  return person.id;
}

/** Creates a token for a person; the secret is returned once and only its hash is stored. */
export async function createToken(prisma: PrismaClient, email: string, name: string): Promise<string> {
  const id = await personId(prisma, email);
  const { token, tokenHash } = newToken();
  await prisma.apiToken.create({ data: { personId: id, name, tokenHash } });
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

/** What `token list` shows of a token: everything but its hash. */
export interface TokenInfo {
  id: number;
  email: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const INFO = { id: true, name: true, createdAt: true, revokedAt: true, person: { select: { email: true } } } as const;

const info = (row: { id: number; name: string; createdAt: Date; revokedAt: Date | null; person: { email: string } }): TokenInfo => ({
  id: row.id,
  email: row.person.email,
  name: row.name,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
});

/** Every token, or one person's, oldest first; revoked ones included (with when). */
export async function listTokens(prisma: PrismaClient, email?: string): Promise<TokenInfo[]> {
  const where = email === undefined ? {} : { personId: await personId(prisma, email) };
  const rows = await prisma.apiToken.findMany({ where, select: INFO, orderBy: { id: 'asc' } });
  return rows.map(info);
}

/**
 * Revokes one token. Revoking a revoked token changes nothing and is not an error (a script may run
 * twice); `revoked` says whether this call did it.
 */
export async function revokeTokenById(prisma: PrismaClient, id: number): Promise<{ token: TokenInfo; revoked: boolean }> {
  // Guarded by revokedAt: null, so that a revocation's time is never moved.
  const { count } = await prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await prisma.apiToken.findUnique({ where: { id }, select: INFO });
  if (!row) throw new OperatorError(`--id: no token with id ${id} (see: npm run cli -- token list)`);
  return { token: info(row), revoked: count === 1 };
}

/**
 * Revokes a person's active tokens of one name. A name the person has no token of is an error (most
 * likely a typo); one whose tokens are all revoked already changes nothing.
 */
export async function revokeTokensByName(
  prisma: PrismaClient,
  email: string,
  name: string,
): Promise<{ revoked: TokenInfo[]; alreadyRevoked: number }> {
  const id = await personId(prisma, email);
  const tokens = await prisma.apiToken.findMany({ where: { personId: id, name }, select: INFO, orderBy: { id: 'asc' } });
  if (tokens.length === 0) {
    throw new OperatorError(`--name: ${email} has no token named ${JSON.stringify(name)} (see: npm run cli -- token list --email ${email})`);
  }
  const active = tokens.filter((t) => t.revokedAt === null).map((t) => t.id);
  const now = new Date();
  await prisma.apiToken.updateMany({ where: { id: { in: active }, revokedAt: null }, data: { revokedAt: now } });
  return {
    revoked: tokens.filter((t) => t.revokedAt === null).map((t) => ({ ...info(t), revokedAt: now })),
    alreadyRevoked: tokens.length - active.length,
  };
}
