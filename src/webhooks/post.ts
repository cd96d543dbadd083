// One HTTP POST of a delivery. The host is resolved and checked first (src/webhooks/url-guard.ts),
// and the connection goes to that checked address: the socket's `lookup` answers it instead of
// asking DNS again, so a name that changes its answer between check and connect cannot redirect the
// request (DNS rebinding). TLS still verifies the certificate against the URL's host name.
// Redirects are not followed: a 3xx is a failed attempt like any other non-2xx answer.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { HOST_NOT_USABLE, RefusedAddress, resolveTarget, type AddressPolicy, type Resolver } from './url-guard.js';

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

/**
 * What came of one attempt: delivered (2xx), or why not, with the status when there was an answer.
 * `error` is stored on the delivery and shown to the organization: fixed words that never name an
 * address, a resolution result or an internal error text. `detail` is the underlying error, for the
 * operator's log only (never stored, never shown).
 */
export type PostOutcome = { delivered: true; status: number } | { delivered: false; status: number | null; error: string; detail?: string };

/** Longest underlying error text kept for the operator's log. */
const MAX_ERROR = 500;

const pinned =
  (address: string, family: 4 | 6): LookupFunction =>
  (_hostname, options, callback) => {
    // Node asks for all addresses when it may try several (autoSelectFamily); either way, only this one.
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };

/**
 * Words for a failed connection, chosen by error code only. Node's messages name the address
 * connected to (`connect ECONNREFUSED 10.0.0.7:443`, which tells what a name resolved to), the
 * certificate's names, or OpenSSL's internals: none of that reaches the organization.
 */
const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the receiver',
  EPIPE: 'connection closed by the receiver while sending',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network unreachable',
  // A name that does not resolve reads like one that resolves to a refused address (url-guard.ts).
  ENOTFOUND: HOST_NOT_USABLE,
  ENODATA: HOST_NOT_USABLE,
  EAI_NONAME: HOST_NOT_USABLE,
  EAI_FAIL: HOST_NOT_USABLE,
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ESERVFAIL: 'host name lookup failed (temporary)',
  CERT_HAS_EXPIRED: 'TLS: the certificate has expired',
  CERT_NOT_YET_VALID: 'TLS: the certificate is not valid yet',
  CERT_REVOKED: 'TLS: the certificate is revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS: the certificate does not match the URL's host name",
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: the certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the certificate is not signed by a trusted authority (or its chain is incomplete)',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS: the certificate is not signed by a trusted authority (or its chain is incomplete)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: the certificate is not signed by a trusted authority (or its chain is incomplete)',
};

/** The organization's words for a failed attempt (see CONNECTION_ERRORS), and the operator's. */
export function describeFailure(error: unknown, timeoutMs: number, timedOut: boolean): { error: string; detail?: string } {
  const e = error as NodeJS.ErrnoException;
  const detail = error instanceof RefusedAddress ? error.detail : `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`.slice(0, MAX_ERROR);
  if (timedOut) return { error: `no answer within ${timeoutMs} ms` };
  if (error instanceof RefusedAddress) return { error: error.message, detail };
  const code = typeof e?.code === 'string' ? e.code : '';
  const known = CONNECTION_ERRORS[code];
  if (known) return { error: known, detail };
  if (/^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|ERR_OSSL_)/.test(code)) return { error: 'TLS handshake failed', detail };
  if (code.startsWith('HPE_')) return { error: 'the receiver sent an invalid HTTP response', detail };
  // An unlisted code is a constant name (no address in it); anything else is not shown at all.
  return { error: /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? `connection failed (${code})` : 'connection failed', detail };
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
    return { delivered: false, status: null, ...describeFailure(error, request.timeoutMs, timedOut) };
  } finally {
    clearTimeout(timer);
  }
}
