// Project rules: a project belongs to a live client company and takes the next number of the
// organization's counter. Deleting one puts it in the recycle bin with its tasks, pages and
// dashboards (`children` of its `BinRules`); its deals stay, with no project while it is there.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import { invoicedByProject, projectMoney, sumsByProject } from './deal-totals.js';
import type { Project } from '../generated/prisma/client.js';
import { at, blank, checkText, fail, given, inInputOrder, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockLive } from './kit/locks.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { organizationName } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, moneySet, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';
import { checkCompany } from './companies.js';

/** A create input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface ProjectInput {
  companyId?: number | null;
  name?: string | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = ['companyId', 'name'] as const satisfies ReadonlyArray<keyof ProjectInput>;

export const MAX_PROJECT_NAME = 255;

export async function createProject(db: ScopedClient, viewer: Viewer, input: ProjectInput): Promise<Result<Project>> {
  const errors: UserError[] = [];
  if (input.companyId == null) errors.push(blank('companyId'));
  checkText(errors, 'name', input.name, MAX_PROJECT_NAME);
  return transact(db, async (tx) => {
    // The company's lock, live: an operator deleting it meanwhile waits for this create (and then
    // finds the project), or has deleted it and this create finds no company.
    if (input.companyId != null && !(await lockLive(tx, 'company', input.companyId))) {
      errors.push(notFound(at('companyId'), 'Company'));
    } else if (input.companyId != null) {
      const archived = await checkCompany(tx, input.companyId);
      if (archived) errors.push(archived);
    }
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    // The organization's counter, incremented and read in one UPDATE (as deal numbers): concurrent
    // creates queue on its row lock and each gets its own number.
    const { lastProjectNumber: number } = await tx.organization.update({
      where: { id: viewer.organization.id },
      data: { lastProjectNumber: { increment: 1 } },
      select: { lastProjectNumber: true },
    });
    const project = await tx.project.create({
      data: { organizationId: viewer.organization.id, companyId: input.companyId!, name: input.name!.trim(), number },
    });
    return ok(await withEvent(tx, viewer, 'project.created', 'Project', project, (p, v) => presentProject(p, v, tx)));
  });
}

/** Soft delete with its tasks, pages and dashboards, under one stamp; one bin entry. */
export function deleteProject(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'project', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** A project as the API shows it (src/schema/project.ts), for its events. */
/**
 * Renames a project. Its company stays: its deals must belong to their project's company, so a
 * project does not change hands (make a new one).
 */
export async function updateProject(db: ScopedClient, viewer: Viewer, id: number, input: Pick<ProjectInput, 'name'>): Promise<Result<Project>> {
  const errors: UserError[] = [];
  if (given(input, 'name')) checkText(errors, 'name', input.name, MAX_PROJECT_NAME);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const [project] = await tx.project.updateManyAndReturn({ where: { id }, data: { ...(given(input, 'name') && { name: input.name!.trim() }) } });
    if (!project) return fail(notFound(at('id'), 'Project'));
    return ok(await withEvent(tx, viewer, 'project.updated', 'Project', project, (p, v) => presentProject(p, v, tx)));
  });
}

/** A project as the API shows it (src/schema/project.ts), its rollups from its deals' sums (two statements). */
export async function presentProject(p: Project, viewer: Viewer, tx: ScopedTx): Promise<Payload> {
  const sums = await sumsByProject(tx, [p.id]);
  const invoiced = await invoicedByProject(tx, [p.id]);
  const money = projectMoney(sums.get(p.id) ?? [], invoiced[0]!, viewer.organization.defaultCurrency);
  return {
    id: globalId('Project', p.id),
    databaseId: p.id,
    name: p.name,
    number: p.number,
    company: ref('Company', p.companyId),
    revenue: moneySet(money.revenue),
    cost: moneySet(money.cost),
    profit: moneySet(money.profit),
    profitMargin: money.profitMargin,
    invoiced: moneySet(money.invoiced),
    pendingInvoicing: moneySet(money.pendingInvoicing),
    workedTime: money.workedTime,
    createdAt: instant(p.createdAt),
  };
}

/**
 * What the recycle bin knows of a project (src/domain/kit/bin-rules.ts): its tasks, pages and
 * dashboards go with it; its company must be live for it to come back.
 */
export const projectBin: BinRules = {
  itemTypes: ['project'],
  what: 'Project',
  describe: async (tx, id) => {
    // The reference locates a project in its organization ("My organization"), not its company.
    const project = await tx.project.findUnique({ where: { id }, select: { name: true } });
    return project && { itemType: 'project', name: project.name, location: await organizationName(tx) };
  },
  children: [
    { model: 'task', key: 'projectId' },
    { model: 'page', key: 'projectId' },
    { model: 'dashboard', key: 'projectId' },
  ],
  // Deals stay: while the project is in the bin their `project` is null; purging it cuts the link.
  detach: [{ model: 'deal', key: 'projectId' }],
  parents: [{ model: 'company', key: 'companyId', what: 'company' }],
};
