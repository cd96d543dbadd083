// Deal statuses: the stages of the sales pipeline a deal moves through.
import { createDealStatus, updateDealStatus, type DealStatusInput } from '../domain/deal-statuses.js';
import { builder } from './builder.js';
import { listField, notNull, ops, sortBy } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

builder.prismaNode('DealStatus', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: 'A stage of the sales pipeline ("prospective", "negotiation", ...).',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    position: t.exposeInt('position', { description: 'Its place in the pipeline, from 1.' }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  dealStatuses: listField(t, {
    type: 'DealStatus',
    description: 'The stages of the sales pipeline, in pipeline order unless another order is given.',
    filter: {
      description: 'Which statuses to include.',
      fields: {
        name: ops('string'),
        archived: notNull('archivedAt', 'Archived (true) or in use (false).'),
      },
    },
    sorts: { POSITION: sortBy('int', 'position'), NAME: sortBy('string', 'name') },
    defaultOrder: [{ field: 'POSITION', direction: 'ASC' }],
  }),
}));

const fields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: 'At most 255 characters.' }),
  position: t.int({ description: '1 to 1 000 000. Default: after the last one.' }),
  archived: t.boolean({ description: 'Archived statuses stay on the deals that have them.' }),
});

const CreateDealStatusInput = builder.inputType('CreateDealStatusInput', {
  description: 'A new pipeline stage. `name` is required.',
  fields: (t) => ({ ...fields(t), idempotencyKey: idempotencyKeyField(t) }),
});
const UpdateDealStatusInput = builder.inputType('UpdateDealStatusInput', {
  description: 'Changes to a pipeline stage; fields left out stay as they are.',
  fields: (t) => ({ id: t.id({ required: true }), ...fields(t) }),
});

builder.mutationFields((t) => ({
  createDealStatus: t.field({
    type: payloadType('CreateDealStatusPayload', 'DealStatus', 'The result of `createDealStatus`.'),
    args: { input: t.arg({ type: CreateDealStatusInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (values) => createDealStatus(ctx.db, ctx.viewer.organization.id, values as DealStatusInput))),
  }),
  updateDealStatus: t.field({
    type: payloadType('UpdateDealStatusPayload', 'DealStatus', 'The result of `updateDealStatus`.'),
    args: { input: t.arg({ type: UpdateDealStatusInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateDealStatus(ctx.db, inputDatabaseId(input.id, 'DealStatus'), input as DealStatusInput)),
  }),
}));
