// Who may read which objects of their organization, beyond the organization scope that every query
// has (src/db/scope.ts): for now, private tasks. One rule per type, applied wherever an object is
// loaded by id for the caller (node(id:), lists, a mutation's payload, an idempotent replay), so that
// none of those shows more than the others.
import type { Where } from '../../domain/kit/conditions.js';
import type { Context } from '../context.js';
import { delegateOf } from './delegate.js';

type Rule = (ctx: Context) => Where;

const rules = new Map<string, Rule>();

/** Declares the condition a `type`'s rows must meet to be visible to the caller. */
export function restrictVisibility(type: string, rule: Rule): Rule {
  rules.set(type, rule);
  return rule;
}

/** The `where` of one object of `type` by id, as the caller may see it. */
/** Whether who may read a `type` depends on the caller beyond the organization (private items). */
export const hasVisibilityRule = (type: string): boolean => rules.has(type);

export function visibleById(ctx: Context, type: string, id: number): Where {
  const rule = rules.get(type);
  return rule ? { id, AND: [rule(ctx)] } : { id };
}

/** Whether the caller can read the object of `type` with this id now (live, in scope, visible to them). */
export async function isReadable(ctx: Context, type: string, id: number): Promise<boolean> {
  const row = await delegateOf<{ findUnique(a: object): Promise<unknown> }>(ctx, type).findUnique({
    where: visibleById(ctx, type, id),
    select: { id: true },
  });
  return row !== null;
}
