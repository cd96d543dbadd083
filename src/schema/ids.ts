// Global ids as arguments and inputs (the format and its strictness: src/schema/kit/global-id.ts).
import { BadInput } from '../domain/kit/errors.js';
import { nodeIdKind } from './builder.js';
import { parseGlobalId, type DecodedId } from './kit/global-id.js';

/** Decodes a global id of any node type, or throws `BadInput` naming `argument`. */
export const decodeId = (globalId: string, argument: string): DecodedId => parseGlobalId(globalId, argument, nodeIdKind);

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
