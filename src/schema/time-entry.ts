// The TimeEntry type: minutes a person worked on a service, with its list (also as
// `Service.timeEntries`) and its create/delete mutations. Rules in src/domain/time-entries.ts.
import {
  approveTimeEntry,
  createTimeEntry,
  deleteTimeEntry,
  rejectTimeEntry,
  unapproveTimeEntry,
  updateTimeEntry,
  type TimeEntryInput,
} from '../domain/time-entries.js';
import { builder } from './builder.js';
import { MoneySetRef } from './money.js';
import { sameForms } from '../money/money.js';
import { byDate, byRelation, byValue } from './kit/groups.js';
import { defaultTotal, idsIn, listField, minutesTotal, onOrAfter, onOrBefore, ops, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { liveRelation } from './kit/relations.js';
import { deleteField, idInput, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

export const TimeEntryRef = builder.prismaNode('TimeEntry', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'Time a person worked on a service on a day, in minutes.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this time entry.' }),
    date: t.expose('date', { type: 'Date', description: 'The day the time was worked.' }),
    time: t.exposeInt('time', { description: 'Minutes worked, 0 to 1440.' }),
    billableTime: t.exposeInt('billableTime', { description: 'Minutes billed, 0 to 1440.' }),
    workCost: t.field({
      type: MoneySetRef,
      description:
        "What the time cost: `time` × the person's cost rate ÷ 60, rounded once, worked out when the entry was recorded " +
        "(or its time or person changed). In the organization's default currency, in every form.",
      select: { workCostDefault: true },
      resolve: (e, _args, ctx) => sameForms({ cents: e.workCostDefault, currency: ctx.viewer.organization.defaultCurrency }),
    }),
    note: t.exposeString('note', { nullable: true, description: 'What was done, in words; null when there is no note.' }),
    approved: t.exposeBoolean('approved', { description: 'Whether it is approved: `approveTimeEntry` sets it; `unapproveTimeEntry` and `rejectTimeEntry` clear it.' }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true, description: 'When it was approved; null unless `approved`.' }),
    service: t.relation('service', { description: 'The service it was worked on (deleting the service takes the entry along).' }),
    // A private task of others reads as null: the data layer prunes it from the entry's row.
    task: liveRelation(t as never, 'task', 'Task', 'The task it was worked on (a private task of others reads as null).'),
    person: t.relation('person', { description: 'Who worked.' }),
    creator: t.relation('creator', { description: 'Who entered it.' }),
    approver: t.relation('approver', { nullable: true, description: 'Who approved it; null unless `approved`.' }),
    rejected: t.exposeBoolean('rejected', { description: 'Whether it is rejected (`rejectTimeEntry`); approving it clears this.' }),
    rejectedAt: t.expose('rejectedAt', { type: 'DateTime', nullable: true, description: 'When it was rejected; null unless `rejected`.' }),
    rejectedReason: t.exposeString('rejectedReason', { nullable: true, description: 'Why it was rejected.' }),
    rejecter: t.relation('rejecter', { nullable: true, description: 'Who rejected it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the entry was made.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed, approvals and rejections included.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

export const timeEntryList: ListSpec = {
  type: 'TimeEntry',
  description: 'Time entries of the organization, by date unless another order is given.',
  filter: {
    description: 'Which time entries to include. `dateAfter` and `dateBefore` include their end days.',
    fields: {
      serviceIds: idsIn('Service', 'serviceId', 'Entries on any of these services.'),
      personIds: idsIn('Person', 'personId', 'Entries of any of these people.'),
      taskIds: idsIn('Task', 'taskId', 'Entries on any of these tasks.'),
      dealIds: idsIn('Deal', ['service', 'dealId'], "Entries on any of these deals' services."),
      dateAfter: onOrAfter('date', 'On this day or later.'),
      dateBefore: onOrBefore('date', 'On this day or earlier.'),
      date: ops('date', { description: 'On the day worked.' }),
      time: ops('int', { description: 'On the minutes worked, e.g. `{ gte: 60 }` for an hour or more.' }),
      createdAt: ops('datetime', { description: 'On when it was made.' }),
    },
  },
  sorts: {
    DATE: sortBy('date', 'date', 'By the day worked.'),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was made.'),
  },
  defaultOrder: [{ field: 'DATE', direction: 'ASC' }],
  totals: {
    description: 'Totals over every time entry matching the filter, not only the current page.',
    fields: {
      totalTime: minutesTotal('time', 'Sum of `time`, in minutes.'),
      totalBillableTime: minutesTotal('billableTime', 'Sum of `billableTime`, in minutes.'),
      totalWorkCost: defaultTotal('workCostDefault', 'Sum of `workCost`.'),
    },
  },
  // Keys are SQL over the entry `r` (by field name), its service `s` and that service's deal `d`.
  // Not by task: a private task of others is pruned from the rows the API shows (src/db/scope.ts),
  // after the query, which a grouping statement would not be.
  groups: {
    source: {
      table: 'time_entries',
      joins: {
        s: 'LEFT JOIN "public"."services" AS s ON s.organization_id = r."organizationId" AND s.id = r."serviceId"',
        d: [
          'LEFT JOIN "public"."services" AS s ON s.organization_id = r."organizationId" AND s.id = r."serviceId"',
          'LEFT JOIN "public"."deals" AS d ON d.organization_id = s.organization_id AND d.id = s.deal_id',
        ],
      },
    },
    keys: {
      DATE: byDate('date', 'The day worked, by `bucket`.'),
      CREATED_AT: byDate('createdAt', "When it was made, by `bucket`, in the organization's time zone.", { timestamp: true }),
      PERSON: byRelation('person', 'Person', 'r."personId"', 'Who worked.'),
      SERVICE: byRelation('service', 'Service', 'r."serviceId"', 'The service worked on.'),
      DEAL: byRelation('deal', 'Deal', 's.deal_id', "The deal of the entry's service.", 's'),
      COMPANY: byRelation('company', 'Company', 'd.company_id', "The company of the entry's deal.", 'd'),
      PROJECT: byRelation('project', 'Project', 'd.project_id', "The project of the entry's deal; deals without one form one group.", 'd'),
      APPROVAL_STATUS: byValue(
        'approvalStatus',
        'String',
        `CASE WHEN r."approved" THEN 'APPROVED' WHEN r."rejected" THEN 'REJECTED' ELSE 'NOT_APPROVED' END`,
        'Where it stands in approval: `APPROVED`, `REJECTED` or `NOT_APPROVED`.',
      ),
    },
  },
};

builder.queryFields((t) => ({
  timeEntries: listField(t, timeEntryList),
}));

// ---- Writing -------------------------------------------------------------------------------

const CreateTimeEntryInput = builder.inputType('CreateTimeEntryInput', {
  description: 'A new time entry. `serviceId`, `date` and `time` are required.',
  fields: (t) => ({
    serviceId: t.id({ description: 'The live service worked on. Required: left out or null is `BLANK`.' }),
    taskId: t.id({ description: 'The task worked on: a live task the caller can see. Optional; null leaves it without one.' }),
    personId: t.id({ description: 'Who worked: a member of the organization. Default (also for null): the caller.' }),
    date: t.field({ type: 'Date', description: 'The day worked. Required: left out or null is `BLANK`.' }),
    time: t.int({ description: 'Minutes worked, 0 to 1440 (90 is an hour and a half). Required.' }),
    billableTime: t.int({ description: 'Minutes billed, 0 to 1440. Default (also for null): `time`.' }),
    note: t.string({ description: 'What was done, at most 10000 characters. Optional; blank or null stores none.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const toDomainInput = domainInput<TimeEntryInput>({ serviceId: 'Service', taskId: 'Task', personId: 'Person' });

builder.mutationFields((t) => ({
  createTimeEntry: t.field({
    type: payloadType('CreateTimeEntryPayload', 'TimeEntry', 'The result of `createTimeEntry`.'),
    description: 'Records time a person worked on a service on a day.',
    args: { input: t.arg({ type: CreateTimeEntryInput, required: true, description: 'The new time entry.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createTimeEntry(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  deleteTimeEntry: deleteField(t, 'TimeEntry', {
    about: 'The entry goes to the recycle bin, from which it can be restored.',
    remove: (ctx, id) => deleteTimeEntry(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateTimeEntryInput = builder.inputType('UpdateTimeEntryInput', {
  description:
    'Changes to a time entry, with the checks of `createTimeEntry`: fields left out stay as they are; `null` clears `taskId` or `note`. ' +
    'An approved or rejected entry stays so (as an expense does): `unapproveTimeEntry` withdraws an approval.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The time entry to change.' }),
    serviceId: t.id({ description: 'Moves it to another live service of the organization. Null is `BLANK`.' }),
    taskId: t.id({ description: 'The task worked on: a live task the viewer can see. Null clears it.' }),
    personId: t.id({ description: 'Who worked: a member of the organization. Null is `BLANK`.' }),
    date: t.field({ type: 'Date', description: 'The day worked. Null is `BLANK`.' }),
    time: t.int({ description: 'Minutes worked, 0 to 1440. Null is `BLANK`; `billableTime` stays as it is unless given.' }),
    billableTime: t.int({ description: 'Minutes billed, 0 to 1440. Null is `BLANK`.' }),
    note: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
  }),
});

builder.mutationFields((t) => ({
  updateTimeEntry: t.field({
    type: payloadType('UpdateTimeEntryPayload', 'TimeEntry', 'The result of `updateTimeEntry`.'),
    description: "Changes a time entry's service, task, person, date, minutes or note.",
    args: { input: t.arg({ type: UpdateTimeEntryInput, required: true, description: 'The time entry and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateTimeEntry(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'TimeEntry'), toDomainInput(input))),
  }),
}));

// ---- Approval, as expenses have it ----------------------------------------------------------------

const RejectTimeEntryInput = builder.inputType('RejectTimeEntryInput', {
  description: 'The time entry to reject, and why.',
  fields: (t) => ({
    id: t.id({ required: true, description: "The time entry to reject. An unknown id, or another organization's, is `NOT_FOUND`." }),
    reason: t.string({ description: 'Why it is rejected, shown as `rejectedReason`: required (blank is `BLANK`), at most 1000 characters.' }),
  }),
});

const timeEntryId = (id: string | number) => inputDatabaseId(id, 'TimeEntry');

builder.mutationFields((t) => ({
  approveTimeEntry: t.field({
    type: payloadType('ApproveTimeEntryPayload', 'TimeEntry', 'The result of `approveTimeEntry`.'),
    description: 'Approves a time entry, recording who and when; it settles a rejection. Approving an approved entry is a user error.',
    args: { input: t.arg({ type: idInput('ApproveTimeEntryInput', 'The time entry to approve.'), required: true, description: 'The time entry to approve.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await approveTimeEntry(ctx.db, ctx.viewer, timeEntryId(input.id))),
  }),
  unapproveTimeEntry: t.field({
    type: payloadType('UnapproveTimeEntryPayload', 'TimeEntry', 'The result of `unapproveTimeEntry`.'),
    description: 'Withdraws an approval. Unapproving an entry that is not approved is a user error.',
    args: { input: t.arg({ type: idInput('UnapproveTimeEntryInput', 'The time entry to unapprove.'), required: true, description: 'The time entry to unapprove.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await unapproveTimeEntry(ctx.db, ctx.viewer, timeEntryId(input.id))),
  }),
  rejectTimeEntry: t.field({
    type: payloadType('RejectTimeEntryPayload', 'TimeEntry', 'The result of `rejectTimeEntry`.'),
    description: 'Rejects a time entry with a reason, recording who and when; an approval is withdrawn.',
    args: { input: t.arg({ type: RejectTimeEntryInput, required: true, description: 'The time entry to reject, and why.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await rejectTimeEntry(ctx.db, ctx.viewer, timeEntryId(input.id), input.reason)),
  }),
}));
