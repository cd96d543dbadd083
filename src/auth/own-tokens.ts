// A person's own API tokens through the API: listed, created (the secret answered once), revoked.
// Tokens belong to a person, not to an organization, so the organization-scoped client cannot reach
// them (ApiToken is a system model in src/db/scope.ts). This is the API's only path to the table: a
// view of the unscoped client bound to one person, whose every statement names that person.
import type { PrismaClient } from '../generated/prisma/client.js';
import { at, checkText, fail, notFound, ok, type Result, type UserError } from '../domain/kit/result.js';
import { newToken } from './tokens.js';

/** What the API shows of a token: never its secret or its hash. */
export interface OwnToken {
  id: number;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export const MAX_TOKEN_NAME = 100;
/** Live tokens per person: a few per machine or script; a leak of many is a leak of access. */
export const MAX_LIVE_TOKENS = 50;

const SHOWN = { id: true, name: true, createdAt: true, revokedAt: true } as const;

export interface OwnTokens {
  /** Every token of the person, newest first, revoked ones included. */
  list(): Promise<OwnToken[]>;
  /** Those of `ids` that are the person's (for node(id:)). */
  find(ids: readonly number[]): Promise<OwnToken[]>;
  /** A new token; `secret` is shown in this answer only. */
  create(name: string | null | undefined): Promise<Result<OwnToken & { secret: string }>>;
  /** Revokes one of the person's tokens; revoking a revoked one keeps its first moment and is no error. */
  revoke(id: number): Promise<Result<OwnToken>>;
}

export function ownTokens(system: PrismaClient, personId: number): OwnTokens {
  return {
    list: () => system.apiToken.findMany({ where: { personId }, select: SHOWN, orderBy: { id: 'desc' } }),
    find: (ids) => system.apiToken.findMany({ where: { personId, id: { in: [...ids] } }, select: SHOWN }),
    async create(name) {
      const errors: UserError[] = [];
      checkText(errors, 'name', name, MAX_TOKEN_NAME);
      if (errors.length) return fail(...errors);
      return system.$transaction(async (tx) => {
        // The person's row lock: concurrent creates count one after the other, so two of them cannot
        // both take the last place (an UPDATE that changes nothing, as webhooks lock the organization).
        await tx.$executeRaw`UPDATE people SET id = id WHERE id = ${personId}`;
        if ((await tx.apiToken.count({ where: { personId, revokedAt: null } })) >= MAX_LIVE_TOKENS) {
          return fail({ field: ['input'], message: `A person can have at most ${MAX_LIVE_TOKENS} live tokens: revoke one first`, code: 'LIMIT_REACHED' });
        }
        const { token, tokenHash } = newToken();
        const created = await tx.apiToken.create({ data: { personId, name: name!.trim(), tokenHash }, select: SHOWN });
        return ok({ ...created, secret: token });
      });
    },
    async revoke(id) {
      // Guarded by revokedAt: null, so that a revocation's moment is never moved.
      await system.apiToken.updateMany({ where: { id, personId, revokedAt: null }, data: { revokedAt: new Date() } });
      const token = await system.apiToken.findFirst({ where: { id, personId }, select: SHOWN });
      return token ? ok(token) : fail(notFound(at('id'), 'API token'));
    },
  };
}
