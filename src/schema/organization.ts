// The Organization type (the request's: `viewer { organization }`) and `updateOrganization`, its
// settings, which only its admins change (src/domain/organizations.ts says what may change when).
import { MAX_ORGANIZATION_NAME, updateOrganization, type OrganizationInput } from '../domain/organizations.js';
import { builder } from './builder.js';
import { payloadType, toPayload } from './kit/mutation.js';
import { requireAdmin } from './kit/roles.js';

builder.prismaNode('Organization', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A tenant. Every request is bound to exactly one (see the `X-Tenant` header).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id, as used in `X-Tenant`.' }),
    name: t.exposeString('name', { description: "The organization's (the agency's) name." }),
    defaultCurrency: t.exposeString('defaultCurrency', {
      description: "ISO 4217 code of the currency of every money set's `default` form.",
    }),
    timeZone: t.exposeString('timeZone', {
      nullable: true,
      description: 'The IANA time zone its days and months are counted in (`Europe/Zagreb`); null means UTC.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the organization was set up.' }),
  }),
});

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  description: "Changes to the request's organization; fields left out stay as they are.",
  fields: (t) => ({
    name: t.string({ description: `Not blank, at most ${MAX_ORGANIZATION_NAME} characters. Null is refused (BLANK).` }),
    timeZone: t.string({
      description:
        'An IANA time zone name such as `Europe/Zagreb`, as the runtime\'s time zone database (Intl) knows it; stored as sent, ' +
        'in the database\'s case when it lists the name (`europe/zagreb` is stored `Europe/Zagreb`). ' +
        'Offsets such as `+01:00` are not time zones. Null clears it: UTC.',
    }),
    defaultCurrency: t.string({
      description:
        'ISO 4217 code. Only while the organization has no deal and no invoice, also in the recycle bin: every exchange rate ' +
        'converts to it, so once money is recorded it is fixed (INVALID). Null is refused (BLANK).',
    }),
  }),
});

builder.mutationFields((t) => ({
  updateOrganization: t.field({
    type: payloadType('UpdateOrganizationPayload', 'Organization', 'The result of `updateOrganization`.'),
    description:
      "Changes the request's organization's settings (admins only). Requests authenticated in the last few seconds " +
      '(AUTH_CACHE_MS) may still see the previous name and currency in `viewer { organizations }`.',
    args: { input: t.arg({ type: UpdateOrganizationInput, required: true, description: 'What to change; fields left out stay as they are.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, "change the organization's settings");
      return toPayload(await updateOrganization(ctx.db, ctx.viewer, input as OrganizationInput));
    },
  }),
}));
