// One HTTP POST of a delivery. The host is resolved and checked first (src/webhooks/url-guard.ts),
// and the connection goes to that checked address: the socket's `lookup` answers it instead of
// asking DNS again, so a name that changes its answer between check and connect cannot redirect the
// request (DNS rebinding). TLS still verifies the certificate against the URL's host name.
// Redirects are not followed: a 3xx is a failed attempt like any other non-2xx answer.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RefusedAddress, resolveTarget, type AddressPolicy, type Resolver } from './url-guard.js';

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole exchange (resolve, connect, send, response head) must end within this, in ms. */
  timeoutMs: number;
  policy: AddressPolicy;
  /** DNS, replaceable in tests. */
  resolve?: Resolver;
}

/** What came of one attempt: delivered (2xx), or why not, with the status when there was an answer. */
export type PostOutcome = { delivered: true; status: number } | { delivered: false; status: number | null; error: string };

/** Longest error text kept on a delivery (it is shown to the organization's users). */
const MAX_ERROR = 500;

const pinned =
  (address: string, family: 4 | 6): LookupFunction =>
  (_hostname, options, callback) => {
    // Node asks for all addresses when it may try several (autoSelectFamily); either way, only this one.
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };

/** Words for a failed connection that say what happened without a stack (and without our internals). */
function describe(error: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  if (error instanceof RefusedAddress) return error.message;
  const e = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the receiver',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed (temporary)',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return (e.code && known[e.code]) ?? `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, MAX_ERROR);
}

export async function post(request: PostRequest): Promise<PostOutcome> {
  const url = new URL(request.url);
  let timedOut = false;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  try {
    // DNS is bounded by the same deadline (a resolver may hang far longer than the receiver would).
    const expired = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error('timed out'))));
    const target = await Promise.race([resolveTarget(url.hostname, request.policy, request.resolve), expired]);
    const status = await new Promise<number>((resolve, reject) => {
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
          lookup: pinned(target.address, target.family),
          // A connection per delivery: a pooled socket would outlive the address check it was made under.
          agent: false,
          signal: controller.signal,
        },
        (res) => {
          // Only the status matters; the body is not read (a receiver could send gigabytes).
          resolve(res.statusCode ?? 0);
          res.destroy();
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
    if (status >= 200 && status < 300) return { delivered: true, status };
    const why = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
    return { delivered: false, status, error: why };
  } catch (error) {
    return { delivered: false, status: null, error: describe(error, request.timeoutMs, timedOut) };
  } finally {
    clearTimeout(timer);
  }
}
