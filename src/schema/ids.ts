// Global ids: base64 of `Type:id`, where Type is a node type of this schema and id a positive int4.
// Anything else a client sends where an id belongs is a mistake we name (BAD_USER_INPUT), never a
// database error; a well-formed id that matches nothing is simply not found.
//
// Only the spelling the API issues is an id: base64 decoders ignore what does not fit (a trailing
// character, missing padding, URL-safe letters, leading zeros in the number), so many strings would
// otherwise name one object (`RXhwZW5zZTox0` was Expense 1). An id must re-encode to itself, as
// cursors must (src/domain/kit/keyset.ts).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { BadInput } from '../domain/kit/errors.js';
import { builder } from './builder.js';

const INT4_MAX = 2 ** 31 - 1;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

/** Whether `typename` is a node type (a Prisma-backed object type: every one of ours is a node). */
function isNodeType(typename: string): boolean {
  const config = builder.configStore.typeConfigs.get(typename);
  return config?.kind === 'Object' && config.extensions?.pothosPrismaModel !== undefined;
}

/** Decodes a global id of any node type, or throws `BadInput` naming `argument`. */
export function decodeId(globalId: string, argument: string): { typename: string; id: number } {
  const refuse = (why: string): never => {
    throw new BadInput(`\`${argument}\`: ${JSON.stringify(globalId.slice(0, 100))} is not a valid id (${why}).`, argument);
  };
  if (globalId.length === 0 || globalId.length > 200 || !BASE64.test(globalId)) refuse('not a global id');
  const match = /^([A-Za-z]\w{0,63}):(\d{1,10})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  if (!match) return refuse('not a global id');
  const [, typename, digits] = match as unknown as [string, string, string];
  if (encodeGlobalID(typename, Number(digits)) !== globalId) refuse('not an id this API issued');
  if (!isNodeType(typename)) refuse(`there is no type ${typename}`);
  const id = Number(digits);
  if (id < 1 || id > INT4_MAX) refuse('no such id can exist');
  return { typename, id };
}

/** Decodes a global id that must be of `typename`. */
export function decodeIdOf(globalId: string, typename: string, argument: string): number {
  const decoded = decodeId(globalId, argument);
  if (decoded.typename !== typename) {
    throw new BadInput(`\`${argument}\` expects ${article(typename)} ${typename} id; this is ${article(decoded.typename)} ${decoded.typename} id.`, argument);
  }
  return decoded.id;
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a');

/** For filters: a list of ids of one type, or a clear error naming the argument. */
export function filterIds(globalIds: readonly string[] | null | undefined, typename: string, path: string): number[] | undefined {
  return globalIds?.map((g, i) => decodeIdOf(g, typename, `${path}[${i}]`));
}

/** For mutation inputs: undefined and null pass through; anything not an id of `typename` becomes one that matches nothing. */
export function inputId(globalId: string | null | undefined, typename: string): number | null | undefined {
  if (globalId == null) return globalId;
  try {
    return decodeIdOf(globalId, typename, 'input');
  } catch {
    return INVALID_ID;
  }
}

/** Stands in, in mutation inputs, for an id that cannot name a record: it behaves like one that does not exist. */
export const INVALID_ID = -1;
