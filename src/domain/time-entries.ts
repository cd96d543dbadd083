// Time entry rules: minutes a person worked on a service on a day, optionally on a task. Validation
// reports every problem of an input at once, in the input's order; nothing is written when there
// is any.
//
// Concurrency: a create locks its live service, and its task when it names one, before it writes
// (src/domain/kit/locks.ts). A service delete racing it either waits for us and then takes the new
// entry with it, or has gone first and we find no live service: no live entry is ever left on a
// service in the recycle bin. The task is locked likewise, so that a new entry never names a task
// already in the bin; it must be one the viewer can see (a private task of others is not found).
import type { ScopedClient, ScopedTx } from '../db/scope.js';
import type { TimeEntry } from '../generated/prisma/client.js';
import { lockLive, lockMove } from './kit/locks.js';
import { at, blank, fail, given, inInputOrder, invalid, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { canSeeTask } from './tasks.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { dayName, fullName, minutesName, servicePath } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, MAX_LONG_TEXT, optionalText } from './kit/result.js';
import { approve, reject, unapprove, type Transitions } from './kit/transition.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, moneySet, ref, type Payload } from './kit/shown.js';
import { sameForms } from '../money/money.js';
import { workCost } from '../money/work-cost.js';
import type { Prisma } from '../generated/prisma/client.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface TimeEntryInput {
  serviceId?: number | null;
  taskId?: number | null;
  personId?: number | null;
  date?: Date | null;
  time?: number | null;
  billableTime?: number | null;
  note?: string | null;
}

const FIELDS = ['serviceId', 'taskId', 'personId', 'date', 'time', 'billableTime', 'note'] as const;

/** A day has 1440 minutes: no entry is longer. */
export const MAX_MINUTES = 1440;

const minutes = (errors: UserError[], name: string, value: number | null | undefined, min: number): void => {
  if (value != null && (!Number.isInteger(value) || value < min || value > MAX_MINUTES)) {
    errors.push(invalid(name, `must be between ${min} and ${MAX_MINUTES} (minutes)`));
  }
};

/** `person` (when given) must be a member of the organization: the scoped client sees no one else. */
export async function checkPerson(db: ScopedTx, errors: UserError[], personId: number | null | undefined) {
  if (personId == null) return;
  const person = await db.person.findUnique({ where: { id: personId }, select: { id: true } });
  if (!person) errors.push(notFound(at('personId'), 'Person'));
}

/**
 * The cost rate of the person a time entry is for (their membership in the organization: the scoped
 * client reads only this organization's); a person who is not a member is NOT_FOUND on `personId`
 * when it was given (`named`), and costs 0 otherwise.
 */
export async function costRateOf(db: ScopedTx, errors: UserError[], personId: number, named: boolean): Promise<bigint> {
  const membership = await db.membership.findFirst({ where: { personId }, select: { costRate: true } });
  if (!membership && named) errors.push(notFound(at('personId'), 'Person'));
  return membership?.costRate ?? 0n;
}

/** What a time entry always has: a create requires them (`personId` has a default), an update may not clear them. */
const REQUIRED = ['serviceId', 'personId', 'date', 'time', 'billableTime'] as const;

/** Checks the fields `input` gives (every required one when `creating`); createTimeEntry and updateTimeEntry share it. */
function check(input: TimeEntryInput, creating: boolean): UserError[] {
  const errors: UserError[] = [];
  for (const key of REQUIRED) {
    const missing = creating ? key !== 'personId' && key !== 'billableTime' && input[key] == null : given(input, key) && input[key] === null;
    if (missing) errors.push(blank(key));
  }
  minutes(errors, 'time', input.time, 0);
  minutes(errors, 'billableTime', input.billableTime, 0);
  checkOptionalText(errors, 'note', input.note, MAX_LONG_TEXT);
  return errors;
}

/**
 * The columns a write of a time entry stores: every one for a create (`existing` null, with the
 * create's defaults), the ones the input gives for an update. The one place that turns an input into
 * columns, create and update alike: a column derived from the minutes or the person (a work cost:
 * `time` × the person's cost rate) belongs here, computed from `time` and `personId` as the write
 * leaves them (on an update `input.time ?? existing.time`, `input.personId ?? existing.personId`),
 * and so recomputed whenever an update changes either.
 */
function entryColumns(input: TimeEntryInput, existing: null, viewer: Viewer, costRate: bigint): Prisma.TimeEntryUncheckedCreateInput;
function entryColumns(input: TimeEntryInput, existing: TimeEntry, viewer: Viewer, costRate: bigint | null): Prisma.TimeEntryUncheckedUpdateInput;
function entryColumns(
  input: TimeEntryInput,
  existing: TimeEntry | null,
  viewer: Viewer,
  /** The cost rate of the person the entry is for after the write; null: neither time nor person changes. */
  costRate: bigint | null,
): Prisma.TimeEntryUncheckedCreateInput | Prisma.TimeEntryUncheckedUpdateInput {
  if (existing === null) {
    return {
      organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
      serviceId: input.serviceId!,
      taskId: input.taskId ?? null,
      personId: input.personId ?? viewer.person.id,
      creatorId: viewer.person.id,
      date: input.date!,
      time: input.time!,
      billableTime: input.billableTime ?? input.time!,
      workCostDefault: workCost(input.time!, costRate ?? 0n),
      note: optionalText(input.note),
    };
  }
  return {
    ...(input.serviceId != null && { serviceId: input.serviceId }),
    ...(given(input, 'taskId') && { taskId: input.taskId ?? null }),
    ...(input.personId != null && { personId: input.personId }),
    ...(input.date != null && { date: input.date }),
    ...(input.time != null && { time: input.time }),
    ...(input.billableTime != null && { billableTime: input.billableTime }),
    ...(given(input, 'note') && { note: optionalText(input.note) }),
    ...(costRate !== null && { workCostDefault: workCost(input.time ?? existing.time, costRate) }),
  };
}

export async function createTimeEntry(db: ScopedClient, viewer: Viewer, input: TimeEntryInput): Promise<Result<TimeEntry>> {
  const checked = check(input, true);
  return transact(db, async (tx) => {
    const errors = [...checked];
    // The parents' locks first (see the top of this file): the service, then the task.
    if (input.serviceId != null && !(await lockLive(tx, 'service', input.serviceId))) errors.push(notFound(at('serviceId'), 'Service'));
    if (input.taskId != null && !(await lockLive(tx, 'task', input.taskId))) {
      errors.push(notFound(at('taskId'), 'Task'));
    }
    const costRate = await costRateOf(tx, errors, input.personId ?? viewer.person.id, input.personId != null);
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));

    const entry = await tx.timeEntry.create({ include: timeEntryShows, data: entryColumns(input, null, viewer, costRate) });
    return ok(await withEvent(tx, viewer, 'time_entry.created', 'TimeEntry', entry, presentTimeEntry));
  });
}

/**
 * Changes a time entry, with the checks of createTimeEntry: fields left out stay, `null` clears the
 * task or the note. It may move to another live service of the organization (a time entry logged on
 * the wrong one), on any of its deals. As an expense, an approved or rejected entry may be changed and
 * stays approved or rejected: approval is a decision of its own (unapproveTimeEntry withdraws it).
 *
 * Concurrency: its service's lock (a move: the service it leaves and the one it joins, lockMove in
 * src/domain/kit/locks.ts), then the entry's, and with it its latest committed state. A new task is
 * locked live, as a create locks it.
 */
export async function updateTimeEntry(db: ScopedClient, viewer: Viewer, id: number, input: TimeEntryInput): Promise<Result<TimeEntry>> {
  const checked = check(input, false);
  return transact(db, async (tx) => {
    const errors = [...checked];
    // A move: the service it leaves and the one it joins first (lockMove), read before any lock.
    const target = input.serviceId ?? null;
    let from: number | null = null;
    let joined = true;
    // Its service before the entry, also when it stays: a change of minutes or person writes the work
    // cost, whose trigger takes the deal next, and a deal's delete holds its services, then the deal,
    // then stamps their entries (src/domain/kit/locks.ts, lockDealServices): the same order.
    const current = await tx.timeEntry.findUnique({ where: { id }, select: { serviceId: true } });
    if (current && target !== null && current.serviceId !== target) joined = await lockMove(tx, 'service', (from = current.serviceId), target);
    else if (current) await lockLive(tx, 'service', current.serviceId);
    // The entry's lock, and with it its latest committed state; a deleted or foreign one matches nothing.
    const [existing] = await tx.timeEntry.updateManyAndReturn({ where: { id }, data: { updatedAt: new Date() } });
    if (!existing) return fail(notFound(at('id'), 'Time entry'));
    if (target !== null && existing.serviceId !== target && existing.serviceId !== from) {
      // Moved by a concurrent update between the read and the lock: the service it leaves is another
      // one, locked now, out of order (a deadlock that causes is rerun by transact()).
      joined = await lockMove(tx, 'service', existing.serviceId, target);
    }
    if (!joined) errors.push(notFound(at('serviceId'), 'Service'));
    if (input.taskId != null && input.taskId !== existing.taskId && !(await lockLive(tx, 'task', input.taskId))) {
      errors.push(notFound(at('taskId'), 'Task'));
    }
    // New minutes or another person: the work cost again, at the rate of the person it is for now.
    const costRate =
      input.time != null || input.personId != null ? await costRateOf(tx, errors, input.personId ?? existing.personId, input.personId != null) : null;
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));

    const entry = await tx.timeEntry.update({ where: { id }, include: timeEntryShows, data: entryColumns(input, existing, viewer, costRate) });
    return ok(await withEvent(tx, viewer, 'time_entry.updated', 'TimeEntry', entry, presentTimeEntry));
  });
}

// ---- Approval, as expenses have it ----------------------------------------------------------------

const TIME_ENTRY_TRANSITIONS: Transitions<ShownTimeEntry> = {
  model: 'timeEntry',
  node: 'TimeEntry',
  what: 'Time entry',
  read: (tx, id) => tx.timeEntry.findUnique({ where: { id }, include: timeEntryShows }),
  present: presentTimeEntry,
};

/** Approves a time entry; approving settles a rejection. A second approval is ALREADY_APPROVED. */
export const approveTimeEntry = (db: ScopedClient, viewer: Viewer, id: number): Promise<Result<ShownTimeEntry>> =>
  approve(db, viewer, TIME_ENTRY_TRANSITIONS, id, 'time_entry.approved');

export const unapproveTimeEntry = (db: ScopedClient, viewer: Viewer, id: number): Promise<Result<ShownTimeEntry>> =>
  unapprove(db, viewer, TIME_ENTRY_TRANSITIONS, id, 'time_entry.unapproved');

/** Rejects a time entry with a reason (required); a rejected entry is no longer approved. */
export const rejectTimeEntry = (db: ScopedClient, viewer: Viewer, id: number, reason: string | null | undefined): Promise<Result<ShownTimeEntry>> =>
  reject(db, viewer, TIME_ENTRY_TRANSITIONS, id, reason, 'time_entry.rejected');

export function deleteTimeEntry(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'timeEntry', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** What a time entry's payload needs beyond its columns: whether its task is live and visible to the viewer. */
export const timeEntryShows = {
  task: { select: { id: true, deletedAt: true, private: true, creatorId: true, assigneeId: true } },
} satisfies Prisma.TimeEntryInclude;

export type ShownTimeEntry = Prisma.TimeEntryGetPayload<{ include: typeof timeEntryShows }>;

/** A time entry as the API shows it (src/schema/time-entry.ts) to `viewer`, for its events. */
export function presentTimeEntry(e: Prisma.TimeEntryGetPayload<{ include: typeof timeEntryShows }>, viewer: Viewer): Payload {
  const task = e.task && e.task.deletedAt === null && canSeeTask(e.task, viewer.person.id) ? e.task : null;
  return {
    id: globalId('TimeEntry', e.id),
    databaseId: e.id,
    date: day(e.date),
    time: e.time,
    billableTime: e.billableTime,
    workCost: moneySet(sameForms({ cents: e.workCostDefault, currency: viewer.organization.defaultCurrency })),
    note: e.note,
    approved: e.approved,
    approvedAt: instant(e.approvedAt),
    rejected: e.rejected,
    rejectedAt: instant(e.rejectedAt),
    rejectedReason: e.rejectedReason,
    rejecter: ref('Person', e.rejecterId),
    service: ref('Service', e.serviceId),
    task: ref('Task', task?.id ?? null),
    person: ref('Person', e.personId),
    creator: ref('Person', e.creatorId),
    approver: ref('Person', e.approverId),
    createdAt: instant(e.createdAt),
    updatedAt: instant(e.updatedAt),
  };
}

/**
 * What the recycle bin knows of a time entry (src/domain/kit/bin-rules.ts): its service must be live for it to come back.
 */
export const timeEntryBin: BinRules = {
  itemTypes: ['time_entry'],
  what: 'Time entry',
  describe: async (tx, id) => {
    const entry = await tx.timeEntry.findUnique({
      where: { id },
      select: { serviceId: true, date: true, time: true, person: { select: { firstName: true, lastName: true } } },
    });
    return (
      entry && {
        itemType: 'time_entry',
        name: `${fullName(entry.person)} - ${dayName(entry.date)} - ${minutesName(entry.time)}`,
        location: await servicePath(tx, entry.serviceId),
      }
    );
  },
  parents: [{ model: 'service', key: 'serviceId', what: 'service' }],
};
