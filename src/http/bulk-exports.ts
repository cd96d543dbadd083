// Bulk exports at the HTTP level: their download, and the service that runs them over this API's
// schema (`startExportService`, for npm start and the worker).
//
// `GET /bulk-exports/<id>`: a completed bulk export's file (src/exports/run.ts), streamed chunk by
// chunk from the database, so that memory stays flat whatever its size and any instance can serve
// it. Only the token that started the export downloads it, while it works and its person is still a
// member, until the export's `expiresAt`. No token, or one that does not work, is 401 (counted by
// the failed-authentication limit); a working token asking for anything but its own export gets a
// 404 that says nothing about whether the export exists (another token's, another organization's, none).
import type { Plugin } from 'graphql-yoga';
import { tokenViewers } from '../auth/authenticate.js';
import type { AuthenticationGate } from '../limits/rate-limit.js';
import { bearerToken, hashToken } from '../auth/tokens.js';
import { scopedClient } from '../db/scope.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { parseGlobalId } from '../schema/kit/global-id.js';
import { nodeIdKind } from '../schema/builder.js';
import { schema } from '../schema/index.js';
import { startExports, type ExportService, type ExportServiceOptions } from '../exports/queue.js';
import { AddressPolicy } from '../webhooks/url-guard.js';
import { backgroundContext } from './context.js';
import { maskError } from './errors.js';

type OnRequestPayload = Parameters<NonNullable<Plugin['onRequest']>>[0];

export const DOWNLOAD_PATH = '/bulk-exports/';

const problem = (fetchAPI: { Response: typeof Response }, status: number, message: string, headers: Record<string, string> = {}) =>
  new fetchAPI.Response(JSON.stringify({ error: message }), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The id in the path, or null for anything that is not one BulkExport global id. */
function exportIdOf(path: string): number | null {
  try {
    const decoded = parseGlobalId(decodeURIComponent(path.slice(DOWNLOAD_PATH.length)), 'id', nodeIdKind);
    return decoded.typename === 'BulkExport' ? decoded.id : null;
  } catch {
    return null;
  }
}

/**
 * `gate`: the rate limiter's limit on failed authentications (none when it is off), as on the GraphQL
 * endpoint: an address that sent too many bad tokens gets 429 before any is looked up.
 */
export function useExportDownloads(prisma: PrismaClient, gate?: AuthenticationGate): Plugin {
  return {
    // Synchronous on every other path: a hook that returns a promise makes Yoga run the rest of every
    // request's hooks asynchronously (bench/results/2026-12-07-floor.md).
    onRequest: (payload) => (payload.url.pathname.startsWith(DOWNLOAD_PATH) ? download(prisma, gate, payload) : undefined),
  };
}

/** GET /bulk-exports/<id>: the file of a COMPLETED export of the request's token, chunk by chunk. */
async function download(
  prisma: PrismaClient,
  gate: AuthenticationGate | undefined,
  { url, request, fetchAPI, endResponse, serverContext }: OnRequestPayload,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return endResponse(problem(fetchAPI, 405, 'Only GET downloads an export.', { allow: 'GET, HEAD' }));
  }
  const token = bearerToken(request.headers);
  if (token === null) {
    return endResponse(problem(fetchAPI, 401, 'Authentication required: send the `Authorization: Bearer <token>` that started the export.', { 'www-authenticate': 'Bearer' }));
  }
  const refused = await gate?.admit(request, serverContext);
  if (refused) return endResponse(problem(fetchAPI, 429, refused.message, { 'retry-after': String(refused.retryAfter) }));
  const tokenHash = hashToken(token);
  const viewerIn = await tokenViewers(prisma, tokenHash);
  if (!viewerIn) {
    await gate?.failed(request);
    return endResponse(problem(fetchAPI, 401, 'Invalid or revoked API token.', { 'www-authenticate': 'Bearer' }));
  }
  await gate?.succeeded(request);
  const id = exportIdOf(url.pathname);
  const found = id === null ? null : await prisma.bulkExport.findFirst({ where: { id, tokenHash } });
  // Its person must still be a member where the export was made.
  const viewer = found && viewerIn(found.organizationId);
  if (!found || !viewer) return endResponse(problem(fetchAPI, 404, 'No such export for this token.'));
  if (found.status === 'EXPIRED' || (found.expiresAt && found.expiresAt <= new Date())) {
    return endResponse(problem(fetchAPI, 410, 'This export has expired: its file was deleted. Start a new one.'));
  }
  if (found.status !== 'COMPLETED') return endResponse(problem(fetchAPI, 409, `This export is ${found.status}: only a COMPLETED one has a file.`));

  const headers = {
    'content-type': 'application/jsonl; charset=utf-8',
    'content-length': String(found.byteCount),
    'content-disposition': `attachment; filename="bulk-export-${found.id}.jsonl"`,
    'cache-control': 'private, no-store',
  };
  if (request.method === 'HEAD') return endResponse(new fetchAPI.Response(null, { status: 200, headers }));
  const db = scopedClient(prisma, { organizationId: found.organizationId });
  const encoder = new TextEncoder();
  let next = 0;
  // One chunk (a page of rows) in memory at a time, read when the client is ready for it.
  const body = new fetchAPI.ReadableStream({
    async pull(controller) {
      const [chunk] = await db.bulkExportChunk.findMany({ where: { exportId: found.id, seq: { gte: next } }, orderBy: { seq: 'asc' }, take: 1 });
      if (!chunk) return controller.close();
      next = chunk.seq + 1;
      controller.enqueue(encoder.encode(chunk.data));
    },
  });
  return endResponse(new fetchAPI.Response(body, { status: 200, headers }));
}

/**
 * The bulk export service of a process (src/exports/queue.ts) over this API's schema: each page
 * runs as an ordinary query of the export's token, in a context of its own.
 */
export function startExportService(
  options: Omit<ExportServiceOptions, 'schema' | 'contextFor' | 'mask'> & { webhookPolicy?: AddressPolicy },
): Promise<ExportService> {
  const policy = options.webhookPolicy ?? new AddressPolicy();
  return startExports({
    ...options,
    schema,
    contextFor: (viewer, requestId) => backgroundContext(options.prisma, viewer, requestId, policy),
    mask: (error, requestId) => maskError(error, requestId, options.logger),
  });
}
