// The Dashboard type with its list (also as `Project.dashboards`) and its create/delete mutations.
import { createDashboard, deleteDashboard, MAX_DASHBOARD_NAME, updateDashboard, type DashboardInput } from '../domain/dashboards.js';
import { builder } from './builder.js';
import { inputId } from './ids.js';
import { idsIn, listField, ops, relatedListField, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';
import { liveRelation } from './kit/relations.js';

export const DashboardRef = builder.prismaNode('Dashboard', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  description: 'A dashboard of reports, of the organization or of a project.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this dashboard.' }),
    name: t.exposeString('name', { description: 'The name as shown in lists; 1 to 255 characters.' }),
    project: liveRelation(t as never, 'project', 'Project', 'The project it belongs to.'),
    creator: t.relation('creator', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the dashboard was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last renamed.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const dashboardList: ListSpec = {
  type: 'Dashboard',
  description: 'Dashboards of the organization, by name unless another order is given.',
  filter: {
    description: 'Which dashboards to include.',
    fields: {
      projectIds: idsIn('Project', 'projectId', 'Dashboards of any of these projects.'),
      name: ops('string', { description: 'On the name.' }),
      createdAt: ops('datetime', { description: 'On when it was created.' }),
    },
  },
  sorts: { NAME: sortBy('string', 'name', 'Alphabetically by name.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.') },
  defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  dashboards: listField(t, dashboardList),
}));

builder.prismaObjectFields('Project', (t) => ({
  dashboards: relatedListField(t as never, dashboardList, {
    relation: 'dashboards',
    foreignKey: 'projectId',
    description: 'Its dashboards, with the filters, orders and paging of `Query.dashboards`.',
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

const CreateDashboardInput = builder.inputType('CreateDashboardInput', {
  description: 'A new dashboard. `name` is required.',
  fields: (t) => ({
    name: t.string({ description: `The name, not blank, at most ${MAX_DASHBOARD_NAME} characters. Required: left out, null or blank is \`BLANK\`.` }),
    projectId: t.id({ description: 'The live project it belongs to; left out or null, a dashboard of the organization.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createDashboard: t.field({
    type: payloadType('CreateDashboardPayload', 'Dashboard', 'The result of `createDashboard`.'),
    description: 'Creates a dashboard of the organization or of a project.',
    args: { input: t.arg({ type: CreateDashboardInput, required: true, description: 'The new dashboard.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(
        await idempotent(ctx, info, input, (fields) => {
          const domain: DashboardInput = { name: fields.name, projectId: inputId(fields.projectId, 'Project') };
          return createDashboard(ctx.db, ctx.viewer, domain);
        }),
      ),
  }),
  deleteDashboard: deleteField(t, 'Dashboard', {
    about: 'The dashboard goes to the recycle bin.',
    remove: (ctx, id) => deleteDashboard(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateDashboardInput = builder.inputType('UpdateDashboardInput', {
  description: 'Changes to a dashboard; it stays where it is (its project, or the organization).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The dashboard to change.' }),
    name: t.string({ description: `The new name, not blank, at most ${MAX_DASHBOARD_NAME} characters. Left out keeps it; null or blank is \`BLANK\`.` }),
  }),
});

builder.mutationFields((t) => ({
  updateDashboard: t.field({
    type: payloadType('UpdateDashboardPayload', 'Dashboard', 'The result of `updateDashboard`.'),
    description: 'Renames a dashboard.',
    args: { input: t.arg({ type: UpdateDashboardInput, required: true, description: 'The dashboard and its new name.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateDashboard(ctx.db, ctx.viewer, inputDatabaseId(id, 'Dashboard'), changes));
    },
  }),
}));
