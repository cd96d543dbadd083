// The recycle bin as clients use it, for the tests of every model that goes through it: an item's
// entry, its purge, and whether a node is visible at all.
import type { App } from '../../src/http/app.js';
import { graphql } from '../generated/index.js';
import type { DeletedItemType } from '../generated/graphql.js';
import { expect } from 'vitest';
import { data, type Caller } from './app.js';

const Entries = graphql(`
  query HelperBinEntries($filter: DeletedItemFilter) {
    deletedItems(filter: $filter) { totalCount nodes { id itemType itemId name location private } }
  }
`);

const Purge = graphql(`
  mutation HelperBinPurge($input: PurgeDeletedItemInput!) {
    purgeDeletedItem(input: $input) { purgedDeletedItemId userErrors { field message code } }
  }
`);

const Node = graphql(`
  query HelperNode($id: ID!) { node(id: $id) { id } }
`);

/** The whole bin (not restored entries of every type) as `caller` sees it: `totalCount` and `nodes`. */
export async function binContents(app: App, caller: Caller) {
  return (await data(app, Entries, {}, caller)).deletedItems;
}

/** The bin's entries (not restored) of items of type `itemType`, newest first, as `caller` sees the bin. */
export async function binEntries(app: App, caller: Caller, itemType: DeletedItemType) {
  return (await data(app, Entries, { filter: { itemType: [itemType] } }, caller)).deletedItems.nodes;
}

/** The bin entry (not restored) of the item `itemId` (a global id) of type `itemType`, as `caller` sees the bin. */
export async function binEntry(app: App, caller: Caller, itemType: DeletedItemType, itemId: string) {
  return (await binEntries(app, caller, itemType)).find((n) => n.itemId === itemId);
}

/** `purgeDeletedItem` of the entry `id`: its payload. */
export async function purgeEntry(app: App, caller: Caller, id: string) {
  return (await data(app, Purge, { input: { id } }, caller)).purgeDeletedItem;
}

/** `node(id:)` as `caller` sees it: null when it is gone (in the bin, purged) or not theirs. */
export async function nodeOf(app: App, caller: Caller, id: string) {
  return (await data(app, Node, { id }, caller)).node;
}

type UserErrors = ReadonlyArray<{ field: readonly string[]; message: string; code: string }>;

/** What `binRoundTrip` needs to know of one item and its type. */
export interface RoundTrip {
  app: App;
  /** The item's organization, and another one (which must neither restore nor purge it). */
  owner: Caller;
  other: Caller;
  item: { id: string; databaseId: number };
  itemType: DeletedItemType;
  typename: string;
  /** Its entry's name and location. */
  name: string;
  location: string;
  /** What `restoreDeletedItem`'s item shows once it is back. */
  restored: Record<string, unknown>;
  remove(): Promise<unknown>;
  /** The names its list shows now. */
  listed(): Promise<string[]>;
  /** Its table, through the unscoped client: purged means no row left. */
  table: { count(args: { where: { id: number } }): Promise<number> };
  /** `restoreDeletedItem` with a selection of the item's own fields. */
  restore(caller: Caller, id: string): Promise<{ item: unknown; userErrors: UserErrors }>;
}

/**
 * The round trip every item type makes: deleted, it is in the bin with its name and location and
 * nowhere else; restored, it is back and its entry gone; deleted again and purged, it is gone for
 * good with its entry, and the entry cannot be restored.
 */
export async function binRoundTrip(trip: RoundTrip): Promise<void> {
  const { app, owner, other, item } = trip;
  await trip.remove();
  const entry = await binEntry(app, owner, trip.itemType, item.id);
  expect(entry).toMatchObject({ itemType: trip.itemType, name: trip.name, location: trip.location, private: false });
  expect(await nodeOf(app, owner, item.id)).toBeNull();
  expect(await trip.listed()).not.toContain(trip.name);
  // Another organization can neither restore nor purge it.
  expect((await trip.restore(other, entry!.id)).userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  expect((await purgeEntry(app, other, entry!.id)).userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);

  const back = await trip.restore(owner, entry!.id);
  expect(back.userErrors).toEqual([]);
  expect(back.item).toMatchObject({ __typename: trip.typename, id: item.id, ...trip.restored });
  expect(await nodeOf(app, owner, item.id)).toMatchObject({ id: item.id });
  expect(await trip.listed()).toContain(trip.name);
  expect(await binEntry(app, owner, trip.itemType, item.id)).toBeUndefined();

  await trip.remove();
  const again = await binEntry(app, owner, trip.itemType, item.id);
  expect(await purgeEntry(app, owner, again!.id)).toEqual({ purgedDeletedItemId: again!.id, userErrors: [] });
  expect(await binEntry(app, owner, trip.itemType, item.id)).toBeUndefined();
  expect(await trip.table.count({ where: { id: item.databaseId } })).toBe(0);
  expect(await trip.restore(owner, again!.id)).toEqual({
    item: null,
    userErrors: [{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }],
  });
}
