// The recycle bin: what was deleted, by whom, from where. Entries are filed by every delete
// (src/domain/recycle-bin.ts); a private one is visible only to its deleter.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { Where } from '../domain/kit/conditions.js';
import { ITEM_TYPES, restoreDeletedItem, type ItemType, type Restored } from '../domain/recycle-bin.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { UserErrorRef } from './errors.js';
import { decodeIdOf } from './ids.js';
import { idsIn, listField, ops, sortBy, type ListSpec } from './kit/list.js';
import { idInput, inputDatabaseId } from './kit/mutation.js';
import type { UserError } from '../domain/kit/result.js';

const ItemTypeEnum = builder.enumType('DeletedItemType', {
  description: 'What kind of object a recycle bin entry holds (the REST `item_type`, upper case).',
  values: Object.fromEntries(ITEM_TYPES.map((type) => [type.toUpperCase(), { value: type }])) as Record<string, { value: ItemType }>,
});

/** The GraphQL type of each item type that exists so far: the entry's `itemId` is a global id of it. */
const NODE_TYPE: Partial<Record<ItemType, string>> = {
  budget: 'Deal',
  deal: 'Deal',
  expense: 'Expense',
  invoice: 'Invoice',
  contract: 'Contract',
  invoice_attribution: 'InvoiceAttribution',
};

/** A private entry only for its deleter. */
const visibleTo = (ctx: Context): Where => ({ OR: [{ private: false }, { deleterId: ctx.viewer.person.id }] });

builder.prismaNode('DeletedItem', {
  id: { field: 'id' },
  // node(id:) too: another person's private entry is not there.
  findUnique: (id, ctx) => ({ id: Number(id), ...visibleTo(ctx) }),
  select: { id: true },
  nullable: true,
  description: 'An entry of the recycle bin: a deleted object (with what was deleted with it), until it is restored or purged.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    itemType: t.field({ type: ItemTypeEnum, select: { itemType: true }, resolve: (item) => item.itemType as ItemType }),
    itemId: t.id({
      description: 'The global id of the deleted object (it is not visible anywhere while it is in the bin).',
      select: { itemType: true, itemId: true },
      resolve: (item) => encodeGlobalID(NODE_TYPE[item.itemType as ItemType] ?? item.itemType, item.itemId),
    }),
    name: t.exposeString('name'),
    location: t.exposeString('location', { description: 'Where it was: "Company: Client581", "Project: test project", "Budget: test name".' }),
    deleter: t.relation('deleter'),
    private: t.exposeBoolean('private', { description: 'Visible only to its deleter.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was deleted.' }),
    recoveredAt: t.expose('recoveredAt', { type: 'DateTime', nullable: true, description: 'When it was restored, if it was.' }),
  }),
});

const deletedItemList: ListSpec = {
  type: 'DeletedItem',
  description: 'The recycle bin: deleted objects not yet restored, newest first unless another order is given.',
  visible: (ctx) => ({ AND: [{ recoveredAt: null }, visibleTo(ctx)] }),
  filter: {
    description: 'Which entries to include (the reference: id, item type, deleter, name, location, created at).',
    fields: {
      ids: idsIn('DeletedItem', 'id', 'These entries.'),
      itemType: {
        kind: 'custom',
        type: [ItemTypeEnum],
        where: (types: ItemType[]) => ({ itemType: { in: types } }),
        description: 'Entries of any of these types.',
      },
      deleterIds: idsIn('Person', 'deleterId', 'Entries deleted by any of these people.'),
      name: ops('string'),
      location: ops('string'),
      createdAt: ops('datetime'),
    },
  },
  sorts: { CREATED_AT: sortBy('datetime', 'createdAt'), NAME: sortBy('string', 'name') },
  defaultOrder: [{ field: 'CREATED_AT', direction: 'DESC' }],
};

builder.queryFields((t) => ({
  deletedItems: listField(t, deletedItemList),
  deletedItem: t.prismaField({
    type: 'DeletedItem',
    nullable: true,
    description: 'One entry of the bin, restored or not. An unknown id, another organization\'s, or another person\'s private one is `NOT_FOUND`.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = decodeIdOf(String(args.id), 'DeletedItem', 'id');
      const item = await ctx.db.deletedItem.findFirst({ ...query, where: { AND: [{ id }, visibleTo(ctx)] } });
      if (!item) throw new GraphQLError(`No deleted item with id ${String(args.id)}.`, { extensions: { code: 'NOT_FOUND' } });
      return item;
    },
  }),
}));

interface RestorePayload {
  restored: Restored | null;
  userErrors: UserError[];
}

const RestorePayloadRef = builder.objectRef<RestorePayload>('RestoreDeletedItemPayload').implement({
  description: 'The result of `restoreDeletedItem`.',
  fields: (t) => ({
    item: t.node({
      description: 'The restored object (a Deal, Expense, Invoice, ...), with what was deleted with it back too; null when there are user errors.',
      id: (payload) => (payload.restored ? { type: NODE_TYPE[payload.restored.itemType]!, id: payload.restored.id } : null) as never,
    }),
    deletedItem: t.prismaField({
      type: 'DeletedItem',
      nullable: true,
      description: 'The entry, now restored (`recoveredAt` set).',
      resolve: (query, payload, _args, ctx) => {
        const selection = { ...query };
        if (!payload.restored) return null;
        return ctx.db.deletedItem.findUnique({ ...selection, where: { id: payload.restored.entryId } });
      },
    }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
  }),
});

builder.mutationFields((t) => ({
  restoreDeletedItem: t.field({
    type: RestorePayloadRef,
    description:
      'Brings a deleted object back, with exactly what was deleted with it (not what was deleted on its own before), ' +
      'and takes its entry out of the bin. An object whose parent is still in the bin cannot come back first ' +
      '(PARENT_DELETED). Restoring twice, also at once, restores once (ALREADY_RESTORED).',
    args: { input: t.arg({ type: idInput('RestoreDeletedItemInput', 'The bin entry to restore.'), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await restoreDeletedItem(ctx.bin, ctx.viewer, inputDatabaseId(input.id, 'DeletedItem'));
      return result.ok ? { restored: result.value, userErrors: [] } : { restored: null, userErrors: result.errors };
    },
  }),
}));
