// The day's reviews (issue 24): time entries approved, unapproved and rejected as expenses are, and
// tasks closed and reopened. Each change is guarded in its UPDATE: repeated, it is a user error;
// raced 20 times on PostgreSQL, exactly one wins and records one event.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTask } from '../src/domain/tasks.js';
import { graphql } from './generated/index.js';
import { as, data, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { service, timeEntry } from './helpers/records.js';

const Approve = graphql(`
  mutation RvApprove($input: ApproveTimeEntryInput!) {
    approveTimeEntry(input: $input) { timeEntry { approved approvedAt approver { databaseId } rejected rejectedReason rejecter { databaseId } } userErrors { field message code } }
  }
`);
const Unapprove = graphql(`
  mutation RvUnapprove($input: UnapproveTimeEntryInput!) {
    unapproveTimeEntry(input: $input) { timeEntry { approved approvedAt approver { databaseId } } userErrors { field message code } }
  }
`);
const Reject = graphql(`
  mutation RvReject($input: RejectTimeEntryInput!) {
    rejectTimeEntry(input: $input) { timeEntry { approved rejected rejectedAt rejectedReason rejecter { databaseId } } userErrors { field message code } }
  }
`);
const Close = graphql(`mutation RvClose($input: CloseTaskInput!) { closeTask(input: $input) { task { closed closedAt } userErrors { field message code } } }`);
const Reopen = graphql(`mutation RvReopen($input: ReopenTaskInput!) { reopenTask(input: $input) { task { closed closedAt } userErrors { field message code } } }`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const err = (field: string, message: string, code: string) => ({ field: ['input', field], message, code });

async function entryOf(tenant: Tenant) {
  return gid('TimeEntry', await timeEntry(tenant, await service(tenant)));
}

async function taskOf(tenant: Tenant, options: { private?: boolean } = {}) {
  const result = await createTask(tenant.db, tenant.viewer, { projectId: tenant.projects.website, title: 'Launch', ...options });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return gid('Task', result.value.id);
}

const events = (tenant: Tenant, type: string) => t.db.prisma.changeEvent.count({ where: { organizationId: tenant.organizationId, type } });

describe('time entries', () => {
  test('approve, approve again, unapprove, reject with a reason, approve again: each records who and when', async () => {
    const c = await createTenant(t.db.prisma);
    const id = await entryOf(c);
    const approved = await data(t.app, Approve, { input: { id } }, as(c));
    expect(approved.approveTimeEntry).toMatchObject({ timeEntry: { approved: true, approver: { databaseId: c.personId }, rejected: false }, userErrors: [] });
    expect(approved.approveTimeEntry.timeEntry!.approvedAt).not.toBeNull();
    const twice = await data(t.app, Approve, { input: { id } }, as(c));
    expect(twice.approveTimeEntry).toEqual({ timeEntry: null, userErrors: [err('id', 'is already approved', 'ALREADY_APPROVED')] });

    const unapproved = await data(t.app, Unapprove, { input: { id } }, as(c));
    expect(unapproved.unapproveTimeEntry).toEqual({ timeEntry: { approved: false, approvedAt: null, approver: null }, userErrors: [] });
    expect((await data(t.app, Unapprove, { input: { id } }, as(c))).unapproveTimeEntry.userErrors).toEqual([err('id', 'is not approved', 'NOT_APPROVED')]);

    await data(t.app, Approve, { input: { id } }, as(c));
    const rejected = await data(t.app, Reject, { input: { id, reason: ' Wrong day ' } }, as(c));
    // A rejection withdraws the approval.
    expect(rejected.rejectTimeEntry).toMatchObject({ timeEntry: { approved: false, rejected: true, rejectedReason: 'Wrong day', rejecter: { databaseId: c.personId } }, userErrors: [] });
    expect((await data(t.app, Reject, { input: { id, reason: 'Again' } }, as(c))).rejectTimeEntry.userErrors).toEqual([err('id', 'is already rejected', 'ALREADY_REJECTED')]);
    // Approving settles the rejection.
    const settled = await data(t.app, Approve, { input: { id } }, as(c));
    expect(settled.approveTimeEntry.timeEntry).toMatchObject({ approved: true, rejected: false, rejectedReason: null, rejecter: null });
    expect(await events(c, 'time_entry.approved')).toBe(3);
  });

  test('a rejection needs a reason; every problem named, an unknown entry too; nothing changes', async () => {
    const c = await createTenant(t.db.prisma);
    const id = await entryOf(c);
    for (const [reason, error] of [
      [undefined, err('reason', "can't be blank", 'BLANK')],
      ['  ', err('reason', "can't be blank", 'BLANK')],
      ['r'.repeat(1001), err('reason', 'is too long (maximum is 1000 characters)', 'TOO_LONG')],
      ['a\u0000', err('reason', 'cannot contain the NUL character (\\u0000)', 'INVALID')],
    ] as const) {
      const result = await data(t.app, Reject, { input: { id, reason } }, as(c));
      expect(result.rejectTimeEntry, String(reason).slice(0, 8)).toEqual({ timeEntry: null, userErrors: [error] });
    }
    const unknown = await data(t.app, Reject, { input: { id: gid('TimeEntry', 2_147_483_647) } }, as(c));
    expect(unknown.rejectTimeEntry.userErrors).toEqual([err('id', 'Time entry not found', 'NOT_FOUND'), err('reason', "can't be blank", 'BLANK')]);
    expect(await t.db.prisma.timeEntry.findUniqueOrThrow({ where: { id: Number(Buffer.from(id, 'base64').toString().split(':')[1]) } })).toMatchObject({ rejected: false, approved: false });
  });

  test("another organization's entry (or another type's id) is not found and stays as it is", async () => {
    const theirs = await entryOf(b);
    for (const id of [theirs, gid('Deal', a.deals.eur)]) {
      expect((await data(t.app, Approve, { input: { id } }, as(a))).approveTimeEntry.userErrors).toEqual([err('id', 'Time entry not found', 'NOT_FOUND')]);
      expect((await data(t.app, Reject, { input: { id, reason: 'x' } }, as(a))).rejectTimeEntry.userErrors).toEqual([err('id', 'Time entry not found', 'NOT_FOUND')]);
    }
    const row = await t.db.prisma.timeEntry.findUniqueOrThrow({ where: { id: Number(Buffer.from(theirs, 'base64').toString().split(':')[1]) } });
    expect(row).toMatchObject({ approved: false, rejected: false });
  });

  test.runIf(onPostgres)('20 concurrent approvals: one approves and records one event, 19 are ALREADY_APPROVED', async () => {
    const c = await createTenant(t.db.prisma);
    const id = await entryOf(c);
    const results = await Promise.all(Array.from({ length: 20 }, () => data(t.app, Approve, { input: { id } }, as(c))));
    const codes = results.map((r) => r.approveTimeEntry.userErrors.map((e) => e.code).join());
    expect(codes.filter((code) => code === '')).toHaveLength(1);
    expect(codes.filter((code) => code === 'ALREADY_APPROVED')).toHaveLength(19);
    expect(await events(c, 'time_entry.approved')).toBe(1);
  });
});

describe('tasks', () => {
  test('close, close again, reopen, reopen again', async () => {
    const c = await createTenant(t.db.prisma);
    const id = await taskOf(c);
    const closed = await data(t.app, Close, { input: { id } }, as(c));
    expect(closed.closeTask).toMatchObject({ task: { closed: true }, userErrors: [] });
    expect(closed.closeTask.task!.closedAt).not.toBeNull();
    expect((await data(t.app, Close, { input: { id } }, as(c))).closeTask).toEqual({ task: null, userErrors: [err('id', 'is already closed', 'ALREADY_CLOSED')] });
    expect((await data(t.app, Reopen, { input: { id } }, as(c))).reopenTask).toEqual({ task: { closed: false, closedAt: null }, userErrors: [] });
    expect((await data(t.app, Reopen, { input: { id } }, as(c))).reopenTask.userErrors).toEqual([err('id', 'is not closed', 'NOT_CLOSED')]);
    expect([await events(c, 'task.closed'), await events(c, 'task.reopened')]).toEqual([1, 1]);
  });

  test("another person's private task, or another organization's, is not found and stays open; a private task's changes record no event", async () => {
    const colleague = await a.member();
    const secret = await taskOf(a, { private: true });
    const theirs = await taskOf(b);
    for (const [id, caller] of [[secret, colleague], [theirs, a]] as const) {
      expect((await data(t.app, Close, { input: { id } }, as(caller))).closeTask.userErrors, id).toEqual([err('id', 'Task not found', 'NOT_FOUND')]);
    }
    const ids = [secret, theirs].map((g) => Number(Buffer.from(g, 'base64').toString().split(':')[1]));
    expect((await t.db.prisma.task.findMany({ where: { id: { in: ids } } })).map((row) => row.closedAt)).toEqual([null, null]);
    // Its creator may close and reopen it; as its creation, that tells the organization nothing (no event).
    const before = [await events(a, 'task.closed'), await events(a, 'task.reopened')];
    expect((await data(t.app, Close, { input: { id: secret } }, as(a))).closeTask.userErrors).toEqual([]);
    expect((await data(t.app, Reopen, { input: { id: secret } }, as(a))).reopenTask.userErrors).toEqual([]);
    expect([await events(a, 'task.closed'), await events(a, 'task.reopened')]).toEqual(before);
  });

  test.runIf(onPostgres)('20 concurrent closes: one closes and records one event', async () => {
    const c = await createTenant(t.db.prisma);
    const id = await taskOf(c);
    const results = await Promise.all(Array.from({ length: 20 }, () => data(t.app, Close, { input: { id } }, as(c))));
    expect(results.filter((r) => r.closeTask.userErrors.length === 0)).toHaveLength(1);
    expect(await events(c, 'task.closed')).toBe(1);
  });
});
