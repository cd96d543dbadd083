// Dashboard rules: a dashboard belongs to the organization or to a live project (and goes to the
// recycle bin with that project).
import type { ScopedClient } from '../db/scope.js';
import type { Dashboard } from '../generated/prisma/client.js';
import { lockLive } from './kit/locks.js';
import { at, checkText, fail, given, inInputOrder, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { organizationName } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, LIVE, liveRef, ref, type Payload } from './kit/shown.js';
import type { Prisma } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';

/** A create input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface DashboardInput {
  name?: string | null;
  projectId?: number | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = ['name', 'projectId'] as const satisfies ReadonlyArray<keyof DashboardInput>;

export const MAX_DASHBOARD_NAME = 255;

export async function createDashboard(db: ScopedClient, viewer: Viewer, input: DashboardInput): Promise<Result<Dashboard>> {
  const errors: UserError[] = [];
  checkText(errors, 'name', input.name, MAX_DASHBOARD_NAME);
  return transact(db, async (tx) => {
    // The project's lock, live: a delete of it either waits and takes the new dashboard along, or
    // went first and this create finds no project.
    if (input.projectId != null && !(await lockLive(tx, 'project', input.projectId))) {
      errors.push(notFound(at('projectId'), 'Project'));
    }
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    const dashboard = await tx.dashboard.create({
      include: dashboardShows,
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        projectId: input.projectId ?? null,
        creatorId: viewer.person.id,
        name: input.name!.trim(),
      },
    });
    return ok(await withEvent(tx, viewer, 'dashboard.created', 'Dashboard', dashboard, presentDashboard));
  });
}

/** Renames a dashboard; it stays where it is (its project, or the organization). */
export async function updateDashboard(db: ScopedClient, viewer: Viewer, id: number, input: Pick<DashboardInput, 'name'>): Promise<Result<Dashboard>> {
  const errors: UserError[] = [];
  if (given(input, 'name')) checkText(errors, 'name', input.name, MAX_DASHBOARD_NAME);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const { count } = await tx.dashboard.updateMany({ where: { id }, data: { ...(given(input, 'name') && { name: input.name!.trim() }), updatedAt: new Date() } });
    const dashboard = count === 1 ? await tx.dashboard.findUnique({ where: { id }, include: dashboardShows }) : null;
    if (!dashboard) return fail(notFound(at('id'), 'Dashboard'));
    return ok(await withEvent(tx, viewer, 'dashboard.updated', 'Dashboard', dashboard, presentDashboard));
  });
}

export function deleteDashboard(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'dashboard', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** What a dashboard's payload needs beyond its columns: whether its project is in the bin. */
export const dashboardShows = { project: LIVE } satisfies Prisma.DashboardInclude;

/** A dashboard as the API shows it (src/schema/dashboard.ts), for its events. */
export function presentDashboard(d: Prisma.DashboardGetPayload<{ include: typeof dashboardShows }>): Payload {
  return {
    id: globalId('Dashboard', d.id),
    databaseId: d.id,
    name: d.name,
    project: liveRef('Project', d.project),
    creator: ref('Person', d.creatorId),
    createdAt: instant(d.createdAt),
    updatedAt: instant(d.updatedAt),
  };
}

/**
 * What the recycle bin knows of a dashboard (src/domain/kit/bin-rules.ts): its project must be live for it to come back.
 */
export const dashboardBin: BinRules = {
  itemTypes: ['dashboard'],
  what: 'Dashboard',
  describe: async (tx, id) => {
    // The reference locates a dashboard in its organization ("My organization"), whatever its project.
    const dashboard = await tx.dashboard.findUnique({ where: { id }, select: { name: true } });
    return dashboard && { itemType: 'dashboard', name: dashboard.name, location: await organizationName(tx) };
  },
  parents: [{ model: 'project', key: 'projectId', what: 'project' }],
};
