// The Page type (documents of the organization or of a project, nested under parent pages) with
// its list (also as `Project.pages` and `Page.subpages`) and its create/delete mutations.
import { createPage, deletePage, MAX_BODY, MAX_PAGE_TITLE, updatePage, type PageInput } from '../domain/pages.js';
import { builder } from './builder.js';
import { inputId } from './ids.js';
import { idsIn, isNull, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { liveRelation } from './kit/relations.js';

export const PageRef = builder.prismaNode('Page', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: 'A document page of the organization or of a project. Pages nest: a subpage is in its parent page\'s project.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this page.' }),
    title: t.exposeString('title', { description: 'The title as shown in lists; 1 to 255 characters.' }),
    body: t.exposeString('body', { description: 'The content as the editor stores it: JSON text such as `{"text":"Page body 1"}`, or empty.' }),
    public: t.exposeBoolean('public', { description: 'Shared publicly.' }),
    position: t.exposeInt('position', { nullable: true, description: 'Its place among its siblings, when set.' }),
    project: liveRelation(t as never, 'project', 'Project', 'The project it belongs to.'),
    parentPage: liveRelation(t as never, 'parentPage', 'Page', 'The page it is a subpage of.'),
    subpages: relatedListField(t as never, pageList, {
      relation: 'subpages',
      foreignKey: 'parentPageId',
      description: 'Its subpages (one level), with the filters, orders and paging of `Query.pages`. Deleting the page takes them along.',
    }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the page was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const pageList: ListSpec = {
  type: 'Page',
  description: 'Pages of the organization, by title unless another order is given.',
  filter: {
    description: 'Which pages to include.',
    fields: {
      projectIds: idsIn('Project', 'projectId', 'Pages of any of these projects.'),
      parentPageIds: idsIn('Page', 'parentPageId', 'Subpages of any of these pages.'),
      topLevel: isNull('parentPageId', 'Pages without a parent page (true) or subpages (false).'),
      title: ops('string', { description: 'On the title.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: { TITLE: sortBy('string', 'title', 'Alphabetically by title.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.') },
  defaultOrder: [{ field: 'TITLE', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  pages: listField(t, pageList),
}));

builder.prismaObjectFields('Project', (t) => ({
  pages: relatedListField(t as never, pageList, {
    relation: 'pages',
    foreignKey: 'projectId',
    description: 'Its pages (subpages too), with the filters, orders and paging of `Query.pages`.',
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const CreatePageInput = builder.inputType('CreatePageInput', {
  description: 'A new page. `title` is required.',
  fields: (t) => ({
    title: t.string({ description: `The title, not blank, at most ${MAX_PAGE_TITLE} characters. Required: left out, null or blank is \`BLANK\`.` }),
    body: t.string({ description: `JSON text as the editor stores it, at most ${MAX_BODY} characters. Default (also for null): empty.` }),
    projectId: t.id({
      description: "The project it belongs to; left out or null, a page of the organization. A subpage's is its parent's (another is `INVALID`).",
    }),
    parentPageId: t.id({ description: 'The live page it is a subpage of. Optional; null makes a top-level page.' }),
    public: t.boolean({ description: 'Shared publicly. Default (also for null): false.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createPage: t.field({
    type: payloadType('CreatePagePayload', 'Page', 'The result of `createPage`.'),
    description: 'Creates a page of the organization or of a project, possibly as a subpage of another.',
    args: { input: t.arg({ type: CreatePageInput, required: true, description: 'The new page.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(
        await idempotent(ctx, info, input, (fields) => {
          const domain: PageInput = {
            ...fields,
            projectId: inputId(fields.projectId, 'Project'),
            parentPageId: inputId(fields.parentPageId, 'Page'),
          };
          return createPage(ctx.db, ctx.viewer, domain);
        }),
      ),
  }),
  deletePage: deleteField(t, 'Page', {
    about: 'The page goes to the recycle bin with its subpages (and theirs), and comes back with them.',
    remove: (ctx, id) => deletePage(ctx.db, ctx.viewer, id),
  }),
}));

const UpdatePageInput = builder.inputType('UpdatePageInput', {
  description: 'Changes to a page: fields left out stay as they are. It stays where it is (its project and parent page).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The page to change.' }),
    title: t.string({ description: `Not blank, at most ${MAX_PAGE_TITLE} characters; null or blank is \`BLANK\`.` }),
    body: t.string({ description: `JSON text as the editor stores it, at most ${MAX_BODY} characters; null or empty empties the page.` }),
    public: t.boolean({ description: 'Shared publicly (null is `BLANK`).' }),
  }),
});

builder.mutationFields((t) => ({
  updatePage: t.field({
    type: payloadType('UpdatePagePayload', 'Page', 'The result of `updatePage`.'),
    description: "Changes a page's title, body or public flag, with the checks of `createPage`.",
    args: { input: t.arg({ type: UpdatePageInput, required: true, description: 'The page and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updatePage(ctx.db, ctx.viewer, inputDatabaseId(id, 'Page'), changes as PageInput));
    },
  }),
}));
