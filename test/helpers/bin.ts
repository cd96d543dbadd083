// The recycle bin as clients use it, for the tests of every model that goes through it: an item's
// entry, its purge, and whether a node is visible at all.
import type { App } from '../../src/http/app.js';
import { graphql } from '../generated/index.js';
import type { DeletedItemType } from '../generated/graphql.js';
import { data, type Caller } from './app.js';

const Entries = graphql(`
  query HelperBinEntries($filter: DeletedItemFilter) {
    deletedItems(filter: $filter) { totalCount nodes { id itemType itemId name location } }
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

/** The bin entry (not restored) of the item `itemId` (a global id) of type `itemType`, as `caller` sees the bin. */
export async function binEntry(app: App, caller: Caller, itemType: DeletedItemType, itemId: string) {
  const bin = await data(app, Entries, { filter: { itemType: [itemType] } }, caller);
  return bin.deletedItems.nodes.find((n) => n.itemId === itemId);
}

/** `purgeDeletedItem` of the entry `id`: its payload. */
export async function purgeEntry(app: App, caller: Caller, id: string) {
  return (await data(app, Purge, { input: { id } }, caller)).purgeDeletedItem;
}

/** `node(id:)` as `caller` sees it: null when it is gone (in the bin, purged) or not theirs. */
export async function nodeOf(app: App, caller: Caller, id: string) {
  return (await data(app, Node, { id }, caller)).node;
}
