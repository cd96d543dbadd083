// A person's own API tokens through the API (issue 24): created with a secret shown once, listed
// without it, revoked; another person's are out of reach; a limit on live ones that holds under
// concurrency. Members manage their own as admins do.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_LIVE_TOKENS } from '../src/auth/own-tokens.js';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';

const CreateToken = graphql(`
  mutation AtCreate($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { apiToken { id databaseId name createdAt revokedAt } secret userErrors { field message code } }
  }
`);
const RevokeToken = graphql(`
  mutation AtRevoke($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { id name revokedAt } userErrors { field message code } } }
`);
const Tokens = graphql(`query AtTokens { viewer { person { databaseId } apiTokens { id name revokedAt } } }`);
const TokenNode = graphql(`query AtNode($id: ID!) { node(id: $id) { id ... on ApiToken { name } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function create(caller: { token: string }, name: string) {
  const result = await data(t.app, CreateToken, { input: { name } }, as(caller));
  expect(result.createApiToken.userErrors).toEqual([]);
  return { ...result.createApiToken.apiToken!, secret: result.createApiToken.secret! };
}

describe('own API tokens', () => {
  test('the secret is answered once and works; the list and node(id:) show the token without it', async () => {
    const c = await createTenant(t.db.prisma);
    const made = await create(c, '  CI deploys ');
    expect(made).toMatchObject({ name: 'CI deploys', revokedAt: null });
    expect(made.secret).toMatch(/^agw_[\w-]{43}$/);
    // The new secret authenticates as the same person.
    const viaNew = await data(t.app, Tokens, {}, { token: made.secret });
    expect(viaNew.viewer.person.databaseId).toBe(c.personId);
    expect(viaNew.viewer.apiTokens.map((x) => x.name)).toEqual(['CI deploys', 'test']);
    expect(JSON.stringify(viaNew)).not.toContain(made.secret);
    expect((await data(t.app, TokenNode, { id: made.id }, as(c))).node).toEqual({ id: made.id, name: 'CI deploys' });
    // Only the hash is stored.
    const row = await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: made.databaseId } });
    expect(row.tokenHash).not.toContain(made.secret);
  });

  test('revoked, it stops working; revoking again keeps the first moment; a request may revoke its own token', async () => {
    const c = await createTenant(t.db.prisma);
    const made = await create(c, 'laptop');
    const first = await data(t.app, RevokeToken, { input: { id: made.id } }, as(c));
    expect(first.revokeApiToken).toMatchObject({ apiToken: { name: 'laptop' }, userErrors: [] });
    const when = first.revokeApiToken.apiToken!.revokedAt;
    expect(when).not.toBeNull();
    const again = await data(t.app, RevokeToken, { input: { id: made.id } }, as(c));
    expect(again.revokeApiToken.apiToken!.revokedAt).toBe(when);
    const refused = await execute(t.app, Tokens, {}, { token: made.secret });
    expect([refused.status, refused.body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);

    const self = await create(c, 'self');
    const own = await data(t.app, RevokeToken, { input: { id: self.id } }, { token: self.secret });
    expect(own.revokeApiToken.userErrors).toEqual([]);
    expect((await execute(t.app, Tokens, {}, { token: self.secret })).status).toBe(401);
  });

  test("another person's token (of the same organization or not) is not found and keeps working", async () => {
    const colleague = await a.member();
    const theirs = await create(colleague, 'theirs');
    const bToken = await create(b, 'b');
    for (const id of [theirs.id, bToken.id, gid('ApiToken', 2_147_483_647), gid('Deal', a.deals.eur), 'nonsense']) {
      const result = await data(t.app, RevokeToken, { input: { id } }, as(a));
      expect(result.revokeApiToken, id).toEqual({ apiToken: null, userErrors: [{ field: ['input', 'id'], message: 'API token not found', code: 'NOT_FOUND' }] });
    }
    expect((await data(t.app, TokenNode, { id: theirs.id }, as(a))).node).toBeNull();
    expect((await data(t.app, Tokens, {}, { token: theirs.secret })).viewer.apiTokens.map((x) => x.revokedAt)).toEqual([null, null]);
    expect((await data(t.app, Tokens, {}, as(a))).viewer.apiTokens.map((x) => x.name)).not.toContain('theirs');
  });

  test('every problem with the name; nothing written', async () => {
    const c = await createTenant(t.db.prisma);
    const count = () => t.db.prisma.apiToken.count({ where: { personId: c.personId } });
    const before = await count();
    for (const [name, error] of [
      [null, { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }],
      [' ', { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }],
      ['n'.repeat(101), { field: ['input', 'name'], message: 'is too long (maximum is 100 characters)', code: 'TOO_LONG' }],
      ['a\u0000', { field: ['input', 'name'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' }],
    ] as const) {
      const result = await data(t.app, CreateToken, { input: { name } }, as(c));
      expect(result.createApiToken, String(name)).toEqual({ apiToken: null, secret: null, userErrors: [error] });
    }
    expect(await count()).toBe(before);
  });

  test(`at most ${MAX_LIVE_TOKENS} live tokens, also when 20 creates race for the last places; revoking frees one`, async () => {
    const c = await createTenant(t.db.prisma);
    const live = () => t.db.prisma.apiToken.count({ where: { personId: c.personId, revokedAt: null } });
    // The fixture's token is one; fill up to five short of the limit.
    await Promise.all(Array.from({ length: MAX_LIVE_TOKENS - 6 }, (_, i) => t.db.prisma.apiToken.create({ data: { personId: c.personId, name: `f${i}`, tokenHash: `hash-${c.personId}-${i}` } })));
    expect(await live()).toBe(MAX_LIVE_TOKENS - 5);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => data(t.app, CreateToken, { input: { name: `race ${i}` } }, as(c))));
    const codes = results.map((r) => r.createApiToken.userErrors.map((e) => e.code).join());
    expect(codes.filter((code) => code === '')).toHaveLength(5);
    expect(codes.filter((code) => code === 'LIMIT_REACHED')).toHaveLength(15);
    expect(await live()).toBe(MAX_LIVE_TOKENS);
    const refused = results.find((r) => r.createApiToken.userErrors.length)!.createApiToken;
    expect(refused).toEqual({
      apiToken: null,
      secret: null,
      userErrors: [{ field: ['input'], message: `A person can have at most ${MAX_LIVE_TOKENS} live tokens: revoke one first`, code: 'LIMIT_REACHED' }],
    });
    const one = results.find((r) => r.createApiToken.apiToken)!.createApiToken.apiToken!;
    await data(t.app, RevokeToken, { input: { id: one.id } }, as(c));
    expect((await data(t.app, CreateToken, { input: { name: 'after' } }, as(c))).createApiToken.userErrors).toEqual([]);
  });
});
