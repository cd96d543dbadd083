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

/** A create input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
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

export async function createTask(db: ScopedClient, viewer: Viewer, input: TaskInput): Promise<Result<Task>> {
  const errors: UserError[] = [];
  if (input.projectId == null) errors.push(blank('projectId'));
  checkTitle(errors, 'title', input.title);
  checkOptionalText(errors, 'description', input.description, MAX_DESCRIPTION);
  if (input.startDate != null && input.dueDate != null && input.dueDate < input.startDate) {
    errors.push(invalid('dueDate', 'must not be before the start date'));
  }
  const tagList = input.tagList ? cleanTags(input.tagList, errors) : [];
  return transact(db, async (tx) => {
    // A member of the organization: the scoped client sees only those.
    if (input.assigneeId != null && !(await tx.person.findUnique({ where: { id: input.assigneeId }, select: { id: true } }))) {
      errors.push(notFound(at('assigneeId'), 'Person'));
    }
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
        tagList,
      },
    });
    // A private task is seen by its creator and assignee only: no event tells the organization of it.
    return ok(task.private ? task : await withEvent(tx, viewer, 'task.created', 'Task', task, presentTask));
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
