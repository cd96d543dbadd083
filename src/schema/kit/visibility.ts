// Whether the caller can read an object, as node(id:) would show it: in their organization, live, and
// not private to someone else -- all three enforced by the data layer (src/db/scope.ts), so a
// payload, an idempotent replay and node(id:) cannot disagree on what the caller sees.
import type { Context } from '../context.js';
import { delegateOf } from './delegate.js';

/** Whether the caller can read the object of `type` with this id now (live, in scope, visible to them). */
export async function isReadable(ctx: Context, type: string, id: number): Promise<boolean> {
  const row = await delegateOf<{ findUnique(a: object): Promise<unknown> }>(ctx, type).findUnique({
    where: { id },
    select: { id: true },
  });
  return row !== null;
}
