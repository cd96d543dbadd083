import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import { execute, data, type TestApp } from './helpers/app.js';
import { addPerson, appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';

const Viewer = graphql(`
  query AuthViewer {
    viewer {
      person { databaseId }
      organization { databaseId name }
    }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

describe('authentication', () => {
  test.each([
    ['no Authorization header', {}],
    ['an unknown token', { authorization: 'Bearer agw_unknown' }],
    ['a malformed header', { authorization: 'Token abc' }],
  ])('%s is 401 UNAUTHENTICATED', async (_name, headers) => {
    const response = await execute(t.app, Viewer, {}, { headers });
    expect(response.status).toBe(401);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a revoked token is 401', async () => {
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId]);
    expect((await execute(t.app, Viewer, {}, { token })).status).toBe(200);
    await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
    const response = await execute(t.app, Viewer, {}, { token });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a token of a one-organization person is bound to that organization', async () => {
    const result = await data(t.app, Viewer, {}, { token: a.token });
    expect(result.viewer.organization.databaseId).toBe(a.organizationId);
    expect(result.viewer.person.databaseId).toBe(a.personId);
  });

  test('X-Tenant picks among several organizations, by id or global id', async () => {
    const { token } = await addPerson(t.db.prisma, [a.organizationId, b.organizationId]);
    const none = await execute(t.app, Viewer, {}, { token });
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]?.extensions?.code).toBe('TENANT_REQUIRED');
    expect((await data(t.app, Viewer, {}, { token, tenant: b.organizationId })).viewer.organization.databaseId).toBe(
      b.organizationId,
    );
    expect(
      (await data(t.app, Viewer, {}, { token, tenant: gid('Organization', a.organizationId) })).viewer.organization
        .databaseId,
    ).toBe(a.organizationId);
  });

  test('X-Tenant naming an organization the person does not belong to is refused, existing or not', async () => {
    // Also another spelling of the person's own organization's global id: ids must re-encode to themselves.
    const own = gid('Organization', a.organizationId);
    const sloppy = own.endsWith('=') ? own.replace(/=+$/, '') : `${own}0`;
    for (const tenant of [b.organizationId, 999999, 'nonsense', sloppy]) {
      const response = await execute(t.app, Viewer, {}, { token: a.token, tenant });
      expect(response.status).toBe(403);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  test('each response carries a request id', async () => {
    const response = await execute(t.app, Viewer, {}, { token: a.token, headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
  });
});
