// Global ids: base64 of `Type:id`, where Type is a node type of this schema and id a positive int4.
// Anything else a client sends where an id belongs is a mistake we name (BAD_USER_INPUT), never a
// database error; a well-formed id that matches nothing is simply not found.
//
// Only the spelling the API issues is an id: base64 decoders ignore what does not fit (a trailing
// character, missing padding, URL-safe letters, leading zeros in the number), so many strings would
// otherwise name one object (`RXhwZW5zZTox0` was Expense 1). An id must re-encode to itself, as
// cursors must (src/domain/kit/keyset.ts).
import { globalId as encode } from '../../domain/kit/global-id.js';
import { BadInput } from '../../domain/kit/errors.js';

const INT4_MAX = 2 ** 31 - 1;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

/** Decodes a global id of a type `isNodeType` accepts, or throws `BadInput` naming `argument`. */
export function parseGlobalId(globalId: string, argument: string, isNodeType: (typename: string) => boolean): { typename: string; id: number } {
  const refuse = (why: string): never => {
    throw new BadInput(`\`${argument}\`: ${JSON.stringify(globalId.slice(0, 100))} is not a valid id (${why}).`, argument);
  };
  if (globalId.length === 0 || globalId.length > 200 || !BASE64.test(globalId)) refuse('not a global id');
  const match = /^([A-Za-z]\w{0,63}):(\d{1,10})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  if (!match) return refuse('not a global id');
  const [, typename, digits] = match as unknown as [string, string, string];
  if (encode(typename, Number(digits)) !== globalId) refuse('not an id this API issued');
  if (!isNodeType(typename)) refuse(`there is no type ${typename}`);
  const id = Number(digits);
  if (id < 1 || id > INT4_MAX) refuse('no such id can exist');
  return { typename, id };
}
