import { builder } from './builder.js';

const Viewer = builder.objectRef<{ personId: number; organizationId: number }>('Viewer').implement({
  description: 'Who is calling, and the organization the request is bound to.',
  fields: (t) => ({
    person: t.prismaField({
      type: 'Person',
      resolve: (query, viewer, _args, ctx) => ctx.db.person.findUniqueOrThrow({ ...query, where: { id: viewer.personId } }),
    }),
    organization: t.prismaField({
      type: 'Organization',
      resolve: (query, viewer, _args, ctx) =>
        ctx.db.organization.findUniqueOrThrow({ ...query, where: { id: viewer.organizationId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'The caller and their current organization.',
    resolve: (_root, _args, ctx) => ({ personId: ctx.viewer.person.id, organizationId: ctx.viewer.organization.id }),
  }),
);
