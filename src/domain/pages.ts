// Page rules: a page belongs to the organization or to a live project, and may sit under a live
// parent page, whose project it then shares. Deleting a page takes its subpages along, recursively
// (`children` of its `BinRules`). Every problem of an input is reported at once; nothing is written then.
import type { ScopedClient } from '../db/scope.js';
import type { Page } from '../generated/prisma/client.js';
import { lockLive } from './kit/locks.js';
import { at, blank, checkText, fail, given, inInputOrder, invalid, notFound, ok, tooLong, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { projectOr } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, LIVE, liveRef, ref, type Payload } from './kit/shown.js';
import type { Prisma } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';

/** A create input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface PageInput {
  title?: string | null;
  body?: string | null;
  projectId?: number | null;
  parentPageId?: number | null;
  public?: boolean | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = ['title', 'body', 'projectId', 'parentPageId', 'public'] as const satisfies ReadonlyArray<keyof PageInput>;

export const MAX_PAGE_TITLE = 255;
/** The editor's JSON of a page: far above any real page, well below the 1 MiB a request may carry. */
export const MAX_BODY = 200_000;

function checkBody(errors: UserError[], body: string | null | undefined): void {
  if (body == null || body === '') return;
  if (body.length > MAX_BODY) return void errors.push(tooLong('body', MAX_BODY));
  if (body.includes('\u0000')) return void errors.push(invalid('body', 'cannot contain the NUL character (\\u0000)'));
  try {
    JSON.parse(body);
  } catch {
    errors.push(invalid('body', 'must be JSON text, e.g. {"text":"Page body"}'));
  }
}

/** What a page's content may be: checked by createPage (`creating`: the title is required) and by updatePage for the fields it gives. */
function checkContent(input: PageInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  if (creating || given(input, 'title')) checkText(errors, 'title', input.title, MAX_PAGE_TITLE);
  checkBody(errors, input.body);
  if (!creating && given(input, 'public') && input.public === null) errors.push(blank('public'));
  // Where a page sits is not changed by an update: see updatePage.
  if (!creating) {
    for (const key of ['projectId', 'parentPageId'] as const) {
      if (given(input, key)) errors.push(invalid(key, 'cannot be changed: a page stays where it is'));
    }
  }
  return errors;
}

export async function createPage(db: ScopedClient, viewer: Viewer, input: PageInput): Promise<Result<Page>> {
  const checked = checkContent(input, true);
  return transact(db, async (tx) => {
    // A copy per attempt: transact() may run this again after a deadlock.
    const errors = [...checked];
    // A subpage is in its parent's project. Its project is read first and locked before the parent:
    // the order a project's delete takes them in (the project, then its pages), so the two never
    // wait for each other. Each lock makes a concurrent delete of what it locks either wait for this
    // create and take the new page along, or go first and leave this create with NOT_FOUND.
    const parent =
      input.parentPageId != null ? await tx.page.findUnique({ where: { id: input.parentPageId }, select: { projectId: true } }) : null;
    if (input.parentPageId != null && !parent) errors.push(notFound(at('parentPageId'), 'Page'));
    const projectId = input.projectId ?? parent?.projectId ?? null;
    if (input.projectId != null) {
      if (!(await lockLive(tx, 'project', input.projectId))) errors.push(notFound(at('projectId'), 'Project'));
      else if (parent && parent.projectId !== input.projectId) {
        errors.push(invalid('projectId', "must be the parent page's project (leave it out to use that one)"));
      }
    } else if (parent?.projectId != null && !(await lockLive(tx, 'project', parent.projectId))) {
      // The parent's project went to the bin meanwhile, and the parent with it.
      errors.push(notFound(at('parentPageId'), 'Page'));
    }
    if (parent && !errors.some((e) => e.field[1] === 'parentPageId') && !(await lockLive(tx, 'page', input.parentPageId!))) {
      errors.push(notFound(at('parentPageId'), 'Page'));
    }
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    const page = await tx.page.create({
      include: pageShows,
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        projectId,
        parentPageId: input.parentPageId ?? null,
        creatorId: viewer.person.id,
        title: input.title!.trim(),
        body: input.body ?? '',
        public: input.public ?? false,
      },
    });
    return ok(await withEvent(tx, viewer, 'page.created', 'Page', page, presentPage));
  });
}

/**
 * Changes a page's title, body or public flag; fields left out stay, a null body empties it. A page
 * stays where it is (its project and parent page): a subpage is in its parent's project, so a move
 * would carry its whole subtree to another project and must never put a page under its own subpage
 * -- a move of its own, not a field of this update.
 */
export async function updatePage(db: ScopedClient, viewer: Viewer, id: number, input: PageInput): Promise<Result<Page>> {
  const errors = checkContent(input, false);
  if (errors.length) return fail(...inInputOrder(errors, FIELDS));
  return transact(db, async (tx) => {
    // The changes do not depend on the stored page: one guarded UPDATE (a deleted or foreign page matches nothing).
    const { count } = await tx.page.updateMany({
      where: { id },
      data: {
        ...(given(input, 'title') && { title: input.title!.trim() }),
        ...(given(input, 'body') && { body: input.body ?? '' }),
        ...(input.public != null && { public: input.public }),
        updatedAt: new Date(),
      },
    });
    const page = count === 1 ? await tx.page.findUnique({ where: { id }, include: pageShows }) : null;
    if (!page) return fail(notFound(at('id'), 'Page'));
    return ok(await withEvent(tx, viewer, 'page.updated', 'Page', page, presentPage));
  });
}

/** Soft delete with its subpages (and theirs), under one stamp; one bin entry. */
export function deletePage(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'page', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** What a page's payload needs beyond its columns: whether its project and parent are in the bin. */
export const pageShows = { project: LIVE, parentPage: LIVE } satisfies Prisma.PageInclude;

/** A page as the API shows it (src/schema/page.ts), for its events. */
export function presentPage(p: Prisma.PageGetPayload<{ include: typeof pageShows }>): Payload {
  return {
    id: globalId('Page', p.id),
    databaseId: p.id,
    title: p.title,
    body: p.body,
    public: p.public,
    position: p.position,
    project: liveRef('Project', p.project),
    parentPage: liveRef('Page', p.parentPage),
    creator: ref('Person', p.creatorId),
    createdAt: instant(p.createdAt),
    updatedAt: instant(p.updatedAt),
  };
}

/**
 * What the recycle bin knows of a page (src/domain/kit/bin-rules.ts): its subpages go with it; its
 * project and parent page must be live for it to come back.
 */
export const pageBin: BinRules = {
  itemTypes: ['page'],
  what: 'Page',
  describe: async (tx, id) => {
    const page = await tx.page.findUnique({ where: { id }, select: { title: true, project: { select: { name: true } } } });
    return page && { itemType: 'page', name: page.title, location: await projectOr(tx, page.project) };
  },
  children: [{ model: 'page', key: 'parentPageId' }],
  parents: [
    { model: 'project', key: 'projectId', what: 'project' },
    { model: 'page', key: 'parentPageId', what: 'parent page' },
  ],
};
