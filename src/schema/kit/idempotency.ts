// The GraphQL side of idempotent creates (rules in src/domain/kit/idempotency.ts): every create
// mutation's input has an `idempotencyKey` field, and its resolver runs the create through
// `idempotent`. The key is an input field rather than an `Idempotency-Key` header: it shows in the
// schema and GraphiQL, applies to one mutation field when a document has several, and survives
// persisted operations (where the variables carry it).
import { getNamedType, type GraphQLResolveInfo } from 'graphql';
import { IDEMPOTENCY_TTL_MS, idempotentCreate, MAX_IDEMPOTENCY_KEY, type Replayed } from '../../domain/kit/idempotency.js';
import type { Result } from '../../domain/kit/result.js';
import type { builder } from '../builder.js';
import type { Context } from '../context.js';
import { payloadObjectType } from './mutation.js';
import { isReadable } from './visibility.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const HOURS = IDEMPOTENCY_TTL_MS / 3_600_000;

/** The `idempotencyKey` field of a create mutation's input. */
export const idempotencyKeyField = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) =>
  t.string({
    description:
      `Makes retrying safe: a key of your choice (a UUID, say), 1 to ${MAX_IDEMPOTENCY_KEY} characters. The same key with ` +
      `the same input within ${HOURS} hours answers the object the first request created (as it is now) and creates ` +
      'nothing, also when both requests arrive at once. The same key with another input, or for another mutation, is ' +
      'the user error `IDEMPOTENCY_KEY_REUSED`. Keys are per organization and answer only the person who sent the ' +
      'first request, only while they can still read its object (otherwise `IDEMPOTENCY_KEY_REUSED`); a replay never ' +
      'shows a secret again. A create that ended with user errors keeps no key, so a corrected retry may use it.',
  });

/**
 * Runs a create mutation's resolver body at most once per key. `create` gets the input without the
 * key; a replay answers `{ id, replayed }` of the first result, which the payload loads, once the
 * caller is known to be allowed to read it (the object type is the one the mutation's payload loads).
 */
export function idempotent<I extends { idempotencyKey?: string | null }, T extends { id: number }>(
  ctx: Context,
  info: GraphQLResolveInfo,
  input: I,
  create: (fields: Omit<I, 'idempotencyKey'>) => Promise<Result<T>>,
): Promise<Result<T | Replayed>> {
  const { idempotencyKey, ...fields } = input;
  const payload = getNamedType(info.returnType).name;
  const type = payloadObjectType(payload);
  if (!type) throw new Error(`${info.fieldName}: an idempotent create's payload must be made by payloadType(), ${payload} is not`);
  return idempotentCreate(
    ctx.db,
    // The field's own name: an alias or a copied resolver cannot make two mutations share answers.
    {
      organizationId: ctx.viewer.organization.id,
      personId: ctx.viewer.person.id,
      key: idempotencyKey,
      operation: info.fieldName,
      input: fields,
      readable: (id) => isReadable(ctx, type, id),
    },
    () => create(fields),
  );
}
