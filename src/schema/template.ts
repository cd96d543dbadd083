// The Template type (reusable project outlines) with its list and its create/delete mutations.
import { MAX_DESCRIPTION, MAX_TITLE } from '../domain/tasks.js';
import { createTemplate, deleteTemplate, MAX_TASK_TITLES, MAX_TEMPLATE_NAME, updateTemplate, type TemplateInput } from '../domain/templates.js';
import { builder } from './builder.js';
import { listField, ops, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

export const TemplateRef = builder.prismaNode('Template', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: 'A reusable project outline: a name, a description and the titles of the tasks a project made from it starts with.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this template.' }),
    name: t.exposeString('name', { description: 'The name as shown in lists; 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the template is for, in words; null when there is none.' }),
    taskTitles: t.exposeStringList('taskTitles', { description: 'The titles of the tasks it makes, in order.' }),
    creator: t.relation('creator', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the template was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

export const templateList: ListSpec = {
  type: 'Template',
  description: 'Project templates of the organization, by name unless another order is given.',
  filter: {
    description: 'Which templates to include.',
    fields: { name: ops('string', { description: 'On the name.' }), createdAt: ops('datetime', { description: 'On when it was created.' }) },
  },
  sorts: { NAME: sortBy('string', 'name', 'Alphabetically by name.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.') },
  defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  templates: listField(t, templateList),
}));

const CreateTemplateInput = builder.inputType('CreateTemplateInput', {
  description: 'A new project template. `name` is required.',
  fields: (t) => ({
    name: t.string({ description: `The name, not blank, at most ${MAX_TEMPLATE_NAME} characters. Required: left out, null or blank is \`BLANK\`.` }),
    description: t.string({ description: `What it is for, at most ${MAX_DESCRIPTION} characters. Optional; blank or null stores none.` }),
    taskTitles: t.stringList({
      description: `At most ${MAX_TASK_TITLES} titles, each a valid task title (not blank, at most ${MAX_TITLE} characters). Left out or null: none.`,
    }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createTemplate: t.field({
    type: payloadType('CreateTemplatePayload', 'Template', 'The result of `createTemplate`.'),
    description: 'Creates a project template.',
    args: { input: t.arg({ type: CreateTemplateInput, required: true, description: 'The new template.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createTemplate(ctx.db, ctx.viewer, fields as TemplateInput))),
  }),
  deleteTemplate: deleteField(t, 'Template', {
    about: 'The template goes to the recycle bin.',
    remove: (ctx, id) => deleteTemplate(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateTemplateInput = builder.inputType('UpdateTemplateInput', {
  description: 'Changes to a project template; fields left out stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The template to change.' }),
    name: t.string({ description: `Not blank, at most ${MAX_TEMPLATE_NAME} characters; null or blank is \`BLANK\`.` }),
    description: t.string({ description: `At most ${MAX_DESCRIPTION} characters; blank or null clears it.` }),
    taskTitles: t.stringList({ description: `Replaces the list: at most ${MAX_TASK_TITLES} titles, each a valid task title (not blank, at most ${MAX_TITLE} characters). Null empties it.` }),
  }),
});

builder.mutationFields((t) => ({
  updateTemplate: t.field({
    type: payloadType('UpdateTemplatePayload', 'Template', 'The result of `updateTemplate`.'),
    description: "Changes a template's name, description or task titles.",
    args: { input: t.arg({ type: UpdateTemplateInput, required: true, description: 'The template and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateTemplate(ctx.db, ctx.viewer, inputDatabaseId(id, 'Template'), changes as TemplateInput));
    },
  }),
}));
