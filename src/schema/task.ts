// The Task type with its list (also as `Project.tasks`) and its create/delete mutations. A private
// task is visible only to its creator and its assignee: in lists, in `Project.tasks` and by id, as
// the data layer enforces it (src/db/scope.ts), so nothing here filters by hand.
import { closeTask, createTask, deleteTask, MAX_DESCRIPTION, MAX_TITLE, reopenTask, updateTask, type TaskInput } from '../domain/tasks.js';
import { builder } from './builder.js';
import { inputId } from './ids.js';
import { flag, idsIn, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, idInput, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

export const TaskRef = builder.prismaNode('Task', {
  id: { field: 'id' },
  findUnique: (id) => ({ id: Number(id) }),
  select: { id: true },
  nullable: true,
  description: 'A task of a project. A private task is visible only to its creator and its assignee.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this task.' }),
    number: t.exposeInt('number', { description: "Its number in its project, counted from 1 (the reference's `task_number`)." }),
    title: t.exposeString('title', { description: 'The title as shown in lists; 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'What is to be done, in words; null when there is none.' }),
    private: t.exposeBoolean('private', { description: 'Visible only to its creator and its assignee.' }),
    startDate: t.expose('startDate', { type: 'Date', nullable: true, description: 'The day work on it starts; null when not planned.' }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true, description: 'The day it is due, not before `startDate`; null when it has none.' }),
    closed: t.boolean({
      description: 'Whether it is closed (done): `closeTask` closes it, `reopenTask` opens it again.',
      select: { closedAt: true },
      resolve: (task) => task.closedAt !== null,
    }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'When it was closed; null while it is open.' }),
    tagList: t.exposeStringList('tagList', { description: 'Its tags, trimmed, without blanks or repeats; empty when it has none.' }),
    project: t.relation('project', { description: 'The project it belongs to (deleting the project takes the task along).' }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    assignee: t.relation('assignee', { nullable: true, description: 'Who it is assigned to.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the task was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed, closing and reopening included.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const taskList: ListSpec = {
  type: 'Task',
  description: 'Tasks of the organization (a private one only for its creator and assignee), by number unless another order is given.',
  filter: {
    description: 'Which tasks to include.',
    fields: {
      projectIds: idsIn('Project', 'projectId', 'Tasks of any of these projects.'),
      assigneeIds: idsIn('Person', 'assigneeId', 'Tasks assigned to any of these people.'),
      title: ops('string', { description: 'On the title.' }),
      private: flag('private', 'Private tasks (true) or the others (false).'),
      dueDate: ops('date', { nullable: true, description: 'On the due day; `isNull: true` for tasks without one.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: {
    NUMBER: sortBy('int', 'number', 'By task number (tasks of different projects share numbers; the id breaks ties).'),
    TITLE: sortBy('string', 'title', 'Alphabetically by title.'),
    DUE_DATE: sortBy('date', 'dueDate', { nullable: true, description: 'Tasks without a due date come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
  },
  defaultOrder: [{ field: 'NUMBER', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  tasks: listField(t, taskList),
}));

builder.prismaObjectFields('Project', (t) => ({
  tasks: relatedListField(t as never, taskList, {
    relation: 'tasks',
    foreignKey: 'projectId',
    description: 'Its tasks (a private one only for its creator and assignee), with the filters, orders and paging of `Query.tasks`.',
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const CreateTaskInput = builder.inputType('CreateTaskInput', {
  description: 'A new task. `projectId` and `title` are required.',
  fields: (t) => ({
    projectId: t.id({ description: 'The live project it belongs to. Required: left out or null is `BLANK`.' }),
    title: t.string({ description: `The title, not blank, at most ${MAX_TITLE} characters. Required: left out, null or blank is \`BLANK\`.` }),
    description: t.string({ description: `What is to be done, at most ${MAX_DESCRIPTION} characters. Optional; blank or null stores none.` }),
    private: t.boolean({ description: 'Visible only to its creator and its assignee. Default (also for null): false.' }),
    assigneeId: t.id({ description: 'Who it is assigned to: a person of the organization. Optional; null leaves it unassigned.' }),
    startDate: t.field({ type: 'Date', description: 'The day work on it starts. Optional.' }),
    dueDate: t.field({ type: 'Date', description: 'The day it is due, not before `startDate`. Optional.' }),
    tagList: t.stringList({ description: 'At most 50 tags of at most 100 characters; blanks and repeats are dropped. Optional; null stores none.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createTask: t.field({
    type: payloadType('CreateTaskPayload', 'Task', 'The result of `createTask`.'),
    description: "Creates a task with its project's next task number.",
    args: { input: t.arg({ type: CreateTaskInput, required: true, description: 'The new task.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(
        await idempotent(ctx, info, input, (fields) => {
          const domain: TaskInput = {
            ...fields,
            projectId: inputId(fields.projectId, 'Project'),
            assigneeId: inputId(fields.assigneeId, 'Person'),
          };
          return createTask(ctx.db, ctx.viewer, domain);
        }),
      ),
  }),
  deleteTask: deleteField(t, 'Task', {
    about: "The task goes to the recycle bin; a private task's entry is visible only to its deleter.",
    remove: (ctx, id) => deleteTask(ctx.db, ctx.viewer, id),
  }),
}));

// ---- Changing ------------------------------------------------------------------------------

const UpdateTaskInput = builder.inputType('UpdateTaskInput', {
  description:
    'Changes to a task: fields left out stay as they are; `null` clears an optional field. It stays in its project, with its number; ' +
    '`closeTask`/`reopenTask` close and reopen it.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The task to change (a private task of others is not found).' }),
    title: t.string({ description: `Not blank, at most ${MAX_TITLE} characters; null or blank is \`BLANK\`.` }),
    description: t.string({ description: `At most ${MAX_DESCRIPTION} characters; blank or null clears it.` }),
    private: t.boolean({
      description: 'Visible only to its creator and its assignee (null is `BLANK`). A change that would hide the task from you is refused. A private task records no events.',
    }),
    assigneeId: t.id({ description: 'A person of the organization; null leaves the task unassigned.' }),
    startDate: t.field({ type: 'Date', description: 'The day work on it starts. Null clears it.' }),
    dueDate: t.field({ type: 'Date', description: 'Not before `startDate` (the given or the stored one); null clears it.' }),
    tagList: t.stringList({ description: 'Replaces the list: at most 50 tags of at most 100 characters; blanks and repeats are dropped. Null or [] clears it.' }),
  }),
});

const toUpdate = domainInput<TaskInput>({ assigneeId: 'Person' });

builder.mutationFields((t) => ({
  updateTask: t.field({
    type: payloadType('UpdateTaskPayload', 'Task', 'The result of `updateTask`.'),
    description: "Changes a task's title, description, privacy, assignee, dates or tags, with the checks of `createTask`.",
    args: { input: t.arg({ type: UpdateTaskInput, required: true, description: 'The task and what to change.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await updateTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'), toUpdate(input))),
  }),
}));

// ---- Closing and reopening ---------------------------------------------------------------------

builder.mutationFields((t) => ({
  closeTask: t.field({
    type: payloadType('CloseTaskPayload', 'Task', 'The result of `closeTask`.'),
    description: 'Closes a task (done), recording when. Closing a closed task is a user error.',
    args: { input: t.arg({ type: idInput('CloseTaskInput', 'The task to close.'), required: true, description: 'The task to close.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await closeTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'))),
  }),
  reopenTask: t.field({
    type: payloadType('ReopenTaskPayload', 'Task', 'The result of `reopenTask`.'),
    description: 'Opens a closed task again. Reopening an open task is a user error.',
    args: { input: t.arg({ type: idInput('ReopenTaskInput', 'The task to reopen.'), required: true, description: 'The task to reopen.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await reopenTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'))),
  }),
}));

