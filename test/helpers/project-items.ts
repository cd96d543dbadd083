// Pages, dashboards and templates (issue 11) as clients see them: one node selection, one restore
// selection, `Project.pages`/`Project.dashboards`, and the bin round trip with that restore.
import type { App } from '../../src/http/app.js';
import { graphql } from '../generated/index.js';
import { data, type Caller } from './app.js';
import { binRoundTrip, type RoundTrip } from './bin.js';

const Node = graphql(`
  query HelperItemNode($id: ID!) {
    node(id: $id) {
      id
      ... on Page { title }
      ... on Dashboard { name }
      ... on Template { name }
    }
  }
`);

const Restore = graphql(`
  mutation HelperItemRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item {
        __typename
        ... on Page { id title project { name } parentPage { title } subpages { totalCount } }
        ... on Dashboard { id name project { name } }
        ... on Template { id name taskTitles }
      }
      userErrors { field message code }
    }
  }
`);

const ProjectItems = graphql(`
  query HelperProjectItems($id: ID!) {
    node(id: $id) { ... on Project { pages { totalCount nodes { title } } dashboards { totalCount nodes { name } } } }
  }
`);

/** `node(id:)` as `caller` sees it, with a page's title or a dashboard's or template's name. */
export async function itemNode(app: App, caller: Caller, id: string) {
  return (await data(app, Node, { id }, caller)).node;
}

/** `restoreDeletedItem` of the bin entry `id`: its payload, with the item's own fields. */
export async function restoreItem(app: App, caller: Caller, id: string) {
  return (await data(app, Restore, { input: { id } }, caller)).restoreDeletedItem;
}

/** The pages and dashboards of the project `id` (a global id). */
export async function projectItems(app: App, caller: Caller, id: string) {
  return (await data(app, ProjectItems, { id }, caller)).node;
}

/** `binRoundTrip` of a page, dashboard or template, restored with `restoreItem`'s selection. */
export const itemRoundTrip = (trip: Omit<RoundTrip, 'restore'>) =>
  binRoundTrip({ ...trip, restore: (caller, id) => restoreItem(trip.app, caller, id) });
