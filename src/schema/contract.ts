// The Contract type (recurring budgets) with its queries and mutations. Resolvers translate GraphQL
// shapes and call src/domain/contracts.ts; the rules and the calendar live there.
import {
  createContract,
  deleteContract,
  generateOccurrences,
  MAX_UPCOMING,
  updateContract,
  upcomingOccurrences,
  UPCOMING_BY_DEFAULT,
  type ContractInput,
} from '../domain/contracts.js';
import { BadInput } from '../domain/kit/errors.js';
import type { UserError } from '../domain/kit/result.js';
import { INTERVAL_IDS, intervalName, type IntervalName, type Period } from '../domain/recurrence.js';
import { builder } from './builder.js';
import { UserErrorRef } from './errors.js';
import { inputId } from './ids.js';
import { dealList } from './deal.js';
import { byIdField } from './kit/by-id.js';
import { idsIn, listField, ops, relatedListField, sortBy } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

const ContractInterval = builder.enumType('ContractInterval', {
  description: 'How often a contract makes a new budget. `intervalId` gives the same as the REST API numbers it.',
  values: {
    MONTHLY: { description: 'Every month (1); suffixes such as `2017/01`.' },
    BI_WEEKLY: { description: 'Every two weeks (2); suffixes are the first day, `2017/01/09`.' },
    WEEKLY: { description: 'Every week (3); suffixes are the first day, `2017/01/09`.' },
    ANNUAL: { description: 'Every year (4); suffixes such as `2017`.' },
    SEMIANNUAL: { description: 'Every six months (5); suffixes `2017/H1`, `2017/H2`.' },
    QUARTERLY: { description: 'Every three months (6); suffixes `2017/Q1` to `2017/Q4`.' },
  } satisfies Record<IntervalName, { description: string }>,
});

const OccurrenceRef = builder.objectRef<Period>('ContractOccurrence').implement({
  description: 'A period of a contract: the budget it makes covers `startsOn` to `endsOn`.',
  fields: (t) => ({
    startsOn: t.expose('startsOn', { type: 'Date', description: "The budget's `date`." }),
    endsOn: t.expose('endsOn', { type: 'Date', description: "The day before the next period starts: the budget's end date." }),
    suffix: t.exposeString('suffix', { description: 'What tells the budgets of one template apart, e.g. `2017/01`.' }),
  }),
});

export const ContractRef = builder.prismaNode('Contract', {
  id: { field: 'id' },
  // Select mode, like the other types: a row loads only the columns the query's fields need.
  select: { id: true },
  nullable: true,
  description:
    'A recurring budget: every interval, a copy of the template deal becomes a new budget, from `nextOccurrenceOn` ' +
    'until `endsOn` (when set).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this contract.' }),
    interval: t.field({
      type: ContractInterval,
      description: 'How often it makes a new budget.',
      select: { intervalId: true },
      resolve: (c) => intervalName(c.intervalId),
    }),
    intervalId: t.exposeInt('intervalId', {
      description: 'The interval as the REST API numbers it: 1 monthly, 2 bi-weekly, 3 weekly, 4 annual, 5 semiannual, 6 quarterly.',
    }),
    nextOccurrenceOn: t.expose('nextOccurrenceOn', { type: 'Date', description: 'The first day of the next period to generate.' }),
    endsOn: t.expose('endsOn', { type: 'Date', nullable: true, description: 'No period starting after this day is generated.' }),
    copyExpenses: t.exposeBoolean('copyExpenses', { description: "Whether each new budget gets copies of the template's expenses." }),
    template: t.relation('template', { description: 'The deal each new budget is copied from.' }),
    budgets: relatedListField(t as never, dealList, {
      relation: 'budgets',
      foreignKey: 'contractId',
      description: 'Its budgets (the template, made the first when the contract was created, and those it generated), with the filters, orders and paging of `Query.deals`.',
    }),
    upcomingOccurrences: t.field({
      type: [OccurrenceRef],
      description: `The next periods the contract would generate, from \`nextOccurrenceOn\`, stopping at \`endsOn\`. Computed: nothing is written.`,
      args: { count: t.arg.int({ defaultValue: UPCOMING_BY_DEFAULT, description: `How many, from 1 to ${MAX_UPCOMING}.` }) },
      select: { intervalId: true, anchorOn: true, nextOccurrenceOn: true, endsOn: true },
      resolve: (c, args) => {
        const count = args.count ?? UPCOMING_BY_DEFAULT;
        if (count < 1 || count > MAX_UPCOMING) {
          throw new BadInput(`\`count\` must be between 1 and ${MAX_UPCOMING}, got ${count}.`, 'count');
        }
        return upcomingOccurrences(c, count);
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the contract was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed, generation advancing `nextOccurrenceOn` included.' }),
  }),
});

// ---- Reading -------------------------------------------------------------------------------

builder.queryFields((t) => ({
  contracts: listField(t, {
    type: 'Contract',
    description: 'Contracts of the organization, by id unless another order is given.',
    filter: {
      description: 'Which contracts to include.',
      fields: {
        templateIds: idsIn('Deal', 'templateId', 'Contracts with any of these template deals.'),
        interval: {
          kind: 'custom',
          type: ContractInterval,
          where: (interval: IntervalName) => ({ intervalId: INTERVAL_IDS[interval] }),
          description: 'Contracts with this interval.',
        },
        nextOccurrenceOn: ops('date', { description: 'On the first day of the next period to generate.' }),
        endsOn: ops('date', { nullable: true, description: 'On the last day a period may start; `isNull: true` for contracts without an end.' }),
        createdAt: ops('datetime', { description: 'On when it was created.' }),
      },
    },
    sorts: {
      NEXT_OCCURRENCE_ON: sortBy('date', 'nextOccurrenceOn', 'By the next period to generate: the soonest first, ascending.'),
      ENDS_ON: sortBy('date', 'endsOn', { nullable: true, description: 'Contracts without an end come last.' }),
      CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.'),
    },
  }),
  contract: byIdField(t, 'Contract', 'One contract. An unknown id, or one of another organization, is a `NOT_FOUND` error.'),
}));

// ---- Writing -------------------------------------------------------------------------------

// Input fields are nullable on purpose: a missing value is reported as a user error with the
// reference's message, together with every other problem of the input.
const contractFields = (t: PothosSchemaTypes.InputFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, 'InputObject'>) => ({
  templateId: t.id({
    description:
      'The deal each new budget is copied from: a live deal of the organization (else `INVALID` "attribute is invalid"). ' +
      'Creating makes it the budget of the period that holds its date (`contract`, `budget`, `suffix`, `endDate` set); one ' +
      'that is already a budget of a live contract is `TAKEN`. Changing it later only changes what new budgets copy. ' +
      'Required on create; null on update is `BLANK`.',
  }),
  interval: t.field({
    type: ContractInterval,
    description: 'How often; give this or `intervalId` (both: they must agree). One is required on create; both null is `BLANK`.',
  }),
  intervalId: t.int({ description: 'How often, as the REST API numbers it (1 to 6); give this or `interval`. Left out or null: `interval` decides.' }),
  nextOccurrenceOn: t.field({
    type: 'Date',
    description:
      "The first day of the next period: after today and after the template's date. Periods are counted from it. " +
      'Required on create; null on update is `BLANK`.',
  }),
  endsOn: t.field({
    type: 'Date',
    description: 'No period starting after this day is generated; not before `nextOccurrenceOn`. Optional (no end); null clears it.',
  }),
  copyExpenses: t.boolean({ description: "Copy the template's expenses into each new budget. Default false; null on update keeps it." }),
});

const toDomainInput = domainInput<ContractInput>({ templateId: 'Deal' });

const CreateContractInput = builder.inputType('CreateContractInput', {
  description: 'A new contract. `templateId`, `nextOccurrenceOn` and `interval` (or `intervalId`) are required.',
  fields: (t) => ({ ...contractFields(t), idempotencyKey: idempotencyKeyField(t) }),
});

const UpdateContractInput = builder.inputType('UpdateContractInput', {
  description: 'Changes to a contract: fields left out stay as they are; `null` clears `endsOn`.',
  fields: (t) => ({ id: t.id({ required: true, description: "The contract to change. An unknown id, or another organization's, is `NOT_FOUND`." }), ...contractFields(t) }),
});

const GenerateInput = builder.inputType('GenerateContractOccurrencesInput', {
  description: 'Which periods to generate.',
  fields: (t) => ({
    until: t.field({
      type: 'Date',
      required: true,
      description: 'Generate every period starting on or before this day; at most 10 years after today.',
    }),
    contractIds: t.idList({ description: 'Only these contracts; every contract of the organization when left out.' }),
  }),
});

interface GeneratePayload {
  budgetIds: number[];
  contractIds: number[];
  userErrors: UserError[];
}

const GeneratePayloadRef = builder.objectRef<GeneratePayload>('GenerateContractOccurrencesPayload').implement({
  description: 'The result of `generateContractOccurrences`. When there are user errors, nothing was generated.',
  fields: (t) => ({
    createdBudgets: t.prismaField({
      type: ['Deal'],
      description: 'The budgets created by this call, by contract and date.',
      resolve: (query, payload, _args, ctx) => {
        const selection = { ...query }; // read even when unused: Pothos checks it was
        if (payload.budgetIds.length === 0) return [];
        return ctx.db.deal.findMany({
          ...selection,
          where: { id: { in: payload.budgetIds } },
          orderBy: [{ contractId: 'asc' }, { date: 'asc' }, { id: 'asc' }],
        });
      },
    }),
    contracts: t.prismaField({
      type: ['Contract'],
      description: 'The contracts that generated budgets, as they are now (with `nextOccurrenceOn` advanced).',
      resolve: (query, payload, _args, ctx) => {
        const selection = { ...query };
        if (payload.contractIds.length === 0) return [];
        return ctx.db.contract.findMany({ ...selection, where: { id: { in: payload.contractIds } }, orderBy: { id: 'asc' } });
      },
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Every problem of the input at once; empty when it succeeded. When there is any, nothing was generated.',
      resolve: (payload) => payload.userErrors,
    }),
  }),
});

const contractId = (id: string | number) => inputDatabaseId(id, 'Contract');
const payload = (name: string, description: string) => payloadType(name, 'Contract', description);

builder.mutationFields((t) => ({
  createContract: t.field({
    type: payload('CreateContractPayload', 'The result of `createContract`.'),
    description:
      'Makes a deal the template of a recurring budget, and the budget of the period that holds its date. The later ' +
      "periods' budgets are made by `generateContractOccurrences` (or the operator's `contracts generate` command).",
    args: { input: t.arg({ type: CreateContractInput, required: true, description: 'The new contract.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createContract(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  updateContract: t.field({
    type: payload('UpdateContractPayload', 'The result of `updateContract`.'),
    description: 'Setting `nextOccurrenceOn` (after today) also makes it the day later periods are counted from.',
    args: { input: t.arg({ type: UpdateContractInput, required: true, description: 'The contract and what to change.' }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateContract(ctx.db, ctx.viewer, contractId(input.id), toDomainInput(input))),
  }),
  deleteContract: deleteField(t, 'Contract', {
    about: 'The contract goes to the recycle bin; the budgets it generated stay.',
    remove: (ctx, id) => deleteContract(ctx.db, ctx.viewer, id),
  }),
  generateContractOccurrences: t.field({
    type: GeneratePayloadRef,
    description:
      'Creates, for each contract, a budget for every period starting on or before `until` (and the contract\'s ' +
      '`endsOn`), then advances `nextOccurrenceOn`. Running it again for the same day creates nothing. At most 500 ' +
      'periods per contract, and 500 rows across all contracts (each budget, its event and each copied expense is a ' +
      'row), in one call; each row costs 1 point (docs/rate-limits.md). Contracts whose template deal was deleted ' +
      'are left alone.',
    args: { input: t.arg({ type: GenerateInput, required: true, description: 'Up to which day, and for which contracts.' }) },
    resolve: async (_root, { input }, ctx) => {
      const ids = input.contractIds?.map((id) => inputId(id, 'Contract')!);
      const result = await generateOccurrences(ctx.db, { personId: ctx.viewer.person.id, actor: ctx.viewer }, { until: input.until, contractIds: ids });
      return result.ok
        ? { budgetIds: result.value.budgets.map((b) => b.id), contractIds: result.value.contractIds, userErrors: [] }
        : { budgetIds: [], contractIds: [], userErrors: result.errors };
    },
  }),
}));
