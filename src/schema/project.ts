// The Project type with its list and its create/delete mutations. Its tasks, pages and dashboards
// connections are added by their own files (task.ts, page.ts, dashboard.ts), beside their lists.
import { createProject, deleteProject, updateProject, type ProjectInput } from '../domain/projects.js';
import { invoicedByProject, projectMoney, sumsByProject, type DealSums } from '../domain/deal-totals.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { MoneySetRef } from './money.js';
import { inputId } from './ids.js';
import { byDate, byRelation } from './kit/groups.js';
import { defaultTotal, idsIn, listField, ops, sortBy } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

/** One statement of deal sums for every project of the request that asks for its rollups. */
const projectSums = (ctx: Context) =>
  ctx.loaders.get<number, DealSums[]>('Project.sums', async (ids) => {
    const byProject = await sumsByProject(ctx.db, ids);
    return ids.map((id) => byProject.get(id) ?? []);
  });

/** Likewise for what its deals invoiced, asked only by `invoiced` and `pendingInvoicing`. */
const projectInvoiced = (ctx: Context) => ctx.loaders.get<number, bigint>('Project.invoiced', (ids) => invoicedByProject(ctx.db, ids));

type Rollup = ReturnType<typeof projectMoney>;

const rollup = (field: Exclude<keyof Rollup, 'profitMargin' | 'workedTime'>, description: string) => ({
  type: MoneySetRef,
  description,
  select: { id: true },
  resolve: async (project: { id: number }, _args: object, ctx: Context) => {
    const invoicing = field === 'invoiced' || field === 'pendingInvoicing';
    const [sums, invoiced] = await Promise.all([
      projectSums(ctx).load(project.id),
      invoicing ? projectInvoiced(ctx).load(project.id) : null,
    ]);
    return projectMoney(sums, invoiced, ctx.viewer.organization.defaultCurrency)[field];
  },
});

export const ProjectRef = builder.prismaNode('Project', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A project of a client company; deals (budgets), tasks, pages and dashboards belong to it.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this project.' }),
    name: t.exposeString('name', { description: "The project's name as shown in lists; 1 to 255 characters." }),
    number: t.exposeInt('number', { description: "The organization's project number, counted from 1." }),
    company: t.relation('company', { description: 'The client company it is for; it never changes.' }),
    revenue: t.field(rollup('revenue', "The sum of its live deals' `revenue`, in the organization's default currency (every form).")),
    cost: t.field(rollup('cost', "The sum of its live deals' `cost`, in the organization's default currency (every form).")),
    profit: t.field(rollup('profit', '`revenue` − `cost`.')),
    profitMargin: t.string({
      description: '`profit` ÷ `revenue` in per cent, to two decimals ("100.0"); "0.0" without revenue.',
      select: { id: true },
      resolve: async (project, _args, ctx) => projectMoney(await projectSums(ctx).load(project.id), null, ctx.viewer.organization.defaultCurrency).profitMargin,
    }),
    invoiced: t.field(rollup('invoiced', "What is attributed to its live deals by invoices, in the organization's default currency.")),
    pendingInvoicing: t.field(rollup('pendingInvoicing', '`revenue` − `invoiced`: negative when more is invoiced than earned so far.')),
    workedTime: t.int({
      description: 'Minutes worked on its live deals.',
      select: { id: true },
      resolve: async (project, _args, ctx) => projectMoney(await projectSums(ctx).load(project.id), null, ctx.viewer.organization.defaultCurrency).workedTime,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the project was created.' }),
  }),
});

builder.queryFields((t) => ({
  projects: listField(t, {
    type: 'Project',
    description: 'Projects of the organization, by name unless another order is given.',
    filter: {
      description: 'Which projects to include.',
      fields: {
        companyIds: idsIn('Company', 'companyId', 'Projects of any of these companies.'),
        name: ops('string', { description: 'On the name.' }),
        number: ops('int', { description: 'On the project number.' }),
        createdAt: ops('datetime', { description: 'On when it was created.' }),
      },
    },
    sorts: {
      NAME: sortBy('string', 'name', 'Alphabetically by name.'),
      NUMBER: sortBy('int', 'number', 'By project number: in the order they were created.'),
      COMPANY_NAME: sortBy('string', ['company', 'name'], "By the company's name."),
      CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
    },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
    // A project's money is its live deals': the sums the database keeps on each deal row (equal to
    // the deal's `revenue.default`, `cost.default`, `profit.default`), the same the project's own
    // `revenue`, `cost` and `profit` add up. They are not columns of the project row, so the
    // grouping statement computes them per project (`computed`), for `aggregates` too.
    totals: {
      description: "Totals over every project matching the filter, not only the current page, in the organization's default currency.",
      fields: {
        totalRevenue: defaultTotal('revenue', "Sum of the projects' `revenue.default`."),
        totalCost: defaultTotal('cost', "Sum of the projects' `cost.default`."),
        totalProfit: defaultTotal('profit', "Sum of the projects' `profit.default`."),
      },
    },
    groups: {
      source: {
        table: 'projects',
        computed: {
          // One row per project (an aggregate without GROUP BY), zero when it has no live deal.
          join:
            'LEFT JOIN LATERAL (SELECT coalesce(sum(d.sort_revenue_default), 0) AS revenue, coalesce(sum(d.sort_cost_default), 0) AS cost, ' +
            'coalesce(sum(d.sort_profit_default), 0) AS profit FROM "public"."deals" AS d ' +
            'WHERE d.organization_id = r."organizationId" AND d.project_id = r."id" AND d.deleted_at IS NULL) AS m ON true',
          values: { revenue: 'm.revenue', cost: 'm.cost', profit: 'm.profit' },
        },
      },
      // Projects have no other date, to-one relation or enum-like column, and no currency.
      keys: {
        CREATED_AT: byDate('createdAt', "When it was created, by `bucket`, in the organization's time zone.", { timestamp: true }),
        COMPANY: byRelation('company', 'Company', 'r."companyId"', 'The client company.'),
      },
    },
  }),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const CreateProjectInput = builder.inputType('CreateProjectInput', {
  description: 'A new project. `companyId` and `name` are required.',
  fields: (t) => ({
    companyId: t.id({ description: 'The client company it is for, not archived. Required: left out or null is `BLANK`.' }),
    name: t.string({ description: 'The name, not blank, at most 255 characters. Required: left out, null or blank is `BLANK`.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createProject: t.field({
    type: payloadType('CreateProjectPayload', 'Project', 'The result of `createProject`.'),
    description: 'Creates a project with the next project number of the organization.',
    args: { input: t.arg({ type: CreateProjectInput, required: true, description: 'The new project.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(
        await idempotent(ctx, info, input, (fields) => {
          const domain: ProjectInput = { companyId: inputId(fields.companyId, 'Company'), name: fields.name };
          return createProject(ctx.db, ctx.viewer, domain);
        }),
      ),
  }),
  deleteProject: deleteField(t, 'Project', {
    about: 'The project goes to the recycle bin with its tasks, pages and dashboards, and comes back with exactly those when restored; its deals stay, without a project meanwhile.',
    remove: (ctx, id) => deleteProject(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateProjectInput = builder.inputType('UpdateProjectInput', {
  description: "Changes to a project. Its company stays: its deals belong to their project's company.",
  fields: (t) => ({
    id: t.id({ required: true, description: 'The project to change.' }),
    name: t.string({ description: 'The new name, not blank, at most 255 characters. Left out keeps it; null or blank is `BLANK`.' }),
  }),
});

builder.mutationFields((t) => ({
  updateProject: t.field({
    type: payloadType('UpdateProjectPayload', 'Project', 'The result of `updateProject`.'),
    description: 'Renames a project.',
    args: { input: t.arg({ type: UpdateProjectInput, required: true, description: 'The project and its new name.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateProject(ctx.db, ctx.viewer, inputDatabaseId(id, 'Project'), changes));
    },
  }),
}));
