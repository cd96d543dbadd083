// What only an organization's admins may do through the API (managing its webhooks, members and
// roles): the fields that do it call `requireAdmin` first, so a member gets a clear FORBIDDEN
// rather than an empty answer. The data layer hides the same models from a member's client
// (ADMIN_ONLY in src/db/scope.ts), which holds if a field forgets.
import { GraphQLError } from 'graphql';
import type { Context } from '../context.js';

export function requireAdmin(ctx: Context, what: string): void {
  if (ctx.viewer.role === 'admin') return;
  throw new GraphQLError(`Only the organization's admins can ${what}.`, { extensions: { code: 'FORBIDDEN' } });
}
