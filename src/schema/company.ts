// The Company type (the agency's clients) with its list and its create/update mutations. Companies
// are archived, not deleted (src/domain/companies.ts says what that leaves in place).
import { createCompany, MAX_COMPANY_NAME, updateCompany, type CompanyInput } from '../domain/companies.js';
import { builder } from './builder.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { listField, notNull, ops, sortBy } from './kit/list.js';
import { inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

builder.prismaNode('Company', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A client company.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this company.' }),
    name: t.exposeString('name', { description: "The company's name as shown in lists; 1 to 255 characters." }),
    archivedAt: t.expose('archivedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was archived: what refers to it keeps it, new deals and projects cannot choose it. Null while in use.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the company was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last renamed, archived or unarchived.' }),
  }),
});

builder.queryFields((t) => ({
  companies: listField(t, {
    type: 'Company',
    description: 'Client companies of the organization, by name unless another order is given.',
    filter: {
      description: 'Which companies to include.',
      fields: {
        name: ops('string', { description: 'On the name.' }),
        createdAt: ops('datetime', { description: 'On when it was added.' }),
        archived: notNull('archivedAt', 'Archived (`true`) or in use (`false`).'),
      },
    },
    sorts: { NAME: sortBy('string', 'name', 'Alphabetically by name.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was added.') },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));

const fields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: `The name, not blank, at most ${MAX_COMPANY_NAME} characters. Required on create; on update, null or blank is \`BLANK\`.` }),
  archived: t.boolean({
    description: 'Archive it (`true`) or bring it back into use (`false`). Archiving keeps the first moment. Null or left out changes nothing (a new company is in use).',
  }),
});

const CreateCompanyInput = builder.inputType('CreateCompanyInput', {
  description: 'A new client company. `name` is required.',
  fields: (t) => ({ ...fields(t), idempotencyKey: idempotencyKeyField(t) }),
});
const UpdateCompanyInput = builder.inputType('UpdateCompanyInput', {
  description: 'Changes to a client company; fields left out stay as they are.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The company to change.' }), ...fields(t) }),
});

builder.mutationFields((t) => ({
  createCompany: t.field({
    type: payloadType('CreateCompanyPayload', 'Company', 'The result of `createCompany`.'),
    description: 'Adds a client company.',
    args: { input: t.arg({ type: CreateCompanyInput, required: true, description: 'The new company.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (values) => createCompany(ctx.db, ctx.viewer, values as CompanyInput))),
  }),
  updateCompany: t.field({
    type: payloadType('UpdateCompanyPayload', 'Company', 'The result of `updateCompany`.'),
    description: 'Renames, archives or unarchives a client company.',
    args: { input: t.arg({ type: UpdateCompanyInput, required: true, description: 'The company and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateCompany(ctx.db, ctx.viewer, inputDatabaseId(id, 'Company'), changes as CompanyInput));
    },
  }),
}));
