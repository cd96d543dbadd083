// A person's own API tokens: `viewer { apiTokens }`, `createApiToken` (its secret answered once) and
// `revokeApiToken`. They are the person's, not the organization's: any member manages their own, and
// nobody another's. Read and written through the person-bound view of src/auth/own-tokens.ts only.
import { MAX_LIVE_TOKENS, MAX_TOKEN_NAME, type OwnToken } from '../auth/own-tokens.js';
import type { Result } from '../domain/kit/result.js';
import { builder, plainNode } from './builder.js';
import { UserErrorRef } from './errors.js';
import { inputDatabaseId } from './kit/mutation.js';
import { ViewerRef } from './viewer.js';

export const ApiTokenRef = builder.objectRef<OwnToken>('ApiToken');
plainNode('ApiToken');

builder.node(ApiTokenRef, {
  description:
    'A bearer token of the caller\'s person (`Authorization: Bearer <secret>`), for every organization the person belongs to. ' +
    'Its secret is shown once, by `createApiToken`.',
  id: { resolve: (token) => token.id },
  // Only the caller's own: another person's token (or an unknown id) is null in node(id:).
  // Answered in the order of `ids` (Relay matches them by position): found ones in their places, null elsewhere.
  loadMany: async (ids, ctx) => {
    const byId = new Map((await ctx.ownTokens.find(ids.map(Number))).map((token) => [token.id, token]));
    return ids.map((id) => byId.get(Number(id)) ?? null);
  },
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: "The token's numeric id, as the operator's CLI lists it (`token list`, `token revoke`)." }),
    name: t.exposeString('name', { description: 'What it is for, as given when it was made; up to 100 characters.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked; null while it works. A revoked token is refused within AUTH_CACHE_MS (5 s by default).',
    }),
  }),
});

builder.objectField(ViewerRef, 'apiTokens', (t) =>
  t.field({
    type: [ApiTokenRef],
    description: "The person's API tokens, newest first, revoked ones included.",
    resolve: (_viewer, _args, ctx) => ctx.ownTokens.list(),
  }),
);

interface TokenPayload {
  token: OwnToken | null;
  secret?: string | null;
  userErrors: Array<{ field: string[]; message: string; code: string }>;
}

const payload = (result: Result<OwnToken & { secret?: string }>): TokenPayload =>
  result.ok ? { token: result.value, secret: result.value.secret ?? null, userErrors: [] } : { token: null, secret: null, userErrors: result.errors };

const CreateApiTokenPayload = builder.objectRef<TokenPayload>('CreateApiTokenPayload').implement({
  description: 'The result of `createApiToken`.',
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, nullable: true, description: 'The new token; null when there are user errors.', resolve: (p) => p.token }),
    secret: t.exposeString('secret', {
      nullable: true,
      description: 'The bearer secret: shown in this answer and never again (only its hash is stored). Null when there are user errors.',
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'What is wrong, e.g. a `BLANK` or `TOO_LONG` name, or `LIMIT_REACHED`; empty on success. When there is any, no token was made.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const RevokeApiTokenPayload = builder.objectRef<TokenPayload>('RevokeApiTokenPayload').implement({
  description: 'The result of `revokeApiToken`.',
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, nullable: true, description: 'The token, revoked; null when there are user errors.', resolve: (p) => p.token }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: "`NOT_FOUND` for an unknown id or another person's token; empty on success.",
      resolve: (p) => p.userErrors,
    }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: `A new token for the caller's person (at most ${MAX_LIVE_TOKENS} live ones: the user error \`LIMIT_REACHED\` beyond).`,
  fields: (t) => ({ name: t.string({ description: `What it is for: required, at most ${MAX_TOKEN_NAME} characters.` }) }),
});

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  description: "One of the caller's own tokens.",
  fields: (t) => ({ id: t.id({ required: true, description: 'The token to revoke (it may be the one this request uses).' }) }),
});

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreateApiTokenPayload,
    description: "Creates a token for the caller's person; the payload's `secret` is its only showing.",
    args: { input: t.arg({ type: CreateApiTokenInput, required: true, description: 'The new token.' }) },
    resolve: async (_root, { input }, ctx) => payload(await ctx.ownTokens.create(input.name)),
  }),
  revokeApiToken: t.field({
    type: RevokeApiTokenPayload,
    description: "Revokes one of the caller's own tokens. Revoking a revoked token changes nothing and is no error.",
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true, description: 'The token to revoke.' }) },
    resolve: async (_root, { input }, ctx) => payload(await ctx.ownTokens.revoke(inputDatabaseId(input.id, 'ApiToken'))),
  }),
}));
