// The recycle bin: what was deleted, by whom, from where. Entries are filed by every delete
// (src/domain/recycle-bin.ts); a private one is visible only to its deleter.
import { type BinModel } from '../domain/bin-items.js';
import { restoreDeletedItem, type Restored } from '../domain/bin-restore.js';
import { globalId } from '../domain/kit/global-id.js';
import { delegate, ITEM_TYPES, itemGlobalId, purgeDeletedItem, subjectOf, type ItemType } from '../domain/recycle-bin.js';
import { builder } from './builder.js';
import { UserErrorRef } from './errors.js';
import { byIdField } from './kit/by-id.js';
import { idsIn, listField, ops, sortBy, type ListSpec } from './kit/list.js';
import { idInput, inputDatabaseId } from './kit/mutation.js';
import type { UserError } from '../domain/kit/result.js';
import { BookingRef } from './booking.js';
import { ContractRef } from './contract.js';
import { DashboardRef } from './dashboard.js';
import { DealRef } from './deal.js';
import { EventRef } from './event.js';
import { ExpenseRef } from './expense.js';
import { InvoiceAttributionRef } from './invoice-attribution.js';
import { InvoiceRef } from './invoice.js';
import { PageRef } from './page.js';
import { ProjectRef } from './project.js';
import { PurchaseOrderRef } from './purchase-order.js';
import { ServiceRef } from './service.js';
import { TaskRef } from './task.js';
import { TemplateRef } from './template.js';
import { TimeEntryRef } from './time-entry.js';

/** What each item type holds, and what went to the bin with it (src/domain/bin-items.ts). */
const ITEM_TYPE_DESCRIPTIONS: Partial<Record<ItemType, string>> = {
  booking: 'A booking (`Booking`).',
  budget: 'A budget (a `Deal` with `budget: true`), with its expenses, services, purchase orders, invoice attributions and the contracts it is the template of.',
  dashboard: 'A dashboard (`Dashboard`).',
  deal: 'A deal of the sales pipeline (a `Deal`), with its expenses, services, purchase orders, invoice attributions and the contracts it is the template of.',
  event: 'An event, a kind of absence (`Event`), with its bookings.',
  expense: 'An expense (`Expense`).',
  invoice: 'An invoice or credit note (`Invoice`), with its credit notes and the attributions of both.',
  page: 'A page (`Page`), with its subpages.',
  project: 'A project (`Project`), with its tasks, pages and dashboards.',
  purchase_order: 'A purchase order (`PurchaseOrder`).',
  service: 'A service, a line of a budget (`Service`), with its time entries and bookings.',
  task: 'A task (`Task`); a private one is visible only to its deleter.',
  template: 'A project template (`Template`).',
  time_entry: 'A time entry (`TimeEntry`).',
  contract: 'A contract (`Contract`); the budgets it generated stay.',
  invoice_attribution: 'An invoice attribution (`InvoiceAttribution`).',
};

const ItemTypeEnum = builder.enumType('DeletedItemType', {
  description: 'What kind of object a recycle bin entry holds (the REST `item_type`, upper case).',
  values: Object.fromEntries(ITEM_TYPES.map((type) => [type.toUpperCase(), { value: type, description: ITEM_TYPE_DESCRIPTIONS[type] }])) as Record<string, { value: ItemType }>,
});

/** Every type the bin can hold, for the union a restore answers with. */
const REFS = {
  deal: DealRef,
  expense: ExpenseRef,
  invoice: InvoiceRef,
  invoiceAttribution: InvoiceAttributionRef,
  contract: ContractRef,
  project: ProjectRef,
  task: TaskRef,
  service: ServiceRef,
  timeEntry: TimeEntryRef,
  booking: BookingRef,
  event: EventRef,
  page: PageRef,
  dashboard: DashboardRef,
  purchaseOrder: PurchaseOrderRef,
  template: TemplateRef,
} as const satisfies Record<BinModel, unknown>;

const RestorableItem = builder.unionType('RestorableItem', {
  description: 'Anything the recycle bin can hold: what `restoreDeletedItem` brings back.',
  types: Object.values(REFS),
});

builder.prismaNode('DeletedItem', {
  id: { field: 'id' },
  // Another person's private entry is not there for node(id:) either: the data layer hides it.
  findUnique: (id) => ({ id: Number(id) }),
  select: { id: true },
  nullable: true,
  description: 'An entry of the recycle bin: a deleted object (with what was deleted with it), until it is restored or purged.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this entry (`/api/v2/deleted_items/:id`).' }),
    itemType: t.field({
      type: ItemTypeEnum,
      description: 'What kind of object it holds: `itemId` is a global id of that type (a `BUDGET` holds a Deal).',
      select: { itemType: true },
      resolve: (item) => item.itemType as ItemType,
    }),
    itemId: t.id({
      description: 'The global id of the deleted object (it is not visible anywhere while it is in the bin).',
      select: { itemType: true, itemId: true },
      resolve: (item) => itemGlobalId(item),
    }),
    name: t.exposeString('name', { description: 'The deleted object\'s name (or title) as it was when deleted.' }),
    location: t.exposeString('location', { description: 'Where it was: "Company: Client581", "Project: test project", "Budget: test name".' }),
    deleter: t.relation('deleter', { description: 'Who deleted it.' }),
    private: t.exposeBoolean('private', { description: 'Visible only to its deleter.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was deleted.' }),
    recoveredAt: t.expose('recoveredAt', { type: 'DateTime', nullable: true, description: 'When it was restored, if it was.' }),
  }),
});

const deletedItemList: ListSpec = {
  type: 'DeletedItem',
  description: 'The recycle bin: deleted objects not yet restored, newest first unless another order is given.',
  visible: () => ({ recoveredAt: null }),
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
      name: ops('string', { description: 'On the deleted object\'s name.' }),
      location: ops('string', { description: 'On where it was, e.g. `{ startsWith: "Project: " }`.' }),
      createdAt: ops('datetime', { description: 'On when it was deleted.' }),
    },
  },
  sorts: { CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was deleted.'), NAME: sortBy('string', 'name', 'Alphabetically by name.') },
  defaultOrder: [{ field: 'CREATED_AT', direction: 'DESC' }],
};

builder.queryFields((t) => ({
  deletedItems: listField(t, deletedItemList),
  deletedItem: byIdField(t, 'DeletedItem', 'One entry of the bin, restored or not. An unknown id, another organization\'s, or another person\'s private one is `NOT_FOUND`.'),
}));

interface RestorePayload {
  restored: Restored | null;
  userErrors: UserError[];
}

const RestorePayloadRef = builder.objectRef<RestorePayload>('RestoreDeletedItemPayload').implement({
  description: 'The result of `restoreDeletedItem`.',
  fields: (t) => ({
    item: t.field({
      type: RestorableItem,
      nullable: true,
      description: 'The restored object (a Deal, Expense, Task, ...), with what was deleted with it back too; null when there are user errors.',
      resolve: async (payload, _args, ctx) => {
        if (!payload.restored) return null;
        const { model, id } = payload.restored;
        const row = await delegate(ctx.db, model).findFirst({ where: { id } });
        // The row says nothing of its type: the brand tells the union which member it is.
        return row ? REFS[model].addBrand(row as never) : null;
      },
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
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'What kept it from coming back (`NOT_FOUND`, `PARENT_DELETED`, `ALREADY_RESTORED`, `CONFLICT`); empty on success, when nothing was restored otherwise.',
      resolve: (payload) => payload.userErrors,
    }),
  }),
});

builder.mutationFields((t) => ({
  restoreDeletedItem: t.field({
    type: RestorePayloadRef,
    description:
      'Brings a deleted object back, with exactly what was deleted with it (not what was deleted on its own before), ' +
      'and takes its entry out of the bin. An object whose parent is still in the bin cannot come back first ' +
      '(PARENT_DELETED). Restoring twice, also at once, restores once (ALREADY_RESTORED).',
    args: { input: t.arg({ type: idInput('RestoreDeletedItemInput', 'The bin entry to restore.'), required: true, description: 'The bin entry to restore.' }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await restoreDeletedItem(ctx.bin, ctx.viewer, inputDatabaseId(input.id, 'DeletedItem'));
      return result.ok ? { restored: result.value, userErrors: [] } : { restored: null, userErrors: result.errors };
    },
  }),
}));

interface PurgePayload {
  purgedDeletedItemId: string | null;
  purgedItemId: string | null;
  userErrors: UserError[];
}

const PurgePayloadRef = builder.objectRef<PurgePayload>('PurgeDeletedItemPayload').implement({
  description: 'The result of `purgeDeletedItem`.',
  fields: (t) => ({
    purgedDeletedItemId: t.id({ nullable: true, description: 'The entry, now gone.', resolve: (p) => p.purgedDeletedItemId }),
    purgedItemId: t.id({ nullable: true, description: 'The global id of the object erased with it.', resolve: (p) => p.purgedItemId }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why it could not be purged (`NOT_FOUND`: an unknown or restored entry; `CONFLICT`: something of it is live); empty on success. When there is any, nothing was erased.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

builder.mutationFields((t) => ({
  purgeDeletedItem: t.field({
    type: PurgePayloadRef,
    description:
      'Deletes the object for good, with everything that cannot live without it: what was deleted with it, and what was ' +
      'deleted on its own before (an expense of a purged budget), with their entries. Live objects that pointed at it ' +
      "lose the link (a budget's `contract`, a copy's origin). It can no longer be restored.",
    args: { input: t.arg({ type: idInput('PurgeDeletedItemInput', 'The bin entry to purge.'), required: true, description: 'The bin entry to purge.' }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await purgeDeletedItem(ctx.bin, ctx.viewer, inputDatabaseId(input.id, 'DeletedItem'));
      return result.ok
        ? { purgedDeletedItemId: String(input.id), purgedItemId: globalId(subjectOf(result.value.model), result.value.id), userErrors: [] }
        : { purgedDeletedItemId: null, purgedItemId: null, userErrors: result.errors };
    },
  }),
}));
