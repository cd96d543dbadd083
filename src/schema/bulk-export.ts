// Bulk exports (docs/api.md "Bulk exports"): `startBulkExport`, `bulkExport(id)`,
// `currentBulkExport`, `cancelBulkExport`. The rules are in src/domain/bulk-exports.ts, the run in
// src/exports/run.ts, the download in src/http/bulk-exports.ts.
import { parse } from 'graphql';
import { cancelBulkExport, exportProgress, exportUrl, startBulkExport, UNFINISHED } from '../domain/bulk-exports.js';
import { at, fail } from '../domain/kit/result.js';
import { planExport } from '../exports/document.js';
import { DEFAULT_PAGE_SIZE } from '../exports/run.js';
import { requestedCost } from '../limits/cost.js';
import { builder } from './builder.js';
import { byIdField } from './kit/by-id.js';
import { inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

/** The most one exported node may cost (src/limits/cost.ts): a page of 200 is at most 200 times this. */
const MAX_ROW_COST = 500;

const BulkExportStatus = builder.enumType('BulkExportStatus', {
  description: 'Where a bulk export stands.',
  values: {
    CREATED: { description: 'Waiting for a worker to start it.' },
    RUNNING: { description: 'Pages are being written; `rowCount` grows.' },
    COMPLETED: { description: 'Every row is written: download the file from `url` until `expiresAt`.' },
    FAILED: { description: 'It stopped on an error (`errorCode`, `errorMessage`); no file is kept.' },
    CANCELED: { description: 'Cancelled by `cancelBulkExport`; no file is kept.' },
    EXPIRED: { description: 'It completed, and its file was deleted after its retention time.' },
  } as const,
});

type Status = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'EXPIRED';

builder.prismaNode('BulkExport', {
  id: { field: 'id' },
  select: { id: true },
  // Another organization's is null in node(id:).
  nullable: true,
  description:
    'A query run in the background over every page of one list, written as JSON lines (one node per line). ' +
    'Start one with `startBulkExport`; `bulk_export.finished` (a webhook or a `changes` subscription) says when it ended. ' +
    'The organization sees its exports; only the token that started one downloads its file.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: "The export's numeric id." }),
    status: t.field({ type: BulkExportStatus, description: 'Where it stands.', select: { status: true }, resolve: (e) => e.status as Status }),
    query: t.exposeString('query', { description: 'The document it runs, as it was sent.' }),
    rowCount: t.exposeInt('rowCount', { description: 'Rows (lines) written so far.' }),
    totalCount: t.exposeInt('totalCount', {
      nullable: true,
      description: "The list's `totalCount` when its first page was read; null before, and for a list without one.",
    }),
    progress: t.float({
      nullable: true,
      description: 'Rows written over `totalCount`, from 0 to 1 (1 once COMPLETED); null while unknown.',
      select: { status: true, rowCount: true, totalCount: true },
      resolve: (e) => exportProgress(e),
    }),
    fileSize: t.field({ type: 'BigInt', description: 'Bytes written so far (UTF-8).', select: { byteCount: true }, resolve: (e) => e.byteCount }),
    cost: t.field({
      type: 'BigInt',
      description: "Points its rows cost so far: each row what one node of its selection costs (docs/rate-limits.md), as an ordinary page would charge it.",
      select: { cost: true },
      resolve: (e) => e.cost,
    }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'Why it FAILED, as a code (`UNAUTHENTICATED`, `BAD_USER_INPUT`, `INTERNAL`, ...); null otherwise.' }),
    errorMessage: t.exposeString('errorMessage', { nullable: true, description: 'Why it FAILED, in words; null otherwise.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was started.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker began its first page; null while CREATED.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it completed, failed or was cancelled.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until when the file can be downloaded (BULK_EXPORT_RETENTION_HOURS after it completed); then it is deleted.',
    }),
    url: t.string({
      nullable: true,
      description:
        'Where to download the file (`GET`, with the same `Authorization: Bearer` token that started the export; ' +
        '`Content-Type: application/jsonl`). Null unless COMPLETED and not expired.',
      select: { id: true, status: true, expiresAt: true },
      resolve: (e, _args, ctx) => exportUrl(e, ctx.origin ?? ''),
    }),
  }),
});

builder.queryFields((t) => ({
  bulkExport: byIdField(t, 'BulkExport', "One of the organization's bulk exports. An unknown id, or one of another organization, is a `NOT_FOUND` error."),
  currentBulkExport: t.prismaField({
    type: 'BulkExport',
    nullable: true,
    description: "The export the caller's token is running, or else the last one it started; null if it never started one.",
    resolve: async (query, _root, _args, ctx) => {
      const where = { tokenHash: ctx.tokenHash ?? '' };
      return (
        (await ctx.db.bulkExport.findFirst({ ...query, where: { ...where, status: { in: UNFINISHED } } })) ??
        ctx.db.bulkExport.findFirst({ ...query, where, orderBy: { id: 'desc' } })
      );
    },
  }),
}));

const StartBulkExportInput = builder.inputType('StartBulkExportInput', {
  description: 'What to export.',
  fields: (t) => ({
    query: t.string({
      required: true,
      description:
        'A query with exactly one list (connection) at its root, without `first`/`last`/`before`/`after` and without variables, ' +
        'selecting `nodes { ... }` or `edges { node { ... } }`: e.g. `{ expenses(filter: { date: { gte: "2026-01-01" } }) { nodes { id name amount { original { cents currency } } } } }`. ' +
        `At most 20 000 characters; checked like any query (an invalid one is \`INVALID\` at \`query\`, with the reason).`,
    }),
  }),
});

const CancelBulkExportInput = builder.inputType('CancelBulkExportInput', {
  description: 'The export to cancel.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The export (`BulkExport.id`).' }) }),
});

builder.mutationFields((t) => ({
  startBulkExport: t.field({
    type: payloadType('StartBulkExportPayload', 'BulkExport', 'The result of `startBulkExport`.'),
    description:
      'Starts exporting every row of one list in the background, as the caller sees it, as JSON lines. One unfinished export per ' +
      'token (another is `CONFLICT`). Follow it with `bulkExport(id)` or `currentBulkExport`, or wait for `bulk_export.finished`.',
    args: { input: t.arg({ type: StartBulkExportInput, required: true, description: 'The query to export.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      // The export runs as this token; a context without one (none is built so) must not share ''.
      if (!ctx.tokenHash) throw new Error('startBulkExport: the request has no token hash');
      const planned = planExport(info.schema, input.query);
      if (!planned.ok) return toPayload(fail({ field: at('query'), message: planned.message, code: 'INVALID' }));
      // What a page costs, per row: the export's rows are counted at this rate (`BulkExport.cost`).
      const pageCost = requestedCost(info.schema, parse(planned.plan.page), { bulkFirst: DEFAULT_PAGE_SIZE, bulkAfter: null });
      const rowCost = Math.max(1, Math.ceil(pageCost / DEFAULT_PAGE_SIZE));
      // A page is held in memory while it is written: a node with large nested lists would make it huge.
      if (rowCost > MAX_ROW_COST) {
        return toPayload(
          fail({
            field: at('query'),
            message: `One node of this selection costs ${rowCost} points; an export allows at most ${MAX_ROW_COST} (ask nested lists for fewer items).`,
            code: 'INVALID',
          }),
        );
      }
      return toPayload(await startBulkExport(ctx.db, ctx.viewer, { query: input.query, tokenHash: ctx.tokenHash ?? '', rowCost }));
    },
  }),
  cancelBulkExport: t.field({
    type: payloadType('CancelBulkExportPayload', 'BulkExport', 'The result of `cancelBulkExport`.'),
    description:
      'Stops an unfinished export and deletes what it wrote: its person or an admin may (`FORBIDDEN` for other members). ' +
      '`NOT_FOUND` for an unknown id or one of another organization; `CONFLICT` once finished.',
    args: { input: t.arg({ type: CancelBulkExportInput, required: true, description: 'The export.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await cancelBulkExport(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'BulkExport'), ctx.origin ?? '')),
  }),
}));
