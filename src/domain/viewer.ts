// Who is acting, and for which organization: decided once per request by the server (auth), then
// handed to domain functions, which depend on nothing above them.

/**
 * A person's role in an organization: admins also manage its members, roles, webhooks and settings;
 * members do the agency's work.
 */
export type Role = 'admin' | 'member';

export const ROLES: readonly Role[] = ['admin', 'member'];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export interface Viewer {
  person: { id: number; firstName: string; lastName: string; email: string };
  organization: { id: number; name: string; defaultCurrency: string };
  /** The person's role in `organization`. */
  role: Role;
}

/** An organization a person belongs to, with their role there. */
export interface MemberOf {
  id: number;
  name: string;
  defaultCurrency: string;
  role: Role;
}
