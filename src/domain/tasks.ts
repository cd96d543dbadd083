// Task rules: a task belongs to a live project and takes the project's next task number; a private
// task is visible only to its creator and its assignee (and its bin entry only to its deleter, see
// `taskBin` below). Every problem of an input is reported at once; nothing is written then.
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { Task } from '../generated/prisma/client.js';
import { live, type BinRules } from './kit/bin-rules.js';
import { lockLive } from './kit/locks.js';
import {
  at,
  blank,
  checkOptionalText,
  checkText,
  fail,
  fieldAfter,
  given,
  inInputOrder,
  invalid,
  MAX_LONG_TEXT,
  notFound,
  ok,
  optionalText,
  type Result,
  type UserError,
} from './kit/result.js';
import { cleanTags } from './kit/tags.js';
import { transact } from './kit/transaction.js';
import { transition, type Transitions } from './kit/transition.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface TaskInput {
  projectId?: number | null;
  title?: string | null;
  description?: string | null;
  private?: boolean | null;
  assigneeId?: number | null;
  startDate?: Date | null;
  dueDate?: Date | null;
  tagList?: string[] | null;
}

/** The input's fields in the order errors are reported. */
const FIELDS = [
  'projectId', 'title', 'description', 'private', 'assigneeId', 'startDate', 'dueDate', 'tagList',
] as const satisfies ReadonlyArray<keyof TaskInput>;

export const MAX_TITLE = 255;
export const MAX_DESCRIPTION = MAX_LONG_TEXT;

/** Whether `personId` may see the task: a public one, or a private one they created or are assigned (the data layer's rule, src/db/scope.ts, for a task already loaded). */
export const canSeeTask = (task: { private: boolean; creatorId: number; assigneeId: number | null }, personId: number): boolean =>
  !task.private || task.creatorId === personId || task.assigneeId === personId;

/** A task title, as a task's and a template's task titles are checked (`field` is its name in the input). */
export function checkTitle(errors: UserError[], name: string, value: string | null | undefined): void {
  checkText(errors, name, value, MAX_TITLE);
}

/** The next number of a live project's tasks, handed out in the statement that reads it (a create's, or a restore's whose number was taken). */
export async function nextTaskNumber(tx: ScopedTx, projectId: number): Promise<number> {
  const project = await tx.project.update({ where: { id: projectId, deletedAt: null }, data: { lastTaskNumber: { increment: 1 } }, select: { lastTaskNumber: true } });
  return project.lastTaskNumber;
}

/**
 * Checks the fields `input` gives (every one when creating: `existing` null) and the rules across
 * fields on the task as the write leaves it; the tag list as it will be stored. createTask and
 * updateTask share it, so that an update refuses what a create refuses.
 */
function check(input: TaskInput, existing: Task | null): { errors: UserError[]; tagList: string[] } {
  const creating = existing === null;
  const errors: UserError[] = [];
  if (creating && input.projectId == null) errors.push(blank('projectId'));
  // A task stays in its project: its number is its project's, and its time entries were logged there.
  if (!creating && given(input, 'projectId')) errors.push(invalid('projectId', 'cannot be changed: a task stays in its project'));
  if (creating || given(input, 'title')) checkTitle(errors, 'title', input.title);
  checkOptionalText(errors, 'description', input.description, MAX_DESCRIPTION);
  if (!creating && given(input, 'private') && input.private === null) errors.push(blank('private'));
  const startDate = fieldAfter(input, existing, 'startDate');
  const dueDate = fieldAfter(input, existing, 'dueDate');
  if (startDate != null && dueDate != null && dueDate < startDate) {
    // On the field the input moved: the due date when it gives one (always, on a create).
    if (creating || given(input, 'dueDate')) errors.push(invalid('dueDate', 'must not be before the start date'));
    else errors.push(invalid('startDate', 'must not be after the due date'));
  }
  const tagList = input.tagList ? cleanTags(input.tagList, errors) : [];
  return { errors, tagList };
}

/** The assignee, when the input names one, must be a member of the organization: the scoped client sees only those. */
async function checkAssignee(tx: ScopedTx, errors: UserError[], assigneeId: number | null | undefined): Promise<void> {
  if (assigneeId != null && !(await tx.person.findUnique({ where: { id: assigneeId }, select: { id: true } }))) {
    errors.push(notFound(at('assigneeId'), 'Person'));
  }
}

export async function createTask(db: ScopedClient, viewer: Viewer, input: TaskInput): Promise<Result<Task>> {
  const checked = check(input, null);
  return transact(db, async (tx) => {
    // A copy per attempt: transact() may run this again after a deadlock.
    const errors = [...checked.errors];
    await checkAssignee(tx, errors, input.assigneeId);
    // The project's lock, live: a delete of the project either waits for this create and then takes
    // the new task with it, or went first and this create finds no project.
    if (input.projectId != null && !(await lockLive(tx, 'project', input.projectId))) {
      errors.push(notFound(at('projectId'), 'Project'));
    }
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    const number = await nextTaskNumber(tx, input.projectId!);
    const task = await tx.task.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        projectId: input.projectId!,
        creatorId: viewer.person.id,
        assigneeId: input.assigneeId ?? null,
        number,
        title: input.title!.trim(),
        description: optionalText(input.description),
        private: input.private ?? false,
        startDate: input.startDate ?? null,
        dueDate: input.dueDate ?? null,
        tagList: checked.tagList,
      },
    });
    // A private task is seen by its creator and assignee only: no event tells the organization of it.
    return ok(task.private ? task : await withEvent(tx, viewer, 'task.created', 'Task', task, presentTask));
  });
}

/**
 * Changes a task: fields left out stay, `null` clears an optional one (assignee, description, dates,
 * tags). It stays in its project, with its number. The viewer must still see it afterwards (a
 * private task is its creator's and assignee's). As createTask: a task that is private after the
 * change records no event -- one turned private included, whose payload would tell the organization
 * of what is now private.
 */
export async function updateTask(db: ScopedClient, viewer: Viewer, id: number, input: TaskInput): Promise<Result<Task>> {
  return transact(db, async (tx) => {
    // The task's lock, and with it its latest committed state. A deleted task, another
    // organization's, or a private one of others (the data layer's rule) matches nothing.
    const [existing] = await tx.task.updateManyAndReturn({ where: { id }, data: { updatedAt: new Date() } });
    if (!existing) return fail(notFound(at('id'), 'Task'));
    const { errors, tagList } = check(input, existing);
    await checkAssignee(tx, errors, input.assigneeId);
    const after = {
      private: input.private ?? existing.private,
      creatorId: existing.creatorId,
      assigneeId: fieldAfter(input, existing, 'assigneeId') ?? null,
    };
    if (!errors.length && !canSeeTask(after, viewer.person.id)) {
      errors.push(invalid(given(input, 'private') ? 'private' : 'assigneeId', 'would hide the task from you: a private task is seen only by its creator and its assignee'));
    }
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));
    const task = await tx.task.update({
      where: { id },
      data: {
        ...(given(input, 'title') && { title: input.title!.trim() }),
        ...(given(input, 'description') && { description: optionalText(input.description) }),
        ...(input.private != null && { private: input.private }),
        ...(given(input, 'assigneeId') && { assigneeId: input.assigneeId ?? null }),
        ...(given(input, 'startDate') && { startDate: input.startDate ?? null }),
        ...(given(input, 'dueDate') && { dueDate: input.dueDate ?? null }),
        ...(given(input, 'tagList') && { tagList }),
      },
    });
    return ok(task.private ? task : await withEvent(tx, viewer, 'task.updated', 'Task', task, presentTask));
  });
}

// ---- Closing and reopening ---------------------------------------------------------------------

const TASK_TRANSITIONS: Transitions<Task> = {
  model: 'task',
  node: 'Task',
  what: 'Task',
  read: (tx, id) => tx.task.findUnique({ where: { id } }),
  present: presentTask,
  // As createTask: a private task is its creator's and assignee's; no event tells the organization of it.
  unrecorded: (task) => task.private,
};

/** Closes a task (done); a closed one is ALREADY_CLOSED. A task private to others is not found. */
export function closeTask(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Task>> {
  return transition(db, viewer, TASK_TRANSITIONS, id, {
    from: { closedAt: null },
    to: { closedAt: new Date() },
    refused: { field: at('id'), message: 'is already closed', code: 'ALREADY_CLOSED' },
    event: 'task.closed',
  });
}

export function reopenTask(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Task>> {
  return transition(db, viewer, TASK_TRANSITIONS, id, {
    from: { closedAt: { not: null } },
    to: { closedAt: null },
    refused: { field: at('id'), message: 'is not closed', code: 'NOT_CLOSED' },
    event: 'task.reopened',
  });
}

/**
 * Soft delete (one bin entry, private when the task is). Another person's private task is not
 * theirs to see, so not to delete either: the data layer narrows the delete to what the viewer
 * sees, and it is NOT_FOUND, as for an unknown id.
 */
export function deleteTask(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'task', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** A task as the API shows it (src/schema/task.ts) to `viewer`, for its events; null when it is another's private task. */
export function presentTask(t: Task, viewer: Viewer): Payload | null {
  if (!canSeeTask(t, viewer.person.id)) return null;
  return {
    id: globalId('Task', t.id),
    databaseId: t.id,
    number: t.number,
    title: t.title,
    description: t.description,
    private: t.private,
    startDate: day(t.startDate),
    dueDate: day(t.dueDate),
    closed: t.closedAt !== null,
    closedAt: instant(t.closedAt),
    tagList: t.tagList,
    project: ref('Project', t.projectId),
    creator: ref('Person', t.creatorId),
    assignee: ref('Person', t.assigneeId),
    createdAt: instant(t.createdAt),
    updatedAt: instant(t.updatedAt),
  };
}

/** What a restore of a task re-establishes (src/domain/kit/bin-rules.ts): its number, free in its project, else the next one. */
export const taskBin: BinRules = {
  itemTypes: ['task'],
  what: 'Task',
  describe: async (tx, id) => {
    const task = await tx.task.findUnique({ where: { id }, select: { title: true, private: true, project: { select: { name: true } } } });
    return task && { itemType: 'task', name: task.title, location: `Project: ${task.project.name}`, private: task.private };
  },
  detach: [{ model: 'timeEntry', key: 'taskId' }],
  parents: [{ model: 'project', key: 'projectId', what: 'project' }],
  place: async (tx, task) => {
    const projectId = task.projectId as number;
    const taken = await tx.task.count({ where: { projectId, number: task.number as number, ...live } });
    return taken ? { number: await nextTaskNumber(tx, projectId) } : {};
  },
};
