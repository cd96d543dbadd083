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
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this status.' }),
    name: t.exposeString('name', { description: 'The stage\'s name as shown in the pipeline; 1 to 255 characters.' }),
    position: t.exposeInt('position', { description: 'Its place in the pipeline, from 1; two stages may share one (then the id decides).' }),
    archivedAt: t.expose('archivedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was archived: deals keep it, but it is no longer offered. Null while in use.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the stage was created.' }),
  }),
});

builder.queryFields((t) => ({
  dealStatuses: listField(t, {
    type: 'DealStatus',
    description: 'The stages of the sales pipeline, in pipeline order unless another order is given.',
    filter: {
      description: 'Which statuses to include.',
      fields: {
        name: ops('string', { description: 'On the name.' }),
        archived: notNull('archivedAt', 'Archived (true) or in use (false).'),
      },
    },
    sorts: { POSITION: sortBy('int', 'position', 'In pipeline order.'), NAME: sortBy('string', 'name', 'Alphabetically by name.') },
    defaultOrder: [{ field: 'POSITION', direction: 'ASC' }],
  }),
}));

const fields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  name: t.string({ description: 'The name, 1 to 255 characters. Required on create; on update, null or blank is `BLANK`.' }),
  position: t.int({ description: 'Its place in the pipeline, 1 to 1 000 000; other stages do not move. Default: after the last one; null on update keeps it.' }),
  archived: t.boolean({
    description: 'Archive it (`true`: archiving twice keeps the first moment) or bring it back (`false`); archived statuses stay on the deals that have them. Null or left out changes nothing.',
  }),
});

const CreateDealStatusInput = builder.inputType('CreateDealStatusInput', {
  description: 'A new pipeline stage. `name` is required.',
  fields: (t) => ({ ...fields(t), idempotencyKey: idempotencyKeyField(t) }),
});
const UpdateDealStatusInput = builder.inputType('UpdateDealStatusInput', {
  description: 'Changes to a pipeline stage; fields left out stay as they are.',
  fields: (t) => ({ id: t.id({ required: true, description: "The stage to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...fields(t) }),
});

builder.mutationFields((t) => ({
  createDealStatus: t.field({
    type: payloadType('CreateDealStatusPayload', 'DealStatus', 'The result of `createDealStatus`.'),
    description: 'Adds a stage to the sales pipeline, last unless a `position` is given.',
    args: { input: t.arg({ type: CreateDealStatusInput, required: true, description: 'The new stage.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (values) => createDealStatus(ctx.db, ctx.viewer.organization.id, values as DealStatusInput))),
  }),
  updateDealStatus: t.field({
    type: payloadType('UpdateDealStatusPayload', 'DealStatus', 'The result of `updateDealStatus`.'),
    description: 'Renames, moves, archives or unarchives a stage of the sales pipeline.',
    args: { input: t.arg({ type: UpdateDealStatusInput, required: true, description: 'The stage and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateDealStatus(ctx.db, inputDatabaseId(input.id, 'DealStatus'), input as DealStatusInput)),
  }),
}));
