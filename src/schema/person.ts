// People of the organization, with their role there; its admins add members and change their role
// or deactivate them (src/domain/members.ts says what stays in place).
import { MAX_EMAIL, MAX_PERSON_NAME, type MemberChange, type NewMemberInput } from '../domain/members.js';
import { builder } from './builder.js';
import { listField, mentions, ops, sortBy } from './kit/list.js';
import { inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { requireAdmin } from './kit/roles.js';
import { MoneyRef } from './money.js';
import { RoleRef } from './viewer.js';

/** The person's membership in the request's organization: the scoped client narrows the relation to it. */
const MEMBERSHIP = { memberships: { select: { role: true, deactivatedAt: true, costRate: true } } } as const;
type WithMembership = { memberships: Array<{ role: string; deactivatedAt: Date | null; costRate: bigint }> };

builder.prismaNode('Person', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A person who belongs to the organization.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this person.' }),
    firstName: t.exposeString('firstName', { description: 'Their first name; `name` puts it before `lastName`.' }),
    lastName: t.exposeString('lastName', { description: 'Their last name (family name).' }),
    name: t.string({
      description: 'First and last name.',
      select: { firstName: true, lastName: true },
      resolve: (p) => `${p.firstName} ${p.lastName}`.trim(),
    }),
    email: t.exposeString('email', { description: 'Their email address, which identifies them across organizations (`addMember` matches it whatever its case).' }),
    role: t.field({
      type: RoleRef,
      description: 'Their role in this organization.',
      select: MEMBERSHIP,
      resolve: (p) => ((p as WithMembership).memberships[0]?.role === 'admin' ? 'admin' : 'member'),
    }),
    deactivatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: "When their membership was deactivated: what they did stays theirs, their tokens no longer reach this organization. Null while active.",
      select: MEMBERSHIP,
      resolve: (p) => (p as WithMembership).memberships[0]?.deactivatedAt ?? null,
    }),
    costRate: t.field({
      type: MoneyRef,
      nullable: true,
      description:
        "What an hour of their work costs, in the organization's default currency: time entries recorded from now on cost " +
        'minutes × this ÷ 60. Only admins see it (null for members).',
      select: MEMBERSHIP,
      resolve: (p, _args, ctx) => {
        const membership = (p as WithMembership).memberships[0];
        if (!membership || ctx.viewer.role !== 'admin') return null;
        return { cents: membership.costRate, currency: ctx.viewer.organization.defaultCurrency };
      },
    }),
  }),
});

const MANAGE = 'manage members';

const COST_RATE =
  "What an hour of their work costs, in minor units of the organization's default currency, 0 to 10^12. Left out or " +
  'null: 0 for a new member, unchanged otherwise. ' +
  'Time entries keep the cost worked out when they are recorded; a new rate applies to entries recorded (or changed) after it.';

const AddMemberInput = builder.inputType('AddMemberInput', {
  description: 'A person to add to the organization, by email: a new person is created (names required), a known one joins; a former member comes back.',
  fields: (t) => ({
    email: t.string({ description: `Required, at most ${MAX_EMAIL} characters; matched whatever its case.` }),
    firstName: t.string({ description: `Required for a new person, at most ${MAX_PERSON_NAME} characters; a known person keeps theirs.` }),
    lastName: t.string({ description: `Required for a new person, at most ${MAX_PERSON_NAME} characters; a known person keeps theirs.` }),
    role: t.field({ type: RoleRef, description: 'Their role here. Default (also for null): MEMBER, for a former member too.' }),
    costRate: t.field({ type: 'BigInt', description: COST_RATE }),
  }),
});

const UpdateMemberInput = builder.inputType('UpdateMemberInput', {
  description: 'Changes to a membership; fields left out stay as they are. The organization always keeps an active admin (`LAST_ADMIN`).',
  fields: (t) => ({
    personId: t.id({ required: true, description: 'The member (a Person id).' }),
    role: t.field({ type: RoleRef, description: 'Their new role. Null or left out keeps it.' }),
    active: t.boolean({ description: '`false` deactivates the membership (keeping the first moment), `true` reactivates it. Null or left out keeps it.' }),
    costRate: t.field({ type: 'BigInt', description: COST_RATE }),
  }),
});

builder.mutationFields((t) => ({
  addMember: t.field({
    type: payloadType('AddMemberPayload', 'Person', 'The result of `addMember`.'),
    description: "Adds a person to the organization (admins only). Their first token comes from the operator's CLI; then they manage their own.",
    args: { input: t.arg({ type: AddMemberInput, required: true, description: 'Who to add, and as what.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, MANAGE);
      return toPayload(await ctx.members.add(input as NewMemberInput));
    },
  }),
  updateMember: t.field({
    type: payloadType('UpdateMemberPayload', 'Person', 'The result of `updateMember`.'),
    description: "Changes a member's role, or deactivates or reactivates them (admins only).",
    args: { input: t.arg({ type: UpdateMemberInput, required: true, description: 'The member and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, MANAGE);
      const { personId, ...change } = input;
      return toPayload(await ctx.members.update(inputDatabaseId(personId, 'Person'), change as MemberChange));
    },
  }),
}));

builder.queryFields((t) => ({
  people: listField(t, {
    type: 'Person',
    description:
      'People of the organization, by id unless another order is given. Deactivated members are left out unless the ' +
      'filter mentions `deactivated` (`deactivated: true` lists only them, `deactivated: null` everyone).',
    // What a client picking a person (an assignee, an expense's person) wants; the admins' member list asks for the rest.
    defaults: (filter) => (mentions(filter, 'deactivated') ? filter : { ...filter, deactivated: false }),
    filter: {
      description: 'Which people to include.',
      fields: {
        firstName: ops('string', { description: 'On the first name.' }),
        lastName: ops('string', { description: 'On the last name.' }),
        email: ops('string', { description: 'On the email address (`contains` and `startsWith` ignore case, `eq` does not).' }),
        deactivated: {
          kind: 'custom',
          type: 'Boolean',
          // The person's one membership here (the data layer narrows `memberships` to the organization).
          where: (value: boolean) => ({ memberships: { some: { deactivatedAt: value ? { not: null } : null } } }),
          description: 'Deactivated members (true) or active ones (false). Default when left out: false. `null` includes both.',
        },
      },
    },
    sorts: {
      NAME: {
        keys: [
          { path: ['firstName'], type: 'string' },
          { path: ['lastName'], type: 'string' },
        ],
        description: 'By first name, then last name.',
      },
      LAST_NAME: {
        keys: [
          { path: ['lastName'], type: 'string' },
          { path: ['firstName'], type: 'string' },
        ],
        description: 'By last name, then first name.',
      },
      EMAIL: sortBy('string', 'email', 'Alphabetically by email address.'),
    },
  }),
}));
