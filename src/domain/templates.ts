// Template rules: a reusable project outline -- a name, a description and the titles of the tasks
// a project made from it starts with (each a valid task title).
import type { ScopedClient } from '../db/scope.js';
import type { Template } from '../generated/prisma/client.js';
import { at, checkText, fail, given, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { organizationName } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, optionalText } from './kit/result.js';
import { checkTitle, MAX_DESCRIPTION } from './tasks.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';
import { transact } from './kit/transaction.js';

export interface TemplateInput {
  name?: string | null;
  description?: string | null;
  taskTitles?: string[] | null;
}

export const MAX_TEMPLATE_NAME = 255;
export const MAX_TASK_TITLES = 200;

function check(input: TemplateInput, creating = true): UserError[] {
  const errors: UserError[] = [];
  if (creating || given(input, 'name')) checkText(errors, 'name', input.name, MAX_TEMPLATE_NAME);
  checkOptionalText(errors, 'description', input.description, MAX_DESCRIPTION);
  const titles = input.taskTitles ?? [];
  if (titles.length > MAX_TASK_TITLES) {
    errors.push(invalid('taskTitles', `may hold at most ${MAX_TASK_TITLES} task titles`));
  } else {
    // Each title is checked as a task's title is, and named by its index: ['input', 'taskTitles', '3'].
    titles.forEach((title, i) => {
      const own: UserError[] = [];
      checkTitle(own, 'taskTitles', title);
      errors.push(...own.map((e) => ({ ...e, field: [...e.field, String(i)] })));
    });
  }
  return errors;
}

export async function createTemplate(db: ScopedClient, viewer: Viewer, input: TemplateInput): Promise<Result<Template>> {
  // Fields are checked in the input's order, so the errors already are in it.
  const errors = check(input);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const template = await tx.template.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        creatorId: viewer.person.id,
        name: input.name!.trim(),
        description: optionalText(input.description),
        taskTitles: (input.taskTitles ?? []).map((title) => title.trim()),
      },
    });
    return ok(await withEvent(tx, viewer, 'template.created', 'Template', template, presentTemplate));
  });
}

/** Changes a template's name, description or task titles (the list is replaced); fields left out stay. */
export async function updateTemplate(db: ScopedClient, viewer: Viewer, id: number, input: TemplateInput): Promise<Result<Template>> {
  const errors = check(input, false);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const [template] = await tx.template.updateManyAndReturn({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'description') && { description: optionalText(input.description) }),
        ...(given(input, 'taskTitles') && { taskTitles: (input.taskTitles ?? []).map((title) => title.trim()) }),
      },
    });
    if (!template) return fail(notFound(at('id'), 'Template'));
    return ok(await withEvent(tx, viewer, 'template.updated', 'Template', template, presentTemplate));
  });
}

export function deleteTemplate(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'template', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** A template as the API shows it (src/schema/template.ts), for its events. */
export function presentTemplate(t: Template): Payload {
  return {
    id: globalId('Template', t.id),
    databaseId: t.id,
    name: t.name,
    description: t.description,
    taskTitles: t.taskTitles,
    creator: ref('Person', t.creatorId),
    createdAt: instant(t.createdAt),
    updatedAt: instant(t.updatedAt),
  };
}

/**
 * What the recycle bin knows of a template (src/domain/kit/bin-rules.ts): nothing goes with it, nothing must be live.
 */
export const templateBin: BinRules = {
  itemTypes: ['template'],
  what: 'Template',
  describe: async (tx, id) => {
    const template = await tx.template.findUnique({ where: { id }, select: { name: true } });
    return template && { itemType: 'template', name: template.name, location: await organizationName(tx) };
  },
};
