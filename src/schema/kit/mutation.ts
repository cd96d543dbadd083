// The mutation kit: every mutation takes one `input` and returns a payload with the object as it is
// now (null when there are user errors) and `userErrors`; deletes return the deleted id and the
// recycle bin entry they filed instead.
// Domain functions return a `Result`; these helpers turn it into a payload.
import type { Result, UserError } from '../../domain/kit/result.js';
import type { Deleted } from '../../domain/recycle-bin.js';
import { getDatamodel } from '../../generated/pothos-types.js';
import type PrismaTypes from '../../generated/pothos-types.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { UserErrorRef } from '../errors.js';
import { inputId } from '../ids.js';
import { delegateName, delegateOf, typeWords } from './delegate.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

interface Payload {
  id: number | null;
  /** The row the domain returned, when it did: the payload reads it instead of the database if it covers the selection. */
  row?: Record<string, unknown>;
  userErrors: UserError[];
}

/** Scalar (and enum) field names per model: what a row loaded without relations holds. */
const SCALARS = new Map(
  Object.entries(getDatamodel().datamodel.models).map(([name, model]) => [
    name,
    model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => f.name),
  ]),
);

/**
 * Whether `row` already holds what Pothos' `query` asks for: no relation, no count, only scalars the
 * row has. A selection with relations is read. The row was written through the caller's scoped
 * client, which returns only what the caller may see (privacy included, src/db/scope.ts).
 */
function covers(type: string, query: Record<string, unknown>, row: Record<string, unknown>): boolean {
  for (const key of Object.keys(query)) if (key !== 'select' && key !== 'include') return false;
  const include = query.include as Record<string, unknown> | undefined;
  if (include && Object.values(include).some((v) => v !== false && v !== undefined)) return false;
  const select = query.select as Record<string, unknown> | undefined;
  if (select) return Object.entries(select).every(([field, v]) => v === false || v === undefined || (v === true && field in row && SCALARS.get(type)?.includes(field)));
  // Include mode (or nothing asked): every scalar of the model.
  return (SCALARS.get(type) ?? []).every((field) => field in row);
}

interface DeletePayload {
  deletedId: string | null;
  /** The bin entry the delete filed; null with user errors, or for a type that files none. */
  entryId: number | null;
  userErrors: UserError[];
}

/** The description of every payload's `userErrors`. */
const USER_ERRORS =
  'Every problem of the input at once, in the order of its fields; empty when the mutation succeeded. When there is any, nothing was written.';

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
          const selection = { ...query } as Record<string, unknown>;
          if (payload.id === null) return null;
          // Written in this request's transaction and returned by the domain: no second read.
          if (payload.row && covers(type, selection, payload.row)) return payload.row as never;
          return delegateOf<{ findUnique(a: object): Promise<never> }>(ctx, type).findUnique({ ...selection, where: { id: payload.id } });
        },
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS, resolve: (payload) => payload.userErrors }),
    }),
  });
}

export function toPayload(result: Result<{ id: number }>): Payload {
  if (!result.ok) return { id: null, userErrors: result.errors };
  // A replay (`replayed: true`) carries only an id: it is read as it is now, as the caller may see it.
  const value = result.value as Record<string, unknown> & { id: number };
  return value.replayed === true ? { id: value.id, userErrors: [] } : { id: value.id, row: value, userErrors: [] };
}

/** What a delete mutation's `deletedItem` says by default: the entry its delete files. */
const ENTRY =
  'The recycle bin entry the delete filed, as `deletedItems` lists it: `restoreDeletedItem(input: { id })` with its `id` ' +
  'undoes the delete. Null when there are user errors.';

/**
 * The payload of a delete: `<field>` is the deleted object's global id, `deletedItem` the bin entry
 * it filed (`entry` describes it; a type that files none says so there).
 */
export function deletePayloadType(name: string, field: string, description: string, entry = ENTRY) {
  return builder.objectRef<DeletePayload>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.exposeID('deletedId', { nullable: true, description: 'The global id of the deleted object; null when there are user errors.' }),
      deletedItem: t.prismaField({
        type: 'DeletedItem',
        nullable: true,
        description: entry,
        // Read through the caller's client: the entry is theirs (they deleted it), private or not.
        resolve: (query, payload, _args, ctx) => {
          const selection = { ...query };
          if (payload.entryId === null) return null;
          return ctx.db.deletedItem.findUnique({ ...selection, where: { id: payload.entryId } });
        },
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS, resolve: (payload) => payload.userErrors }),
    }),
  });
}

export function toDeletePayload(globalId: string, result: Result<unknown>): DeletePayload {
  if (!result.ok) return { deletedId: null, entryId: null, userErrors: result.errors };
  const entryId = (result.value as Partial<Deleted> | null)?.entryId;
  return { deletedId: globalId, entryId: typeof entryId === 'number' ? entryId : null, userErrors: [] };
}

/** The `id` of an input that names the object to change. */
const ID_DESCRIPTION =
  "The object's global id; required. An unknown id, another organization's or one of another type is the user error `NOT_FOUND`.";

/** An input that only names an object: `{ id: ID! }`. */
export function idInput(name: string, description: string) {
  return builder.inputType(name, { description, fields: (t) => ({ id: t.id({ required: true, description: ID_DESCRIPTION }) }) });
}

/** The database id of a mutation's `input.id`; a malformed id or one of another type matches nothing. */
export const inputDatabaseId = (id: string | number, type: string): number => inputId(String(id), type)!;

/** What the delete mutation of a type does: `remove` deletes (through the bin, answering its entry). */
interface DeleteOptions {
  /** Follows "The result of `delete<Type>`." in the payload's description. */
  about?: string;
  /** Names the object in the input's description ("The <what> to delete.", by default the type in words). */
  what?: string;
  remove: (ctx: Context, id: number) => Promise<Result<Deleted>>;
}

/** A delete that files no bin entry (a webhook is gone for good): `noEntry` says why `deletedItem` is always null. */
interface DeleteWithoutEntry extends Omit<DeleteOptions, 'remove'> {
  noEntry: string;
  remove: (ctx: Context, id: number) => Promise<Result<unknown>>;
}

/**
 * The delete mutation of a type: `delete<Type>(input: { id })` answering `deleted<Type>Id` and
 * `deletedItem`, the recycle bin entry it filed (src/domain/recycle-bin.ts `deleteItem`), so that an
 * undo is one `restoreDeletedItem` call.
 */
export function deleteField(t: PothosSchemaTypes.MutationFieldBuilder<Types, object>, type: string, options: DeleteOptions | DeleteWithoutEntry) {
  const entry = 'noEntry' in options ? `Always null: ${options.noEntry}` : ENTRY;
  const what = options.what ?? typeWords(type);
  return t.field({
    description:
      `Deletes the ${what} \`input.id\` names.${options.about ? ` ${options.about}` : ''} An unknown id, another ` +
      "organization's, or one already deleted is the user error `NOT_FOUND`.",
    type: deletePayloadType(
      `Delete${type}Payload`,
      `deleted${type}Id`,
      `The result of \`delete${type}\`.${options.about ? ` ${options.about}` : ''}`,
      entry,
    ),
    args: { input: t.arg({ type: idInput(`Delete${type}Input`, `The ${what} to delete.`), required: true, description: `The ${what} to delete.` }) },
    resolve: async (_root, { input }, ctx) => toDeletePayload(String(input.id), await options.remove(ctx, inputDatabaseId(input.id, type))),
  });
}
