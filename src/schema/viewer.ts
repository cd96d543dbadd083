import { globalId } from '../domain/kit/global-id.js';
import type { MemberOf, Role } from '../domain/viewer.js';
import { builder } from './builder.js';

export const RoleRef = builder.enumType('Role', {
  description: "A person's role in an organization.",
  values: {
    ADMIN: { value: 'admin', description: "Also manages the organization's members, roles, webhooks and settings." },
    MEMBER: { value: 'member', description: "Does the agency's work: everything but the administration." },
  } as const,
});

interface ViewerShape {
  personId: number;
  organizationId: number;
  role: Role;
  organizations: readonly MemberOf[];
}

const ViewerOrganization = builder.objectRef<MemberOf & { current: boolean }>('ViewerOrganization').implement({
  description:
    "An organization the caller's person belongs to. Requests choose one with the `X-Tenant` header (its `organizationId` or " +
    '`databaseId`); a person with a single organization needs none.',
  fields: (t) => ({
    organizationId: t.string({ description: 'The organization\'s global id (`Organization`).', resolve: (o) => globalId('Organization', o.id) }),
    databaseId: t.exposeInt('id', { description: 'Its database id, as `X-Tenant` also takes it.' }),
    name: t.exposeString('name', { description: "The organization's name." }),
    defaultCurrency: t.exposeString('defaultCurrency', { description: 'ISO 4217 code of its default currency.' }),
    role: t.field({ type: RoleRef, description: 'The person\'s role there.', resolve: (o) => o.role }),
    current: t.exposeBoolean('current', { description: 'Whether this request is bound to it.' }),
  }),
});

export const ViewerRef = builder.objectRef<ViewerShape>('Viewer');

ViewerRef.implement({
  description: 'Who is calling, and the organization the request is bound to.',
  fields: (t) => ({
    person: t.prismaField({
      type: 'Person',
      description: 'The person the bearer token belongs to.',
      resolve: (query, viewer, _args, ctx) => ctx.db.person.findUniqueOrThrow({ ...query, where: { id: viewer.personId } }),
    }),
    organization: t.prismaField({
      type: 'Organization',
      description: 'The organization this request is bound to (by `X-Tenant`, or the only one of the person).',
      resolve: (query, viewer, _args, ctx) =>
        ctx.db.organization.findUniqueOrThrow({ ...query, where: { id: viewer.organizationId } }),
    }),
    role: t.field({ type: RoleRef, description: "The person's role in the request's organization.", resolve: (v) => v.role }),
    organizations: t.field({
      type: [ViewerOrganization],
      description: "Every organization the token's person belongs to, by database id, the request's own among them.",
      // From the token's authentication (one statement for all of them), not from the organization-scoped client.
      resolve: (v) => v.organizations.map((o) => ({ ...o, current: o.id === v.organizationId })),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The caller and their current organization.',
    resolve: (_root, _args, ctx) => ({
      personId: ctx.viewer.person.id,
      organizationId: ctx.viewer.organization.id,
      role: ctx.viewer.role,
      organizations: ctx.organizations ?? [{ ...ctx.viewer.organization, role: ctx.viewer.role }],
    }),
  }),
);
