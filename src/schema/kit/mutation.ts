// The mutation kit: every mutation takes one `input` and returns a payload with the object as it is
// now (null when there are user errors) and `userErrors`; deletes return the deleted id instead.
// Domain functions return a `Result`; these helpers turn it into a payload.
import type { Result, UserError } from '../../domain/kit/result.js';
import type PrismaTypes from '../../generated/pothos-types.js';
import { builder } from '../builder.js';
import { UserErrorRef } from '../errors.js';
import { inputId } from '../ids.js';
import { delegateName, delegateOf } from './delegate.js';

interface Payload {
  id: number | null;
  userErrors: UserError[];
}

interface DeletePayload {
  deletedId: string | null;
  userErrors: UserError[];
}

/** The object type each payload type loads, by payload type name (what an idempotent replay must be able to read). */
const payloadObjects = new Map<string, string>();

/** The object type a payload type loads; undefined for a type that is not a payload. */
export const payloadObjectType = (payloadName: string): string | undefined => payloadObjects.get(payloadName);

/**
 * A payload type whose `<type>` field (e.g. `expense`) loads the written object with the query's
 * selection, as the caller may see it (a private task of someone else is null, as in node(id:)).
 */
export function payloadType(name: string, type: keyof PrismaTypes & string, description: string) {
  const model = delegateName(type);
  payloadObjects.set(name, type);
  return builder.objectRef<Payload>(name).implement({
    description,
    fields: (t) => ({
      [model]: t.prismaField({
        type,
        nullable: true,
        description: `The ${model} as it is now; null when there are user errors.`,
        resolve: (query, payload, _args, ctx) => {
          // Read the selection even when there is nothing to load: Pothos checks it was used. What the
          // caller may not see (another person's private task) the data layer does not return.
          const selection = { ...query };
          if (payload.id === null) return null;
          return delegateOf<{ findUnique(a: object): Promise<never> }>(ctx, type).findUnique({ ...selection, where: { id: payload.id } });
        },
      }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
    }),
  });
}

export function toPayload(result: Result<{ id: number }>): Payload {
  return result.ok ? { id: result.value.id, userErrors: [] } : { id: null, userErrors: result.errors };
}

/** The payload of a delete: `<field>` is the deleted object's global id. */
export function deletePayloadType(name: string, field: string, description: string) {
  return builder.objectRef<DeletePayload>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.exposeID('deletedId', { nullable: true, description: 'The global id of the deleted object.' }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
    }),
  });
}

export function toDeletePayload(globalId: string, result: Result<unknown>): DeletePayload {
  return result.ok ? { deletedId: globalId, userErrors: [] } : { deletedId: null, userErrors: result.errors };
}

/** An input that only names an object: `{ id: ID! }`. */
export function idInput(name: string, description: string) {
  return builder.inputType(name, { description, fields: (t) => ({ id: t.id({ required: true }) }) });
}

/** The database id of a mutation's `input.id`; a malformed id or one of another type matches nothing. */
export const inputDatabaseId = (id: string | number, type: string): number => inputId(String(id), type)!;
