// Projects (create/delete) and tasks through GraphQL (issue 11): numbering, every validation with
// its field, another organization's ids, lists with their filters and sorts, `Project.tasks`,
// private tasks (by list, by id, in `Project.tasks`, in the bin), the recycle bin round trip
// (delete, restore, purge) and the cascade of a project's delete, task number reuse on restore,
// the statements a nested list costs, and (on PostgreSQL) concurrent creates and deletes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTask } from '../src/domain/tasks.js';
import { deleteProject } from '../src/domain/projects.js';
import { graphql } from './generated/index.js';
import type { CreateTaskInput, TaskFilter, TaskOrder } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';

const CreateProject = graphql(`
  mutation PtCreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      project { id databaseId name number company { databaseId } createdAt }
      userErrors { field message code }
    }
  }
`);

const DeleteProject = graphql(`
  mutation PtDeleteProject($input: DeleteProjectInput!) {
    deleteProject(input: $input) { deletedProjectId userErrors { field message code } }
  }
`);

const CreateTask = graphql(`
  mutation PtCreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      task {
        id databaseId number title description private startDate dueDate closed closedAt tagList createdAt updatedAt
        project { databaseId } creator { databaseId } assignee { databaseId }
      }
      userErrors { field message code }
    }
  }
`);

const DeleteTask = graphql(`
  mutation PtDeleteTask($input: DeleteTaskInput!) {
    deleteTask(input: $input) { deletedTaskId userErrors { field message code } }
  }
`);

const Tasks = graphql(`
  query PtTasks($filter: TaskFilter, $orderBy: [TaskOrder!], $first: Int, $after: String) {
    tasks(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      nodes { databaseId title number }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const Projects = graphql(`
  query PtProjects($filter: ProjectFilter) {
    projects(filter: $filter) { totalCount nodes { databaseId name } }
  }
`);

const ProjectTasks = graphql(`
  query PtProjectTasks($id: ID!, $filter: TaskFilter, $first: Int) {
    node(id: $id) {
      ... on Project {
        name
        tasks(filter: $filter, first: $first) { totalCount nodes { title } }
        pages { totalCount nodes { title } }
        dashboards { totalCount nodes { name } }
      }
    }
  }
`);

const Node = graphql(`
  query PtNode($id: ID!) {
    node(id: $id) {
      id
      ... on Task { title number }
      ... on Project { name }
    }
  }
`);

const Nodes = graphql(`
  query PtNodes($ids: [ID!]!) { nodes(ids: $ids) { id } }
`);

const TaskDetail = graphql(`
  query PtTaskDetail($id: ID!) {
    node(id: $id) { ... on Task { id title number project { id } } }
  }
`);

const Bin = graphql(`
  query PtBin($filter: DeletedItemFilter) {
    deletedItems(filter: $filter) { totalCount nodes { id itemType itemId name location private deleter { databaseId } } }
  }
`);

const Restore = graphql(`
  mutation PtRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item {
        __typename
        ... on Task { id title number project { id } }
        ... on Project { id name company { databaseId } }
      }
      userErrors { field message code }
    }
  }
`);

const Purge = graphql(`
  mutation PtPurge($input: PurgeDeletedItemInput!) {
    purgeDeletedItem(input: $input) { purgedDeletedItemId userErrors { field message code } }
  }
`);

const ProjectsWithTasks = graphql(`
  query PtProjectsWithTasks {
    projects(first: 50) { nodes { name tasks(first: 5) { nodes { id } } } }
  }
`);

const ProjectsWithTaskCounts = graphql(`
  query PtProjectsWithTaskCounts {
    projects(first: 50) { nodes { name tasks(first: 5, orderBy: [{ field: TITLE }]) { totalCount nodes { title assignee { databaseId } } } } }
  }
`);

const PageOfProject = graphql(`
  mutation PtCreatePage($input: CreatePageInput!) { createPage(input: $input) { page { databaseId } userErrors { code } } }
`);

const DashboardOfProject = graphql(`
  mutation PtCreateDashboard($input: CreateDashboardInput!) { createDashboard(input: $input) { dashboard { databaseId } userErrors { code } } }
`);

const PG = Boolean(process.env.TEST_DATABASE_URL);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function project(tenant: Tenant, name: string, company = tenant.companies.acme) {
  const result = await data(t.app, CreateProject, { input: { companyId: gid('Company', company), name } }, as(tenant));
  expect(result.createProject.userErrors).toEqual([]);
  return result.createProject.project!;
}

async function task(tenant: Tenant | { token: string }, input: Partial<CreateTaskInput> & { projectId: string }) {
  const result = await data(t.app, CreateTask, { input: { title: 'Ticket title', ...input } }, as(tenant));
  expect(result.createTask.userErrors).toEqual([]);
  return result.createTask.task!;
}

/** The one open bin entry of an object, as the bin lists it to `who`. */
async function entryOf(who: Tenant | { token: string }, itemType: 'TASK' | 'PROJECT', itemId: string) {
  const bin = await data(t.app, Bin, { filter: { itemType: [itemType] } }, as(who));
  return bin.deletedItems.nodes.find((n) => n.itemId === itemId);
}

const restore = (who: Tenant | { token: string }, id: string) => data(t.app, Restore, { input: { id } }, as(who));
const purge = (who: Tenant | { token: string }, id: string) => data(t.app, Purge, { input: { id } }, as(who));
/** A task as the restore brought it back, with its project. */
const detail = async (who: Tenant | { token: string }, id: string) => (await data(t.app, TaskDetail, { id }, as(who))).node;
const nodeOf = async (who: Tenant | { token: string }, id: string) => (await data(t.app, Node, { id }, as(who))).node;

describe('createProject', () => {
  test("the organization's next project number, the company, the name trimmed", async () => {
    const c = await createTenant(t.db.prisma);
    const before = (await t.db.prisma.organization.findUniqueOrThrow({ where: { id: c.organizationId } })).lastProjectNumber;
    const first = await project(c, '  Relaunch  ', c.companies.globex);
    expect(first).toMatchObject({ name: 'Relaunch', number: before + 1, company: { databaseId: c.companies.globex } });
    const second = await project(c, 'Second');
    expect(second.number).toBe(before + 2);
    expect((await data(t.app, Projects, { filter: { name: { eq: 'Relaunch' } } }, as(c))).projects.nodes).toEqual([
      { databaseId: first.databaseId, name: 'Relaunch' },
    ]);
  });

  test("every problem at once, on its field; another organization's company is not found; nothing written", async () => {
    const count = () => t.db.prisma.project.count({ where: { organizationId: a.organizationId } });
    const counter = async () => (await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } })).lastProjectNumber;
    const [before, numberBefore] = [await count(), await counter()];
    const empty = await data(t.app, CreateProject, { input: {} }, as(a));
    expect(empty.createProject).toEqual({
      project: null,
      userErrors: [
        { field: ['input', 'companyId'], message: "can't be blank", code: 'BLANK' },
        { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' },
      ],
    });
    const foreign = await data(t.app, CreateProject, { input: { companyId: gid('Company', b.companies.acme), name: 'x'.repeat(256) } }, as(a));
    expect(foreign.createProject.userErrors).toEqual([
      { field: ['input', 'companyId'], message: 'Company not found', code: 'NOT_FOUND' },
      { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
    ]);
    const malformed = await data(t.app, CreateProject, { input: { companyId: gid('Deal', a.deals.eur), name: 'a\u0000' } }, as(a));
    expect(malformed.createProject.userErrors).toEqual([
      { field: ['input', 'companyId'], message: 'Company not found', code: 'NOT_FOUND' },
      { field: ['input', 'name'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    const blank = await data(t.app, CreateProject, { input: { companyId: gid('Company', a.companies.acme), name: '   ' } }, as(a));
    expect(blank.createProject.userErrors).toEqual([{ field: ['input', 'name'], message: "can't be blank", code: 'BLANK' }]);
    const megabyte = await execute(t.app, CreateProject, { input: { companyId: gid('Company', a.companies.acme), name: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect([await count(), await counter()]).toEqual([before, numberBefore]);
  });

  test("another organization cannot see or delete a project; an unknown or malformed id is NOT_FOUND", async () => {
    const p = await project(a, 'Private to a');
    expect(await nodeOf(b, p.id)).toBeNull();
    for (const id of [p.id, gid('Project', 2 ** 31 - 1), gid('Task', 1)]) {
      const result = await data(t.app, DeleteProject, { input: { id } }, as(b));
      expect(result.deleteProject).toEqual({ deletedProjectId: null, userErrors: [{ field: ['input', 'id'], message: 'Project not found', code: 'NOT_FOUND' }] });
    }
    expect(await nodeOf(a, p.id)).toEqual({ id: p.id, name: 'Private to a' });
  });
});

describe('createTask', () => {
  test('every attribute; numbers count per project from 1; the caller is the creator', async () => {
    const c = await createTenant(t.db.prisma);
    const colleague = await c.member();
    const website = gid('Project', c.projects.website);
    const first = await task(c, {
      projectId: website,
      title: '  Ticket title ',
      description: 'What to do',
      private: false,
      assigneeId: gid('Person', colleague.personId),
      startDate: '2025-08-01',
      dueDate: '31.08.2025',
      tagList: ['urgent', ' urgent ', '', 'web'],
    });
    expect(first).toMatchObject({
      number: 1,
      title: 'Ticket title',
      description: 'What to do',
      private: false,
      startDate: '2025-08-01',
      dueDate: '2025-08-31',
      closed: false,
      closedAt: null,
      tagList: ['urgent', 'web'],
      project: { databaseId: c.projects.website },
      creator: { databaseId: c.personId },
      assignee: { databaseId: colleague.personId },
    });
    const second = await task(c, { projectId: website, description: '   ' });
    expect(second).toMatchObject({ number: 2, description: null, private: false, assignee: null, startDate: null, dueDate: null, tagList: [] });
    expect((await task(c, { projectId: gid('Project', c.projects.app) })).number).toBe(1);
    expect((await task(c, { projectId: website })).number).toBe(3);
  });

  test("every problem at once, in the input's order; another organization's project and person are not found; nothing written", async () => {
    const count = () => t.db.prisma.task.count({ where: { organizationId: a.organizationId } });
    const before = await count();
    const empty = await data(t.app, CreateTask, { input: {} }, as(a));
    expect(empty.createTask).toEqual({
      task: null,
      userErrors: [
        { field: ['input', 'projectId'], message: "can't be blank", code: 'BLANK' },
        { field: ['input', 'title'], message: "can't be blank", code: 'BLANK' },
      ],
    });
    const all = await data(
      t.app,
      CreateTask,
      {
        input: {
          tagList: ['x\u0000'],
          dueDate: '2021-05-01',
          startDate: '2021-05-02',
          assigneeId: gid('Person', b.personId),
          description: 'd'.repeat(10_001),
          title: 't'.repeat(256),
          projectId: gid('Project', b.projects.website),
        },
      },
      as(a),
    );
    expect(all.createTask.userErrors).toEqual([
      { field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' },
      { field: ['input', 'title'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
      { field: ['input', 'description'], message: 'is too long (maximum is 10000 characters)', code: 'TOO_LONG' },
      { field: ['input', 'assigneeId'], message: 'Person not found', code: 'NOT_FOUND' },
      { field: ['input', 'dueDate'], message: 'must not be before the start date', code: 'INVALID' },
      { field: ['input', 'tagList'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    // Valid everywhere except one field: still nothing written, and no task number used up.
    const website = gid('Project', a.projects.website);
    const counter = async () => (await t.db.prisma.project.findUniqueOrThrow({ where: { id: a.projects.website } })).lastTaskNumber;
    const numberBefore = await counter();
    const nul = await data(t.app, CreateTask, { input: { projectId: website, title: 'a\u0000b', description: '\u0000' } }, as(a));
    expect(nul.createTask.userErrors).toEqual([
      { field: ['input', 'title'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
      { field: ['input', 'description'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    const malformed = await data(t.app, CreateTask, { input: { projectId: 'bm9wZQ', title: 'x', assigneeId: gid('Project', 1) } }, as(a));
    expect(malformed.createTask.userErrors).toEqual([
      { field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' },
      { field: ['input', 'assigneeId'], message: 'Person not found', code: 'NOT_FOUND' },
    ]);
    const tags = await data(t.app, CreateTask, { input: { projectId: website, title: 'x', tagList: Array.from({ length: 51 }, (_, i) => `t${i}`) } }, as(a));
    expect(tags.createTask.userErrors).toEqual([{ field: ['input', 'tagList'], message: 'may hold at most 50 tags', code: 'INVALID' }]);
    const megabyte = await execute(t.app, CreateTask, { input: { projectId: website, title: 'x', description: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    const date = await execute(t.app, CreateTask, { input: { projectId: website, title: 'x', dueDate: '2021-02-30' } }, as(a));
    expect(date.status).toBe(400);
    expect([await count(), await counter()]).toEqual([before, numberBefore]);
  });

  test('a project in the recycle bin takes no new task', async () => {
    const c = await createTenant(t.db.prisma);
    expect((await deleteProject(c.db, c.viewer, c.projects.app)).ok).toBe(true);
    const result = await data(t.app, CreateTask, { input: { projectId: gid('Project', c.projects.app), title: 'Late' } }, as(c));
    expect(result.createTask.userErrors).toEqual([{ field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' }]);
  });
});

describe('tasks list and Project.tasks', () => {
  let c: Tenant;
  let colleague: { personId: number; token: string };
  beforeAll(async () => {
    c = await createTenant(t.db.prisma);
    colleague = await c.member();
    const website = gid('Project', c.projects.website);
    const app = gid('Project', c.projects.app);
    await task(c, { projectId: website, title: 'Bravo', dueDate: '2021-03-01' });
    await task(c, { projectId: website, title: 'Alpha', assigneeId: gid('Person', colleague.personId) });
    await task(c, { projectId: app, title: 'Charlie', dueDate: '2021-01-01', private: true });
    await task(c, { projectId: app, title: 'Delta 100%', dueDate: '2021-02-01', assigneeId: gid('Person', colleague.personId) });
  });

  const titles = async (variables: { filter?: TaskFilter; orderBy?: TaskOrder[] }, who: { token: string } = c) =>
    (await data(t.app, Tasks, variables, as(who))).tasks.nodes.map((n) => n.title);

  test('filters', async () => {
    expect(await titles({ filter: { projectIds: [gid('Project', c.projects.app)] } })).toEqual(['Charlie', 'Delta 100%']);
    expect(await titles({ filter: { assigneeIds: [gid('Person', colleague.personId)] } })).toEqual(['Alpha', 'Delta 100%']);
    expect(await titles({ filter: { title: { contains: '100%' } } })).toEqual(['Delta 100%']);
    expect(await titles({ filter: { title: { contains: '%' } } })).toEqual(['Delta 100%']);
    expect(await titles({ filter: { private: true } })).toEqual(['Charlie']);
    expect(await titles({ filter: { dueDate: { gte: '2021-02-01' } } })).toEqual(['Bravo', 'Delta 100%']);
    expect(await titles({ filter: { dueDate: { isNull: true } } })).toEqual(['Alpha']);
    expect(await titles({ filter: { createdAt: { lt: '2000-01-01T00:00:00Z' } } })).toEqual([]);
    const foreign = await execute(t.app, Tasks, { filter: { projectIds: ['nope'] } }, as(c));
    expect(foreign.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    // Another organization's project: nothing, never its tasks.
    expect(await titles({ filter: { projectIds: [gid('Project', c.projects.app)] } }, b)).toEqual([]);
  });

  test('sorts: number by default, title, due date (empty last both ways), created at; keyset paging', async () => {
    // Numbers tie across projects (1, 2 in each): the id breaks ties.
    expect(await titles({})).toEqual(['Bravo', 'Charlie', 'Alpha', 'Delta 100%']);
    expect(await titles({ orderBy: [{ field: 'TITLE' }] })).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta 100%']);
    expect(await titles({ orderBy: [{ field: 'DUE_DATE' }] })).toEqual(['Charlie', 'Delta 100%', 'Bravo', 'Alpha']);
    expect(await titles({ orderBy: [{ field: 'DUE_DATE', direction: 'DESC' }] })).toEqual(['Bravo', 'Delta 100%', 'Charlie', 'Alpha']);
    expect(await titles({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Delta 100%', 'Charlie', 'Alpha', 'Bravo']);
    const first = await data(t.app, Tasks, { orderBy: [{ field: 'TITLE' }], first: 3 }, as(c));
    expect(first.tasks.pageInfo.hasNextPage).toBe(true);
    const rest = await data(t.app, Tasks, { orderBy: [{ field: 'TITLE' }], first: 3, after: first.tasks.pageInfo.endCursor }, as(c));
    expect(rest.tasks.nodes.map((n) => n.title)).toEqual(['Delta 100%']);
  });

  test("Project.tasks: the project's tasks with the list's filter, count and paging", async () => {
    const result = await data(t.app, ProjectTasks, { id: gid('Project', c.projects.app), first: 1 }, as(c));
    expect(result.node).toMatchObject({ name: 'App', tasks: { totalCount: 2, nodes: [{ title: 'Charlie' }] } });
    const filtered = await data(t.app, ProjectTasks, { id: gid('Project', c.projects.app), filter: { title: { startsWith: 'D' } } }, as(c));
    expect(filtered.node).toMatchObject({ tasks: { totalCount: 1, nodes: [{ title: 'Delta 100%' }] } });
  });
});

describe('private tasks', () => {
  test('visible only to its creator and assignee: in lists, in Project.tasks, by id; others cannot delete it', async () => {
    const c = await createTenant(t.db.prisma);
    const assignee = await c.member();
    const outsider = await c.member();
    const website = gid('Project', c.projects.website);
    await task(c, { projectId: website, title: 'Public' });
    const secret = await task(c, { projectId: website, title: 'Secret', private: true, assigneeId: gid('Person', assignee.personId) });
    const own = await task(outsider, { projectId: website, title: 'Mine alone', private: true });

    const seen = async (who: { token: string }) => ({
      list: (await data(t.app, Tasks, {}, as(who))).tasks,
      nested: ((await data(t.app, ProjectTasks, { id: website }, as(who))).node as { tasks: { totalCount: number; nodes: { title: string }[] } }).tasks,
      byId: await nodeOf(who, secret.id),
    });
    for (const who of [c, assignee]) {
      const view = await seen(who);
      expect(view.list.nodes.map((n) => n.title)).toEqual(['Public', 'Secret']);
      expect(view.list.totalCount).toBe(2);
      expect(view.nested).toEqual({ totalCount: 2, nodes: [{ title: 'Public' }, { title: 'Secret' }] });
      expect(view.byId).toMatchObject({ title: 'Secret' });
    }
    const view = await seen(outsider);
    expect(view.list.nodes.map((n) => n.title)).toEqual(['Public', 'Mine alone']);
    expect(view.list.totalCount).toBe(2);
    expect(view.nested).toEqual({ totalCount: 2, nodes: [{ title: 'Public' }, { title: 'Mine alone' }] });
    expect(view.byId).toBeNull();
    expect(await nodeOf(c, own.id)).toBeNull();
    expect((await data(t.app, Nodes, { ids: [secret.id, own.id] }, as(outsider))).nodes).toEqual([null, { id: own.id }]);
    expect((await data(t.app, Nodes, { ids: [secret.id, own.id] }, as(assignee))).nodes).toEqual([{ id: secret.id }, null]);

    const refused = await data(t.app, DeleteTask, { input: { id: secret.id } }, as(outsider));
    expect(refused.deleteTask.userErrors).toEqual([{ field: ['input', 'id'], message: 'Task not found', code: 'NOT_FOUND' }]);
    expect(await nodeOf(c, secret.id)).toMatchObject({ title: 'Secret' });

    // The assignee deletes it: the entry is private, the assignee's alone -- not even the creator's.
    expect((await data(t.app, DeleteTask, { input: { id: secret.id } }, as(assignee))).deleteTask.userErrors).toEqual([]);
    const entry = await entryOf(assignee, 'TASK', secret.id);
    expect(entry).toMatchObject({ name: 'Secret', location: 'Project: Website', private: true, deleter: { databaseId: assignee.personId } });
    expect(await entryOf(c, 'TASK', secret.id)).toBeUndefined();
    expect(await entryOf(outsider, 'TASK', secret.id)).toBeUndefined();
    // Nor can the creator restore or purge it.
    expect((await restore(c, entry!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect((await purge(c, entry!.id)).purgeDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    const back = await restore(assignee, entry!.id);
    expect(back.restoreDeletedItem).toEqual({
      item: { __typename: 'Task', id: secret.id, title: 'Secret', number: secret.number, project: { id: website } },
      userErrors: [],
    });
    expect(await nodeOf(outsider, secret.id)).toBeNull();
    expect(await nodeOf(c, secret.id)).toMatchObject({ title: 'Secret' });
  });
});

describe('the recycle bin round trip', () => {
  test('a task: delete, its entry, restore with its project, delete again, purge for good', async () => {
    const c = await createTenant(t.db.prisma);
    const website = gid('Project', c.projects.website);
    const ticket = await task(c, { projectId: website, title: 'Ticket title' });
    const deleted = await data(t.app, DeleteTask, { input: { id: ticket.id } }, as(c));
    expect(deleted.deleteTask).toEqual({ deletedTaskId: ticket.id, userErrors: [] });
    const again = await data(t.app, DeleteTask, { input: { id: ticket.id } }, as(c));
    expect(again.deleteTask.userErrors).toEqual([{ field: ['input', 'id'], message: 'Task not found', code: 'NOT_FOUND' }]);

    const entry = await entryOf(c, 'TASK', ticket.id);
    expect(entry).toMatchObject({ itemType: 'TASK', name: 'Ticket title', location: 'Project: Website', private: false, deleter: { databaseId: c.personId } });
    expect((await data(t.app, Tasks, {}, as(c))).tasks.totalCount).toBe(0);
    expect(await nodeOf(c, ticket.id)).toBeNull();
    // Another organization cannot touch the entry.
    expect((await restore(b, entry!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);

    const back = await restore(c, entry!.id);
    expect(back.restoreDeletedItem).toEqual({
      item: { __typename: 'Task', id: ticket.id, title: 'Ticket title', number: 1, project: { id: website } },
      userErrors: [],
    });
    expect(await nodeOf(c, ticket.id)).toEqual({ id: ticket.id, title: 'Ticket title', number: 1 });
    expect(await entryOf(c, 'TASK', ticket.id)).toBeUndefined();
    expect((await restore(c, entry!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['ALREADY_RESTORED']);

    await data(t.app, DeleteTask, { input: { id: ticket.id } }, as(c));
    const second = await entryOf(c, 'TASK', ticket.id);
    const purged = await purge(c, second!.id);
    expect(purged.purgeDeletedItem).toEqual({ purgedDeletedItemId: second!.id, userErrors: [] });
    expect(await entryOf(c, 'TASK', ticket.id)).toBeUndefined();
    expect(await t.db.prisma.task.count({ where: { id: ticket.databaseId } })).toBe(0);
    expect((await restore(c, second!.id)).restoreDeletedItem).toEqual({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }],
    });
  });

  test('a project: delete, its entry (located in the organization, as the reference), restore, delete again, purge', async () => {
    const c = await createTenant(t.db.prisma);
    const p = await project(c, 'test project', c.companies.globex);
    const deleted = await data(t.app, DeleteProject, { input: { id: p.id } }, as(c));
    expect(deleted.deleteProject).toEqual({ deletedProjectId: p.id, userErrors: [] });
    const entry = await entryOf(c, 'PROJECT', p.id);
    expect(entry).toMatchObject({ itemType: 'PROJECT', name: 'test project', location: c.viewer.organization.name, private: false });
    expect((await data(t.app, Projects, {}, as(c))).projects.nodes.map((n) => n.name)).toEqual(['App', 'Website']);
    expect(await nodeOf(c, p.id)).toBeNull();

    const back = await restore(c, entry!.id);
    expect(back.restoreDeletedItem).toEqual({
      item: { __typename: 'Project', id: p.id, name: 'test project', company: { databaseId: c.companies.globex } },
      userErrors: [],
    });
    expect(await nodeOf(c, p.id)).toEqual({ id: p.id, name: 'test project' });

    await data(t.app, DeleteProject, { input: { id: p.id } }, as(c));
    const second = await entryOf(c, 'PROJECT', p.id);
    expect((await purge(c, second!.id)).purgeDeletedItem).toEqual({ purgedDeletedItemId: second!.id, userErrors: [] });
    expect(await t.db.prisma.project.count({ where: { id: p.databaseId } })).toBe(0);
    expect((await restore(c, second!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  });

  test("a project's delete takes its tasks, pages and dashboards; its restore brings back exactly those; its purge erases all", async () => {
    const c = await createTenant(t.db.prisma);
    const p = await project(c, 'Cascade');
    const [one, two, alone] = [await task(c, { projectId: p.id, title: 'One' }), await task(c, { projectId: p.id, title: 'Two' }), await task(c, { projectId: p.id, title: 'Alone' })];
    const page = await data(t.app, PageOfProject, { input: { title: 'Notes', projectId: p.id } }, as(c));
    const board = await data(t.app, DashboardOfProject, { input: { name: 'Board', projectId: p.id } }, as(c));
    expect([page.createPage.userErrors, board.createDashboard.userErrors]).toEqual([[], []]);
    const other = await task(c, { projectId: gid('Project', c.projects.website), title: 'Elsewhere' });

    // One task goes to the bin on its own first.
    await data(t.app, DeleteTask, { input: { id: alone.id } }, as(c));
    const aloneEntry = await entryOf(c, 'TASK', alone.id);
    expect((await data(t.app, DeleteProject, { input: { id: p.id } }, as(c))).deleteProject.userErrors).toEqual([]);
    expect((await data(t.app, Tasks, {}, as(c))).tasks.nodes.map((n) => n.title)).toEqual(['Elsewhere']);
    expect(await nodeOf(c, one.id)).toBeNull();
    // Only the project has an entry of the delete; the task deleted before keeps its own.
    const bin = await data(t.app, Bin, {}, as(c));
    expect(bin.deletedItems.nodes.map((n) => [n.itemType, n.name])).toEqual([
      ['PROJECT', 'Cascade'],
      ['TASK', 'Alone'],
    ]);

    // The task deleted on its own cannot come back while its project is in the bin.
    const orphan = await restore(c, aloneEntry!.id);
    expect(orphan.restoreDeletedItem).toEqual({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'cannot be restored while its project is in the recycle bin: restore that first', code: 'PARENT_DELETED' }],
    });

    const projectEntry = await entryOf(c, 'PROJECT', p.id);
    expect((await restore(c, projectEntry!.id)).restoreDeletedItem.userErrors).toEqual([]);
    const view = await data(t.app, ProjectTasks, { id: p.id }, as(c));
    expect(view.node).toEqual({
      name: 'Cascade',
      tasks: { totalCount: 2, nodes: [{ title: 'One' }, { title: 'Two' }] },
      pages: { totalCount: 1, nodes: [{ title: 'Notes' }] },
      dashboards: { totalCount: 1, nodes: [{ name: 'Board' }] },
    });
    expect(await nodeOf(c, two.id)).toMatchObject({ title: 'Two' });
    expect(await nodeOf(c, alone.id)).toBeNull();
    expect(await entryOf(c, 'TASK', alone.id)).toBeDefined();

    // Deleted again and purged: the project, what went with it, and the task deleted before with its entry.
    await data(t.app, DeleteProject, { input: { id: p.id } }, as(c));
    const again = await entryOf(c, 'PROJECT', p.id);
    expect((await purge(c, again!.id)).purgeDeletedItem.userErrors).toEqual([]);
    expect(await t.db.prisma.task.count({ where: { projectId: p.databaseId } })).toBe(0);
    expect(await t.db.prisma.page.count({ where: { projectId: p.databaseId } })).toBe(0);
    expect(await t.db.prisma.dashboard.count({ where: { projectId: p.databaseId } })).toBe(0);
    expect(await t.db.prisma.project.count({ where: { id: p.databaseId } })).toBe(0);
    expect(await t.db.prisma.deletedItem.count({ where: { organizationId: c.organizationId } })).toBe(0);
    expect((await restore(c, aloneEntry!.id)).restoreDeletedItem.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(await nodeOf(c, other.id)).toMatchObject({ title: 'Elsewhere' });
  });

  test('a task whose number was given to another meanwhile comes back with the next number', async () => {
    const c = await createTenant(t.db.prisma);
    const website = gid('Project', c.projects.website);
    const first = await task(c, { projectId: website, title: 'First' });
    const second = await task(c, { projectId: website, title: 'Second' });
    await data(t.app, DeleteTask, { input: { id: second.id } }, as(c));
    // A live task with the same number (written directly, as an import would).
    await c.db.task.create({
      data: { organizationId: c.organizationId, projectId: c.projects.website, creatorId: c.personId, number: second.number, title: 'Imported' },
    });
    const entry = await entryOf(c, 'TASK', second.id);
    expect((await restore(c, entry!.id)).restoreDeletedItem).toEqual({
      item: { __typename: 'Task', id: second.id, title: 'Second', number: 3, project: { id: website } },
      userErrors: [],
    });
    // Not taken: it keeps its number.
    await data(t.app, DeleteTask, { input: { id: first.id } }, as(c));
    const firstBack = await restore(c, (await entryOf(c, 'TASK', first.id))!.id);
    expect(firstBack.restoreDeletedItem.item).toMatchObject({ title: 'First', number: 1 });
    expect(await detail(c, first.id)).toMatchObject({ title: 'First', number: 1 });
    expect((await task(c, { projectId: website })).number).toBe(4);
  });
});

describe('statements', () => {
  test('projects with their first 5 tasks cost as many statements for 10 projects as for 2', async () => {
    const small = await createTenant(t.db.prisma);
    const large = await createTenant(t.db.prisma);
    for (const [tenant, n] of [[small, 2], [large, 10]] as const) {
      // The fixture's two projects, and more.
      for (let i = 2; i < n; i += 1) {
        await tenant.db.project.create({ data: { organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: `P${i}`, number: i + 1 } });
      }
      const projects = await tenant.db.project.findMany({ select: { id: true } });
      for (const p of projects) {
        for (let k = 0; k < 7; k += 1) {
          const created = await createTask(tenant.db, tenant.viewer, { projectId: p.id, title: `T${k}`, private: k === 6 });
          expect(created.ok).toBe(true);
        }
      }
      await data(t.app, ProjectsWithTasks, {}, as(tenant)); // authentication cached alike for both
    }
    const count = async (tenant: Tenant, document: typeof ProjectsWithTasks | typeof ProjectsWithTaskCounts) => {
      t.db.statements.reset();
      const result = await data(t.app, document as typeof ProjectsWithTasks, {}, as(tenant));
      return { count: t.db.statements.count, log: [...t.db.statements.log], result };
    };
    const few = await count(small, ProjectsWithTasks);
    const many = await count(large, ProjectsWithTasks);
    expect(few.result.projects.nodes).toHaveLength(2);
    expect(many.result.projects.nodes).toHaveLength(10);
    expect(many.result.projects.nodes.every((p) => p.tasks.nodes.length === 5)).toBe(true);
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Besides authentication: one statement, the page of projects with each one's tasks joined in.
    const page = (log: string[]) => log.filter((sql) => !sql.includes('api_tokens'));
    expect(page(many.log), many.log.join('\n')).toHaveLength(1);

    // With each project's count of visible tasks and the assignees: one statement more, whatever the page.
    const fewCounts = await count(small, ProjectsWithTaskCounts);
    const manyCounts = await count(large, ProjectsWithTaskCounts);
    const counted = manyCounts.result as unknown as { projects: { nodes: Array<{ tasks: { totalCount: number } }> } };
    expect(counted.projects.nodes.every((p) => p.tasks.totalCount === 7)).toBe(true);
    expect(manyCounts.count, manyCounts.log.join('\n')).toBe(fewCounts.count);
    expect(page(manyCounts.log), manyCounts.log.join('\n')).toHaveLength(2);
  });
});

// PGlite has one connection, which serializes these; on PostgreSQL they run on parallel connections.
describe.runIf(PG)('concurrency (PostgreSQL)', () => {
  test('20 concurrent creates on one project get 20 different numbers', async () => {
    const c = await createTenant(t.db.prisma);
    const website = gid('Project', c.projects.website);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => data(t.app, CreateTask, { input: { projectId: website, title: `Race ${i}` } }, as(c))),
    );
    expect(results.flatMap((r) => r.createTask.userErrors)).toEqual([]);
    const numbers = results.map((r) => r.createTask.task!.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('a project delete racing 10 task creates leaves no live task in the deleted project', async () => {
    for (let round = 0; round < 3; round += 1) {
      const c = await createTenant(t.db.prisma);
      const projectId = c.projects.website;
      const creates = Array.from({ length: 10 }, (_, i) => createTask(c.db, c.viewer, { projectId, title: `Racer ${i}` }));
      const deletion = deleteProject(c.db, c.viewer, projectId);
      const [created, deleted] = await Promise.all([Promise.all(creates), deletion]);
      expect(deleted.ok).toBe(true);
      for (const r of created) if (!r.ok) expect(r.errors).toEqual([{ field: ['input', 'projectId'], message: 'Project not found', code: 'NOT_FOUND' }]);
      expect(await t.db.prisma.task.count({ where: { projectId, deletedAt: null } })).toBe(0);
      // Every task that was created went to the bin with the project, under its stamp.
      const { stamp } = await t.db.prisma.deletedItem.findFirstOrThrow({ where: { organizationId: c.organizationId, itemType: 'project', itemId: projectId } });
      const rows = await t.db.prisma.task.findMany({ where: { projectId }, select: { deletedAt: true } });
      expect(rows).toHaveLength(created.filter((r) => r.ok).length);
      expect(rows.every((row) => row.deletedAt?.getTime() === stamp.getTime())).toBe(true);
    }
  });
});
