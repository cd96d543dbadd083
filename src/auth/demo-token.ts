// The demo token `npm start` prints and pre-fills in GraphiQL: one per data folder, kept across
// restarts, so that saved GraphiQL tabs, scripts and curl commands keep working. The database stores
// only its hash, as for every token; the secret is kept in `<DATA_DIR>/demo-token` (mode 0600) so
// that the next start can print it again. It changes only when asked (`npm run cli -- token
// rotate-demo`, or DEMO_TOKEN_ROTATE=true at start), or when the file's token no longer works
// (revoked, or the file belongs to another database).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createToken, hashToken } from './tokens.js';

export const DEMO_TOKEN_FILE = 'demo-token';

/** Its name in `token list`: the folder it is kept in (several instances on PostgreSQL each keep their own). */
export const demoTokenName = (dataDir: string) => `demo (npm start on ${hostname()}, ${path.resolve(dataDir)})`.slice(0, 255);

export interface DemoToken {
  token: string;
  /** `kept`: the file's token, still valid; `created`: there was none (or it no longer works); `rotated`: asked for. */
  status: 'kept' | 'created' | 'rotated';
}

const fileOf = (dataDir: string) => path.resolve(dataDir, DEMO_TOKEN_FILE);

async function readSecret(dataDir: string): Promise<string | undefined> {
  try {
    const text = (await readFile(fileOf(dataDir), 'utf8')).trim();
    return /^agw_[\w-]{20,100}$/.test(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written whole or not at all (a crash mid-write must not leave half a token), readable by its owner only. */
async function writeSecret(dataDir: string, token: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = fileOf(dataDir);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Is `token` a live token of the person with `email`? */
async function isLive(prisma: PrismaClient, email: string, token: string): Promise<boolean> {
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { revokedAt: true, person: { select: { email: true } } },
  });
  return row !== null && row.revokedAt === null && row.person.email === email;
}

/**
 * The data folder's demo token for the person with `email`: the one kept in the folder while it
 * works, else a new one (kept in its place). With `rotate`, the kept one is revoked and replaced.
 */
export async function demoToken(
  prisma: PrismaClient,
  dataDir: string,
  email: string,
  options: { rotate?: boolean; /** Names of earlier demo tokens this one replaces (older versions made one per start). */ replaces?: string[] } = {},
): Promise<DemoToken> {
  const kept = await readSecret(dataDir);
  if (kept && !options.rotate && (await isLive(prisma, email, kept))) return { token: kept, status: 'kept' };
  // Only this folder's tokens: other instances' demo tokens (other folders, other hosts) keep working.
  const name = demoTokenName(dataDir);
  await prisma.apiToken.updateMany({
    where: {
      revokedAt: null,
      person: { email },
      OR: [{ name: { in: [name, ...(options.replaces ?? [])] } }, ...(kept ? [{ tokenHash: hashToken(kept) }] : [])],
    },
    data: { revokedAt: new Date() },
  });
  const token = await createToken(prisma, email, name);
  await writeSecret(dataDir, token);
  return { token, status: options.rotate ? 'rotated' : 'created' };
}
