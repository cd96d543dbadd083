// The ServiceType type with its list and its create/update mutations. Service types are archived,
// not deleted (src/domain/service-types.ts says what that leaves in place).
import {
  createServiceType,
  MAX_SERVICE_TYPE_DESCRIPTION,
  MAX_SERVICE_TYPE_NAME,
  updateServiceType,
  type ServiceTypeInput,
} from '../domain/service-types.js';
import { builder } from './builder.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { listField, notNull, ops, sortBy } from './kit/list.js';
import { inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

builder.prismaNode('ServiceType', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A kind of service or cost an expense is booked as.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this service type.' }),
    name: t.exposeString('name', { description: 'The name as shown in lists, e.g. "Travel"; 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'What it covers, in words; null when there is none.' }),
    archivedAt: t.expose('archivedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was archived: expenses and services keep it, new ones cannot choose it. Null while in use.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the service type was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed, archived or unarchived.' }),
  }),
});

builder.queryFields((t) => ({
  serviceTypes: listField(t, {
    type: 'ServiceType',
    description: 'Service types of the organization, by name unless another order is given.',
    filter: {
      description: 'Which service types to include.',
      fields: {
        name: ops('string', { description: 'On the name.' }),
        archived: notNull('archivedAt', 'Archived (`true`) or in use (`false`).'),
      },
    },
    sorts: { NAME: sortBy('string', 'name', 'Alphabetically by name.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was added.') },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));

const fields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: `The name, not blank, at most ${MAX_SERVICE_TYPE_NAME} characters. Required on create; on update, null or blank is \`BLANK\`.` }),
  description: t.string({ description: `What it covers, at most ${MAX_SERVICE_TYPE_DESCRIPTION} characters. Optional; blank or null clears it.` }),
  archived: t.boolean({
    description: 'Archive it (`true`) or bring it back into use (`false`). Archiving keeps the first moment. Null or left out changes nothing (a new one is in use).',
  }),
});

const CreateServiceTypeInput = builder.inputType('CreateServiceTypeInput', {
  description: 'A new service type. `name` is required.',
  fields: (t) => ({ ...fields(t), idempotencyKey: idempotencyKeyField(t) }),
});
const UpdateServiceTypeInput = builder.inputType('UpdateServiceTypeInput', {
  description: 'Changes to a service type; fields left out stay as they are.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The service type to change.' }), ...fields(t) }),
});

builder.mutationFields((t) => ({
  createServiceType: t.field({
    type: payloadType('CreateServiceTypePayload', 'ServiceType', 'The result of `createServiceType`.'),
    description: 'Adds a service type.',
    args: { input: t.arg({ type: CreateServiceTypeInput, required: true, description: 'The new service type.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (values) => createServiceType(ctx.db, ctx.viewer, values as ServiceTypeInput))),
  }),
  updateServiceType: t.field({
    type: payloadType('UpdateServiceTypePayload', 'ServiceType', 'The result of `updateServiceType`.'),
    description: 'Renames, describes, archives or unarchives a service type.',
    args: { input: t.arg({ type: UpdateServiceTypeInput, required: true, description: 'The service type and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateServiceType(ctx.db, ctx.viewer, inputDatabaseId(id, 'ServiceType'), changes as ServiceTypeInput));
    },
  }),
}));
