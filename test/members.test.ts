// Members managed through the API by an organization's admins (issue 24): added by email, given a
// role, deactivated (their tokens no longer reach the organization, what they made stays theirs),
// reactivated; the organization always keeps an active admin, also under concurrent changes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import type { PersonFilter } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { addPerson, appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { newToken } from '../src/auth/tokens.js';

const AddMember = graphql(`
  mutation MbAdd($input: AddMemberInput!) {
    addMember(input: $input) { person { id databaseId firstName lastName email role deactivatedAt } userErrors { field message code } }
  }
`);
const UpdateMember = graphql(`
  mutation MbUpdate($input: UpdateMemberInput!) { updateMember(input: $input) { person { role deactivatedAt } userErrors { field message code } } }
`);
const Me = graphql(`query MbMe { viewer { role person { name } } }`);
const People = graphql(`query MbPeople($filter: PersonFilter) { people(first: 50, filter: $filter) { nodes { email role deactivatedAt } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

/** A token for a person, as the operator's CLI makes the first one. */
async function tokenFor(personId: number): Promise<string> {
  const { token, tokenHash } = newToken();
  await t.db.prisma.apiToken.create({ data: { personId, name: 'first', tokenHash } });
  return token;
}

const FORBIDDEN = [['FORBIDDEN', "Only the organization's admins can manage members."]];
const codes = (body: { errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }) =>
  body.errors?.map((e) => [e.extensions?.code, e.message]);

describe('members', () => {
  test('an admin adds a new person, who works as a member; a known person joins with their own names', async () => {
    const c = await createTenant(t.db.prisma);
    const email = `new-${c.organizationId}@agency.example`;
    const added = await data(t.app, AddMember, { input: { email: ` ${email} `, firstName: ' Ada ', lastName: 'Lovelace' } }, as(c));
    expect(added.addMember).toMatchObject({ person: { firstName: 'Ada', lastName: 'Lovelace', email, role: 'MEMBER', deactivatedAt: null }, userErrors: [] });
    const token = await tokenFor(added.addMember.person!.databaseId);
    expect((await data(t.app, Me, {}, { token })).viewer).toEqual({ role: 'MEMBER', person: { name: 'Ada Lovelace' } });

    // b's person joins c, by their email in another case, as an admin; their names stay theirs.
    const known = await t.db.prisma.person.findUniqueOrThrow({ where: { id: b.personId } });
    const joined = await data(t.app, AddMember, { input: { email: known.email.toUpperCase(), firstName: 'Other', lastName: 'Name', role: 'ADMIN' } }, as(c));
    expect(joined.addMember.person).toMatchObject({ databaseId: b.personId, firstName: known.firstName, role: 'ADMIN' });
    const again = await data(t.app, AddMember, { input: { email: known.email } }, as(c));
    expect(again.addMember).toEqual({ person: null, userErrors: [{ field: ['input', 'email'], message: 'is already a member', code: 'INVALID' }] });
  });

  test('every problem with the input; nothing written', async () => {
    const c = await createTenant(t.db.prisma);
    const people = () => t.db.prisma.person.count();
    const before = await people();
    const cases: Array<[Record<string, unknown>, unknown[]]> = [
      [{}, [{ field: ['input', 'email'], message: "can't be blank", code: 'BLANK' }]],
      [{ email: 'not an email' }, [{ field: ['input', 'email'], message: 'is not an email address', code: 'INVALID' }]],
      [{ email: `${'x'.repeat(250)}@a.example` }, [{ field: ['input', 'email'], message: 'is too long (maximum is 254 characters)', code: 'TOO_LONG' }]],
      [{ email: 'a\u0000b@c.example' }, [{ field: ['input', 'email'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' }]],
      [
        { email: `fresh-${c.organizationId}@x.example`, lastName: ' ' },
        [
          { field: ['input', 'lastName'], message: "can't be blank", code: 'BLANK' },
        ],
      ],
      [
        { email: `fresh-${c.organizationId}@x.example` },
        [
          { field: ['input', 'firstName'], message: "can't be blank for a new person", code: 'BLANK' },
          { field: ['input', 'lastName'], message: "can't be blank for a new person", code: 'BLANK' },
        ],
      ],
    ];
    for (const [input, errors] of cases) {
      const result = await data(t.app, AddMember, { input }, as(c));
      expect(result.addMember, JSON.stringify(input).slice(0, 40)).toEqual({ person: null, userErrors: errors });
    }
    expect(await people()).toBe(before);
  });

  test('members cannot manage members', async () => {
    const member = await a.member();
    const add = await execute(t.app, AddMember, { input: { email: 'sneaky@x.example', firstName: 'S', lastName: 'N', role: 'ADMIN' } }, as(member));
    expect(codes(add.body)).toEqual(FORBIDDEN);
    const promote = await execute(t.app, UpdateMember, { input: { personId: gid('Person', member.personId), role: 'ADMIN' } }, as(member));
    expect(codes(promote.body)).toEqual(FORBIDDEN);
    expect(await t.db.prisma.membership.findFirstOrThrow({ where: { organizationId: a.organizationId, personId: member.personId } })).toMatchObject({ role: 'member' });
    expect(await t.db.prisma.person.count({ where: { email: 'sneaky@x.example' } })).toBe(0);
  });

  test('deactivated, a member is refused and keeps what they made; reactivated, they are back; the last admin stays', async () => {
    const c = await createTenant(t.db.prisma);
    const member = await c.member();
    const expense = await c.expense({ personId: member.personId, currency: 'EUR' });
    const id = gid('Person', member.personId);
    const off = await data(t.app, UpdateMember, { input: { personId: id, active: false } }, as(c));
    expect(off.updateMember.person!.deactivatedAt).not.toBeNull();
    const refused = await execute(t.app, Me, {}, as(member));
    expect([refused.status, refused.body.errors?.[0]?.extensions?.code]).toEqual([403, 'FORBIDDEN']);
    expect((await t.db.prisma.expense.findUniqueOrThrow({ where: { id: expense } })).personId).toBe(member.personId);
    // The people list leaves them out unless asked: only them, or everyone.
    const listed = async (filter?: PersonFilter) => (await data(t.app, People, { filter }, as(c))).people.nodes.map((p) => p.email).sort();
    const [admin, gone] = await Promise.all([c.personId, member.personId].map((id) => t.db.prisma.person.findUniqueOrThrow({ where: { id } })));
    expect(await listed()).toEqual([admin!.email]);
    expect(await listed({ deactivated: false })).toEqual([admin!.email]);
    expect(await listed({ deactivated: true })).toEqual([gone!.email]);
    expect(await listed({ deactivated: null })).toEqual([admin!.email, gone!.email].sort());
    expect(await listed({ or: [{ deactivated: true }, { email: { eq: admin!.email } }] })).toEqual([admin!.email, gone!.email].sort());
    expect((await data(t.app, People, { filter: { deactivated: true } }, as(c))).people.nodes[0]!.deactivatedAt).not.toBeNull();
    // Another organization's deactivated members are not listed anywhere.
    const asB = { token: b.token, tenant: b.organizationId }; // b's person may have joined another organization above
    expect((await data(t.app, People, { filter: { deactivated: null } }, asB)).people.nodes.map((p) => p.email)).not.toContain(gone!.email);

    const on = await data(t.app, UpdateMember, { input: { personId: id, active: true, role: 'ADMIN' } }, as(c));
    expect(on.updateMember.person).toEqual({ role: 'ADMIN', deactivatedAt: null });
    expect((await data(t.app, Me, {}, as(member))).viewer.role).toBe('ADMIN');

    // Two admins now: one may step down, not both.
    const self = gid('Person', c.personId);
    expect((await data(t.app, UpdateMember, { input: { personId: self, role: 'MEMBER' } }, as(c))).updateMember.userErrors).toEqual([]);
    const last = await data(t.app, UpdateMember, { input: { personId: id, active: false } }, as(member));
    expect(last.updateMember.userErrors).toEqual([{ field: ['input', 'active'], message: 'would leave the organization without an active admin', code: 'LAST_ADMIN' }]);
    const demote = await data(t.app, UpdateMember, { input: { personId: id, role: 'MEMBER' } }, as(member));
    expect(demote.updateMember.userErrors.map((e) => e.code)).toEqual(['LAST_ADMIN']);
    expect(await t.db.prisma.membership.findFirstOrThrow({ where: { organizationId: c.organizationId, personId: member.personId } })).toMatchObject({ role: 'admin', deactivatedAt: null });
  });

  test("another organization's person (or an unknown id) is not a member here", async () => {
    for (const personId of [gid('Person', b.personId), gid('Person', 2_147_483_647), gid('Deal', a.deals.eur)]) {
      const result = await data(t.app, UpdateMember, { input: { personId, role: 'ADMIN' } }, as(a));
      expect(result.updateMember, personId).toEqual({ person: null, userErrors: [{ field: ['input', 'personId'], message: 'Member not found', code: 'NOT_FOUND' }] });
    }
    expect(await t.db.prisma.membership.count({ where: { organizationId: a.organizationId, personId: b.personId } })).toBe(0);
  });

  test.runIf(Boolean(process.env.TEST_DATABASE_URL))('admins demoting each other at once: one admin is always left', async () => {
    const c = await createTenant(t.db.prisma);
    const admins = [{ personId: c.personId, token: c.token }];
    for (let i = 0; i < 4; i += 1) {
      const { person, token } = await addPerson(t.db.prisma, [c.organizationId], 'admin');
      admins.push({ personId: person.id, token });
    }
    // Each demotes the next one, all at once, with a deactivation of the first racing too.
    const results = await Promise.all([
      ...admins.map((admin, i) => data(t.app, UpdateMember, { input: { personId: gid('Person', admins[(i + 1) % admins.length]!.personId), role: 'MEMBER' } }, as(admin))),
      data(t.app, UpdateMember, { input: { personId: gid('Person', admins[0]!.personId), active: false } }, as(admins[1]!)),
    ].map((p) => p.catch((error: unknown) => String(error))));
    expect(results.length).toBe(6);
    const left = await t.db.prisma.membership.count({ where: { organizationId: c.organizationId, role: 'admin', deactivatedAt: null } });
    expect(left).toBeGreaterThanOrEqual(1);
  });
});
