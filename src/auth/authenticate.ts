// Who is calling, and for which organization: a request's bearer token (src/auth/tokens.ts) and
// its X-Tenant header become a viewer.
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { isRole, type MemberOf, type Viewer } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { bearerToken, hashToken } from './tokens.js';

function refuse(message: string, code: string, status: number): never {
  throw new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** Decodes an `X-Tenant` value: an organization's database id, or its global id. */
function parseTenant(header: string): number | null {
  const trimmed = header.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  const match = /^Organization:(\d{1,9})$/.exec(decoded);
  if (!match) return null;
  // Only the global id the API issues: base64 decoding ignores a trailing character or missing padding.
  const id = Number(match[1]);
  return Buffer.from(`Organization:${id}`, 'utf8').toString('base64') === trimmed ? id : null;
}

export interface TokenRow {
  revoked_at: Date | null;
  person_id: number;
  first_name: string;
  last_name: string;
  email: string;
  organization_id: number | null;
  organization_name: string | null;
  default_currency: string | null;
  role: string | null;
}

/**
 * The token, its person and the person's organizations in one statement: every request pays for
 * this, and Prisma's nested select made it four (token, person, memberships, organizations).
 */
function loadToken(system: PrismaClient, tokenHash: string): Promise<TokenRow[]> {
  return system.$queryRaw<TokenRow[]>`
    SELECT t.revoked_at, p.id AS person_id, p.first_name, p.last_name, p.email,
           o.id AS organization_id, o.name AS organization_name, o.default_currency, m.role
      FROM api_tokens t
      JOIN people p ON p.id = t.person_id
      LEFT JOIN memberships m ON m.person_id = p.id AND m.deactivated_at IS NULL
      LEFT JOIN organizations o ON o.id = m.organization_id
     WHERE t.token_hash = ${tokenHash}
     ORDER BY o.id`;
}

/**
 * Token hash -> its person and organizations, for a few seconds. A revocation or a membership change
 * made by another process (the CLI, another instance) takes effect within the cache's time to live
 * (the API has no revocation of its own yet). Only valid tokens are cached: a new one works at once.
 */
export type TokenCache = LRUCache<string, TokenRow[]>;

export const tokenCache = (ttlMs: number): TokenCache => new LRUCache({ max: 10_000, ttl: ttlMs });

/** The token's person and the organizations it belongs to, from `loadToken`'s rows (at least one). */
function personOf(rows: TokenRow[]) {
  const first = rows[0]!;
  const person = { id: first.person_id, firstName: first.first_name, lastName: first.last_name, email: first.email };
  const organizations = rows
    .filter((r) => r.organization_id !== null)
    // A role the database holds but this code does not know grants nothing beyond a member's.
    .map((r): MemberOf => ({ id: r.organization_id!, name: r.organization_name!, defaultCurrency: r.default_currency!, role: isRole(r.role!) ? r.role : 'member' }));
  return { person, organizations };
}

/**
 * The viewers a token stored by its hash may be, read afresh (no cache): for work that runs as a
 * token after its request (a bulk export, src/exports/) and for its download. Null when the token is
 * unknown or revoked; else the viewer in an organization, null where its person is not a member.
 */
export async function tokenViewers(system: PrismaClient, tokenHash: string): Promise<((organizationId: number) => Authenticated | null) | null> {
  const rows = await loadToken(system, tokenHash);
  if (!rows[0] || rows[0].revoked_at !== null) return null;
  const { person, organizations } = personOf(rows);
  return (organizationId) => {
    const membership = organizations.find((o) => o.id === organizationId);
    if (!membership) return null;
    const { role, ...organization } = membership;
    return { person, organization, role, organizations };
  };
}

/** The viewer of a token stored by its hash in `organizationId` (see `tokenViewers`); null if it does not work there. */
export async function viewerOfToken(system: PrismaClient, tokenHash: string, organizationId: number): Promise<Authenticated | null> {
  return (await tokenViewers(system, tokenHash))?.(organizationId) ?? null;
}

/** The viewer, and every organization its person belongs to (`viewer { organizations }`). */
export interface Authenticated extends Viewer {
  organizations: readonly MemberOf[];
}

/**
 * Resolves the request's viewer. Uses the unscoped client: this is the only code that reads tokens
 * and memberships across organizations, to decide which organization the request is bound to.
 */
export async function authenticate(system: PrismaClient, headers: Headers, cache?: TokenCache): Promise<Authenticated> {
  const token = bearerToken(headers);
  if (token === null) {
    refuse('Authentication required: send `Authorization: Bearer <token>`.', 'UNAUTHENTICATED', 401);
  }
  const tokenHash = hashToken(token);
  const hit = cache?.get(tokenHash);
  const rows = hit ?? (await loadToken(system, tokenHash));
  const first = rows[0];
  if (!first || first.revoked_at !== null) refuse('Invalid or revoked API token.', 'UNAUTHENTICATED', 401);
  // Stored once per load: refreshing on every hit would keep a revoked token alive while it is used.
  if (!hit) cache?.set(tokenHash, rows);

  const { person, organizations } = personOf(rows);
  const tenantHeader = headers.get('x-tenant');
  let organization;
  if (tenantHeader !== null && tenantHeader.trim() !== '') {
    const id = parseTenant(tenantHeader);
    organization = organizations.find((o) => o.id === id);
    // The same answer whether the organization exists or not: nothing leaks about other tenants.
    if (!organization) refuse(`You are not a member of organization ${tenantHeader.trim()}.`, 'FORBIDDEN', 403);
  } else if (organizations.length === 1) {
    organization = organizations[0]!;
  } else if (organizations.length === 0) {
    refuse('This token belongs to a person with no organization.', 'FORBIDDEN', 403);
  } else {
    refuse(
      `This person belongs to several organizations: choose one with the \`X-Tenant\` header (one of ${organizations
        .map((o) => o.id)
        .join(', ')}).`,
      'TENANT_REQUIRED',
      400,
    );
  }
  const { role, ...bound } = organization;
  return { person, organization: bound, role, organizations };
}
