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
    databaseId: t.exposeInt('id'),
    number: t.exposeInt('number', { description: "Its number in its project, counted from 1 (the reference's `task_number`)." }),
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    private: t.exposeBoolean('private', { description: 'Visible only to its creator and its assignee.' }),
    startDate: t.expose('startDate', { type: 'Date', nullable: true }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true }),
    closed: t.boolean({ select: { closedAt: true }, resolve: (task) => task.closedAt !== null }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    tagList: t.exposeStringList('tagList'),
    project: t.relation('project', { description: 'The project it belongs to (deleting the project takes the task along).' }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    assignee: t.relation('assignee', { nullable: true, description: 'Who it is assigned to.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
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
      title: ops('string'),
      private: flag('private', 'Private tasks (true) or the others (false).'),
      dueDate: ops('date', { nullable: true }),
      createdAt: ops('datetime'),
    },
  },
  sorts: {
    NUMBER: sortBy('int', 'number', 'By task number (tasks of different projects share numbers; the id breaks ties).'),
    TITLE: sortBy('string', 'title'),
    DUE_DATE: sortBy('date', 'dueDate', { nullable: true, description: 'Tasks without a due date come last.' }),
    CREATED_AT: sortBy('datetime', 'createdAt'),
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
    projectId: t.id({ description: 'The project it belongs to.' }),
    title: t.string({ description: `At most ${MAX_TITLE} characters.` }),
    description: t.string({ description: `At most ${MAX_DESCRIPTION} characters.` }),
    private: t.boolean({ description: 'Visible only to its creator and its assignee. Default false.' }),
    assigneeId: t.id({ description: 'A person of the organization.' }),
    startDate: t.field({ type: 'Date' }),
    dueDate: t.field({ type: 'Date', description: 'Not before `startDate`.' }),
    tagList: t.stringList({ description: 'At most 50 tags of at most 100 characters; blanks and repeats are dropped.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createTask: t.field({
    type: payloadType('CreateTaskPayload', 'Task', 'The result of `createTask`.'),
    description: "Creates a task with its project's next task number.",
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
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
    title: t.string({ description: `Not blank, at most ${MAX_TITLE} characters.` }),
    description: t.string({ description: `At most ${MAX_DESCRIPTION} characters; blank or null clears it.` }),
    private: t.boolean({
      description: 'Visible only to its creator and its assignee (not null). A change that would hide the task from you is refused. A private task records no events.',
    }),
    assigneeId: t.id({ description: 'A person of the organization; null leaves the task unassigned.' }),
    startDate: t.field({ type: 'Date', description: 'Null clears it.' }),
    dueDate: t.field({ type: 'Date', description: 'Not before `startDate` (the given or the stored one); null clears it.' }),
    tagList: t.stringList({ description: 'Replaces the list: at most 50 tags of at most 100 characters; blanks and repeats are dropped. Null or [] clears it.' }),
  }),
});

const toUpdate = domainInput<TaskInput>({ assigneeId: 'Person' });

builder.mutationFields((t) => ({
  updateTask: t.field({
    type: payloadType('UpdateTaskPayload', 'Task', 'The result of `updateTask`.'),
    description: "Changes a task's title, description, privacy, assignee, dates or tags, with the checks of `createTask`.",
    args: { input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (_root, { input }, ctx) => toPayload(await updateTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'), toUpdate(input))),
  }),
}));

// ---- Closing and reopening ---------------------------------------------------------------------

builder.mutationFields((t) => ({
  closeTask: t.field({
    type: payloadType('CloseTaskPayload', 'Task', 'The result of `closeTask`.'),
    description: 'Closes a task (done), recording when. Closing a closed task is a user error.',
    args: { input: t.arg({ type: idInput('CloseTaskInput', 'The task to close.'), required: true }) },
    resolve: async (_root, { input }, ctx) => toPayload(await closeTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'))),
  }),
  reopenTask: t.field({
    type: payloadType('ReopenTaskPayload', 'Task', 'The result of `reopenTask`.'),
    description: 'Opens a closed task again. Reopening an open task is a user error.',
    args: { input: t.arg({ type: idInput('ReopenTaskInput', 'The task to reopen.'), required: true }) },
    resolve: async (_root, { input }, ctx) => toPayload(await reopenTask(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Task'))),
  }),
}));

