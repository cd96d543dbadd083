// Webhook signatures, Stripe's scheme: `Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
// the HMAC keyed with the endpoint's secret over `<t>.<raw body>`. The timestamp is signed with the
// body, so a receiver that checks it is recent refuses a delivery replayed later. docs/events.md
// shows receivers how to verify; `verifySignature` is that check, for receivers written in Node.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Gateway-Signature';

/** How old a signature `verifySignature` accepts by default: Stripe's five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The header value for `body` signed at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` (the raw request body, exactly as received) with
 * `secret`, made at most `toleranceSeconds` from now. Several `v1` entries may be present (one per
 * secret while a secret is being rotated); any that matches is enough.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || !signatures.length) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  // Constant-time comparison: the time taken must not tell how much of a forged signature was right.
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}

/** A secret for an endpoint created without one: 32 random bytes, `whsec_` + base64url (48 characters). */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
