// Response compression: brotli or gzip, as the request's Accept-Encoding allows (brotli when both are
// equally welcome), with `Vary: Accept-Encoding` so that caches keep one copy per encoding.
//
// Not @whatwg-node/server's useContentEncoding (what Yoga documents): it takes the first encoding the
// header names without trimming or weighing (`gzip, br` → gzip; `br;q=0` → br), sets no Vary,
// compresses bodies of a few bytes, and pipes SSE streams through a CompressionStream that holds
// events back until it has a block to flush (graphql-hive's gateway skips event streams for that).
//
// Only whole bodies of the types below are compressed: GraphQL results, GraphiQL's page, /metrics.
// Event streams (subscriptions) and multipart results are sent as they come, uncompressed. The work
// runs on libuv's thread pool (zlib's async functions), not on the event loop.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export type Encoding = 'br' | 'gzip';

/** Smaller bodies go raw: the headers and the work cost more than the bytes saved. */
export const MIN_COMPRESSED_BYTES = 1024;

const COMPRESSIBLE = /^(application\/(json|graphql-response\+json|javascript)|text\/(html|css|javascript|plain)|image\/x-icon)\b/;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * The encoding to answer with, from an Accept-Encoding header (RFC 9110 §12.5.3): the highest
 * weight wins, brotli on a tie; `q=0` refuses one, `*` stands for those not named; null for identity.
 */
export function chooseEncoding(acceptEncoding: string | null | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    if (Number.isFinite(q)) weights.set(name, Math.min(Math.max(q, 0), 1));
  }
  const weight = (name: Encoding) => weights.get(name) ?? weights.get('*') ?? 0;
  const br = weight('br');
  const gz = weight('gzip');
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? 'br' : 'gzip';
}

/**
 * Compresses a body. `static` is for content compressed once and kept (GraphiQL's assets): brotli 9
 * is 4 % larger than brotli 11 and 15 times faster (1.6 s rather than 23 s for GraphiQL's 5 MB
 * script, which the first visitor waits for). The default suits a response per request: brotli 5
 * is about gzip 6's speed and 10-20 % smaller.
 */
export function compress(body: Uint8Array, encoding: Encoding, effort: 'dynamic' | 'static' = 'dynamic'): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: effort === 'static' ? 9 : 6 });
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: effort === 'static' ? 9 : 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  });
}

/** Adds `Accept-Encoding` to a response's Vary header (CORS may have put `Origin` there). */
export function varyOnEncoding(headers: Headers): void {
  const vary = headers.get('vary');
  if (!vary) headers.set('vary', 'Accept-Encoding');
  else if (!vary.split(',').some((v) => v.trim().toLowerCase() === 'accept-encoding' || v.trim() === '*')) {
    headers.set('vary', `${vary}, Accept-Encoding`);
  }
}

/** Must be the last plugin with an onResponse hook: it replaces the response with its compressed copy. */
export function useCompression(): Plugin {
  return {
    // Synchronous when nothing is compressed: a hook that returns a promise makes Yoga finish the
    // request asynchronously (bench/results/2026-12-07-floor.md).
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (!response.body || response.headers.has('content-encoding')) return;
      const type = response.headers.get('content-type');
      if (!type || !COMPRESSIBLE.test(type)) return;
      // Whether this URL's body is compressed depends on the header, whatever this request sent.
      varyOnEncoding(response.headers);
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      if (!encoding) return;
      return compressed(response, encoding, fetchAPI).then(setResponse);
    },
  };
}

/** The response with its body compressed (when it is large enough to gain), and its length. */
async function compressed(response: Response, encoding: Encoding, fetchAPI: { Headers: typeof Headers; Response: typeof Response }): Promise<Response> {
  const raw = new Uint8Array(await response.arrayBuffer());
  const headers = new fetchAPI.Headers(response.headers);
  let body: Uint8Array<ArrayBuffer> = raw;
  if (raw.byteLength >= MIN_COMPRESSED_BYTES) {
    body = new Uint8Array(await compress(raw, encoding));
    headers.set('content-encoding', encoding);
  }
  headers.set('content-length', String(body.byteLength));
  return new fetchAPI.Response(body, { status: response.status, statusText: response.statusText, headers });
}
