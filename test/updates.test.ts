// Update mutations of the models that could only be created and deleted (issue 24): projects,
// dashboards, templates and events. The same validation as their creates, fields left out stay,
// another organization's object (or another type's id, or one in the bin) is NOT_FOUND and stays
// as it is, and nothing is written when anything is wrong.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDashboard } from '../src/domain/dashboards.js';
import { createTemplate } from '../src/domain/templates.js';
import { graphql } from './generated/index.js';
import { as, data, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, gid, type Tenant } from './helpers/fixtures.js';
import { event } from './helpers/records.js';

const UpdateProject = graphql(`
  mutation UpProject($input: UpdateProjectInput!) { updateProject(input: $input) { project { name company { databaseId } } userErrors { field message code } } }
`);
const UpdateDashboard = graphql(`
  mutation UpDashboard($input: UpdateDashboardInput!) { updateDashboard(input: $input) { dashboard { name project { databaseId } } userErrors { field message code } } }
`);
const UpdateTemplate = graphql(`
  mutation UpTemplate($input: UpdateTemplateInput!) { updateTemplate(input: $input) { template { name description taskTitles } userErrors { field message code } } }
`);
const UpdateEvent = graphql(`
  mutation UpEvent($input: UpdateEventInput!) { updateEvent(input: $input) { event { name description paid } userErrors { field message code } } }
`);
const DeleteTemplate = graphql(`mutation UpDeleteTemplate($input: DeleteTemplateInput!) { deleteTemplate(input: $input) { userErrors { code } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

const err = (field: string, message: string, code: string) => ({ field: ['input', field], message, code });
const TOO_LONG = (field: string, max: number) => err(field, `is too long (maximum is ${max} characters)`, 'TOO_LONG');

async function templateOf(tenant: Tenant) {
  const result = await createTemplate(tenant.db, tenant.viewer, { name: 'Onboarding', description: 'New hire', taskTitles: ['Laptop'] });
  if (!result.ok) throw new Error('fixture template');
  return gid('Template', result.value.id);
}

describe('updates', () => {
  test('a project is renamed and keeps its company; blank, long and foreign are refused', async () => {
    const id = gid('Project', a.projects.website);
    const renamed = await data(t.app, UpdateProject, { input: { id, name: ' Website 2 ' } }, as(a));
    expect(renamed.updateProject).toEqual({ project: { name: 'Website 2', company: { databaseId: a.companies.acme } }, userErrors: [] });
    expect((await data(t.app, UpdateProject, { input: { id, name: '' } }, as(a))).updateProject.userErrors).toEqual([err('name', "can't be blank", 'BLANK')]);
    expect((await data(t.app, UpdateProject, { input: { id, name: 'p'.repeat(256) } }, as(a))).updateProject.userErrors).toEqual([TOO_LONG('name', 255)]);
    const theirs = await data(t.app, UpdateProject, { input: { id: gid('Project', b.projects.website), name: 'Mine' } }, as(a));
    expect(theirs.updateProject.userErrors).toEqual([err('id', 'Project not found', 'NOT_FOUND')]);
    expect((await t.db.prisma.project.findUniqueOrThrow({ where: { id: b.projects.website } })).name).toBe('Website');
    expect((await t.db.prisma.project.findUniqueOrThrow({ where: { id: a.projects.website } })).name).toBe('Website 2');
  });

  test('a dashboard is renamed where it is', async () => {
    const made = await createDashboard(a.db, a.viewer, { name: 'Board', projectId: a.projects.app });
    if (!made.ok) throw new Error('fixture dashboard');
    const id = gid('Dashboard', made.value.id);
    expect((await data(t.app, UpdateDashboard, { input: { id, name: 'Board 2' } }, as(a))).updateDashboard).toEqual({
      dashboard: { name: 'Board 2', project: { databaseId: a.projects.app } },
      userErrors: [],
    });
    expect((await data(t.app, UpdateDashboard, { input: { id, name: 'a\u0000' } }, as(a))).updateDashboard.userErrors).toEqual([
      err('name', 'cannot contain the NUL character (\\u0000)', 'INVALID'),
    ]);
    expect((await data(t.app, UpdateDashboard, { input: { id: gid('Deal', a.deals.eur), name: 'x' } }, as(a))).updateDashboard.userErrors).toEqual([
      err('id', 'Dashboard not found', 'NOT_FOUND'),
    ]);
  });

  test('a template: fields left out stay, null clears the description, the task list is replaced and checked by index', async () => {
    const id = await templateOf(a);
    expect((await data(t.app, UpdateTemplate, { input: { id, name: 'Starter' } }, as(a))).updateTemplate.template).toEqual({
      name: 'Starter',
      description: 'New hire',
      taskTitles: ['Laptop'],
    });
    expect((await data(t.app, UpdateTemplate, { input: { id, description: null, taskTitles: [' Desk ', 'Badge'] } }, as(a))).updateTemplate.template).toEqual({
      name: 'Starter',
      description: null,
      taskTitles: ['Desk', 'Badge'],
    });
    const bad = await data(t.app, UpdateTemplate, { input: { id, name: ' ', taskTitles: ['ok', ''] } }, as(a));
    expect(bad.updateTemplate).toEqual({ template: null, userErrors: [err('name', "can't be blank", 'BLANK'), { field: ['input', 'taskTitles', '1'], message: "can't be blank", code: 'BLANK' }] });
    // In the bin it is not found, and stays as it was.
    await data(t.app, DeleteTemplate, { input: { id } }, as(a));
    expect((await data(t.app, UpdateTemplate, { input: { id, name: 'Ghost' } }, as(a))).updateTemplate.userErrors).toEqual([err('id', 'Template not found', 'NOT_FOUND')]);
    expect((await t.db.prisma.template.findUniqueOrThrow({ where: { id: Number(Buffer.from(id, 'base64').toString().split(':')[1]) } })).name).toBe('Starter');
  });

  test('an event: paid cannot be cleared; another organization\'s is not found', async () => {
    const id = gid('Event', await event(a, 'Vacation'));
    expect((await data(t.app, UpdateEvent, { input: { id, paid: false, description: 'Unpaid leave' } }, as(a))).updateEvent).toEqual({
      event: { name: 'Vacation', description: 'Unpaid leave', paid: false },
      userErrors: [],
    });
    expect((await data(t.app, UpdateEvent, { input: { id, paid: null } }, as(a))).updateEvent.userErrors).toEqual([err('paid', "can't be blank", 'BLANK')]);
    const theirs = gid('Event', await event(b, 'Sick leave'));
    expect((await data(t.app, UpdateEvent, { input: { id: theirs, name: 'Mine' } }, as(a))).updateEvent.userErrors).toEqual([err('id', 'Event not found', 'NOT_FOUND')]);
  });
});
